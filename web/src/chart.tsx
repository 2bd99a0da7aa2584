// Chart.js behind one small component. Chart.js lives in its own chunk, fetched while the
// page's data loads, so the numbers never wait for it; animation is off.
import type { Chart, ChartConfiguration } from 'chart.js';
import { useEffect, useRef, useState } from 'preact/hooks';

const chartModule = import('./chart-setup.js');

/** Colours with ≥ 3:1 contrast on white, told apart by more than hue where it matters. */
export const COLORS = ['#1d4ed8', '#b45309', '#047857', '#b91c1c', '#6d28d9', '#0e7490', '#a21caf', '#4d7c0f'];

/** An x axis from 0 to 100 %. */
export const RATE_AXIS = { min: 0, max: 1, ticks: { callback: (v: number | string) => `${Math.round(Number(v) * 100)} %` } };

/**
 * Horizontal bars with their interval as error bars, one per labelled group (Breakdowns,
 * Compare): `x` the estimate, `xMin`/`xMax` the interval's ends.
 */
export function intervalBars(o: {
  label: string;
  labels: string[];
  points: { x: number; xMin: number; xMax: number }[];
  xAxis: object;
  tooltip?: (index: number) => string;
}): ChartConfiguration {
  const tooltip = o.tooltip;
  return {
    type: 'barWithErrorBars',
    data: {
      labels: o.labels,
      datasets: [{
        label: o.label,
        data: o.points,
        backgroundColor: COLORS[0],
        errorBarColor: '#111827',
        errorBarWhiskerColor: '#111827',
        errorBarLineWidth: 1.5,
        errorBarWhiskerSize: 14,
      }],
    },
    options: {
      indexAxis: 'y',
      scales: { x: o.xAxis },
      plugins: {
        legend: { display: false },
        ...(tooltip ? { tooltip: { callbacks: { label: (ctx: { dataIndex: number }) => tooltip(ctx.dataIndex) } } } : {}),
      },
    },
  } as unknown as ChartConfiguration;
}

/**
 * A canvas chart. `label` is the accessible name (canvas content is invisible to screen
 * readers); every chart's numbers are also in a table on the same page.
 */
export function ChartView(props: { config: ChartConfiguration; label: string; height?: number; testId?: string }) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const chart = useRef<Chart | null>(null);
  // Until Chart.js has loaded and drawn, the frame says so instead of standing blank.
  const [drawn, setDrawn] = useState(false);
  useEffect(() => {
    // Drawn after the next frame, the one that shows the page's numbers: charts never delay them.
    let timer: ReturnType<typeof setTimeout> | undefined;
    let cancelled = false;
    const frame = requestAnimationFrame(() => {
      timer = setTimeout(() => {
        void chartModule.then(({ Chart: ChartJs }) => {
          if (!canvas.current || cancelled) return;
          chart.current?.destroy();
          chart.current = new ChartJs(canvas.current, props.config);
          setDrawn(true);
        });
      }, 0);
    });
    return () => {
      cancelled = true;
      cancelAnimationFrame(frame);
      if (timer !== undefined) clearTimeout(timer);
    };
  }, [props.config]);
  useEffect(() => () => chart.current?.destroy(), []);
  return (
    <div class="chart" style={{ height: `${props.height ?? 220}px` }} data-testid={props.testId} data-state={drawn ? 'drawn' : 'loading'} aria-busy={!drawn}>
      <canvas ref={canvas} role="img" aria-label={props.label} />
      {drawn ? null : <p class="chart-loading" role="status">Drawing chart…</p>}
    </div>
  );
}

import type { ChartConfiguration } from 'chart.js';
import { useMemo } from 'preact/hooks';
import { useApi } from '../api.js';
import type { GroupReport, Report, SpeedupBin } from '../api.js';
import { COLORS, ChartView } from '../chart.js';
import type { PageProps } from '../filter-bar.js';
import { count, duration, pct, ratio } from '../format.js';
import { apiQuery } from '../route.js';
import { SortableTable } from '../sortable.js';
import type { Column } from '../sortable.js';

interface AutomationAnswer {
  optimizations: Report['optimizations'];
  operations: { operation: string; optimizations: GroupReport['optimizations'] }[];
  speedups: SpeedupBin[];
  series: { day: string; sessions: number; variants_generated: number; validated: number; promoted: number; speedup_geomean: number | null }[];
}

type Op = AutomationAnswer['operations'][number];

const COLUMNS: Column<Op>[] = [
  { key: 'op', label: 'Operation', value: (o) => o.operation },
  { key: 'sessions', label: 'Sessions', value: (o) => o.optimizations.sessions, numeric: true },
  { key: 'generated', label: 'Generated', value: (o) => o.optimizations.variants_generated, render: (o) => count(o.optimizations.variants_generated), numeric: true },
  { key: 'validated', label: 'Validated', value: (o) => o.optimizations.validated, render: (o) => count(o.optimizations.validated), numeric: true },
  { key: 'promoted', label: 'Promoted', value: (o) => o.optimizations.promoted, numeric: true },
  { key: 'vrate', label: 'Validation rate', value: (o) => o.optimizations.validation_rate, render: (o) => pct(o.optimizations.validation_rate), numeric: true },
  { key: 'speedup', label: 'Speedup (geo. mean)', value: (o) => o.optimizations.speedup_geomean, render: (o) => ratio(o.optimizations.speedup_geomean), numeric: true },
  { key: 'nobase', label: 'No baseline', value: (o) => o.optimizations.sessions_without_baseline, numeric: true },
  { key: 'saved', label: 'Latency saved', value: (o) => o.optimizations.latency_saved_ms, render: (o) => duration(o.optimizations.latency_saved_ms), numeric: true },
];

export function Automation(props: PageProps) {
  const q = apiQuery(props.route.params, props.defaults);
  const { data, error } = useApi<AutomationAnswer>(`api/automation?${q}`, props.version);
  const charts = useMemo(() => {
    if (!data) return undefined;
    const o = data.optimizations;
    const funnel = {
      type: 'bar',
      data: { labels: ['generated', 'validated', 'promoted'], datasets: [{ label: 'variants', data: [o.variants_generated, o.validated, o.promoted], backgroundColor: [COLORS[0], COLORS[2], COLORS[4]] }] },
      options: { indexAxis: 'y', plugins: { legend: { display: false } }, scales: { x: { beginAtZero: true } } },
    } as ChartConfiguration;
    const histogram = {
      type: 'bar',
      data: { labels: data.speedups.map((b) => `${b.low.toFixed(2)}–${b.high.toFixed(2)}×`), datasets: [{ label: 'sessions', data: data.speedups.map((b) => b.sessions), backgroundColor: data.speedups.map((b) => (b.high <= 1 ? COLORS[3] : COLORS[2])) }] },
      options: { plugins: { legend: { display: false } }, scales: { y: { beginAtZero: true, ticks: { precision: 0 } }, x: { title: { display: true, text: 'baseline ÷ optimised latency' } } } },
    } as ChartConfiguration;
    const daily = {
      type: 'bar',
      data: {
        labels: data.series.map((d) => d.day.slice(5)),
        datasets: [
          { type: 'bar', label: 'sessions', data: data.series.map((d) => d.sessions), backgroundColor: COLORS[0], yAxisID: 'y' },
          { type: 'line', label: 'speedup (geo. mean)', data: data.series.map((d) => d.speedup_geomean), borderColor: COLORS[1], backgroundColor: COLORS[1], yAxisID: 'speedup', spanGaps: true, pointRadius: 2 },
        ],
      },
      options: { scales: { y: { beginAtZero: true, ticks: { precision: 0 } }, speedup: { position: 'right', grid: { drawOnChartArea: false }, title: { display: true, text: '×' } } }, plugins: { legend: { position: 'bottom' } } },
    } as ChartConfiguration;
    return { funnel, histogram, daily };
  }, [data]);
  if (error) return <p role="alert" class="error">{error}</p>;
  if (!data || !charts) return <p class="muted">Loading…</p>;
  const o = data.optimizations;
  return (
    <section aria-labelledby="h-automation">
      <h1 id="h-automation">Automation</h1>
      <div class="cards">
        <div class="card" data-testid="card-sessions"><h3>Optimisation sessions</h3><p class="value">{o.sessions}</p><p class="detail">{o.open} open · {o.abandoned} abandoned · {o.sessions_without_baseline} without a baseline</p></div>
        <div class="card"><h3>Speedup</h3><p class="value">{ratio(o.speedup_geomean)}</p><p class="detail">geometric mean over {o.speedup_sessions} sessions</p></div>
        <div class="card"><h3>Validation rate</h3><p class="value">{pct(o.validation_rate)}</p><p class="detail">{count(o.validated)} of {count(o.variants_generated)} variants · {o.validation_failures} failures</p></div>
        <div class="card"><h3>Promotion rate</h3><p class="value">{pct(o.promotion_rate)}</p><p class="detail">{o.promoted} of {count(o.validated)} validated</p></div>
        <div class="card"><h3>Autotuning</h3><p class="value">{count(o.autotune_samples)}</p><p class="detail">samples · {(o.wallclock_seconds.total / 3600).toFixed(1)} h wall clock</p></div>
      </div>
      <div class="grid">
        <figure><figcaption>Variants funnel: generated → validated → promoted</figcaption><ChartView testId="chart-funnel" config={charts.funnel} label={`Funnel: ${o.variants_generated} variants generated, ${o.validated} validated, ${o.promoted} promoted`} height={170} /></figure>
        <figure><figcaption>Speedup distribution (sessions per speedup band)</figcaption><ChartView config={charts.histogram} label="Histogram of optimisation sessions by speedup" /></figure>
        <figure class="wide"><figcaption>Sessions and speedup per day</figcaption><ChartView config={charts.daily} label="Bar chart of optimisation sessions per day with the geometric mean speedup" /></figure>
      </div>
      {data.operations.length > 0 ? <SortableTable caption="Optimisation sessions per operation" columns={COLUMNS} rows={data.operations} rowKey={(r) => r.operation} initial="sessions" /> : <p class="muted">No optimisation sessions in this window and filter.</p>}
    </section>
  );
}

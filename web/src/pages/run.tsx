import type { ChartConfiguration } from 'chart.js';
import { useMemo } from 'preact/hooks';
import { useApi } from '../api.js';
import type { RunDetailAnswer, Span } from '../api.js';
import { ChartView } from '../chart.js';
import type { PageProps } from '../filter-bar.js';
import { attrLabel, duration, when } from '../format.js';
import { href } from '../route.js';
import { Status } from './runs.js';

const STATUS_COLORS: Record<string, string> = {
  success: '#047857',
  failure: '#b91c1c',
  partial: '#b45309',
  cancelled: '#6b7280',
  skipped: '#9ca3af',
  unknown: '#6b7280',
  open: '#1d4ed8',
  abandoned: '#7c2d12',
};

/** Depth of each span in the run's tree, so the waterfall indents children. */
function depths(spans: Span[]): Map<string, number> {
  const parent = new Map(spans.map((s) => [s.spanId, s.parentId]));
  const d = new Map<string, number>();
  for (const s of spans) {
    let n = 0;
    let p = s.parentId;
    while (p && n < 20) {
      n++;
      p = parent.get(p) ?? null;
    }
    d.set(s.spanId, n);
  }
  return d;
}

/** Parents before children, siblings by start: the order a waterfall reads. */
function treeOrder(spans: Span[]): Span[] {
  const children = new Map<string | null, Span[]>();
  const ids = new Set(spans.map((s) => s.spanId));
  for (const s of spans) {
    const p = s.parentId && ids.has(s.parentId) ? s.parentId : null;
    const list = children.get(p) ?? [];
    list.push(s);
    children.set(p, list);
  }
  const out: Span[] = [];
  const walk = (p: string | null) => {
    for (const s of (children.get(p) ?? []).sort((a, b) => a.startMs - b.startMs)) {
      out.push(s);
      if (out.length < 5000) walk(s.spanId);
    }
  };
  walk(null);
  return out;
}

export function RunPage(props: PageProps & { id: string }) {
  const { data, error } = useApi<RunDetailAnswer>(`api/runs/${encodeURIComponent(props.id)}`, props.version);
  const view = useMemo(() => {
    if (!data) return undefined;
    const ordered = treeOrder(data.spans);
    const depth = depths(data.spans);
    const t0 = data.run.startMs;
    const end = Math.max(t0 + 1, ...data.spans.map((s) => s.endMs ?? Date.now()));
    const labels = ordered.map((s) => `${'  '.repeat(depth.get(s.spanId) ?? 0)}${s.kind}: ${s.name}`.slice(0, 60));
    const rowOf = new Map(ordered.map((s, i) => [s.spanId, i]));
    const config = {
      type: 'bar',
      data: {
        labels,
        datasets: [
          {
            type: 'bar',
            label: 'span',
            data: ordered.map((s) => [(s.startMs - t0) / 1000, ((s.endMs ?? end) - t0) / 1000]),
            backgroundColor: ordered.map((s) => STATUS_COLORS[s.status ?? s.state] ?? '#6b7280'),
            barPercentage: 0.8,
            categoryPercentage: 1,
            minBarLength: 3,
          },
          {
            type: 'scatter',
            label: 'attempt / feedback',
            data: [
              ...data.points.filter((p) => rowOf.has(p.spanId)).map((p) => ({ x: (p.tsMs - t0) / 1000, y: labels[rowOf.get(p.spanId)!] })),
              ...data.feedback.filter((f) => rowOf.has(f.spanId)).map((f) => ({ x: (f.tsMs - t0) / 1000, y: labels[rowOf.get(f.spanId)!] })),
            ],
            backgroundColor: '#111827',
            pointStyle: 'rectRot',
            pointRadius: 5,
          },
        ],
      },
      options: {
        indexAxis: 'y',
        scales: { x: { type: 'linear', min: 0, title: { display: true, text: 'seconds since run start' } }, y: { type: 'category', ticks: { autoSkip: false, font: { family: 'ui-monospace, monospace', size: 11 } } } },
        plugins: {
          legend: { display: false },
          tooltip: {
            callbacks: {
              label: (ctx: { datasetIndex: number; dataIndex: number }) => {
                if (ctx.datasetIndex !== 0) return 'attempt or feedback';
                const s = ordered[ctx.dataIndex]!;
                return `${s.kind} ${s.name}: ${s.status ?? s.state}, ${duration(s.durationMs)}`;
              },
            },
          },
        },
      },
    } as unknown as ChartConfiguration;
    return { ordered, depth, config, t0 };
  }, [data]);
  if (error) return <p role="alert" class="error">{error}</p>;
  if (!data || !view) return <p class="muted">Loading…</p>;
  const run = data.run;
  const attrs = Object.entries(run.attrs).filter(([, v]) => typeof v !== 'object');
  const spanName = new Map(data.spans.map((s) => [s.spanId, `${s.kind} ${s.name}`]));
  return (
    <section aria-labelledby="h-run">
      <p><a href={href('runs', props.route.params)}>← All runs</a></p>
      <h1 id="h-run">{run.name}</h1>
      <p class="muted">
        <Status status={run.status} state={run.state} /> · started {when(new Date(run.startMs).toISOString())} UTC · {duration(run.durationMs)} · env {run.env} · {data.spans.length} spans · id <code>{run.runId}</code>
      </p>
      <dl class="attrs">{attrs.map(([k, v]) => <div key={k}><dt title={k}>{attrLabel(k)}</dt><dd>{String(v)}</dd></div>)}</dl>
      <figure data-testid="run-timeline">
        <figcaption>Timeline: tasks, agent invocations, pipeline attempts and debugging cycles; ◆ marks debugging attempts and feedback. Colour is the status (green success, red failure, amber partial, blue open).</figcaption>
        <ChartView config={view.config} label={`Waterfall of the ${data.spans.length} spans of run ${run.name}`} height={Math.max(180, 22 * view.ordered.length + 70)} />
      </figure>
      <div class="table-wrap">
        <table data-testid="run-spans">
          <caption>Spans of this run</caption>
          <thead><tr><th scope="col">Span</th><th scope="col" class="num">Starts at</th><th scope="col" class="num">Duration</th><th scope="col">Status</th><th scope="col">Details</th></tr></thead>
          <tbody>
            {view.ordered.map((s) => (
              <tr key={s.spanId}>
                <th scope="row" style={{ paddingLeft: `${0.5 + (view.depth.get(s.spanId) ?? 0)}rem` }}>{s.kind}: {s.name}</th>
                <td class="num">+{duration(s.startMs - view.t0)}</td>
                <td class="num">{duration(s.durationMs)}</td>
                <td><Status status={s.status} state={s.state} /></td>
                <td class="small">{detail(s)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {data.points.length > 0 ? (
        <div class="table-wrap">
          <table>
            <caption>Debugging attempts and other point events</caption>
            <thead><tr><th scope="col">Span</th><th scope="col">Event</th><th scope="col" class="num">At</th><th scope="col">Attributes</th></tr></thead>
            <tbody>{data.points.map((p, i) => <tr key={i}><th scope="row">{spanName.get(p.spanId) ?? p.spanId}</th><td>{p.name}</td><td class="num">+{duration(p.tsMs - view.t0)}</td><td class="small">{JSON.stringify(p.attrs)}</td></tr>)}</tbody>
          </table>
        </div>
      ) : null}
      <div class="table-wrap">
        <table data-testid="run-feedback">
          <caption>Feedback</caption>
          <thead><tr><th scope="col">On</th><th scope="col">Source</th><th scope="col">Success</th><th scope="col" class="num">Rating</th><th scope="col">Notes</th></tr></thead>
          <tbody>
            {data.feedback.length === 0 ? <tr><td colSpan={5} class="muted">No feedback on this run.</td></tr> : data.feedback.map((f) => (
              <tr key={f.id}><th scope="row">{spanName.get(f.spanId) ?? f.spanId}</th><td>{f.source}</td><td>{f.success === null ? '–' : f.success ? 'yes' : 'no'}</td><td class="num">{f.rating ?? '–'}</td><td class="small">{typeof f.attrs['notes'] === 'string' ? f.attrs['notes'] : ''}</td></tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}

const DETAIL_KEYS = ['gen_ai.agent.name', 'gen_ai.request.model', 'task.type', 'pipeline.attempt', 'cicd.pipeline.result', 'agent.attempt', 'debug.attempts', 'debug.resolved', 'error.type', 'operation', 'variants_generated', 'promoted', 'cost_usd'];

function detail(s: Span): string {
  return DETAIL_KEYS.filter((k) => s.attrs[k] !== undefined).map((k) => `${attrLabel(k)} ${String(s.attrs[k])}`).join(' · ');
}

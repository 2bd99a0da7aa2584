import type { ChartConfiguration } from 'chart.js';
import { useMemo } from 'preact/hooks';
import { useApi } from '../api.js';
import type { Report, SeriesPoint } from '../api.js';
import { COLORS, ChartView } from '../chart.js';
import type { PageProps } from '../filter-bar.js';
import { ci, count, delta, duration, pct, ratio, usd } from '../format.js';
import { apiQuery } from '../route.js';
import { AttentionPanel } from './attention.js';

interface OverviewAnswer {
  version: number;
  report: Report;
  series: SeriesPoint[];
}

function Card(props: { title: string; value: string; detail?: string; trend?: string; testId: string }) {
  return (
    <div class="card" data-testid={props.testId}>
      <h3>{props.title}</h3>
      <p class="value" data-testid={`${props.testId}-value`}>{props.value}</p>
      {props.detail ? <p class="detail">{props.detail}</p> : null}
      {props.trend ? <p class="trend">vs previous window: {props.trend}</p> : null}
    </div>
  );
}

function line(series: SeriesPoint[], sets: { label: string; data: (number | null)[] }[], y: Record<string, unknown> = {}): ChartConfiguration {
  return {
    type: 'line',
    data: {
      labels: series.map((p) => p.day.slice(5)),
      datasets: sets.map((s, i) => ({ label: s.label, data: s.data, borderColor: COLORS[i], backgroundColor: COLORS[i], spanGaps: true, pointRadius: 2, borderWidth: 2 })),
    },
    options: { scales: { y: { beginAtZero: true, ...y } }, plugins: { legend: { position: 'bottom' } } },
  } as ChartConfiguration;
}

const RATE_AXIS = { max: 1, ticks: { callback: (v: number | string) => `${Math.round(Number(v) * 100)} %` } };

export function Overview(props: PageProps) {
  const q = apiQuery(props.route.params, props.defaults);
  const { data, error, loading } = useApi<OverviewAnswer>(`api/overview?${q}`, props.version);
  const charts = useMemo(() => {
    if (!data) return undefined;
    const s = data.series;
    return {
      success: line(s, [
        { label: 'runs', data: s.map((p) => p.run_success_rate) },
        { label: 'tasks', data: s.map((p) => p.task_success_rate) },
        { label: 'agent invocations', data: s.map((p) => p.agent_success_rate) },
      ], RATE_AXIS),
      firstPass: line(s, [{ label: 'first-attempt pipeline pass rate', data: s.map((p) => p.first_attempt_pass_rate) }], RATE_AXIS),
      durations: line(s, [
        { label: 'agent median', data: s.map((p) => (p.agent_duration_p50_ms === null ? null : p.agent_duration_p50_ms / 1000)) },
        { label: 'agent p95', data: s.map((p) => (p.agent_duration_p95_ms === null ? null : p.agent_duration_p95_ms / 1000)) },
      ], { title: { display: true, text: 'seconds' } }),
      cost: {
        type: 'bar',
        data: {
          labels: s.map((p) => p.day.slice(5)),
          datasets: [
            { type: 'bar', label: 'cost (USD)', data: s.map((p) => p.cost_usd), backgroundColor: COLORS[0], yAxisID: 'y' },
            { type: 'line', label: 'tokens (in + out)', data: s.map((p) => p.input_tokens + p.output_tokens), borderColor: COLORS[1], backgroundColor: COLORS[1], yAxisID: 'tokens', pointRadius: 2 },
          ],
        },
        options: { scales: { y: { beginAtZero: true, title: { display: true, text: 'USD' } }, tokens: { position: 'right', beginAtZero: true, grid: { drawOnChartArea: false }, title: { display: true, text: 'tokens' } } }, plugins: { legend: { position: 'bottom' } } },
      } as ChartConfiguration,
      speedup: line(s, [{ label: 'optimisation speedup (geometric mean)', data: s.map((p) => p.speedup_geomean) }], { beginAtZero: false, title: { display: true, text: '× baseline' } }),
      openWork: {
        type: 'bar',
        data: {
          labels: s.map((p) => p.day.slice(5)),
          datasets: [
            { label: 'open', data: s.map((p) => p.open), backgroundColor: COLORS[0] },
            { label: 'abandoned', data: s.map((p) => p.abandoned), backgroundColor: COLORS[3] },
          ],
        },
        options: { scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true, ticks: { precision: 0 } } }, plugins: { legend: { position: 'bottom' } } },
      } as ChartConfiguration,
    };
  }, [data]);
  if (error) return <p role="alert" class="error">{error}</p>;
  if (!data || !charts) return <p class="muted">Loading…</p>;
  const r = data.report;
  const openAll = r.runs.open + r.tasks.open + r.agents.open + r.pipelines.open + r.debugging.open + r.optimizations.open;
  const abandonedAll = r.runs.abandoned + r.tasks.abandoned + r.agents.abandoned + r.pipelines.abandoned + r.debugging.abandoned + r.optimizations.abandoned;
  return (
    <section aria-labelledby="h-overview">
      <h1 id="h-overview">Overview</h1>
      <p class="muted">
        {r.window.since.slice(0, 16).replace('T', ' ')} → {r.window.until.slice(0, 16).replace('T', ' ')} UTC · envs: {r.envs.included === 'all' ? 'all' : r.envs.included.join(', ') || 'none'}
        {Object.keys(r.envs.excluded).length > 0 ? ` · left out: ${Object.entries(r.envs.excluded).map(([e, n]) => `${e} (${n} spans)`).join(', ')}` : ''}
        {r.skipped_lines > 0 ? ` · ${r.skipped_lines} corrupt lines skipped` : ''}
      </p>
      <div class="cards">
        <Card testId="card-runs" title="Runs" value={count(r.runs.total)} detail={`success ${pct(r.runs.success_rate)} (95 % CI ${ci(r.runs.success_rate_ci)}) · ${r.runs.open} open · ${r.runs.abandoned} abandoned`} trend={delta(r.runs.trend.delta, 'rate')} />
        <Card testId="card-tasks" title="Task success" value={pct(r.tasks.success_rate)} detail={`${r.tasks.success}/${r.tasks.success + r.tasks.failure} · CI ${ci(r.tasks.success_rate_ci)} · ${r.tasks.open} open · ${r.tasks.abandoned} abandoned`} trend={delta(r.tasks.trend.delta, 'rate')} />
        <Card testId="card-agents" title="Agent success" value={pct(r.agents.success_rate)} detail={`${count(r.agents.invocations)} invocations · ${r.agents.retries} retries · CI ${ci(r.agents.success_rate_ci)}`} trend={delta(r.agents.trend.delta, 'rate')} />
        <Card testId="card-pipelines" title="First-attempt pass" value={pct(r.pipelines.first_attempt_pass_rate)} detail={`${r.pipelines.first_attempt.passed}/${r.pipelines.first_attempt.tasks} first attempts · all attempts ${pct(r.pipelines.pass_rate)}`} trend={delta(r.pipelines.trend.delta, 'rate')} />
        <Card testId="card-duration" title="Agent duration" value={duration(r.agents.duration_ms?.median)} detail={`median · p95 ${duration(r.agents.duration_ms?.p95)}`} />
        <Card testId="card-cost" title="Cost" value={usd(r.agents.cost_usd)} detail={`${count(r.agents.tokens.input)} in · ${count(r.agents.tokens.output)} out tokens`} />
        <Card testId="card-debugging" title="Debugging resolved" value={pct(r.debugging.resolution_rate)} detail={`${r.debugging.cycles} cycles · ${r.debugging.attempts_per_cycle?.toFixed(1) ?? '–'} attempts each · ${duration(r.debugging.time_to_resolve_ms?.median)} to resolve`} />
        <Card testId="card-speedup" title="Optimisation speedup" value={ratio(r.optimizations.speedup_geomean)} detail={`${r.optimizations.sessions} sessions · ${r.optimizations.promoted} promoted`} trend={delta(r.optimizations.trend.delta, 'ratio')} />
        <Card testId="card-open" title="Open / abandoned" value={`${openAll} / ${abandonedAll}`} detail="spans started and not ended: still running / given up" />
        {r.model_calls.total > 0 ? (
          <Card testId="card-model-calls" title="Model calls" value={count(r.model_calls.total)} detail={`success ${pct(r.model_calls.success_rate)} · p50 ${duration(r.model_calls.duration_ms?.median)} · ${count(r.model_calls.tokens.input)} in · ${count(r.model_calls.tokens.output)} out tokens`} trend={delta(r.model_calls.trend.delta, 'rate')} />
        ) : null}
        {r.tool_calls.total > 0 ? (
          <Card testId="card-tool-calls" title="Tool calls" value={count(r.tool_calls.total)} detail={`success ${pct(r.tool_calls.success_rate)} · p50 ${duration(r.tool_calls.duration_ms?.median)} · p95 ${duration(r.tool_calls.duration_ms?.p95)}`} trend={delta(r.tool_calls.trend.delta, 'rate')} />
        ) : null}
      </div>
      {/* Asked for once the numbers are in: the anomaly search is the costliest answer, and the server answers one at a time. */}
      <AttentionPanel {...props} after={loading} />
      <div class="grid">
        <figure><figcaption>Success rate per day</figcaption><ChartView testId="chart-success" config={charts.success} label="Line chart of run, task and agent success rates per day" /></figure>
        <figure><figcaption>First-attempt pipeline pass rate</figcaption><ChartView config={charts.firstPass} label="Line chart of the first-attempt CI pipeline pass rate per day" /></figure>
        <figure><figcaption>Agent duration percentiles</figcaption><ChartView config={charts.durations} label="Line chart of median and 95th percentile agent duration per day" /></figure>
        <figure><figcaption>Cost and tokens</figcaption><ChartView config={charts.cost} label="Bar chart of cost per day with a line of tokens per day" /></figure>
        <figure><figcaption>Optimisation speedup</figcaption><ChartView config={charts.speedup} label="Line chart of the geometric mean speedup of optimisation sessions per day" /></figure>
        <figure><figcaption>Open and abandoned work</figcaption><ChartView config={charts.openWork} label="Stacked bar chart of open and abandoned spans per day" /></figure>
      </div>
    </section>
  );
}

import type { ChartConfiguration } from 'chart.js';
import { useMemo } from 'preact/hooks';
import { useApi } from '../api.js';
import type { GroupReport, Report } from '../api.js';
import { ChartView, RATE_AXIS, intervalBars } from '../chart.js';
import type { PageProps } from '../filter-bar.js';
import { ci, count, duration, pct, ratio, usd, DIMENSIONS } from '../format.js';
import { apiQuery, navigate } from '../route.js';
import { SortableTable } from '../sortable.js';
import type { Column } from '../sortable.js';
import { DimensionToggles } from '../dimension-toggles.js';

const BREAKDOWN_DIMENSIONS = DIMENSIONS.filter((d) => d.breakdown);

const METRICS = [
  { key: 'agents', label: 'Agent success rate', rate: (g: GroupReport) => g.agents.success_rate, ci: (g: GroupReport) => g.agents.success_rate_ci, n: (g: GroupReport) => g.agents.success + g.agents.failure },
  { key: 'tasks', label: 'Task success rate', rate: (g: GroupReport) => g.tasks.success_rate, ci: (g: GroupReport) => g.tasks.success_rate_ci, n: (g: GroupReport) => g.tasks.success + g.tasks.failure },
  { key: 'runs', label: 'Run success rate', rate: (g: GroupReport) => g.runs.success_rate, ci: (g: GroupReport) => g.runs.success_rate_ci, n: (g: GroupReport) => g.runs.success + g.runs.failure },
  { key: 'pipelines', label: 'First-attempt pass rate', rate: (g: GroupReport) => g.pipelines.first_attempt_pass_rate, ci: (g: GroupReport) => g.pipelines.first_attempt_pass_rate_ci, n: (g: GroupReport) => g.pipelines.first_attempt.tasks },
  { key: 'debugging', label: 'Debugging resolution rate', rate: (g: GroupReport) => g.debugging.resolution_rate, ci: (g: GroupReport) => g.debugging.resolution_rate_ci, n: (g: GroupReport) => g.debugging.resolved + g.debugging.unresolved },
] as const;

const COLUMNS: Column<GroupReport>[] = [
  { key: 'key', label: 'Group', value: (g) => g.key },
  { key: 'runs', label: 'Runs', value: (g) => g.runs.total, numeric: true },
  { key: 'run_sr', label: 'Run success', value: (g) => g.runs.success_rate, render: (g) => pct(g.runs.success_rate), numeric: true },
  { key: 'tasks', label: 'Tasks', value: (g) => g.tasks.total, numeric: true },
  { key: 'task_sr', label: 'Task success', value: (g) => g.tasks.success_rate, render: (g) => <>{pct(g.tasks.success_rate)} <small>{ci(g.tasks.success_rate_ci)}</small></>, numeric: true },
  { key: 'agents', label: 'Agent calls', value: (g) => g.agents.invocations, render: (g) => count(g.agents.invocations), numeric: true },
  { key: 'agent_sr', label: 'Agent success', value: (g) => g.agents.success_rate, render: (g) => <>{pct(g.agents.success_rate)} <small>{ci(g.agents.success_rate_ci)}</small></>, numeric: true },
  { key: 'fapr', label: 'First-attempt pass', value: (g) => g.pipelines.first_attempt_pass_rate, render: (g) => pct(g.pipelines.first_attempt_pass_rate), numeric: true },
  { key: 'p50', label: 'Agent median', value: (g) => g.agents.duration_ms?.median ?? null, render: (g) => duration(g.agents.duration_ms?.median), numeric: true },
  { key: 'cost', label: 'Cost', value: (g) => g.agents.cost_usd, render: (g) => usd(g.agents.cost_usd), numeric: true },
  { key: 'tokens', label: 'Tokens', value: (g) => g.agents.tokens.input + g.agents.tokens.output, render: (g) => count(g.agents.tokens.input + g.agents.tokens.output), numeric: true },
  { key: 'speedup', label: 'Speedup', value: (g) => g.optimizations.speedup_geomean, render: (g) => ratio(g.optimizations.speedup_geomean), numeric: true },
];

/**
 * By agent, the groups are agent invocations: runs and tasks carry no agent name, so their
 * columns would stand empty. Show the agent's own figures instead, most invocations first.
 */
const AGENT_COLUMNS: Column<GroupReport>[] = [
  { key: 'key', label: 'Agent', value: (g) => g.key },
  { key: 'agents', label: 'Invocations', value: (g) => g.agents.invocations, render: (g) => count(g.agents.invocations), numeric: true },
  { key: 'agent_sr', label: 'Success', value: (g) => g.agents.success_rate, render: (g) => <>{pct(g.agents.success_rate)} <small>{ci(g.agents.success_rate_ci)}</small></>, numeric: true },
  { key: 'failures', label: 'Failures', value: (g) => g.agents.failure, numeric: true },
  { key: 'retries', label: 'Retries', value: (g) => g.agents.retries, numeric: true },
  { key: 'p50', label: 'Median', value: (g) => g.agents.duration_ms?.median ?? null, render: (g) => duration(g.agents.duration_ms?.median), numeric: true },
  { key: 'p95', label: 'p95', value: (g) => g.agents.duration_ms?.p95 ?? null, render: (g) => duration(g.agents.duration_ms?.p95), numeric: true },
  { key: 'cost', label: 'Cost', value: (g) => g.agents.cost_usd, render: (g) => usd(g.agents.cost_usd), numeric: true },
  { key: 'tokens', label: 'Tokens', value: (g) => g.agents.tokens.input + g.agents.tokens.output, render: (g) => count(g.agents.tokens.input + g.agents.tokens.output), numeric: true },
  { key: 'quality', label: 'Rating', value: (g) => g.agents.quality.mean, render: (g) => (g.agents.quality.mean === null ? '–' : `${g.agents.quality.mean.toFixed(2)} (${g.agents.quality.ratings})`), numeric: true },
];

export function Breakdowns(props: PageProps) {
  const { route } = props;
  const by = route.params.get('by') ?? 'model';
  const metricKey = route.params.get('metric') ?? 'agents';
  const metric = METRICS.find((m) => m.key === metricKey) ?? METRICS[0];
  const q = apiQuery(route.params, props.defaults, { by });
  const { data, error } = useApi<{ report: Report }>(`api/breakdown?${q}`, props.version);
  const groups = data?.report.groups ?? [];
  const config = useMemo((): ChartConfiguration => {
    const rows = groups.filter((g) => metric.rate(g) !== null);
    return intervalBars({
      label: `${metric.label} with 95 % interval`,
      labels: rows.map((g) => g.key),
      points: rows.map((g) => ({ x: metric.rate(g) ?? 0, xMin: metric.ci(g)?.[0] ?? 0, xMax: metric.ci(g)?.[1] ?? 0 })),
      xAxis: RATE_AXIS,
      tooltip: (i) => {
        const g = rows[i]!;
        return `${pct(metric.rate(g))} (95 % CI ${ci(metric.ci(g))}, n = ${metric.n(g)})`;
      },
    });
  }, [groups, metric]);
  return (
    <section aria-labelledby="h-breakdowns">
      <h1 id="h-breakdowns">Breakdowns</h1>
      <div class="toolbar">
        <DimensionToggles route={route} by={by} label="Group by" dimensions={BREAKDOWN_DIMENSIONS} />
        <label>
          Metric
          <select value={metric.key} onChange={(e) => navigate(route, { metric: e.currentTarget.value })}>
            {METRICS.map((m) => <option key={m.key} value={m.key}>{m.label}</option>)}
          </select>
        </label>
      </div>
      {error ? <p role="alert" class="error">{error}</p> : null}
      {!data ? <p class="muted">Loading…</p> : groups.length === 0 ? <p class="muted">No data in this window and filter.</p> : (
        <>
          <figure>
            <figcaption>{metric.label} by {BREAKDOWN_DIMENSIONS.find((d) => d.by === by)?.label.toLowerCase()}, whiskers: 95 % Wilson interval</figcaption>
            <ChartView testId="chart-breakdown" config={config} label={`Bar chart of ${metric.label} per group with confidence interval whiskers`} height={Math.max(160, 34 * groups.length + 60)} />
          </figure>
          <SortableTable key={by} testId="breakdown-table" caption={`Per ${by}: sort by any column`} columns={by === 'agent' ? AGENT_COLUMNS : COLUMNS} rows={groups} rowKey={(g) => g.key} initial={by === 'agent' ? 'agents' : 'runs'} />
        </>
      )}
    </section>
  );
}

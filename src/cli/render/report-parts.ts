/**
 * The pieces of a rendered report, computed once and laid out by the table and Markdown
 * renderers: one headline per section and the columns of the groups table.
 */
import type { GroupReport, Report, SectionReports } from '../../analytics/index.js';
import { SUMS, readAtPath } from '../../model/metric-defs.js';
import type { SumDef, SumSection } from '../../model/index.js';
import {
  formatCount,
  formatDuration,
  formatNumber,
  formatPercent,
  formatRate,
  formatSpeedup,
  formatTrend,
  formatUsd,
  type Paint,
} from './format.js';

/** One section's headline. Empty strings are left out by the renderers. */
export interface SectionHeadline {
  label: string;
  /** How much: `412`, and of what: `invocations`. */
  count: string;
  noun: string;
  /** Headline figure with its interval: `success 81.2 % [77.1–84.7]`. */
  figure: string;
  /** `▲ +3.1 pts`, or empty. */
  trend: string;
  /** What the quantiles measure: `duration`, or `resolve` (time to resolve). */
  quantileOf: string;
  p50: string;
  p95: string;
  /** Further facts: retries, open/abandoned counts … */
  extras: string[];
}

/** A declared sum's value as the table shows it. */
export function formatSum(d: SumDef, value: number): string {
  return d.unit === 'usd' ? formatUsd(value) : formatCount(value);
}

// The optimisation headline shows these three as its funnel; every other declared sum is
// listed as `<label> <value>` when it is not zero.
const IN_FUNNEL: ReadonlySet<string> = new Set(['variants_generated', 'validated', 'promoted']);

function sumExtras(section: SumSection, values: unknown): string[] {
  return SUMS.filter((d) => d.section === section && !IN_FUNNEL.has(d.id)).map((d) => {
    const v = readAtPath(values, d.path);
    return v !== 0 ? `${d.label} ${formatSum(d, v)}` : '';
  });
}

function plural(n: number, one: string, many: string): string {
  return n === 1 ? one : many;
}

function countIf(n: number, what: string): string {
  return n > 0 ? `${what} ${formatCount(n)}` : '';
}

function outcomeHeadline(
  label: string,
  noun: readonly [string, string],
  s: SectionReports['runs'],
  paint: Paint,
): SectionHeadline {
  return {
    label,
    count: formatCount(s.total),
    noun: plural(s.total, ...noun),
    figure: `success ${formatRate(s.success_rate, s.success_rate_ci)}`,
    trend: formatTrend(s.trend, 'pts', paint),
    quantileOf: 'duration',
    p50: s.duration_ms ? formatDuration(s.duration_ms.median) : '',
    p95: s.duration_ms ? formatDuration(s.duration_ms.p95) : '',
    extras: [countIf(s.open, 'open'), countIf(s.abandoned, 'abandoned')],
  };
}

/** Headlines of the sections that have data, in report order. */
export function sectionHeadlines(r: Report, paint: Paint): SectionHeadline[] {
  const out: SectionHeadline[] = [];
  if (r.runs.total > 0) out.push(outcomeHeadline('Runs', ['run', 'runs'], r.runs, paint));
  if (r.tasks.total > 0) out.push(outcomeHeadline('Tasks', ['task', 'tasks'], r.tasks, paint));
  const a = r.agents;
  if (a.total > 0) {
    const h = outcomeHeadline('Agents', ['invocation', 'invocations'], a, paint);
    h.extras.push(
      `retries ${formatCount(a.retries)}`,
      ...sumExtras('agents', a),
      a.quality.ratings > 0 ? `quality ${formatNumber(a.quality.mean, 1)}/5 (${a.quality.ratings})` : '',
    );
    out.push(h);
  }
  const p = r.pipelines;
  if (p.total > 0) {
    out.push({
      label: 'Pipelines',
      count: formatCount(p.total),
      noun: plural(p.total, 'attempt', 'attempts'),
      figure: `pass ${formatRate(p.pass_rate, p.pass_rate_ci)}`,
      trend: formatTrend(p.trend, 'pts', paint),
      quantileOf: '',
      p50: '',
      p95: '',
      extras: [
        p.first_attempt.tasks > 0
          ? `first attempt ${formatRate(p.first_attempt_pass_rate, p.first_attempt_pass_rate_ci)} (${p.first_attempt.passed}/${p.first_attempt.tasks})`
          : '',
        countIf(p.other, 'other'),
        countIf(p.open, 'open'),
        countIf(p.abandoned, 'abandoned'),
      ],
    });
  }
  const d = r.debugging;
  if (d.cycles > 0) {
    out.push({
      label: 'Debugging',
      count: formatCount(d.cycles),
      noun: plural(d.cycles, 'cycle', 'cycles'),
      figure: `resolved ${formatRate(d.resolution_rate, d.resolution_rate_ci)}`,
      trend: '',
      quantileOf: 'resolve',
      p50: d.time_to_resolve_ms ? formatDuration(d.time_to_resolve_ms.median) : '',
      p95: d.time_to_resolve_ms ? formatDuration(d.time_to_resolve_ms.p95) : '',
      extras: [
        d.attempts_per_cycle !== null ? `${formatNumber(d.attempts_per_cycle, 1)} attempts/cycle` : '',
        d.cycles_per_task !== null ? `${formatNumber(d.cycles_per_task, 2)} cycles/task` : '',
        countIf(d.open, 'open'),
        countIf(d.abandoned, 'abandoned'),
      ],
    });
  }
  const o = r.optimizations;
  if (o.sessions > 0) {
    out.push({
      label: 'Optimizations',
      count: formatCount(o.sessions),
      noun: plural(o.sessions, 'session', 'sessions'),
      figure: `speedup ${formatSpeedup(o.speedup_geomean)} (geomean of ${o.speedup_sessions} ${plural(o.speedup_sessions, 'session', 'sessions')})`,
      trend: formatTrend(o.trend, 'ratio', paint),
      quantileOf: '',
      p50: '',
      p95: '',
      extras: [
        countIf(o.sessions_without_baseline, 'without baseline'),
        `variants ${formatCount(o.variants_generated)} → validated ${formatCount(o.validated)} (${formatPercent(o.validation_rate)}) → promoted ${formatCount(o.promoted)} (${formatPercent(o.promotion_rate)})`,
        o.speedup_sessions > 0 ? `saved ${formatDuration(o.latency_saved_ms)}` : '',
        o.wallclock_seconds.total > 0 ? `wall-clock ${formatDuration(o.wallclock_seconds.total * 1000)}` : '',
        ...sumExtras('optimizations', o),
        countIf(o.open, 'open'),
        countIf(o.abandoned, 'abandoned'),
      ],
    });
  }
  const f = r.feedback;
  if (f.count > 0) {
    out.push({
      label: 'Feedback',
      count: formatCount(f.count),
      noun: plural(f.count, 'score', 'scores'),
      figure: `success ${formatPercent(f.success_rate)}`,
      trend: '',
      quantileOf: '',
      p50: '',
      p95: '',
      extras: [f.mean_rating !== null ? `mean rating ${formatNumber(f.mean_rating, 1)}/5` : ''],
    });
  }
  if (r.model_calls.total > 0) {
    const h = outcomeHeadline('Model calls', ['call', 'calls'], r.model_calls, paint);
    h.extras.push(...sumExtras('model_calls', r.model_calls));
    out.push(h);
  }
  if (r.tool_calls.total > 0) out.push(outcomeHeadline('Tool calls', ['call', 'calls'], r.tool_calls, paint));
  return out;
}

/** A column of the groups table. */
export interface GroupColumn {
  header: string;
  align: 'left' | 'right';
  cell: (g: GroupReport) => string;
  /** Shown only when some group has something to say in it (default: always with its section). */
  shownIf?: (g: GroupReport) => boolean;
}

const SECTION_VOLUME: Record<SumSection, (g: GroupReport) => number> = {
  agents: (g) => g.agents.total + g.agents.quality.ratings,
  optimizations: (g) => g.optimizations.sessions,
  model_calls: (g) => g.model_calls.total,
};

// Columns per section; a section's columns appear only when some group has data in it, so
// an orchestrator report is not padded with empty optimisation columns and vice versa.
// Declared sums marked `column` follow their section's columns.
const SECTION_COLUMNS: ReadonlyArray<{ volume: (g: GroupReport) => number; columns: GroupColumn[] }> = [
  {
    volume: (g) => g.runs.total,
    columns: [
      { header: 'runs', align: 'right', cell: (g) => formatCount(g.runs.total) },
      { header: 'run success', align: 'right', cell: (g) => formatRate(g.runs.success_rate, g.runs.success_rate_ci) },
    ],
  },
  {
    volume: (g) => g.tasks.total,
    columns: [
      { header: 'tasks', align: 'right', cell: (g) => formatCount(g.tasks.total) },
      { header: 'task success', align: 'right', cell: (g) => formatRate(g.tasks.success_rate, g.tasks.success_rate_ci) },
    ],
  },
  {
    volume: SECTION_VOLUME.agents,
    columns: [
      { header: 'agents', align: 'right', cell: (g) => formatCount(g.agents.total) },
      { header: 'agent success', align: 'right', cell: (g) => formatRate(g.agents.success_rate, g.agents.success_rate_ci) },
      { header: 'agent p50', align: 'right', cell: (g) => (g.agents.duration_ms ? formatDuration(g.agents.duration_ms.median) : '–') },
      { header: 'retries', align: 'right', cell: (g) => formatCount(g.agents.retries) },
      {
        header: 'quality',
        align: 'right',
        cell: (g) => formatNumber(g.agents.quality.mean, 1),
        shownIf: (g) => g.agents.quality.ratings > 0,
      },
    ],
  },
  {
    volume: (g) => g.pipelines.total,
    columns: [
      { header: 'pipelines', align: 'right', cell: (g) => formatCount(g.pipelines.total) },
      { header: 'pass', align: 'right', cell: (g) => formatRate(g.pipelines.pass_rate, g.pipelines.pass_rate_ci) },
      {
        header: '1st-attempt pass',
        align: 'right',
        cell: (g) => formatRate(g.pipelines.first_attempt_pass_rate, g.pipelines.first_attempt_pass_rate_ci),
      },
    ],
  },
  {
    volume: (g) => g.debugging.cycles,
    columns: [
      { header: 'debug cycles', align: 'right', cell: (g) => formatCount(g.debugging.cycles) },
      {
        header: 'resolved',
        align: 'right',
        cell: (g) => formatRate(g.debugging.resolution_rate, g.debugging.resolution_rate_ci),
      },
      { header: 'attempts', align: 'right', cell: (g) => formatNumber(g.debugging.attempts_per_cycle, 1) },
    ],
  },
  {
    volume: SECTION_VOLUME.optimizations,
    columns: [
      { header: 'sessions', align: 'right', cell: (g) => formatCount(g.optimizations.sessions) },
      { header: 'speedup', align: 'right', cell: (g) => formatSpeedup(g.optimizations.speedup_geomean) },
      {
        header: 'no baseline',
        align: 'right',
        cell: (g) => formatCount(g.optimizations.sessions_without_baseline),
        shownIf: (g) => g.optimizations.sessions_without_baseline > 0,
      },
    ],
  },
  {
    volume: SECTION_VOLUME.model_calls,
    columns: [
      { header: 'model calls', align: 'right', cell: (g) => formatCount(g.model_calls.total) },
      { header: 'call success', align: 'right', cell: (g) => formatRate(g.model_calls.success_rate, g.model_calls.success_rate_ci) },
      { header: 'call p50', align: 'right', cell: (g) => (g.model_calls.duration_ms ? formatDuration(g.model_calls.duration_ms.median) : '–') },
    ],
  },
  {
    volume: (g) => g.tool_calls.total,
    columns: [
      { header: 'tool calls', align: 'right', cell: (g) => formatCount(g.tool_calls.total) },
      { header: 'tool success', align: 'right', cell: (g) => formatRate(g.tool_calls.success_rate, g.tool_calls.success_rate_ci) },
      { header: 'tool p50', align: 'right', cell: (g) => (g.tool_calls.duration_ms ? formatDuration(g.tool_calls.duration_ms.median) : '–') },
    ],
  },
];

const SECTION_OF: ReadonlyArray<SumSection> = ['agents', 'optimizations', 'model_calls'];

/** The declared sums marked as group columns, each shown when some group has a non-zero value. */
function sumColumns(section: SumSection): GroupColumn[] {
  return SUMS.filter((d) => d.section === section && 'column' in d && d.column).map((d) => ({
    header: d.label,
    align: 'right' as const,
    cell: (g: GroupReport) => formatSum(d, readAtPath(g[section], d.path)),
    shownIf: (g: GroupReport) => readAtPath(g[section], d.path) !== 0,
  }));
}

/** Columns of the groups table for these groups; the first is the group key. */
export function groupColumns(by: string, groups: readonly GroupReport[]): GroupColumn[] {
  const cols: GroupColumn[] = [{ header: by, align: 'left', cell: (g) => g.key }];
  for (const s of SECTION_COLUMNS) {
    if (!groups.some((g) => s.volume(g) > 0)) continue;
    const section = SECTION_OF.find((name) => s.volume === SECTION_VOLUME[name]);
    const columns = section ? [...s.columns, ...sumColumns(section)] : s.columns;
    for (const c of columns) if (!c.shownIf || groups.some(c.shownIf)) cols.push(c);
  }
  return cols;
}

/**
 * Each dashboard answer, computed from an in-memory snapshot with the report's own
 * `ReportBuilder`, so the dashboard and `agentmeter report` agree to the digit. Spans are
 * sorted by start, so a window is a binary search and only its spans (and the previous
 * window's, for trends) are visited.
 */
import { ReportBuilder, agentRankingScore, keyAttr, numberAttr, outcomeOf } from '../../analytics/index.js';
import type { GroupBy, GroupReport, Report } from '../../analytics/index.js';
import { SUMS, readAtPath, utcDay } from '../../model/index.js';
import type { SeriesSums, SpanSummary, SumSection } from '../../model/index.js';
import { includesEnv, matches, reportOptions } from './query.js';
import type { DashboardQuery } from './query.js';
import { lowerBound } from './span-index.js';
import type { SpanSnapshot } from './span-index.js';

const DAY_MS = 86_400_000;

/** Feed a builder the spans and feedback of [fromMs, untilMs) that pass the filters. */
function feed(snap: SpanSnapshot, q: DashboardQuery, fromMs: number, builders: readonly ReportBuilder[]): void {
  const spans = snap.spans;
  for (let i = lowerBound(spans, fromMs, (s) => s.startMs); i < spans.length; i++) {
    const s = spans[i] as SpanSummary;
    if (s.startMs >= q.untilMs) break;
    if (q.where.length > 0 && !matches(q, s)) continue;
    for (const b of builders) b.addSpan(s);
  }
  const fb = snap.feedback;
  for (let i = lowerBound(fb, fromMs, (f) => f.tsMs); i < fb.length; i++) {
    const f = fb[i]!;
    if (f.tsMs >= q.untilMs) break;
    if (q.where.length > 0 && !matches(q, f)) continue;
    for (const b of builders) b.addFeedback(f);
  }
  for (const b of builders) b.setSkippedLines(snap.skippedLines, snap.skippedSamples);
}

function previousSince(q: DashboardQuery): number {
  return q.sinceMs - (q.untilMs - q.sinceMs);
}

/**
 * One day of the overview's time series. Besides these, every declared sum of the agent
 * section marked `series` (metric-defs.ts: tokens, cost) is a key of its own.
 */
export interface SeriesPoint extends SeriesSums<'agents'> {
  day: string;
  runs: number;
  run_success_rate: number | null;
  task_success_rate: number | null;
  agent_success_rate: number | null;
  first_attempt_pass_rate: number | null;
  agent_duration_p50_ms: number | null;
  agent_duration_p95_ms: number | null;
  speedup_geomean: number | null;
  /** Model and tool calls started that day, and their success rates. */
  model_calls: number;
  model_call_success_rate: number | null;
  tool_calls: number;
  tool_call_success_rate: number | null;
  open: number;
  abandoned: number;
}

/** The declared daily series of a section, keyed by sum id. */
function sumSeries<S extends SumSection>(section: S, values: unknown): SeriesSums<S> {
  const out: Record<string, number> = {};
  for (const d of SUMS) if (d.section === section && 'series' in d && d.series) out[d.id] = values === undefined ? 0 : readAtPath(values, d.path);
  return out as SeriesSums<S>;
}

/** Every UTC day the window touches, oldest first. */
function daysOf(q: DashboardQuery): string[] {
  const days: string[] = [];
  for (let ms = Math.floor(q.sinceMs / DAY_MS) * DAY_MS; ms < q.untilMs; ms += DAY_MS) days.push(utcDay(ms));
  return days;
}

function seriesPoint(day: string, g: GroupReport | undefined): SeriesPoint {
  if (!g) {
    return { day, runs: 0, run_success_rate: null, task_success_rate: null, agent_success_rate: null, first_attempt_pass_rate: null, agent_duration_p50_ms: null, agent_duration_p95_ms: null, ...sumSeries('agents', undefined), speedup_geomean: null, model_calls: 0, model_call_success_rate: null, tool_calls: 0, tool_call_success_rate: null, open: 0, abandoned: 0 };
  }
  const open = g.runs.open + g.tasks.open + g.agents.open + g.pipelines.open + g.debugging.open + g.optimizations.open + g.model_calls.open + g.tool_calls.open;
  const abandoned = g.runs.abandoned + g.tasks.abandoned + g.agents.abandoned + g.pipelines.abandoned + g.debugging.abandoned + g.optimizations.abandoned + g.model_calls.abandoned + g.tool_calls.abandoned;
  return {
    day,
    runs: g.runs.total,
    run_success_rate: g.runs.success_rate,
    task_success_rate: g.tasks.success_rate,
    agent_success_rate: g.agents.success_rate,
    first_attempt_pass_rate: g.pipelines.first_attempt_pass_rate,
    agent_duration_p50_ms: g.agents.duration_ms?.median ?? null,
    agent_duration_p95_ms: g.agents.duration_ms?.p95 ?? null,
    ...sumSeries('agents', g.agents),
    speedup_geomean: g.optimizations.speedup_geomean,
    model_calls: g.model_calls.total,
    model_call_success_rate: g.model_calls.success_rate,
    tool_calls: g.tool_calls.total,
    tool_call_success_rate: g.tool_calls.success_rate,
    open,
    abandoned,
  };
}

/**
 * `GET /api/overview`: the headline report (with trends) and one point per day. One builder
 * grouped by day gives both: a grouped report's top-level sections are its ungrouped totals,
 * so each span is added twice (totals, its day) instead of three times with two builders.
 */
export function overview(snap: SpanSnapshot, q: DashboardQuery, nowMs: number): { report: Report; series: SeriesPoint[] } {
  const daily = new ReportBuilder({ ...reportOptions(q, nowMs), by: 'day' });
  feed(snap, q, previousSince(q), [daily]);
  const { by: _by, groups, ...report } = daily.build();
  const byDay = new Map((groups ?? []).map((g) => [g.key, g]));
  return { report, series: daysOf(q).map((d) => seriesPoint(d, byDay.get(d))) };
}

/** `GET /api/breakdown?by=`: the report grouped by one dimension. */
export function breakdown(snap: SpanSnapshot, q: DashboardQuery, by: GroupBy, nowMs: number): Report {
  const b = new ReportBuilder({ ...reportOptions(q, nowMs), by });
  feed(snap, q, previousSince(q), [b]);
  return b.build();
}

/** One agent in the ranking. */
export interface AgentRank {
  agent: string;
  invocations: number;
  success: number;
  failure: number;
  success_rate: number | null;
  success_rate_ci: [number, number] | null;
  retries: number;
  duration_ms: { median: number; p95: number } | null;
  cost_usd: number;
  tokens: { input: number; output: number };
  quality: { ratings: number; mean: number | null };
  /** What the ranking sorts by: the same score as `agentmeter agents` (docs/metrics.md). */
  ranking_score: number;
  trend_delta: number | null;
  /** Success rate per day of the window (null: no ended invocation that day). */
  sparkline: (number | null)[];
}

/**
 * `GET /api/agents`: agents ranked as `agentmeter agents` ranks them (`agentRankingScore`:
 * lower 95 % bounds of the success rate and of the rating), so a 3-for-3 agent does not
 * outrank a 95-for-100 one.
 */
export function agentRanking(snap: SpanSnapshot, q: DashboardQuery, nowMs: number): { days: string[]; agents: AgentRank[] } {
  const b = new ReportBuilder({ ...reportOptions(q, nowMs), by: 'agent' });
  feed(snap, q, previousSince(q), [b]);
  const report = b.build();
  const days = daysOf(q);
  const firstDay = Math.floor(q.sinceMs / DAY_MS);
  const daily = new Map<string, { s: Int32Array; f: Int32Array }>();
  const spans = snap.spans;
  for (let i = lowerBound(spans, q.sinceMs, (s) => s.startMs); i < spans.length; i++) {
    const s = spans[i]!;
    if (s.startMs >= q.untilMs) break;
    const outcome = s.kind === 'agent' ? outcomeOf(s) : undefined;
    if (outcome === undefined) continue;
    if (!includesEnv(q, s.env) || (q.where.length > 0 && !matches(q, s))) continue;
    const name = keyAttr(s.attrs, 'gen_ai.agent.name');
    if (name === undefined) continue;
    let d = daily.get(name);
    if (!d) daily.set(name, (d = { s: new Int32Array(days.length), f: new Int32Array(days.length) }));
    const di = Math.floor(s.startMs / DAY_MS) - firstDay;
    if (outcome === 1) d.s[di]!++;
    else d.f[di]!++;
  }
  const agents: AgentRank[] = (report.groups ?? []).map((g) => {
    const d = daily.get(g.key);
    const a = g.agents;
    return {
      agent: g.key,
      invocations: a.invocations,
      success: a.success,
      failure: a.failure,
      success_rate: a.success_rate,
      success_rate_ci: a.success_rate_ci,
      retries: a.retries,
      duration_ms: a.duration_ms,
      cost_usd: a.cost_usd,
      tokens: a.tokens,
      quality: a.quality,
      ranking_score: agentRankingScore({
        successes: a.success,
        failures: a.failure,
        ratings: a.quality.ratings,
        // Σ (rating − 1) / 4 from the ratings' count and mean.
        ratingUnitSum: a.quality.mean === null ? 0 : (a.quality.ratings * (a.quality.mean - 1)) / 4,
      }),
      trend_delta: a.trend.delta,
      sparkline: days.map((_, i) => {
        const n = d ? d.s[i]! + d.f[i]! : 0;
        return n === 0 ? null : d!.s[i]! / n;
      }),
    };
  });
  agents.sort((x, y) => y.ranking_score - x.ranking_score || y.invocations - x.invocations || (x.agent < y.agent ? -1 : 1));
  return { days, agents };
}

/** One bar of the speedup histogram: sessions whose speedup is in [low, high). */
export interface SpeedupBin {
  low: number;
  high: number;
  sessions: number;
}

/** `GET /api/automation`: optimisation totals, per operation, speedup distribution, per day. */
export function automation(
  snap: SpanSnapshot,
  q: DashboardQuery,
  nowMs: number,
): {
  optimizations: Report['optimizations'];
  operations: { operation: string; optimizations: GroupReport['optimizations'] }[];
  speedups: SpeedupBin[];
  series: ({ day: string; sessions: number; speedup_geomean: number | null } & SeriesSums<'optimizations'>)[];
} {
  const opts = reportOptions(q, nowMs);
  const daily = new ReportBuilder({ ...opts, by: 'day' });
  const byOp = new ReportBuilder({ ...opts, by: 'operation' });
  feed(snap, q, previousSince(q), [daily, byOp]);
  const { groups: dayGroups, ...total } = daily.build();
  const byDay = new Map((dayGroups ?? []).map((g) => [g.key, g.optimizations]));
  // Speedups binned on a log2 scale by quarter steps: 0.5×, 0.59×, 0.71×, 0.84×, 1×, 1.19× …
  // The ratio is read as the report reads it (numbers or numeric strings, both > 0).
  const bins = new Map<number, number>();
  const spans = snap.spans;
  for (let i = lowerBound(spans, q.sinceMs, (s) => s.startMs); i < spans.length; i++) {
    const s = spans[i]!;
    if (s.startMs >= q.untilMs) break;
    if (s.kind !== 'optimization' || !includesEnv(q, s.env) || (q.where.length > 0 && !matches(q, s))) continue;
    const base = numberAttr(s.attrs, 'baseline_latency_ms');
    const opt = numberAttr(s.attrs, 'optimized_latency_ms');
    if (base !== undefined && opt !== undefined && base > 0 && opt > 0 && Number.isFinite(base / opt)) {
      const bin = Math.floor(Math.log2(base / opt) * 4);
      bins.set(bin, (bins.get(bin) ?? 0) + 1);
    }
  }
  const speedups = [...bins].sort(([a], [b]) => a - b).map(([bin, sessions]) => ({ low: 2 ** (bin / 4), high: 2 ** ((bin + 1) / 4), sessions }));
  return {
    optimizations: total.optimizations,
    operations: (byOp.build().groups ?? []).filter((g) => g.optimizations.sessions > 0).map((g) => ({ operation: g.key, optimizations: g.optimizations })),
    speedups,
    series: daysOf(q).map((day) => {
      const o = byDay.get(day);
      return { day, sessions: o?.sessions ?? 0, ...sumSeries('optimizations', o), speedup_geomean: o?.speedup_geomean ?? null };
    }),
  };
}

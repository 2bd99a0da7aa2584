/**
 * claude-oak-agents' own `performance_stats.json` (its `TelemetryAnalyzer.generate_statistics`),
 * computed from invocation and success-metric records in the seed's shape. This is the seed's
 * definition, kept apart from agentmeter's `analyzeAgents` (docs/oak.md says where they differ
 * and why): `export oak` writes this file so that everything reading it sees what the seed's
 * analyser would have written from the same records.
 *
 * The seed's rules, as its analyser applies them: a duration counts only when truthy (0 s is
 * left out); success rate = success / (success + failure) (partial and unknown left out);
 * the quality of an invocation is its last success metric's rating; task types come from
 * `state_features.task.type` alone; the top three task types by count, ties in order of first
 * appearance; the first five failure messages in file order; `date_range` spans the
 * invocations' start timestamps, compared as text; agents in order of first appearance;
 * rounding is Python's `round` (3 places for the rate, 2 for the means).
 */
import { pyRound } from './py-round.js';

/** One `agent_invocations.jsonl` record (the fields the analyser reads). */
export interface SeedInvocationRecord {
  timestamp: string;
  invocation_id: string;
  agent_name: string;
  state_features?: unknown;
  duration_seconds?: number | null;
  outcome?: { status?: string | null; error_message?: string | null } | null;
}

/** One `success_metrics.jsonl` record (the fields the analyser reads). */
export interface SeedMetricRecord {
  invocation_id: string;
  quality_rating: number;
}

/** One agent's entry of the seed's `performance_stats.json`. */
export interface SeedAgentStats {
  invocation_count: number;
  success_rate: number;
  average_quality: number;
  average_duration_seconds: number;
  common_task_types: string[];
  common_failures: string[];
  recommended_for: string[];
}

/** The seed's `performance_stats.json`. */
export interface SeedPerformanceStats {
  generated_at: string;
  total_invocations: number;
  /** Absent when there are no invocations, as in the seed. */
  date_range?: { start: string | null; end: string | null };
  agents: Record<string, SeedAgentStats>;
}

function taskTypeOf(features: unknown): string | undefined {
  if (features === null || typeof features !== 'object') return undefined;
  const task = (features as Record<string, unknown>)['task'];
  if (task === null || typeof task !== 'object') return undefined;
  const t = (task as Record<string, unknown>)['type'];
  return typeof t === 'string' && t !== '' ? t : undefined;
}

const mean = (xs: number[]): number => (xs.length > 0 ? xs.reduce((a, b) => a + b, 0) / xs.length : 0);

/**
 * The seed analyser's statistics over seed-shaped records.
 *
 * @example
 * const stats = seedPerformanceStats(invocations, metrics, '2026-12-01T12:00:00Z');
 * stats.agents['frontend-developer']?.success_rate // 0.857
 */
export function seedPerformanceStats(
  invocations: readonly SeedInvocationRecord[],
  metrics: readonly SeedMetricRecord[],
  generatedAt: string,
): SeedPerformanceStats {
  if (invocations.length === 0) return { generated_at: generatedAt, total_invocations: 0, agents: {} };
  const ratingOf = new Map<string, number>();
  for (const m of metrics) ratingOf.set(m.invocation_id, m.quality_rating);
  interface Acc { count: number; durations: number[]; successes: number; failures: number; ratings: number[]; taskTypes: Map<string, number>; errors: string[] }
  const byAgent = new Map<string, Acc>();
  let start: string | null = null;
  let end: string | null = null;
  for (const inv of invocations) {
    let a = byAgent.get(inv.agent_name);
    if (!a) byAgent.set(inv.agent_name, (a = { count: 0, durations: [], successes: 0, failures: 0, ratings: [], taskTypes: new Map(), errors: [] }));
    a.count++;
    if (typeof inv.duration_seconds === 'number' && inv.duration_seconds !== 0) a.durations.push(inv.duration_seconds);
    const status = inv.outcome?.status ?? 'unknown';
    if (status === 'success') a.successes++;
    else if (status === 'failure') {
      a.failures++;
      const msg = inv.outcome?.error_message;
      if (typeof msg === 'string' && msg !== '') a.errors.push(msg);
    }
    const tt = taskTypeOf(inv.state_features);
    if (tt !== undefined) a.taskTypes.set(tt, (a.taskTypes.get(tt) ?? 0) + 1);
    const r = ratingOf.get(inv.invocation_id);
    if (r !== undefined) a.ratings.push(r);
    if (start === null || inv.timestamp < start) start = inv.timestamp;
    if (end === null || inv.timestamp > end) end = inv.timestamp;
  }
  const agents: Record<string, SeedAgentStats> = {};
  for (const [name, a] of byAgent) {
    const total = a.successes + a.failures;
    const successRate = total > 0 ? a.successes / total : 0;
    const quality = mean(a.ratings);
    // Stable sort by count, descending: ties keep first-appearance order, as Python's sorted.
    const ranked = [...a.taskTypes].sort((x, y) => y[1] - x[1]);
    const recommended: string[] = [];
    if (successRate > 0.8 && quality > 3.5) recommended.push('High success rate - reliable choice');
    // Python's max() keeps the first of equal counts.
    const top = [...a.taskTypes].reduce<[string, number] | undefined>((best, e) => (best === undefined || e[1] > best[1] ? e : best), undefined);
    if (top !== undefined && top[1] >= 3) recommended.push(`Best for ${top[0]} tasks`);
    if (successRate < 0.5 && a.count >= 5) recommended.push('Consider alternative agents - low success rate');
    agents[name] = {
      invocation_count: a.count,
      success_rate: pyRound(successRate, 3),
      average_quality: pyRound(quality, 2),
      average_duration_seconds: pyRound(mean(a.durations), 2),
      common_task_types: ranked.slice(0, 3).map((e) => e[0]),
      common_failures: a.errors.slice(0, 5),
      recommended_for: recommended,
    };
  }
  return { generated_at: generatedAt, total_invocations: invocations.length, date_range: { start, end }, agents };
}

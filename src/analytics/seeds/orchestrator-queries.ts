/**
 * Answers to the orchestrator seed's "example queries" (REFERENCE.md §B), from run records:
 * success rate per LLM model and per temperature, which agent needs the most retries, the
 * share of issues whose first pipeline passed, debugging cycles per issue and time to
 * resolve, and retries against issue complexity. Rates come with 95 % Wilson intervals.
 */
import { rate, wilsonInterval } from '../stats.js';
import type { Interval } from '../report-types.js';
import type { IssueRecord, RunRecord } from './orchestrator-runs.js';

/** Issue outcomes of one model or temperature. */
export interface ConfigSuccess {
  key: string;
  runs: number;
  issues: number;
  completed: number;
  failed: number;
  /** completed / (completed + failed). */
  success_rate: number | null;
  success_rate_ci: Interval;
}

/** Retries of one agent across issues. */
export interface AgentRetries {
  agent: string;
  attempts: number;
  retries: number;
  /** retries / attempts. */
  retries_per_attempt: number | null;
  /** Issues in which the agent needed at least one retry. */
  issues_with_retries: number;
}

/** One row of retries against complexity. */
export interface ComplexityRow {
  /** The task's `complexity` attribute, else a bucket of total retries (`0`, `1`, `2`, `3+`). */
  key: string;
  issues: number;
  mean_retries: number | null;
  mean_duration_seconds: number | null;
  success_rate: number | null;
}

/** `agentmeter report orchestrator --json`. */
export interface OrchestratorAnswers {
  runs: number;
  issues: number;
  /** Which LLM model has the highest success rate? Best first. */
  success_by_model: ConfigSuccess[];
  /** And per temperature. */
  success_by_temperature: ConfigSuccess[];
  /** Which agent causes the most retries? Most first. */
  agent_retries: AgentRetries[];
  /** What share of issues had their first pipeline pass? */
  first_pipeline: { issues: number; passed: number; rate: number | null; rate_ci: Interval; pipelines: number };
  /** How many debugging cycles per issue, and how fast are they resolved? */
  debugging: {
    cycles: number;
    cycles_per_issue: number | null;
    resolved: number;
    resolution_rate: number | null;
    mean_attempts: number | null;
    /** Median and mean seconds of resolved cycles. */
    time_to_resolve_seconds: { median: number | null; mean: number | null };
  };
  /** Retries against complexity: Spearman's ρ of total retries and duration, and rows. */
  complexity: { grouped_by: 'complexity' | 'retries'; spearman_retries_vs_duration: number | null; rows: ComplexityRow[] };
}

function configRows(runs: readonly RunRecord[], keyOf: (r: RunRecord) => string | null): ConfigSuccess[] {
  const rows = new Map<string, ConfigSuccess>();
  for (const r of runs) {
    const key = keyOf(r) ?? '(none)';
    let row = rows.get(key);
    if (!row) rows.set(key, (row = { key, runs: 0, issues: 0, completed: 0, failed: 0, success_rate: null, success_rate_ci: null }));
    row.runs++;
    for (const i of r.issues) {
      row.issues++;
      if (i.status === 'completed') row.completed++;
      else if (i.status === 'failed') row.failed++;
    }
  }
  const out = [...rows.values()].map((row) => ({ ...row, success_rate: rate(row.completed, row.failed), success_rate_ci: wilsonInterval(row.completed, row.completed + row.failed) }));
  // Best first by the lower bound, so one lucky issue does not top the list.
  return out.sort((a, b) => (b.success_rate_ci?.[0] ?? -1) - (a.success_rate_ci?.[0] ?? -1) || b.issues - a.issues || (a.key < b.key ? -1 : 1));
}

function median(xs: number[]): number | null {
  if (xs.length === 0) return null;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}

function mean(xs: number[]): number | null {
  return xs.length > 0 ? xs.reduce((a, b) => a + b, 0) / xs.length : null;
}

/** Ranks with ties averaged (1-based). */
function ranks(xs: number[]): number[] {
  const order = xs.map((x, i) => [x, i] as const).sort((a, b) => a[0] - b[0]);
  const r = new Array<number>(xs.length);
  for (let i = 0; i < order.length; ) {
    let j = i;
    while (j + 1 < order.length && (order[j + 1] as readonly [number, number])[0] === (order[i] as readonly [number, number])[0]) j++;
    for (let k = i; k <= j; k++) r[(order[k] as readonly [number, number])[1]] = (i + j) / 2 + 1;
    i = j + 1;
  }
  return r;
}

/** Spearman's rank correlation, or null with fewer than 3 pairs or no spread. */
export function spearman(xs: number[], ys: number[]): number | null {
  if (xs.length !== ys.length || xs.length < 3) return null;
  const rx = ranks(xs);
  const ry = ranks(ys);
  const mx = mean(rx) as number;
  const my = mean(ry) as number;
  let num = 0;
  let dx = 0;
  let dy = 0;
  for (let i = 0; i < rx.length; i++) {
    const a = (rx[i] as number) - mx;
    const b = (ry[i] as number) - my;
    num += a * b;
    dx += a * a;
    dy += b * b;
  }
  return dx > 0 && dy > 0 ? num / Math.sqrt(dx * dy) : null;
}

function complexityRows(issues: IssueRecord[]): OrchestratorAnswers['complexity'] {
  const labelled = issues.some((i) => i.complexity !== null);
  const groups = new Map<string, IssueRecord[]>();
  for (const i of issues) {
    const key = labelled ? (i.complexity ?? '(none)') : i.totalAgentRetries >= 3 ? '3+' : String(i.totalAgentRetries);
    const g = groups.get(key) ?? [];
    g.push(i);
    groups.set(key, g);
  }
  const rows = [...groups].map(([key, g]) => ({
    key,
    issues: g.length,
    mean_retries: mean(g.map((i) => i.totalAgentRetries)),
    mean_duration_seconds: mean(g.flatMap((i) => (i.durationSeconds !== null ? [i.durationSeconds] : []))),
    success_rate: rate(g.filter((i) => i.status === 'completed').length, g.filter((i) => i.status === 'failed').length),
  }));
  rows.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  const timed = issues.filter((i) => i.durationSeconds !== null);
  return {
    grouped_by: labelled ? 'complexity' : 'retries',
    spearman_retries_vs_duration: spearman(timed.map((i) => i.totalAgentRetries), timed.map((i) => i.durationSeconds as number)),
    rows,
  };
}

/**
 * Answer the seed's example queries over runs.
 *
 * @example
 * const a = answerOrchestratorQueries(buildRunRecords(spans));
 * a.success_by_model[0]?.key // the model with the best (lower-bound) success rate
 */
export function answerOrchestratorQueries(runs: readonly RunRecord[]): OrchestratorAnswers {
  const issues = runs.flatMap((r) => r.issues);
  const agents = new Map<string, AgentRetries>();
  for (const i of issues) {
    for (const [agent, m] of Object.entries(i.agentMetrics)) {
      const a = agents.get(agent) ?? { agent, attempts: 0, retries: 0, retries_per_attempt: null, issues_with_retries: 0 };
      a.attempts += m.attempts;
      a.retries += m.retries;
      if (m.retries > 0) a.issues_with_retries++;
      agents.set(agent, a);
    }
  }
  const agentRetries = [...agents.values()]
    .map((a) => ({ ...a, retries_per_attempt: a.attempts > 0 ? a.retries / a.attempts : null }))
    .sort((a, b) => b.retries - a.retries || (a.agent < b.agent ? -1 : 1));
  const withPipeline = issues.filter((i) => i.firstPipelinePassed !== null);
  const passed = withPipeline.filter((i) => i.firstPipelinePassed === true).length;
  const cycles = issues.flatMap((i) => i.debugging);
  const resolved = cycles.filter((c) => c.resolved);
  const resolveTimes = resolved.flatMap((c) => (c.duration_seconds !== null ? [c.duration_seconds] : []));
  return {
    runs: runs.length,
    issues: issues.length,
    success_by_model: configRows(runs, (r) => r.model),
    success_by_temperature: configRows(runs, (r) => (r.temperature === null ? null : String(r.temperature))),
    agent_retries: agentRetries,
    first_pipeline: {
      issues: withPipeline.length,
      passed,
      rate: withPipeline.length > 0 ? passed / withPipeline.length : null,
      rate_ci: wilsonInterval(passed, withPipeline.length),
      pipelines: issues.reduce((n, i) => n + i.pipelines.length, 0),
    },
    debugging: {
      cycles: cycles.length,
      cycles_per_issue: issues.length > 0 ? cycles.length / issues.length : null,
      resolved: resolved.length,
      resolution_rate: cycles.length > 0 ? resolved.length / cycles.length : null,
      mean_attempts: mean(cycles.map((c) => c.attempts)),
      time_to_resolve_seconds: { median: median(resolveTimes), mean: mean(resolveTimes) },
    },
    complexity: complexityRows(issues),
  };
}

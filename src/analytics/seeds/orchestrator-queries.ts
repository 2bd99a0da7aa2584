/**
 * Answers to the orchestrator seed's "example queries" (docs/orchestrator.md), from run records:
 * success rate per LLM model and per temperature, which agent needs the most retries, the
 * share of issues whose first pipeline passed, debugging cycles per issue and time to
 * resolve, and retries against issue complexity. Rates come with 95 % Wilson intervals.
 * The answers are finished from sums (`OrchestratorParts`), which the run records give here
 * and a database computes in SQL, so both stores print the same figures.
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
  /** completed / issues processed (the seed's run success rate: unfinished issues count against it). */
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

/** Issue outcomes of one model or temperature, summed: what `ConfigSuccess` is finished from. */
export interface ConfigParts {
  runs: number;
  issues: number;
  completed: number;
  failed: number;
}

/** One agent's retries summed over issues. */
export interface AgentRetryParts {
  attempts: number;
  retries: number;
  issuesWithRetries: number;
}

/** Sums of one complexity row. */
export interface ComplexityParts {
  issues: number;
  /** Σ total agent retries of the row's issues. */
  retriesSum: number;
  /** Σ and count of the durations (seconds) of the row's ended issues. */
  durationSum: number;
  durations: number;
  completed: number;
  failed: number;
}

/**
 * A median without the values: their count and the middle one (odd count) or two (even),
 * in order, plus their sum for the mean.
 */
export interface MedianParts {
  count: number;
  sum: number;
  middle: number[];
}

/**
 * Spearman's ρ without the values: the number of pairs, Σ (rx − r̄x)(ry − r̄y), Σ (rx − r̄x)²
 * and Σ (ry − r̄y)² over their ranks (ties averaged). Ranks are multiples of ½, so these
 * sums are exact whatever order they are added in.
 */
export interface SpearmanParts {
  n: number;
  num: number;
  dx: number;
  dy: number;
}

/**
 * Everything the example queries are answered from: what `orchestratorParts` sums over run
 * records, or what a database computes (`orchestratorAnswersFromParts` finishes both). Keys
 * are the rows' final keys (`(none)` for a run without a model or temperature); entries
 * with the same key are added together.
 */
export interface OrchestratorParts {
  runs: number;
  issues: number;
  byModel: Iterable<readonly [string, ConfigParts]>;
  byTemperature: Iterable<readonly [string, ConfigParts]>;
  agents: Iterable<readonly [string, AgentRetryParts]>;
  /** Issues whose first pipeline ended, those where it passed, and pipelines in all. */
  firstPipeline: { issues: number; passed: number; pipelines: number };
  /** Cycles, resolved cycles, Σ fix attempts, and the durations of resolved cycles. */
  debugging: { cycles: number; resolved: number; attemptsSum: number; resolveSeconds: MedianParts };
  /** Whether any issue has a `complexity` attribute (rows are keyed by it, else by retries). */
  complexity: { labelled: boolean; rows: Iterable<readonly [string, ComplexityParts]>; spearman: SpearmanParts };
}

function sumInto<T extends object>(rows: Iterable<readonly [string, T]>): Map<string, T> {
  const out = new Map<string, T>();
  for (const [key, parts] of rows) addTo(out, key, { ...parts });
  return out;
}

function configRows(parts: Iterable<readonly [string, ConfigParts]>): ConfigSuccess[] {
  const out = [...sumInto(parts)].map(([key, p]): ConfigSuccess => ({
    key,
    runs: p.runs,
    issues: p.issues,
    completed: p.completed,
    failed: p.failed,
    // The seed's run success rate (`RunLogger.finalize_run`): completed / issues processed, so
    // an issue that never finished counts against its model.
    success_rate: p.issues > 0 ? p.completed / p.issues : null,
    success_rate_ci: wilsonInterval(p.completed, p.issues),
  }));
  // Best first by the lower bound, so one lucky issue does not top the list.
  return out.sort((a, b) => (b.success_rate_ci?.[0] ?? -1) - (a.success_rate_ci?.[0] ?? -1) || b.issues - a.issues || (a.key < b.key ? -1 : 1));
}

function mean(xs: number[]): number | null {
  return xs.length > 0 ? xs.reduce((a, b) => a + b, 0) / xs.length : null;
}

/** The middle one or two of values (sorted here), their count and sum. */
export function medianParts(xs: readonly number[]): MedianParts {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return { count: s.length, sum: xs.reduce((a, b) => a + b, 0), middle: s.length === 0 ? [] : s.length % 2 === 1 ? [s[m] as number] : [s[m - 1] as number, s[m] as number] };
}

function medianOf(p: MedianParts): number | null {
  if (p.count === 0) return null;
  return p.middle.length === 1 ? (p.middle[0] as number) : ((p.middle[0] as number) + (p.middle[1] as number)) / 2;
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

/** The sums Spearman's ρ is computed from (pairs of unequal length count as none). */
export function spearmanParts(xs: number[], ys: number[]): SpearmanParts {
  if (xs.length !== ys.length || xs.length === 0) return { n: 0, num: 0, dx: 0, dy: 0 };
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
  return { n: xs.length, num, dx, dy };
}

/** ρ from its sums, or null with fewer than 3 pairs or no spread. */
export function spearmanFromParts(p: SpearmanParts): number | null {
  return p.n >= 3 && p.dx > 0 && p.dy > 0 ? p.num / Math.sqrt(p.dx * p.dy) : null;
}

/** Spearman's rank correlation, or null with fewer than 3 pairs or no spread. */
export function spearman(xs: number[], ys: number[]): number | null {
  if (xs.length !== ys.length) return null;
  return spearmanFromParts(spearmanParts(xs, ys));
}

/** The complexity row of an issue: its `complexity` attribute, else its total retries bucketed. */
function complexityKey(i: IssueRecord, labelled: boolean): string {
  return labelled ? (i.complexity ?? '(none)') : i.totalAgentRetries >= 3 ? '3+' : String(i.totalAgentRetries);
}

/**
 * Sum run records into the parts the answers are finished from.
 *
 * @example
 * const answers = orchestratorAnswersFromParts(orchestratorParts(buildRunRecords(spans)));
 */
export function orchestratorParts(runs: Iterable<RunRecord>): OrchestratorParts {
  const b = new OrchestratorPartsBuilder();
  for (const r of runs) b.addRun(r);
  return b.parts();
}

/**
 * `orchestratorParts` one run at a time, keeping sums instead of the records: a read streams
 * a store's runs through it (`RunRecordsBuilder.records`), so no more than one run's records
 * are held at once. Sums are added in the order runs, their issues and their cycles come, as
 * a database adds them (sinks/postgres/seed-queries.ts), so both print the same digits.
 */
class OrchestratorPartsBuilder {
  #runs = 0;
  #issues = 0;
  readonly #byModel = new Map<string, ConfigParts>();
  readonly #byTemperature = new Map<string, ConfigParts>();
  readonly #agents = new Map<string, AgentRetryParts>();
  readonly #firstPipeline = { issues: 0, passed: 0, pipelines: 0 };
  readonly #debugging = { cycles: 0, resolved: 0, attemptsSum: 0 };
  readonly #resolveSeconds: number[] = [];
  #labelled = false;
  // Rows by complexity and by retries, both: which one is given depends on issues yet to come.
  readonly #byComplexity = new Map<string, ComplexityParts>();
  readonly #byRetries = new Map<string, ComplexityParts>();
  readonly #timedRetries: number[] = [];
  readonly #timedSeconds: number[] = [];

  addRun(r: RunRecord): void {
    this.#runs++;
    let completed = 0;
    let failed = 0;
    for (const i of r.issues) {
      this.#issues++;
      if (i.status === 'completed') completed++;
      else if (i.status === 'failed') failed++;
      for (const [agent, m] of Object.entries(i.agentMetrics)) {
        addTo(this.#agents, agent, { attempts: m.attempts, retries: m.retries, issuesWithRetries: m.retries > 0 ? 1 : 0 });
      }
      if (i.firstPipelinePassed !== null) {
        this.#firstPipeline.issues++;
        if (i.firstPipelinePassed) this.#firstPipeline.passed++;
      }
      this.#firstPipeline.pipelines += i.pipelines.length;
      for (const c of i.debugging) {
        this.#debugging.cycles++;
        this.#debugging.attemptsSum += c.attempts;
        if (!c.resolved) continue;
        this.#debugging.resolved++;
        if (c.duration_seconds !== null) this.#resolveSeconds.push(c.duration_seconds);
      }
      if (i.complexity !== null) this.#labelled = true;
      const row = (): ComplexityParts => ({
        issues: 1,
        retriesSum: i.totalAgentRetries,
        durationSum: i.durationSeconds ?? 0,
        durations: i.durationSeconds !== null ? 1 : 0,
        completed: i.status === 'completed' ? 1 : 0,
        failed: i.status === 'failed' ? 1 : 0,
      });
      addTo(this.#byComplexity, complexityKey(i, true), row());
      addTo(this.#byRetries, complexityKey(i, false), row());
      if (i.durationSeconds !== null) {
        this.#timedRetries.push(i.totalAgentRetries);
        this.#timedSeconds.push(i.durationSeconds);
      }
    }
    const config = (): ConfigParts => ({ runs: 1, issues: r.issues.length, completed, failed });
    addTo(this.#byModel, r.model ?? '(none)', config());
    addTo(this.#byTemperature, r.temperature === null ? '(none)' : String(r.temperature), config());
  }

  parts(): OrchestratorParts {
    return {
      runs: this.#runs,
      issues: this.#issues,
      byModel: this.#byModel,
      byTemperature: this.#byTemperature,
      agents: this.#agents,
      firstPipeline: { ...this.#firstPipeline },
      debugging: { ...this.#debugging, resolveSeconds: medianParts(this.#resolveSeconds) },
      complexity: {
        labelled: this.#labelled,
        rows: this.#labelled ? this.#byComplexity : this.#byRetries,
        spearman: spearmanParts(this.#timedRetries, this.#timedSeconds),
      },
    };
  }
}

/** Add `parts` to the entry of `key`, as `sumInto` adds rows: the first is taken as it is. */
function addTo<T extends object>(m: Map<string, T>, key: string, parts: T): void {
  const have = m.get(key);
  if (!have) m.set(key, parts);
  else for (const k of Object.keys(parts) as (keyof T)[]) (have[k] as number) += parts[k] as number;
}

/**
 * Finish the answers from their parts (summed from run records, or computed by a database).
 *
 * @example
 * orchestratorAnswersFromParts(orchestratorParts(runs)).first_pipeline.rate
 */
export function orchestratorAnswersFromParts(p: OrchestratorParts): OrchestratorAnswers {
  const agentRetries = [...sumInto(p.agents)]
    .map(([agent, a]): AgentRetries => ({ agent, attempts: a.attempts, retries: a.retries, retries_per_attempt: a.attempts > 0 ? a.retries / a.attempts : null, issues_with_retries: a.issuesWithRetries }))
    .sort((a, b) => b.retries - a.retries || (a.agent < b.agent ? -1 : 1));
  const f = p.firstPipeline;
  const d = p.debugging;
  const rows = [...sumInto(p.complexity.rows)].map(([key, g]): ComplexityRow => ({
    key,
    issues: g.issues,
    mean_retries: g.issues > 0 ? g.retriesSum / g.issues : null,
    mean_duration_seconds: g.durations > 0 ? g.durationSum / g.durations : null,
    success_rate: rate(g.completed, g.failed),
  }));
  rows.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return {
    runs: p.runs,
    issues: p.issues,
    success_by_model: configRows(p.byModel),
    success_by_temperature: configRows(p.byTemperature),
    agent_retries: agentRetries,
    first_pipeline: {
      issues: f.issues,
      passed: f.passed,
      rate: f.issues > 0 ? f.passed / f.issues : null,
      rate_ci: wilsonInterval(f.passed, f.issues),
      pipelines: f.pipelines,
    },
    debugging: {
      cycles: d.cycles,
      cycles_per_issue: p.issues > 0 ? d.cycles / p.issues : null,
      resolved: d.resolved,
      resolution_rate: d.cycles > 0 ? d.resolved / d.cycles : null,
      mean_attempts: d.cycles > 0 ? d.attemptsSum / d.cycles : null,
      time_to_resolve_seconds: { median: medianOf(d.resolveSeconds), mean: d.resolveSeconds.count > 0 ? d.resolveSeconds.sum / d.resolveSeconds.count : null },
    },
    complexity: { grouped_by: p.complexity.labelled ? 'complexity' : 'retries', spearman_retries_vs_duration: spearmanFromParts(p.complexity.spearman), rows },
  };
}

/**
 * Answer the seed's example queries over runs.
 *
 * @example
 * const a = answerOrchestratorQueries(buildRunRecords(spans));
 * a.success_by_model[0]?.key // the model with the best (lower-bound) success rate
 */
export function answerOrchestratorQueries(runs: Iterable<RunRecord>): OrchestratorAnswers {
  return orchestratorAnswersFromParts(orchestratorParts(runs));
}

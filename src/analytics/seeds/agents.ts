/**
 * The sub-agent seed's analyser (docs/oak.md), as pure functions over folded spans:
 * per-agent statistics, a ranking, week-over-week trends, workflow statistics and
 * coordination overhead. Definitions: docs/oak.md.
 *
 * The original ranked by 0.6·success_rate + 0.4·quality/5, which lets one success out of one
 * beat 95 out of 100. The same formula is kept and shown (`score`), but the ranking uses
 * `ranking_score`, the same weights applied to lower 95 % Wilson bounds: of the success rate,
 * and of the mean rating mapped to [0, 1] ((r − 1) / 4 as a fraction of n ratings).
 *
 * Beyond a report's summary, the analysis needs ids, names, workflow ids and error messages:
 * `AgentSpan`, which a whole `Span` is and which the span cache keeps for agent and workflow
 * spans (`DETAIL_KINDS`, `DETAIL_KEYS_OF`). `AgentAnalysisBuilder` takes them one at a time and
 * keeps only what the answer needs of each.
 */
import { hashId } from '../../model/fold.js';
import { grown } from '../../model/columns.js';
import { HashMap53 } from '../../model/hash-set.js';
import type { Feedback, Span, SpanSummary } from '../../model/span.js';
import { keyAttr } from '../attrs.js';
import { rate, wilsonInterval } from '../stats.js';
import { agentRankingScore } from '../ranking.js';
import { endedDuration } from '../outcome-accumulators.js';
import type { Interval } from '../report-types.js';

/** Options of `analyzeAgents`. */
export interface AgentAnalysisOptions {
  /** Only invocations of this task type (`task.type`). */
  taskType?: string | undefined;
  /** "Now" for the trend: the last `trendDays` against everything before. */
  nowMs: number;
  /** Default 7. */
  trendDays?: number;
}

/** Week-over-week trend of one agent's success rate. */
export interface AgentTrend {
  recent_success_rate: number | null;
  previous_success_rate: number | null;
  /** recent − previous, as a fraction. */
  change: number | null;
  /** `stable` when |change| < 0.05; `insufficient_data` when either side has no outcome. */
  direction: 'improving' | 'declining' | 'stable' | 'insufficient_data';
}

/** One agent's statistics; the first fields are the original's `performance_stats.json` ones. */
export interface AgentStats {
  agent_name: string;
  invocation_count: number;
  /** successes / (successes + failures); partial, unknown and open left out. */
  success_rate: number | null;
  average_quality: number | null;
  average_duration_seconds: number | null;
  /** Top 3 task types. */
  common_task_types: string[];
  /** Top 3 error messages (or types) of failed invocations. */
  common_failures: string[];
  /** Task types with at least 3 outcomes and a success rate of at least 80 %. */
  recommended_for: string[];
  successes: number;
  failures: number;
  /** Partial, unknown, skipped, cancelled, open or abandoned. */
  other: number;
  success_rate_ci: Interval;
  ratings: number;
  /** The original's 0.6·success_rate + 0.4·average_quality/5 (missing values as 0). */
  score: number;
  /** What the ranking sorts by: the same weights on lower confidence bounds. */
  ranking_score: number;
  trend: AgentTrend;
}

/** Workflow statistics and coordination overhead. */
export interface WorkflowStats {
  workflows: number;
  ended: number;
  success_rate: number | null;
  average_duration_seconds: number | null;
  average_agents_per_workflow: number | null;
  /** Most common agent sequences, `a → b → c`. */
  top_sequences: { sequence: string; count: number }[];
  /**
   * (workflow time − Σ agent time) / workflow time, over ended workflows with a duration and
   * at least one timed agent; negative when agents ran in parallel.
   */
  coordination_overhead: { workflows: number; mean: number | null; median: number | null };
}

/** `agentmeter agents --json`. */
export interface AgentAnalysis {
  generated_at: string;
  task_type: string | null;
  total_invocations: number;
  date_range: { start: string; end: string } | null;
  /** Ranked by `ranking_score`, best first. */
  agents: AgentStats[];
  workflows: WorkflowStats;
}

const DAY_MS = 86_400_000;
const STABLE = 0.05;

/**
 * One agent's partial sums: what `analyzeAgents` accumulates from spans, or what a database
 * computes for it (`agentAnalysisFromParts`). `taskTypes` and `failuresBy` may hold only the
 * top entries; `byType` only the task types that had outcomes.
 */
export interface AgentParts {
  name: string;
  count: number;
  successes: number;
  failures: number;
  ratingSum: number;
  ratingUnitSum: number;
  ratings: number;
  durationSum: number;
  durations: number;
  taskTypes: Map<string, number>;
  failuresBy: Map<string, number>;
  byType: Map<string, { s: number; f: number }>;
  recent: { s: number; f: number };
  previous: { s: number; f: number };
}

function top(m: Map<string, number>, n: number): string[] {
  return [...m].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)).slice(0, n).map(([k]) => k);
}

function bump(m: Map<string, number>, k: string): void {
  m.set(k, (m.get(k) ?? 0) + 1);
}


/**
 * Statistics and ranking of agent invocations, plus workflow statistics.
 *
 * @example
 * const a = analyzeAgents(spans, feedback, { nowMs: Date.now() });
 * a.agents[0]?.agent_name // the best agent by lower confidence bound
 */
export function analyzeAgents(spans: Iterable<Span>, feedback: Iterable<Feedback>, o: AgentAnalysisOptions): AgentAnalysis {
  const b = new AgentAnalysisBuilder(o);
  for (const s of spans) b.addSpan(s);
  for (const f of feedback) b.addFeedback(f);
  return b.build();
}

/**
 * What the analysis reads of a span: a summary with its id, name and end, and the detail
 * attributes (`DETAIL_KEYS_OF`): what the span cache keeps of agent and workflow spans. A
 * `Span` is one.
 */
export type AgentSpan = SpanSummary & Pick<Span, 'spanId' | 'name' | 'endMs'>;

/** What the workflow statistics need of an agent span: its place in its workflow. */
interface WorkflowMember {
  workflowId: string;
  startMs: number;
  spanId: string;
  name: string;
  durationMs: number | null;
}

/** What the workflow statistics need of a workflow span. */
interface WorkflowRecord {
  workflowId: string;
  executed: string[] | undefined;
  state: Span['state'];
  status: Span['status'];
  durationMs: number | null;
}

/**
 * `analyzeAgents` one span and one feedback at a time, in any order, keeping per span only
 * what the answer needs (its id for the rating, and its place in a workflow), so a scan can
 * stream spans through it instead of holding them all.
 *
 * @example
 * const b = new AgentAnalysisBuilder({ nowMs: Date.now() });
 * await scanSpans({ root, onSpan: (s) => b.addSpan(s), onFeedback: (f) => b.addFeedback(f) });
 * b.build().agents[0]?.agent_name
 */
export class AgentAnalysisBuilder {
  readonly #o: AgentAnalysisOptions;
  readonly #recentSince: number;
  /** Each agent's parts, and its index among them by name. */
  readonly #accList: AgentParts[] = [];
  readonly #accs = new Map<string, number>();
  /**
   * Each counted invocation's span id hash and agent (an index into `#accList`), for the
   * ratings (joined at `build`): the hash as the fold dedupes spans by, not the id (a string
   * each, 150 bytes with its entry, which made the ids most of the memory of `agents` over a
   * large store), in typed arrays (plain arrays of them, grown in the large-object space,
   * were a tenth of the peak memory of `agents` over 1 M events).
   */
  #ratedHash = new Float64Array(1024);
  #ratedAgent = new Uint32Array(1024);
  #nRated = 0;
  /** The rating of each rated span, by its id hash (an index into `#ratings`). */
  readonly #ratingBySpan = new HashMap53();
  #ratings = new Float64Array(256);
  readonly #members: WorkflowMember[] = [];
  readonly #workflows: WorkflowRecord[] = [];
  #minMs = Infinity;
  #maxMs = -Infinity;

  constructor(o: AgentAnalysisOptions) {
    this.#o = o;
    this.#recentSince = o.nowMs - (o.trendDays ?? 7) * DAY_MS;
  }

  /** A folded span (a `Span`, or a summary with its detail); only agent and workflow spans count. */
  addSpan(s: AgentSpan): void {
    if (s.kind === 'workflow') {
      const executed = s.attrs['workflow.agents_executed'];
      this.#workflows.push({
        workflowId: keyAttr(s.attrs, 'workflow.id') ?? '',
        executed: Array.isArray(executed) ? executed.filter((x): x is string => typeof x === 'string') : undefined,
        state: s.state,
        status: s.status,
        durationMs: s.durationMs,
      });
      return;
    }
    if (s.kind !== 'agent') return;
    const name = keyAttr(s.attrs, 'gen_ai.agent.name') ?? s.name;
    const workflowId = keyAttr(s.attrs, 'workflow.id');
    if (workflowId !== undefined) this.#members.push({ workflowId, startMs: s.startMs, spanId: s.spanId, name, durationMs: s.durationMs });
    const taskType = keyAttr(s.attrs, 'task.type');
    if (this.#o.taskType !== undefined && taskType !== this.#o.taskType) return;
    let ai = this.#accs.get(name);
    if (ai === undefined) {
      ai = this.#accList.length;
      this.#accs.set(name, ai);
      this.#accList.push({
        name, count: 0, successes: 0, failures: 0, ratingSum: 0, ratingUnitSum: 0, ratings: 0, durationSum: 0, durations: 0,
        taskTypes: new Map(), failuresBy: new Map(), byType: new Map(), recent: { s: 0, f: 0 }, previous: { s: 0, f: 0 },
      });
    }
    const a = this.#accList[ai] as AgentParts;
    a.count++;
    this.#minMs = Math.min(this.#minMs, s.startMs);
    this.#maxMs = Math.max(this.#maxMs, s.endMs ?? s.startMs);
    if (taskType !== undefined) bump(a.taskTypes, taskType);
    const ok = s.state === 'ended' && s.status === 'success';
    const bad = s.state === 'ended' && s.status === 'failure';
    if (ok || bad) {
      if (ok) a.successes++;
      else a.failures++;
      const side = s.startMs >= this.#recentSince ? a.recent : a.previous;
      if (ok) side.s++;
      else side.f++;
      if (taskType !== undefined) {
        const t = a.byType.get(taskType) ?? { s: 0, f: 0 };
        if (ok) t.s++;
        else t.f++;
        a.byType.set(taskType, t);
      }
    }
    if (bad) bump(a.failuresBy, keyAttr(s.attrs, 'error.message') ?? keyAttr(s.attrs, 'error.type') ?? keyAttr(s.attrs, 'status.detail') ?? '(no error message)');
    const d = endedDuration(s);
    if (d !== undefined) {
      a.durationSum += d / 1000;
      a.durations++;
    }
    const n = this.#nRated++;
    if (n === this.#ratedHash.length) {
      this.#ratedHash = grown(this.#ratedHash, 2 * n);
      this.#ratedAgent = grown(this.#ratedAgent, 2 * n);
    }
    this.#ratedHash[n] = hashId(s.spanId);
    this.#ratedAgent[n] = ai;
  }

  /** A span's feedback (the fold's last per span); its rating counts for that invocation. */
  addFeedback(f: Feedback): void {
    if (f.rating === null || !Number.isFinite(f.rating)) return;
    const h = hashId(f.spanId);
    let i = this.#ratingBySpan.get(h);
    if (i < 0) {
      i = this.#ratingBySpan.size;
      if (i === this.#ratings.length) this.#ratings = grown(this.#ratings, 2 * i);
      this.#ratingBySpan.set(h, i);
    }
    this.#ratings[i] = f.rating;
  }

  build(): AgentAnalysis {
    for (let i = 0; i < this.#nRated; i++) {
      const ri = this.#ratingBySpan.get(this.#ratedHash[i] as number);
      if (ri < 0) continue;
      const r = this.#ratings[ri] as number;
      const a = this.#accList[this.#ratedAgent[i] as number] as AgentParts;
      a.ratingSum += r;
      a.ratingUnitSum += (r - 1) / 4;
      a.ratings++;
    }
    const parts = workflowParts(this.#workflows, this.#members);
    return agentAnalysisFromParts(this.#accList, workflowStatsFromParts(parts), { minMs: this.#minMs, maxMs: this.#maxMs }, this.#o);
  }
}

/**
 * The analysis from partial sums: the second half of `analyzeAgents`, for sums computed
 * elsewhere (in SQL). `range` spans the counted invocations (start of the first, end of the last).
 *
 * @example
 * agentAnalysisFromParts(parts, workflowStatsFromParts(w), { minMs, maxMs }, { nowMs: Date.now() })
 */
export function agentAnalysisFromParts(
  parts: readonly AgentParts[],
  workflows: WorkflowStats,
  range: { minMs: number; maxMs: number },
  o: Pick<AgentAnalysisOptions, 'taskType' | 'nowMs'>,
): AgentAnalysis {
  const agents = parts.map((a) => agentStats(a));
  agents.sort((x, y) => y.ranking_score - x.ranking_score || y.invocation_count - x.invocation_count || (x.agent_name < y.agent_name ? -1 : 1));
  const total = agents.reduce((n, a) => n + a.invocation_count, 0);
  return {
    generated_at: new Date(o.nowMs).toISOString(),
    task_type: o.taskType ?? null,
    total_invocations: total,
    date_range: total > 0 ? { start: new Date(range.minMs).toISOString(), end: new Date(range.maxMs).toISOString() } : null,
    agents,
    workflows,
  };
}

function agentStats(a: AgentParts): AgentStats {
  const successRate = rate(a.successes, a.failures);
  const quality = a.ratings > 0 ? a.ratingSum / a.ratings : null;
  const recent = rate(a.recent.s, a.recent.f);
  const previous = rate(a.previous.s, a.previous.f);
  const change = recent !== null && previous !== null ? recent - previous : null;
  const direction: AgentTrend['direction'] = change === null ? 'insufficient_data' : Math.abs(change) < STABLE ? 'stable' : change > 0 ? 'improving' : 'declining';
  return {
    agent_name: a.name,
    invocation_count: a.count,
    success_rate: successRate,
    average_quality: quality,
    average_duration_seconds: a.durations > 0 ? a.durationSum / a.durations : null,
    common_task_types: top(a.taskTypes, 3),
    common_failures: top(a.failuresBy, 3),
    recommended_for: [...a.byType]
      .filter(([, t]) => t.s + t.f >= 3 && t.s / (t.s + t.f) >= 0.8)
      .map(([k]) => k)
      .sort(),
    successes: a.successes,
    failures: a.failures,
    other: a.count - a.successes - a.failures,
    success_rate_ci: wilsonInterval(a.successes, a.successes + a.failures),
    ratings: a.ratings,
    score: 0.6 * (successRate ?? 0) + 0.4 * ((quality ?? 0) / 5),
    ranking_score: agentRankingScore(a),
    trend: { recent_success_rate: recent, previous_success_rate: previous, change, direction },
  };
}

function median(xs: number[]): number | null {
  if (xs.length === 0) return null;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}

/** Workflow sums: what `workflowStatsFromParts` turns into `WorkflowStats`. */
export interface WorkflowParts {
  workflows: number;
  ended: number;
  successes: number;
  failures: number;
  durationSum: number;
  durations: number;
  agentsSum: number;
  agentsCounted: number;
  /** Agent sequences and their counts (the top 5 suffice). */
  sequences: Map<string, number>;
  coordinationOverhead: WorkflowStats['coordination_overhead'];
}

/** `WorkflowStats` from sums. */
export function workflowStatsFromParts(p: WorkflowParts): WorkflowStats {
  return {
    workflows: p.workflows,
    ended: p.ended,
    success_rate: rate(p.successes, p.failures),
    average_duration_seconds: p.durations > 0 ? p.durationSum / p.durations : null,
    average_agents_per_workflow: p.agentsCounted > 0 ? p.agentsSum / p.agentsCounted : null,
    top_sequences: top(p.sequences, 5).map((sequence) => ({ sequence, count: p.sequences.get(sequence) ?? 0 })),
    coordination_overhead: p.coordinationOverhead,
  };
}

function workflowParts(workflows: readonly WorkflowRecord[], agents: readonly WorkflowMember[]): WorkflowParts {
  const byWorkflow = new Map<string, WorkflowMember[]>();
  for (const m of agents) {
    const list = byWorkflow.get(m.workflowId) ?? [];
    list.push(m);
    byWorkflow.set(m.workflowId, list);
  }
  // In start order (ties by span id), whatever order the spans came in.
  for (const list of byWorkflow.values()) list.sort((a, b) => a.startMs - b.startMs || (a.spanId < b.spanId ? -1 : a.spanId > b.spanId ? 1 : 0));
  let ended = 0;
  let successes = 0;
  let failures = 0;
  let durationSum = 0;
  let durations = 0;
  let agentsSum = 0;
  let agentsCounted = 0;
  const sequences = new Map<string, number>();
  const overheads: number[] = [];
  for (const w of workflows) {
    const members = byWorkflow.get(w.workflowId) ?? [];
    const seq = w.executed ?? members.map((m) => m.name);
    if (seq.length > 0) {
      agentsSum += seq.length;
      agentsCounted++;
      bump(sequences, seq.join(' → '));
    }
    if (w.state !== 'ended') continue;
    ended++;
    if (w.status === 'success') successes++;
    else if (w.status === 'failure') failures++;
    const d = w.durationMs;
    if (d === null || !Number.isFinite(d) || d < 0) continue;
    durationSum += d / 1000;
    durations++;
    const timed = members.filter((m) => m.durationMs !== null && Number.isFinite(m.durationMs));
    if (d > 0 && timed.length > 0) {
      const agentMs = timed.reduce((n, m) => n + (m.durationMs as number), 0);
      overheads.push((d - agentMs) / d);
    }
  }
  const mean = overheads.length > 0 ? overheads.reduce((a, b) => a + b, 0) / overheads.length : null;
  return {
    workflows: workflows.length, ended, successes, failures, durationSum, durations, agentsSum, agentsCounted, sequences,
    coordinationOverhead: { workflows: overheads.length, mean, median: median(overheads) },
  };
}

/**
 * The analyser's `performance_stats.json`, from an analysis.
 *
 * @example
 * writeFile('performance_stats.json', JSON.stringify(performanceStats(analysis), null, 2))
 */
export function performanceStats(a: AgentAnalysis): Record<string, unknown> {
  const agents: Record<string, unknown> = {};
  for (const s of a.agents) {
    agents[s.agent_name] = {
      invocation_count: s.invocation_count,
      success_rate: s.success_rate ?? 0,
      average_quality: s.average_quality ?? 0,
      average_duration_seconds: s.average_duration_seconds ?? 0,
      common_task_types: s.common_task_types,
      common_failures: s.common_failures,
      recommended_for: s.recommended_for,
    };
  }
  return { generated_at: a.generated_at, total_invocations: a.total_invocations, date_range: a.date_range ?? { start: null, end: null }, agents };
}

/**
 * The streaming report aggregator behind `agentmeter report`. Spans and feedback are fed
 * one at a time (straight from the store's reader and the folder), so memory is bounded by
 * the number of groups × a few counters and sketches, never by the number of spans.
 */
import type { FeedbackAggregate, SpanAggregate } from '../model/aggregate.js';
import type { BaseAttributes, SpanKind } from '../model/events.js';
import type { Feedback, FeedbackSummary, SpanSummary } from '../model/span.js';
import { toIso, utcDay } from '../model/time.js';
import { DEFAULT_EXCLUDED_ENVS } from '../model/envs.js';
import { agentFeedbackOfAggregate, feedbackOfAggregate, sectionsOfAggregate } from './aggregate.js';
import { keyAttr } from './attrs.js';
import { FeedbackAccumulator, SectionAccumulators, hasSection } from './sections.js';
import type { GroupBy, GroupReport, Report, SkippedSample } from './report-types.js';

export { DEFAULT_EXCLUDED_ENVS };
/** Group key of a span or feedback that lacks the grouping attribute. */
export const NO_GROUP_KEY = '(none)';
/** Skipped-line samples kept for the report's warning; the count is always exact. */
export const MAX_SKIPPED_SAMPLES = 20;

/** Options of a `ReportBuilder`. */
export interface ReportOptions {
  /** Start of the current window, Unix ms, inclusive. */
  sinceMs: number;
  /** End of the current window, Unix ms, exclusive. */
  untilMs: number;
  /** Dimension to group by; without it the report has no `groups`. */
  by?: GroupBy;
  /** Envs to include: a list, `'all'`, or by default every env except `test` and `demo`. */
  envs?: readonly string[] | 'all';
  /** Clock for `generated_at`, Unix ms (tests pin it). Default `Date.now()`. */
  nowMs?: number;
}

type Window = 'current' | 'previous';

// Which attribute holds a dimension's value; `day`, `env` and `agent` are special-cased.
const GROUP_ATTR: Record<Exclude<GroupBy, 'day' | 'env'>, string> = {
  model: 'gen_ai.request.model',
  agent: 'gen_ai.agent.name',
  task_type: 'task.type',
  operation: 'operation',
  project: 'project',
  temperature: 'gen_ai.request.temperature',
  tool: 'gen_ai.tool.name',
};

/**
 * The attribute a dimension groups by (`day` and `env` are not attributes), for stores that
 * group in their own query language.
 *
 * @example
 * groupAttribute('model') // 'gen_ai.request.model'
 */
export function groupAttribute(by: GroupBy): string {
  return by === 'day' || by === 'env' ? by : GROUP_ATTR[by];
}

// Spans arrive roughly in time order, so the last day's key is nearly always the next one's:
// formatting a Date per span doubled the cost of `--by day` over 10^6 spans.
let lastDayIndex = NaN;
let lastDayKey = '';
function dayKey(ms: number): string {
  const index = Math.floor(ms / 86_400_000);
  if (index !== lastDayIndex) {
    lastDayIndex = index;
    lastDayKey = utcDay(ms);
  }
  return lastDayKey;
}

function groupKey(by: GroupBy, attrs: BaseAttributes, ms: number, env: string): string {
  if (by === 'day') return dayKey(ms);
  if (by === 'env') return env;
  return keyAttr(attrs, GROUP_ATTR[by]) ?? NO_GROUP_KEY;
}

/**
 * Whether a span joins a `--by agent` group: agent invocations and debugging cycles always;
 * model and tool calls when they name the agent that made them (the AI SDK's function id,
 * LangChain's agent name, `gen_ai.agent.name`); other kinds never.
 */
function inAgentGroup(kind: SpanKind, attrs: BaseAttributes): boolean {
  if (kind === 'agent' || kind === 'debug') return true;
  return (kind === 'llm' || kind === 'tool') && keyAttr(attrs, 'gen_ai.agent.name') !== undefined;
}

// Feedback carries its target's kind and grouping attributes (the SDK copies them), so it
// is attributed without joining on span ids, which would cost memory per span.
function isAgentFeedback(f: FeedbackSummary): boolean {
  const target = f.attrs['target.kind'];
  if (target !== undefined) return target === 'agent';
  return keyAttr(f.attrs, 'gen_ai.agent.name') !== undefined;
}

/**
 * Aggregates spans and feedback into a `Report`. Spans are windowed by `startMs`, feedback
 * by `tsMs`: [sinceMs, untilMs) is the current window, the equally long span before it the
 * previous window (used only for trends); anything else is ignored. Spans of envs not
 * included are counted per env in `envs.excluded` (current window) so missing data is
 * explained.
 *
 * @example
 * const b = new ReportBuilder({ sinceMs: Date.now() - 7 * 86_400_000, untilMs: Date.now(), by: 'model' });
 * for (const s of spans) b.addSpan(s);
 * for (const f of feedback) b.addFeedback(f);
 * const report = b.build();
 */
export class ReportBuilder {
  readonly #sinceMs: number;
  readonly #untilMs: number;
  readonly #previousSinceMs: number;
  readonly #by: GroupBy | undefined;
  readonly #envs: readonly string[] | 'all' | undefined;
  readonly #envSet: ReadonlySet<string> | undefined;
  readonly #nowMs: number | undefined;
  readonly #totals: Record<Window, SectionAccumulators> = {
    current: new SectionAccumulators(),
    previous: new SectionAccumulators(),
  };
  readonly #groups: Record<Window, Map<string, SectionAccumulators>> = { current: new Map(), previous: new Map() };
  readonly #feedback = new FeedbackAccumulator();
  readonly #excluded = new Map<string, number>();
  readonly #includedSeen = new Set<string>();
  #skippedLines = 0;
  #skippedSamples: SkippedSample[] = [];

  constructor(o: ReportOptions) {
    if (!Number.isFinite(o.sinceMs) || !Number.isFinite(o.untilMs) || o.sinceMs >= o.untilMs) {
      throw new RangeError(`report window must satisfy sinceMs < untilMs (got ${o.sinceMs}, ${o.untilMs})`);
    }
    this.#sinceMs = o.sinceMs;
    this.#untilMs = o.untilMs;
    this.#previousSinceMs = o.sinceMs - (o.untilMs - o.sinceMs);
    this.#by = o.by;
    this.#envs = o.envs === 'all' ? 'all' : o.envs ? [...o.envs] : undefined;
    this.#envSet = Array.isArray(this.#envs) ? new Set(this.#envs) : undefined;
    this.#nowMs = o.nowMs;
  }

  /** Add one folded span (any kind, any state). */
  addSpan(s: SpanSummary): void {
    const w = this.#window(s.startMs);
    if (!w) return;
    if (!this.#includes(s.env)) {
      if (w === 'current') this.#excluded.set(s.env, (this.#excluded.get(s.env) ?? 0) + 1);
      return;
    }
    if (w === 'current') this.#includedSeen.add(s.env);
    // Workflow, tool and llm spans feed no section; a group made of them would be all zeros.
    if (!hasSection(s.kind)) return;
    this.#totals[w].add(s);
    if (this.#by === undefined) return;
    // An agent group is about agents: runs, tasks and pipelines have no agent of their own.
    if (this.#by === 'agent' && !inAgentGroup(s.kind, s.attrs)) return;
    // A tool group is about tool calls: which tools fail, which are slow.
    if (this.#by === 'tool' && s.kind !== 'tool') return;
    this.#group(w, groupKey(this.#by, s.attrs, s.startMs, s.env)).add(s);
  }

  /** Add one piece of feedback (the last per span, as the folder emits it); its ids are not read. */
  addFeedback(f: FeedbackSummary): void {
    const w = this.#window(f.tsMs);
    if (!w || !this.#includes(f.env)) return;
    if (w === 'current') this.#feedback.add(f);
    if (!isAgentFeedback(f)) return;
    this.#totals[w].agents.addFeedback(f);
    // Feedback on agents has no tool group.
    if (this.#by !== undefined && this.#by !== 'tool') this.#group(w, groupKey(this.#by, f.attrs, f.tsMs, f.env)).agents.addFeedback(f);
  }

  /**
   * Add spans pre-aggregated by a store that computes reports itself (PostgreSQL): the same
   * result as `addSpan` for each of them.
   */
  addAggregate(a: SpanAggregate): void {
    if (a.count <= 0) return;
    const w = a.window;
    if (!this.#includes(a.env)) {
      if (w === 'current') this.#excluded.set(a.env, (this.#excluded.get(a.env) ?? 0) + a.count);
      return;
    }
    if (w === 'current') this.#includedSeen.add(a.env);
    if (!hasSection(a.kind)) return;
    const acc = sectionsOfAggregate(a);
    this.#totals[w].merge(acc);
    if (this.#by === undefined) return;
    if (this.#by === 'agent' && !inAgentGroup(a.kind, a.groupAttrs)) return;
    if (this.#by === 'tool' && a.kind !== 'tool') return;
    this.#group(w, groupKey(this.#by, a.groupAttrs, a.dayMs, a.env)).merge(acc);
  }

  /** Add feedback pre-aggregated by a store: the same result as `addFeedback` for each piece. */
  addFeedbackAggregate(f: FeedbackAggregate): void {
    if (f.count <= 0 || !this.#includes(f.env)) return;
    const w = f.window;
    if (w === 'current') this.#feedback.merge(feedbackOfAggregate(f));
    if (!f.agent) return;
    const acc = agentFeedbackOfAggregate(f);
    this.#totals[w].merge(acc);
    if (this.#by !== undefined && this.#by !== 'tool') this.#group(w, groupKey(this.#by, f.groupAttrs, f.dayMs, f.env)).merge(acc);
  }

  /** Record the reader's skipped (torn or corrupt) lines, so the report can warn about them. */
  setSkippedLines(n: number, samples?: readonly SkippedSample[]): void {
    this.#skippedLines = n;
    this.#skippedSamples = samples ? samples.slice(0, MAX_SKIPPED_SAMPLES) : [];
  }

  /**
   * Fold another builder with the same options into this one (e.g. one per worker or per
   * day partition). The result equals one builder fed everything.
   */
  merge(other: ReportBuilder): this {
    if (
      other.#sinceMs !== this.#sinceMs ||
      other.#untilMs !== this.#untilMs ||
      other.#by !== this.#by ||
      JSON.stringify(other.#envs) !== JSON.stringify(this.#envs)
    ) {
      throw new RangeError('cannot merge report builders with different options');
    }
    for (const w of ['current', 'previous'] as const) {
      this.#totals[w].merge(other.#totals[w]);
      for (const [key, acc] of other.#groups[w]) this.#group(w, key).merge(acc);
    }
    this.#feedback.merge(other.#feedback);
    for (const [env, n] of other.#excluded) this.#excluded.set(env, (this.#excluded.get(env) ?? 0) + n);
    for (const env of other.#includedSeen) this.#includedSeen.add(env);
    this.#skippedLines += other.#skippedLines;
    this.#skippedSamples = [...this.#skippedSamples, ...other.#skippedSamples].slice(0, MAX_SKIPPED_SAMPLES);
    return this;
  }

  /** The report so far; the builder stays usable. */
  build(): Report {
    // fromEntries defines own properties, so an env named `__proto__` cannot touch the prototype.
    const excluded: Record<string, number> = Object.fromEntries(
      [...this.#excluded].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
    );
    const report: Report = {
      window: { since: toIso(this.#sinceMs), until: toIso(this.#untilMs), previous_since: toIso(this.#previousSinceMs) },
      envs: {
        included: this.#envs === 'all' ? 'all' : this.#envs ? [...this.#envs] : [...this.#includedSeen].sort(),
        excluded,
      },
      generated_at: toIso(this.#nowMs ?? Date.now()),
      ...this.#totals.current.build(this.#totals.previous),
      feedback: this.#feedback.build(),
      skipped_lines: this.#skippedLines,
      skipped_samples: this.#skippedSamples.map((s) => ({ ...s })),
    };
    if (this.#by !== undefined) {
      report.by = this.#by;
      report.groups = this.#buildGroups();
    }
    return report;
  }

  #buildGroups(): GroupReport[] {
    const empty = new SectionAccumulators();
    const rows = [...this.#groups.current].map(([key, acc]) => ({
      volume: acc.volume,
      row: { key, ...acc.build(this.#groups.previous.get(key) ?? empty) },
    }));
    rows.sort((a, b) => b.volume - a.volume || (a.row.key < b.row.key ? -1 : a.row.key > b.row.key ? 1 : 0));
    return rows.map((r) => r.row);
  }

  #window(ms: number): Window | undefined {
    if (!Number.isFinite(ms)) return undefined;
    if (ms >= this.#sinceMs && ms < this.#untilMs) return 'current';
    if (ms >= this.#previousSinceMs && ms < this.#sinceMs) return 'previous';
    return undefined;
  }

  #includes(env: string): boolean {
    if (this.#envs === 'all') return true;
    if (this.#envSet) return this.#envSet.has(env);
    return !DEFAULT_EXCLUDED_ENVS.includes(env);
  }

  #group(w: Window, key: string): SectionAccumulators {
    let acc = this.#groups[w].get(key);
    if (!acc) {
      acc = new SectionAccumulators();
      this.#groups[w].set(key, acc);
    }
    return acc;
  }
}

/**
 * One-shot report over in-memory spans and feedback.
 *
 * @example
 * const report = buildReport(spans, [], { sinceMs, untilMs, by: 'agent' });
 */
export function buildReport(spans: Iterable<SpanSummary>, feedback: Iterable<Feedback>, o: ReportOptions): Report {
  const b = new ReportBuilder(o);
  for (const s of spans) b.addSpan(s);
  for (const f of feedback) b.addFeedback(f);
  return b.build();
}

/**
 * What the server remembers of recent traces, so a span can be judged by its children:
 * OpenTelemetry exports a span when it ends, so children arrive before (or with) their parent,
 * in the same request or an earlier one. Kept per parent span: how many agents and model or
 * tool calls sit under it (through steps and chains, not through another agent), and the
 * tokens and model of those model calls. An agent span without tokens of its own takes them
 * from here (roll-up); an agent-shaped span that only wraps agents is a workflow. Also the
 * traces already opened as runs. Bounded: the oldest entries are forgotten first.
 */

/** What sits under one span. */
export interface ChildTotals {
  agents: number;
  calls: number;
  inputTokens: number;
  outputTokens: number;
  withTokens: number;
  model?: string | undefined;
  provider?: string | undefined;
}

const MAX_PARENTS = 50_000;
const MAX_TRACES = 50_000;

const empty = (): ChildTotals => ({ agents: 0, calls: 0, inputTokens: 0, outputTokens: 0, withTokens: 0 });

/** Recent traces' parent totals and opened runs. */
export class TraceMemory {
  readonly #parents = new Map<string, ChildTotals>();
  readonly #traces = new Set<string>();
  readonly #ended = new Set<string>();

  /** Add `c` to the totals under `trace`/`parent`. */
  add(trace: string, parent: string, c: Partial<ChildTotals>): void {
    const key = `${trace}/${parent}`;
    let t = this.#parents.get(key);
    if (t === undefined) {
      t = empty();
      this.#parents.set(key, t);
      if (this.#parents.size > MAX_PARENTS) this.#parents.delete(this.#parents.keys().next().value as string);
    }
    t.agents += c.agents ?? 0;
    t.calls += c.calls ?? 0;
    t.inputTokens += c.inputTokens ?? 0;
    t.outputTokens += c.outputTokens ?? 0;
    t.withTokens += c.withTokens ?? 0;
    t.model ??= c.model;
    t.provider ??= c.provider;
  }

  /** The totals under `trace`/`span`, forgotten once read (a span ends once). */
  take(trace: string, span: string): ChildTotals {
    const key = `${trace}/${span}`;
    const t = this.#parents.get(key);
    this.#parents.delete(key);
    return t ?? empty();
  }

  /**
   * True the first time a root span of `trace` ends its run: a trace with several root spans
   * (or a root sent again) ends its run once, so every store keeps the same end (a
   * database keeps events that share an id but not a time as two rows).
   */
  firstEnd(trace: string): boolean {
    if (this.#ended.has(trace)) return false;
    this.#ended.add(trace);
    if (this.#ended.size > MAX_TRACES) this.#ended.delete(this.#ended.values().next().value as string);
    return true;
  }

  /** True the first time a trace is seen (its run is then opened). */
  firstSight(trace: string): boolean {
    if (this.#traces.has(trace)) return false;
    this.#traces.add(trace);
    if (this.#traces.size > MAX_TRACES) this.#traces.delete(this.#traces.values().next().value as string);
    return true;
  }
}

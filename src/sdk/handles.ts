import type { BaseAttributes, SpanKind, SpanStatus } from '../model/events.js';
import { normalizeStatus, pipelineResult } from '../model/status.js';
import type { Recorder, SpanContext } from './recorder.js';
import { RecordedSpanRef, memberKey, newSpanId, objectJson, sanitizeExtra, spanContext, stringJson, stringListMember } from './recorder.js';
import type { SpanRefContext } from './recorder.js';
import type {
  AgentEndOptions,
  AgentOptions,
  DebugOptions,
  EndOptions,
  ErrorInput,
  OptimizationOptions,
  PipelineOptions,
  SpanRef,
  StatusInput,
  TaskOptions,
} from './types.js';

/** Report a wrong argument once per call site kind, and count it. */
export function badArgument(rec: Recorder, what: string): void {
  rec.diagnostics.report({ code: 'E_SDK_BAD_ARGUMENT', message: what });
}

function isString(v: unknown): v is string {
  return typeof v === 'string' && v.length > 0;
}

function finite(rec: Recorder, v: unknown, what: string): number | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  badArgument(rec, `${what} must be a finite number, got ${typeof v === 'number' ? String(v) : typeof v}`);
  return undefined;
}

function status(rec: Recorder, word: StatusInput | undefined, what: string): SpanStatus {
  const s = normalizeStatus(word);
  if (s === 'unknown' && word !== 'unknown') badArgument(rec, `${what}: unrecognised status ${JSON.stringify(word)}`);
  return s;
}

function statusDetail(word: unknown, s: SpanStatus, attrs: BaseAttributes): void {
  if (typeof word === 'string' && word !== s) attrs['status.detail'] = word;
}

/** Put `error.type` and the redacted `error.message` on `attrs`. */
function setError(rec: Recorder, error: ErrorInput | undefined, attrs: BaseAttributes): void {
  if (error === undefined) return;
  if (typeof error === 'string') {
    attrs['error.message'] = rec.redact(error);
  } else if (error instanceof Error) {
    attrs['error.type'] = error.name;
    attrs['error.message'] = rec.redact(error.message);
  } else if (error && typeof error === 'object') {
    if (isString(error.type)) attrs['error.type'] = error.type;
    if (isString(error.message)) attrs['error.message'] = rec.redact(error.message);
  }
}

function extra(rec: Recorder, given: Record<string, unknown> | undefined, attrs: BaseAttributes): void {
  if (given !== undefined && (typeof given !== 'object' || given === null)) {
    badArgument(rec, 'attrs must be an object');
    return;
  }
  if (!sanitizeExtra(given, rec.redact, attrs)) badArgument(rec, 'attrs values must be JSON (functions, symbols and deep nesting are dropped)');
}

/** Base of every span handle: id, monotonic start, end-once. */
abstract class SpanHandle implements SpanRef {
  readonly ctx: SpanContext;
  protected readonly rec: Recorder;
  protected readonly startMs: number;
  readonly #startPerf: number;
  readonly #name: string;
  #ended = false;

  constructor(rec: Recorder, ctx: SpanContext, name: string, parentId: string | null, attrs: BaseAttributes | string) {
    this.rec = rec;
    this.ctx = ctx;
    this.#name = name;
    this.startMs = rec.now();
    this.#startPerf = rec.perf();
    rec.start(ctx, name, parentId, attrs, this.startMs);
  }

  /** The span id: pass it to `meter.feedback`, or to another process as a parent. */
  get id(): string {
    return this.ctx.spanId;
  }

  /** @internal What feedback on this span copies from it. */
  get ref(): SpanRefContext {
    return { ctx: this.ctx, name: this.#name };
  }

  /** Whether `end` was already called. */
  get ended(): boolean {
    return this.#ended;
  }

  protected finish(s: SpanStatus, attrs: BaseAttributes | string): void {
    if (this.#ended) {
      this.rec.diagnostics.report({ code: 'E_SDK_ALREADY_ENDED', message: `${this.ctx.kind} span ${this.ctx.spanId} ended twice; the second end is ignored` });
      return;
    }
    this.#ended = true;
    const durationMs = this.rec.perf() - this.#startPerf;
    this.rec.end(this.ctx, this.startMs, Math.round(durationMs * 1000) / 1000, s, attrs, this.startMs + Math.round(durationMs));
  }
}

function childContext(rec: Recorder, parent: SpanContext, kind: SpanKind, inheritedExtra?: BaseAttributes): SpanContext {
  // Span ids carry the recorder's clock, so replayed history gets ids of its own time.
  const spanId = newSpanId(rec.now());
  if (!inheritedExtra) return { ...parent, spanId, kind };
  return spanContext(spanId, parent.runId, kind, { ...parent.inherited, ...inheritedExtra });
}

// Member keys of the attributes agents write as JSON directly (see startAgentUnder, #endMembers).
const AGENT_TYPE = memberKey('agent.type');
const AGENT_ATTEMPT = memberKey('agent.attempt');
const TASK_DESCRIPTION = memberKey('task_description');
const STATUS_DETAIL = memberKey('status.detail');
const TOTAL_TOKENS = memberKey('gen_ai.usage.total_tokens');
const INPUT_TOKENS = memberKey('gen_ai.usage.input_tokens');
const OUTPUT_TOKENS = memberKey('gen_ai.usage.output_tokens');
const COST_USD = memberKey('cost_usd');
const FILES_MODIFIED = memberKey('files_modified');
const FILES_CREATED = memberKey('files_created');
const TOOLS_USED = memberKey('tools_used');

/** Start an agent invocation under `parent`. */
function startAgentUnder(rec: Recorder, parent: SpanContext, o: AgentOptions, attempt: number | undefined): AgentHandle {
  if (!o || typeof o !== 'object' || !isString(o.name)) badArgument(rec, 'startAgent needs { name: string }');
  const name = o && isString(o.name) ? o.name : 'unnamed-agent';
  const ctx = childContext(rec, parent, 'agent', o && isString(o.model) ? { 'gen_ai.request.model': o.model } : undefined);
  if (o && typeof o === 'object' && o.attrs === undefined) {
    // The common case, written straight as JSON: none of these keys is an inherited one.
    let own = `"gen_ai.agent.name":${stringJson(name)}`;
    if (isString(o.type)) own += AGENT_TYPE + stringJson(o.type);
    if (attempt !== undefined) own += AGENT_ATTEMPT + String(attempt);
    if (isString(o.description)) own += TASK_DESCRIPTION + stringJson(rec.redactShort(o.description));
    return new AgentHandle(rec, ctx, name, parent.spanId, own);
  }
  const attrs: BaseAttributes = { 'gen_ai.agent.name': name };
  if (o && isString(o.type)) attrs['agent.type'] = o.type;
  if (attempt !== undefined) attrs['agent.attempt'] = attempt;
  if (o && isString(o.description)) attrs['task_description'] = rec.redactShort(o.description);
  if (o) extra(rec, o.attrs, attrs);
  return new AgentHandle(rec, ctx, name, parent.spanId, attrs);
}

/** One agent invocation. End it with `end({ status })`. */
export class AgentHandle extends SpanHandle {
  /**
   * Finish the invocation.
   *
   * @example
   * agent.end({ status: 'success', tokens: { input: 1200, output: 340 }, costUsd: 0.004 })
   */
  end(o: AgentEndOptions): void {
    if (!o || typeof o !== 'object') badArgument(this.rec, 'agent.end needs { status }');
    const opts = o && typeof o === 'object' ? o : ({ status: 'unknown' } as AgentEndOptions);
    const s = status(this.rec, opts.status, 'agent.end');
    if (opts.attrs === undefined) {
      this.finish(s, this.#endMembers(opts, s));
      return;
    }
    const attrs: BaseAttributes = {};
    statusDetail(opts.status, s, attrs);
    setError(this.rec, opts.error, attrs);
    if (typeof opts.tokens === 'number') {
      const t = finite(this.rec, opts.tokens, 'tokens');
      if (t !== undefined) attrs['gen_ai.usage.total_tokens'] = t;
    } else if (opts.tokens && typeof opts.tokens === 'object') {
      const i = finite(this.rec, opts.tokens.input, 'tokens.input');
      const out = finite(this.rec, opts.tokens.output, 'tokens.output');
      if (i !== undefined) attrs['gen_ai.usage.input_tokens'] = i;
      if (out !== undefined) attrs['gen_ai.usage.output_tokens'] = out;
    }
    const cost = finite(this.rec, opts.costUsd, 'costUsd');
    if (cost !== undefined) attrs['cost_usd'] = cost;
    if (Array.isArray(opts.filesModified)) attrs['files_modified'] = opts.filesModified.filter(isString).map(this.rec.redact);
    if (Array.isArray(opts.filesCreated)) attrs['files_created'] = opts.filesCreated.filter(isString).map(this.rec.redact);
    if (Array.isArray(opts.toolsUsed)) attrs['tools_used'] = opts.toolsUsed.filter(isString);
    extra(this.rec, opts.attrs, attrs);
    this.finish(s, attrs);
  }

  /** The end's attributes as JSON members, in the order `end` sets them (no `attrs` given). */
  #endMembers(opts: AgentEndOptions, s: SpanStatus): string {
    const rec = this.rec;
    let out = '';
    if (typeof opts.status === 'string' && opts.status !== s) out += STATUS_DETAIL + stringJson(opts.status);
    if (opts.error !== undefined) {
      const e: BaseAttributes = {};
      setError(rec, opts.error, e);
      const json = objectJson(e);
      if (json !== '{}') out += `,${json.slice(1, -1)}`;
    }
    if (typeof opts.tokens === 'number') {
      const t = finite(rec, opts.tokens, 'tokens');
      if (t !== undefined) out += TOTAL_TOKENS + String(t);
    } else if (opts.tokens && typeof opts.tokens === 'object') {
      const i = finite(rec, opts.tokens.input, 'tokens.input');
      const o = finite(rec, opts.tokens.output, 'tokens.output');
      if (i !== undefined) out += INPUT_TOKENS + String(i);
      if (o !== undefined) out += OUTPUT_TOKENS + String(o);
    }
    const cost = finite(rec, opts.costUsd, 'costUsd');
    if (cost !== undefined) out += COST_USD + String(cost);
    out += stringListMember(FILES_MODIFIED, opts.filesModified, rec.redact);
    out += stringListMember(FILES_CREATED, opts.filesCreated, rec.redact);
    out += stringListMember(TOOLS_USED, opts.toolsUsed);
    return out === '' ? '' : out.slice(1);
  }
}

/** One debugging cycle: `attempt()` per fix attempt, then `end({ resolved })`. */
export class DebugHandle extends SpanHandle {
  #attempts = 0;

  /** Record one fix attempt (durable at once, so a crash mid-cycle still shows it). */
  attempt(attrs?: Record<string, unknown>): void {
    if (this.ended) {
      badArgument(this.rec, 'debug attempt after the cycle ended');
      return;
    }
    this.#attempts++;
    const a: BaseAttributes = { 'debug.attempt': this.#attempts };
    extra(this.rec, attrs, a);
    this.rec.point(this.ctx, 'debug.attempt', a, this.rec.now());
  }

  /** Number of attempts recorded so far. */
  get attempts(): number {
    return this.#attempts;
  }

  /** Finish the cycle. */
  end(o: { resolved: boolean; attrs?: Record<string, unknown> }): void {
    if (!o || typeof o.resolved !== 'boolean') badArgument(this.rec, 'debug end needs { resolved: boolean }');
    const resolved = Boolean(o && o.resolved);
    const attrs: BaseAttributes = { 'debug.attempts': this.#attempts, 'debug.resolved': resolved };
    if (o) extra(this.rec, o.attrs, attrs);
    this.finish(resolved ? 'success' : 'failure', attrs);
  }
}

/** One task (an issue, a ticket): agents, pipeline attempts and debugging cycles inside it. */
export class TaskHandle extends SpanHandle {
  readonly #agentAttempts = new Map<string, number>();
  #pipelineAttempts = 0;

  /** Start an agent invocation; repeated names count as retries (`agent.attempt` > 1). */
  startAgent(o: AgentOptions): AgentHandle {
    const name = o && isString(o.name) ? o.name : 'unnamed-agent';
    const n = (this.#agentAttempts.get(name) ?? 0) + 1;
    this.#agentAttempts.set(name, n);
    return startAgentUnder(this.rec, this.ctx, o, n);
  }

  /**
   * Record one CI pipeline attempt; the first one decides the first-attempt pass rate.
   *
   * @example
   * task.recordPipeline({ id: '4259', status: 'failed', commit: 'abc123' })
   */
  recordPipeline(o: PipelineOptions): SpanRef {
    if (!o || typeof o !== 'object' || (typeof o.id !== 'string' && typeof o.id !== 'number')) {
      badArgument(this.rec, 'recordPipeline needs { id, status }');
    }
    const opts = o && typeof o === 'object' ? o : ({ id: '', status: 'unknown' } as PipelineOptions);
    this.#pipelineAttempts++;
    const s = status(this.rec, opts.status, 'recordPipeline');
    const attrs: BaseAttributes = {
      'cicd.pipeline.run.id': String(opts.id),
      'cicd.pipeline.result': pipelineResult(s),
      'pipeline.attempt': this.#pipelineAttempts,
    };
    statusDetail(opts.status, s, attrs);
    if (isString(opts.commit)) attrs['vcs.ref.head.revision'] = opts.commit;
    if (isString(opts.triggeredBy)) attrs['cicd.pipeline.trigger'] = opts.triggeredBy;
    if (isString(opts.name)) attrs['cicd.pipeline.name'] = opts.name;
    extra(this.rec, opts.attrs, attrs);
    const now = this.rec.now();
    const duration = finite(this.rec, opts.durationMs, 'durationMs') ?? null;
    const ctx = childContext(this.rec, this.ctx, 'pipeline');
    this.rec.complete(ctx, `pipeline ${String(opts.id)}`, this.ctx.spanId, duration === null ? now : now - duration, duration, s, attrs, now);
    return new RecordedSpanRef(ctx, `pipeline ${String(opts.id)}`);
  }

  /** Open a debugging cycle for an error. */
  startDebug(o: DebugOptions): DebugHandle {
    if (!o || typeof o !== 'object' || !isString(o.agent) || !isString(o.errorType)) {
      badArgument(this.rec, 'startDebug needs { agent, errorType, errorMessage? }');
    }
    const opts = o && typeof o === 'object' ? o : ({ agent: '', errorType: '' } as DebugOptions);
    const errorType = isString(opts.errorType) ? opts.errorType : 'unknown';
    const attrs: BaseAttributes = { 'error.type': errorType };
    if (isString(opts.agent)) attrs['gen_ai.agent.name'] = opts.agent;
    if (isString(opts.errorMessage)) attrs['error.message'] = this.rec.redact(opts.errorMessage);
    extra(this.rec, opts.attrs, attrs);
    return new DebugHandle(this.rec, childContext(this.rec, this.ctx, 'debug'), `debug ${errorType}`, this.ctx.spanId, attrs);
  }

  /** Finish the task: `completed`/`success`, `failed`/`failure`, `skipped` … */
  end(o: EndOptions): void {
    endWith(this.rec, o, 'task.end', (s, a) => this.finish(s, a));
  }
}

function endWith(rec: Recorder, o: EndOptions, what: string, finish: (s: SpanStatus, a: BaseAttributes) => void): void {
  if (!o || typeof o !== 'object') badArgument(rec, `${what} needs { status }`);
  const opts = o && typeof o === 'object' ? o : ({ status: 'unknown' } as EndOptions);
  const s = status(rec, opts.status, what);
  const attrs: BaseAttributes = {};
  statusDetail(opts.status, s, attrs);
  setError(rec, opts.error, attrs);
  extra(rec, opts.attrs, attrs);
  finish(s, attrs);
}

/** One run of the host system: the root of a trace. */
export class RunHandle extends SpanHandle {
  readonly #agentAttempts = new Map<string, number>();

  /** The trace id shared by every span of this run (equal to `id`). */
  get runId(): string {
    return this.ctx.runId;
  }

  /** Start a task (an issue, a ticket). */
  startTask(o: TaskOptions): TaskHandle {
    if (!o || typeof o !== 'object' || (typeof o.key !== 'string' && typeof o.key !== 'number')) {
      badArgument(this.rec, 'startTask needs { key: string | number }');
    }
    const opts = o && typeof o === 'object' ? o : ({ key: '' } as TaskOptions);
    const key = String(opts.key);
    const attrs: BaseAttributes = { 'task.key': key };
    if (typeof opts.key === 'number' && Number.isInteger(opts.key)) attrs['issue_iid'] = opts.key;
    if (isString(opts.description)) attrs['task_description'] = this.rec.redactShort(opts.description);
    extra(this.rec, opts.attrs, attrs);
    const ctx = childContext(this.rec, this.ctx, 'task', isString(opts.type) ? { 'task.type': opts.type } : undefined);
    return new TaskHandle(this.rec, ctx, `task ${key}`, this.ctx.spanId, attrs);
  }

  /** Start an agent invocation outside any task. */
  startAgent(o: AgentOptions): AgentHandle {
    const name = o && isString(o.name) ? o.name : 'unnamed-agent';
    const n = (this.#agentAttempts.get(name) ?? 0) + 1;
    this.#agentAttempts.set(name, n);
    return startAgentUnder(this.rec, this.ctx, o, n);
  }

  /** Record an optimisation session inside this run. */
  recordOptimization(o: OptimizationOptions): SpanRef {
    return recordOptimizationUnder(this.rec, this.ctx, o);
  }

  /** Finish the run: `completed`, `failed`, `stopped` (or canonical statuses). */
  end(o: EndOptions): void {
    endWith(this.rec, o, 'run.end', (s, a) => this.finish(s, a));
  }
}

/** Record one optimisation session, as a child of `parent` or as its own root. */
export function recordOptimizationUnder(rec: Recorder, parent: SpanContext | null, o: OptimizationOptions): SpanRef {
  if (!o || typeof o !== 'object' || !isString(o.operation)) badArgument(rec, 'recordOptimization needs { operation, variantsGenerated, validated, promoted, wallclockSeconds, … }');
  const opts = o && typeof o === 'object' ? o : ({ operation: '' } as OptimizationOptions);
  const operation = isString(opts.operation) ? opts.operation : 'unknown';
  const num = (v: unknown, what: string): number | null => finite(rec, v, what) ?? null;
  const attrs: BaseAttributes = {
    operation,
    variants_generated: num(opts.variantsGenerated, 'variantsGenerated'),
    validated: num(opts.validated, 'validated'),
    promoted: num(opts.promoted, 'promoted'),
    baseline_latency_ms: num(opts.baselineLatencyMs, 'baselineLatencyMs'),
    optimized_latency_ms: num(opts.optimizedLatencyMs, 'optimizedLatencyMs'),
    wallclock_seconds: num(opts.wallclockSeconds, 'wallclockSeconds'),
  };
  const optional: [keyof OptimizationOptions, string][] = [
    ['autotuneSamples', 'autotune_samples'],
    ['validationFailures', 'validation_failures'],
    ['searchDepth', 'search_depth'],
  ];
  for (const [from, to] of optional) {
    const v = finite(rec, opts[from], from);
    if (v !== undefined) attrs[to] = v;
  }
  extra(rec, opts.attrs, attrs);
  const promoted = attrs['promoted'];
  const s = opts.status !== undefined ? status(rec, opts.status, 'recordOptimization') : typeof promoted === 'number' && promoted > 0 ? 'success' : 'failure';
  const now = rec.now();
  const wall = attrs['wallclock_seconds'];
  const durationMs = typeof wall === 'number' ? wall * 1000 : null;
  const spanId = newSpanId(rec.now());
  const ctx = parent ? { ...parent, spanId, kind: 'optimization' as const } : spanContext(spanId, spanId, 'optimization', {});
  rec.complete(ctx, `optimize ${operation}`, parent ? parent.spanId : null, durationMs === null ? now : now - Math.round(durationMs), durationMs, s, attrs, now);
  return new RecordedSpanRef(ctx, `optimize ${operation}`);
}

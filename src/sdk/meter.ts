import { homedir } from 'node:os';
import type { BaseAttributes } from '../model/events.js';
import { FEEDBACK_SOURCES } from '../model/events.js';
import { DiagnosticChannel, stderrListener, AgentmeterError } from '../model/diagnostics.js';
import type { Diagnostic } from '../model/diagnostics.js';
import { createRedactor } from '../model/redact.js';
import { SegmentWriter, resolveStoreDir } from '../store/index.js';
import type { Durability } from '../store/index.js';
import { RunHandle, badArgument, recordOptimizationUnder } from './handles.js';
import { NoopMeter } from './noop.js';
import { Recorder, newSpanId, sanitizeExtra, spanContext } from './recorder.js';
import type { SpanRefContext } from './recorder.js';
import type { FeedbackOptions, MeterOptions, MeterStats, OptimizationOptions, Run, RunOptions, SpanRef } from './types.js';

const DURABILITIES: readonly Durability[] = ['sync', 'flush', 'buffered'];
/** Longest kept task description. */
const MAX_DESCRIPTION = 500;

/** Grouping attributes copied from a feedback's target, so reports group feedback like spans. */
const TARGET_KEYS: readonly string[] = ['project', 'gen_ai.request.model', 'gen_ai.provider.name', 'gen_ai.request.temperature', 'task.type'];

/** The recording API. Create one per process with `createMeter`. */
export interface Meter {
  /** Store root this meter writes to. */
  readonly dir: string;
  /** Environment tag on every event. */
  readonly env: string;
  /** Start a run: one execution of the host system. */
  startRun(options: RunOptions): Run;
  /** Record one optimisation session (kernel autotuning …) outside any run. */
  recordOptimization(options: OptimizationOptions): SpanRef;
  /** Score a span: an agent invocation, a task, a run … (by handle or id). */
  feedback(target: SpanRef | string, options: FeedbackOptions): void;
  /** Write what is buffered now. */
  flush(): void;
  /** Flush and release the store; later calls are counted as dropped. */
  close(): Promise<void>;
  /** Counters: recorded, written, dropped, bad arguments, diagnostics by code. */
  stats(): MeterStats;
}

/**
 * Create a meter. Recording calls never throw into the host and never block it for long:
 * a bad argument is reported once through the diagnostic channel (stderr by default),
 * counted, and recorded as well as possible. Bad options throw here, at once.
 *
 * @example
 * import { createMeter } from 'agentmeter';
 * const meter = createMeter({ env: 'prod' });
 * const run = meter.startRun({ project: 'shop', llm: { provider: 'deepseek', model: 'deepseek-chat', temperature: 0 } });
 * const task = run.startTask({ key: 123, type: 'bug_fix' });
 * const coder = task.startAgent({ name: 'coding' });
 * coder.end({ status: 'success', tokens: { input: 1200, output: 300 } });
 * task.recordPipeline({ id: '4259', status: 'failed', commit: 'abc123' });
 * task.end({ status: 'completed' });
 * run.end({ status: 'completed' });
 * await meter.close();
 */
export function createMeter(options: MeterOptions = {}): Meter {
  if (options === null || typeof options !== 'object') throw new AgentmeterError('E_SDK_BAD_OPTION', 'createMeter options must be an object');
  const enabled = options.enabled ?? process.env['AGENTMETER_DISABLED'] !== '1';
  const env = options.env ?? process.env['AGENTMETER_ENV'] ?? 'dev';
  if (typeof env !== 'string' || !/^[A-Za-z0-9_.-]{1,64}$/.test(env)) {
    throw new AgentmeterError('E_SDK_BAD_OPTION', `env must be 1-64 letters, digits, '.', '_' or '-', got ${JSON.stringify(env)}`);
  }
  const durability = options.durability ?? 'buffered';
  if (!DURABILITIES.includes(durability)) {
    throw new AgentmeterError('E_SDK_BAD_OPTION', `durability must be one of ${DURABILITIES.join(', ')}, got ${JSON.stringify(durability)}`);
  }
  const dir = resolveStoreDir({ dir: options.dir, env: process.env });
  if (!enabled) return new NoopMeter(dir, env);
  const diagnostics = new DiagnosticChannel(options.onDiagnostic ?? stderrListener((s) => process.stderr.write(s)));
  const redactOptions = { ...options.redact, homeDirs: [...(options.redact?.homeDirs ?? []), homedir()] };
  // Redaction truncates too (with a marker, never through a placeholder): notes and
  // messages at the configured limit, descriptions shorter.
  const redact = createRedactor(redactOptions);
  const redactShort = createRedactor({ ...redactOptions, maxLength: Math.min(MAX_DESCRIPTION, redactOptions.maxLength ?? MAX_DESCRIPTION) });
  const writer = new SegmentWriter({
    root: dir,
    durability,
    ...(options.flushIntervalMs !== undefined ? { flushIntervalMs: options.flushIntervalMs } : {}),
    ...(options.sharedSegment !== undefined ? { sharedSegment: options.sharedSegment } : {}),
    onDiagnostic: (d: Diagnostic) => diagnostics.report(d),
  });
  if (options.clock !== undefined && typeof options.clock !== 'function') throw new AgentmeterError('E_SDK_BAD_OPTION', 'clock must be a function returning Unix ms');
  return new FileMeter(dir, new Recorder(writer, env, diagnostics, redact, redactShort, options.clock));
}

class FileMeter implements Meter {
  readonly dir: string;
  readonly #rec: Recorder;

  constructor(dir: string, rec: Recorder) {
    this.dir = dir;
    this.#rec = rec;
  }

  get env(): string {
    return this.#rec.env;
  }

  startRun(o: RunOptions): Run {
    const rec = this.#rec;
    if (!o || typeof o !== 'object' || typeof o.project !== 'string' || o.project === '') {
      badArgument(rec, 'startRun needs { project: string, llm?: { provider, model, temperature } }');
    }
    const opts = o && typeof o === 'object' ? o : ({ project: '' } as RunOptions);
    const inherited: BaseAttributes = { project: typeof opts.project === 'string' && opts.project !== '' ? opts.project : '(none)' };
    const llm = opts.llm;
    if (llm && typeof llm === 'object') {
      if (typeof llm.provider === 'string') inherited['gen_ai.provider.name'] = llm.provider;
      if (typeof llm.model === 'string') inherited['gen_ai.request.model'] = llm.model;
      if (typeof llm.temperature === 'number' && Number.isFinite(llm.temperature)) inherited['gen_ai.request.temperature'] = llm.temperature;
      else if (llm.temperature !== undefined) badArgument(rec, 'llm.temperature must be a finite number');
    }
    const attrs: BaseAttributes = {};
    if (typeof opts.mode === 'string') attrs['mode'] = opts.mode;
    if (typeof opts.key === 'string') attrs['run.key'] = opts.key;
    if (opts.tags && typeof opts.tags === 'object') {
      const tags: Record<string, string> = {};
      for (const [k, v] of Object.entries(opts.tags)) if (typeof v === 'string' && k !== '__proto__') tags[k] = rec.redact(v);
      attrs['tags'] = tags;
    }
    if (!sanitizeExtra(opts.attrs, rec.redact, attrs)) badArgument(rec, 'attrs values must be JSON');
    const id = newSpanId(rec.now());
    return new RunHandle(rec, spanContext(id, id, 'run', inherited), `run ${inherited['project'] as string}`, null, attrs);
  }

  recordOptimization(o: OptimizationOptions): SpanRef {
    return recordOptimizationUnder(this.#rec, null, o);
  }

  feedback(target: SpanRef | string, o: FeedbackOptions): void {
    const rec = this.#rec;
    const spanId = typeof target === 'string' ? target : target && typeof target === 'object' ? target.id : undefined;
    if (typeof spanId !== 'string' || spanId === '') {
      badArgument(rec, 'feedback needs a span handle or id');
      return;
    }
    const opts = o && typeof o === 'object' ? o : ({} as FeedbackOptions);
    let rating: number | null = null;
    if (opts.rating !== undefined) {
      if (typeof opts.rating === 'number' && opts.rating >= 1 && opts.rating <= 5) rating = opts.rating;
      else badArgument(rec, `feedback rating must be a number from 1 to 5, got ${JSON.stringify(opts.rating)}`);
    }
    let source = opts.source ?? 'human';
    if (!FEEDBACK_SOURCES.includes(source)) {
      badArgument(rec, `feedback source must be one of ${FEEDBACK_SOURCES.join(', ')}`);
      source = 'other';
    }
    const attrs: BaseAttributes = {};
    // A handle (or a ref from recordPipeline/recordOptimization) knows its span: copy the
    // grouping attributes so reports group feedback like spans without a join. A bare id
    // (e.g. from another process) carries none.
    const known = typeof target === 'object' && target !== null ? (target as Partial<{ ref: SpanRefContext }>).ref : undefined;
    if (known) {
      attrs['target.kind'] = known.ctx.kind;
      for (const k of TARGET_KEYS) if (known.ctx.inherited[k] !== undefined) attrs[k] = known.ctx.inherited[k];
      if (known.ctx.kind === 'agent') attrs['gen_ai.agent.name'] = known.name;
    }
    if (typeof opts.notes === 'string') attrs['feedback.notes'] = rec.redact(opts.notes);
    if (typeof opts.wouldUseAgain === 'boolean') attrs['would_use_again'] = opts.wouldUseAgain;
    if (typeof opts.alternative === 'string') attrs['alternative_agent_suggested'] = opts.alternative;
    if (!sanitizeExtra(opts.attrs, rec.redact, attrs)) badArgument(rec, 'attrs values must be JSON');
    const success = typeof opts.success === 'boolean' ? opts.success : null;
    rec.feedback(spanId, known ? known.ctx.runId : null, success, rating, source, attrs, rec.now());
  }

  flush(): void {
    this.#rec.writer.flushSync();
  }

  async close(): Promise<void> {
    this.#rec.close();
    this.#rec.diagnostics.summarize();
  }

  stats(): MeterStats {
    const w = this.#rec.writer.stats;
    const diagnostics = Object.fromEntries(this.#rec.diagnostics.counts);
    return {
      recorded: w.appended,
      written: w.written,
      dropped: w.dropped,
      badArguments: diagnostics['E_SDK_BAD_ARGUMENT'] ?? 0,
      diagnostics,
    };
  }
}

/**
 * Span events written by short-lived processes (`agentmeter exec`, the shell forms of
 * `agentmeter record`): a run started by one shell command is ended by another, so nothing
 * can live in memory. Span ids are UUIDv7, whose first 48 bits are the start time: the
 * process that writes the end knows when the span began from its id alone and needs no
 * state file.
 */
import { homedir } from 'node:os';
import type { AgentmeterEvent, FeedbackSource, SpanKind, SpanStatus } from '../model/events.js';
import { FEEDBACK_SOURCES, SCHEMA_VERSION } from '../model/events.js';
import { AgentmeterError } from '../model/diagnostics.js';
import type { Diagnostic } from '../model/diagnostics.js';
import { encodeLine } from '../model/codec.js';
import { isUuid, uuidv7, uuidv7Time } from '../model/ids.js';
import { createRedactor } from '../model/redact.js';
import { validateEvent } from '../model/validate.js';
import { SegmentWriter } from '../store/index.js';

type Attrs = Record<string, unknown>;

/** Longest description kept. */
const MAX_DESCRIPTION = 500;

/** Options of `openSpanLog`. */
export interface SpanLogOptions {
  root: string;
  env: string;
  onDiagnostic?: ((d: Diagnostic) => void) | undefined;
  clock?: () => number;
}

/** What a start returns: the ids a later command needs. */
export interface StartedSpan {
  spanId: string;
  runId: string;
}

/** End of a span started elsewhere. */
export interface EndInput {
  kind: SpanKind;
  spanId: string;
  runId?: string | undefined;
  status: SpanStatus;
  attrs?: Attrs;
  /** Duration when measured by the caller (else from the span id's time). */
  durationMs?: number | undefined;
}

/** The segment name every short-lived CLI call appends to (one file per day, not one per call). */
export const CLI_SEGMENT = 'cli';

/**
 * Writes span events one at a time (`flush` durability: each is in the OS before the call
 * returns, so a shell script that exits right after loses nothing). Every event is checked
 * against the schema first; a bad one is an error, never a half-written line.
 */
export class SpanLog {
  readonly #writer: SegmentWriter;
  readonly #env: string;
  readonly #now: () => number;
  readonly redact: (text: string) => string;
  readonly redactShort: (text: string) => string;

  constructor(opts: SpanLogOptions) {
    // One process writes two events: they go to the day's shared segment, not a file each.
    this.#writer = new SegmentWriter({ root: opts.root, durability: 'flush', onDiagnostic: opts.onDiagnostic, handleSignals: false, sharedSegment: CLI_SEGMENT });
    this.#env = opts.env;
    this.#now = opts.clock ?? Date.now;
    const homeDirs = [homedir()];
    this.redact = createRedactor({ homeDirs });
    this.redactShort = createRedactor({ homeDirs, maxLength: MAX_DESCRIPTION });
  }

  /** Events dropped by the writer (I/O failures). */
  get dropped(): number {
    return this.#writer.stats.dropped;
  }

  close(): void {
    this.#writer.close();
  }

  /** Start a span; a run is its own run (`runId` omitted). */
  start(kind: SpanKind, name: string, opts: { runId?: string | undefined; parentId?: string | undefined; attrs?: Attrs } = {}): StartedSpan {
    const now = this.#now();
    const spanId = uuidv7(now);
    const runId = kind === 'run' ? spanId : (opts.runId ?? spanId);
    const parent = opts.parentId ?? (kind === 'run' || opts.runId === undefined ? null : opts.runId);
    this.#write({
      v: SCHEMA_VERSION, id: uuidv7(now), ts: new Date(now).toISOString(), type: 'span.start',
      span_id: spanId, run_id: runId, env: this.#env, kind, name, parent_id: parent, attrs: opts.attrs ?? {},
    });
    return { spanId, runId };
  }

  /** End a span started by another process; its start time comes from its UUIDv7 id. */
  end(input: EndInput): void {
    const now = this.#now();
    const startMs = spanStartMs(input.spanId);
    const durationMs = input.durationMs ?? (startMs === undefined ? null : Math.max(0, now - startMs));
    const startTs = new Date(startMs ?? now - (input.durationMs ?? 0)).toISOString();
    this.#write({
      v: SCHEMA_VERSION, id: uuidv7(now), ts: new Date(now).toISOString(), type: 'span.end',
      span_id: input.spanId, run_id: input.runId ?? input.spanId, env: this.#env,
      kind: input.kind, start_ts: startTs, duration_ms: durationMs, status: input.status, attrs: input.attrs ?? {},
    });
  }

  /** A span recorded whole (a pipeline attempt). */
  complete(kind: SpanKind, name: string, opts: { runId?: string | undefined; parentId?: string | undefined; status: SpanStatus; durationMs?: number | undefined; attrs?: Attrs }): StartedSpan {
    const now = this.#now();
    const spanId = uuidv7(now);
    const runId = opts.runId ?? spanId;
    const durationMs = opts.durationMs ?? null;
    this.#write({
      v: SCHEMA_VERSION, id: uuidv7(now), ts: new Date(now).toISOString(), type: 'span',
      span_id: spanId, run_id: runId, env: this.#env, kind, name, parent_id: opts.parentId ?? opts.runId ?? null,
      start_ts: new Date(now - (durationMs ?? 0)).toISOString(), duration_ms: durationMs, status: opts.status, attrs: opts.attrs ?? {},
    });
    return { spanId, runId };
  }

  /** Feedback on a span. */
  feedback(opts: { spanId: string; runId?: string | undefined; success: boolean | null; rating: number | null; source: FeedbackSource; attrs?: Attrs }): string {
    const now = this.#now();
    const id = uuidv7(now);
    this.#write({
      v: SCHEMA_VERSION, id, ts: new Date(now).toISOString(), type: 'feedback', span_id: opts.spanId, run_id: opts.runId ?? null,
      env: this.#env, success: opts.success, rating: opts.rating, source: opts.source, attrs: opts.attrs ?? {},
    });
    return id;
  }

  #write(event: Record<string, unknown>): void {
    const r = validateEvent(event);
    if (!r.ok) throw new AgentmeterError('E_RECORD_INVALID', r.error);
    const e: AgentmeterEvent = r.event;
    if (!this.#writer.append(encodeLine(e), Date.parse(e.ts))) {
      throw new AgentmeterError('E_STORE_WRITE_FAILED', 'the event could not be written (see the message above)');
    }
  }
}

/** The start time carried by a UUIDv7 span id, or `undefined` for other ids. */
export function spanStartMs(spanId: string): number | undefined {
  if (!isUuid(spanId) || spanId[14] !== '7') return undefined;
  const ms = uuidv7Time(spanId);
  return Number.isFinite(ms) && ms > 0 ? ms : undefined;
}

/** Whether `s` is a feedback source. */
export function isFeedbackSource(s: string): s is FeedbackSource {
  return (FEEDBACK_SOURCES as readonly string[]).includes(s);
}

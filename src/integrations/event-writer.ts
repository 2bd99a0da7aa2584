/**
 * Writes events built outside the SDK's handles: the importers (history from the seeds' file
 * layouts) and the facades whose calls name spans by id from any process (an invocation
 * logged in one process and updated in another). Events go through the store's
 * `SegmentWriter`, are validated against the schema first, and free text is redacted like the
 * SDK does. Nothing here throws into a host: a bad event is dropped, counted and reported.
 */
import { createHash } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { homedir } from 'node:os';
import type { BaseAttributes, FeedbackSource, SpanKind, SpanStatus } from '../model/events.js';
import { SCHEMA_VERSION } from '../model/events.js';
import { DiagnosticChannel, stderrListener } from '../model/diagnostics.js';
import type { Diagnostic } from '../model/diagnostics.js';
import { encodeLine } from '../model/codec.js';
import { uuidv7 } from '../model/ids.js';
import { createRedactor } from '../model/redact.js';
import { toIso } from '../model/time.js';
import { validateEvent } from '../model/validate.js';
import { SegmentWriter } from '../store/index.js';
import { EVENTS_DIR } from '../store/layout.js';
import type { Durability } from '../store/index.js';

const ENV_RE = /^[A-Za-z0-9_.-]{1,64}$/;

/** The env tag a source record carries, when it is a valid one. */
export function sourceEnv(v: unknown): string | undefined {
  return typeof v === 'string' && ENV_RE.test(v) ? v : undefined;
}

/** Longest kept task description, as in the SDK. */
const MAX_DESCRIPTION = 500;

/**
 * A UUID-shaped id derived from `key`: the event's Unix ms in the first 48 bits (so ids still
 * sort by time, like UUIDv7) and SHA-256 bits of `key` in the rest. Importing the same source
 * twice gives the same ids, which is what lets readers and sinks drop the second copy.
 *
 * @example
 * deterministicId('oak:inv:1234:start', Date.parse('2025-10-16T14:30:00Z'))
 */
export function deterministicId(key: string, ms: number): string {
  const h = createHash('sha256').update(key).digest('hex');
  const t = Math.min(Math.max(0, Math.floor(Number.isFinite(ms) ? ms : 0)), 0xffffffffffff).toString(16).padStart(12, '0');
  const variant = (8 | (parseInt(h.charAt(3), 16) & 3)).toString(16);
  return `${t.slice(0, 8)}-${t.slice(8, 12)}-7${h.slice(0, 3)}-${variant}${h.slice(4, 7)}-${h.slice(7, 19)}`;
}

/** Options of an `EventWriter`. */
export interface EventWriterOptions {
  dir: string;
  env: string;
  /** Default `flush`: every event is handed to the OS at once (a short-lived CLI or hook). */
  durability?: Durability;
  /** Stamped as `import.source` on every span and feedback, e.g. `oak`. */
  source?: string;
  /** Append to the day's shared `<sharedSegment>.jsonl` (a short-lived CLI call), not a segment of its own. */
  sharedSegment?: string;
  onDiagnostic?: (d: Diagnostic) => void;
}

/** Fields shared by the span writes. */
interface SpanFields {
  spanId: string;
  runId: string;
  kind: SpanKind;
  attrs: BaseAttributes;
  /** Key for a deterministic event id; a fresh UUIDv7 without it. */
  idKey?: string | undefined;
  /** The source's own env tag, when it had a valid one; else the writer's. */
  env?: string | undefined;
}

/** Counters of an `EventWriter`. */
export interface EventWriterStats {
  written: number;
  /** Events refused by the schema or the store (each reported once per code). */
  dropped: number;
}

/** Writes validated events to a store. */
export class EventWriter {
  readonly env: string;
  readonly diagnostics: DiagnosticChannel;
  readonly redact: (s: string) => string;
  readonly redactShort: (s: string) => string;
  readonly #writer: SegmentWriter;
  readonly #source: string | undefined;
  readonly #dir: string;
  #invalid = 0;

  constructor(o: EventWriterOptions) {
    this.env = o.env;
    this.#dir = o.dir;
    this.#source = o.source;
    this.diagnostics = new DiagnosticChannel(o.onDiagnostic ?? stderrListener((s) => process.stderr.write(s)));
    const redactOptions = { homeDirs: [homedir()] };
    this.redact = createRedactor(redactOptions);
    this.redactShort = createRedactor({ ...redactOptions, maxLength: MAX_DESCRIPTION });
    this.#writer = new SegmentWriter({
      root: o.dir,
      durability: o.durability ?? 'flush',
      ...(o.sharedSegment !== undefined ? { sharedSegment: o.sharedSegment } : {}),
      onDiagnostic: (d) => this.diagnostics.report(d),
    });
  }

  get stats(): EventWriterStats {
    const w = this.#writer.stats;
    return { written: w.written, dropped: w.dropped + this.#invalid };
  }

  /** A span has begun. */
  start(f: SpanFields & { name: string; parentId: string | null; startMs: number }): void {
    this.#emit(f.idKey, f.startMs, {
      type: 'span.start', span_id: f.spanId, kind: f.kind, name: f.name, parent_id: f.parentId, run_id: f.runId, env: this.#envOf(f.env), attrs: this.#attrs(f.attrs),
    });
  }

  /** A span has finished (possibly written by another process than its start). */
  end(f: SpanFields & { startMs: number; endMs: number; durationMs: number | null; status: SpanStatus }): void {
    this.#emit(f.idKey, f.endMs, {
      type: 'span.end', span_id: f.spanId, kind: f.kind, run_id: f.runId, env: this.#envOf(f.env), start_ts: toIso(f.startMs),
      duration_ms: finiteOrNull(f.durationMs), status: f.status, attrs: this.#attrs(f.attrs),
    });
  }

  /** A span recorded whole. */
  complete(f: SpanFields & { name: string; parentId: string | null; startMs: number; endMs: number; durationMs: number | null; status: SpanStatus }): void {
    this.#emit(f.idKey, f.endMs, {
      type: 'span', span_id: f.spanId, kind: f.kind, name: f.name, parent_id: f.parentId, run_id: f.runId, env: this.#envOf(f.env),
      start_ts: toIso(f.startMs), duration_ms: finiteOrNull(f.durationMs), status: f.status, attrs: this.#attrs(f.attrs),
    });
  }

  /** Something that happened inside a span (a handoff, an error, a fix attempt). */
  point(f: { spanId: string; runId: string; name: string; attrs: BaseAttributes; tsMs: number; idKey?: string | undefined; env?: string | undefined }): void {
    this.#emit(f.idKey, f.tsMs, { type: 'span.event', span_id: f.spanId, run_id: f.runId, env: this.#envOf(f.env), name: f.name, attrs: f.attrs });
  }

  /** A score on a span. */
  feedback(f: {
    spanId: string; runId: string | null; success: boolean | null; rating: number | null; source: FeedbackSource;
    attrs: BaseAttributes; tsMs: number; idKey?: string | undefined; env?: string | undefined;
  }): void {
    this.#emit(f.idKey, f.tsMs, {
      type: 'feedback', span_id: f.spanId, run_id: f.runId, env: this.#envOf(f.env), success: f.success, rating: f.rating, source: f.source, attrs: this.#attrs(f.attrs),
    });
  }

  flush(): void {
    this.#writer.flushSync();
  }

  /** Flush and release; the store's folder exists afterwards even if nothing was written. */
  close(): void {
    this.#writer.close();
    try {
      mkdirSync(join(this.#dir, EVENTS_DIR), { recursive: true });
    } catch {
      // A store that cannot be created was already reported by the writer, if it wrote.
    }
  }

  #envOf(env: string | undefined): string {
    return env !== undefined && ENV_RE.test(env) ? env : this.env;
  }

  #attrs(a: BaseAttributes): BaseAttributes {
    return this.#source === undefined ? a : { ...a, 'import.source': this.#source };
  }

  #emit(idKey: string | undefined, tsMs: number, body: Record<string, unknown>): void {
    try {
      const event = { v: SCHEMA_VERSION, id: idKey === undefined ? uuidv7(tsMs) : deterministicId(idKey, tsMs), ts: toIso(tsMs), ...body };
      const checked = validateEvent(event);
      if (!checked.ok) {
        this.#invalid++;
        this.diagnostics.report({ code: 'E_EVENT_INVALID', message: `event dropped: ${checked.error}` });
        return;
      }
      this.#writer.append(encodeLine(event), tsMs);
    } catch (e: unknown) {
      this.#invalid++;
      this.diagnostics.report({ code: 'E_EVENT_INVALID', message: `event dropped: ${e instanceof Error ? e.message : String(e)}`, cause: e });
    }
  }
}

function finiteOrNull(n: number | null): number | null {
  return n !== null && Number.isFinite(n) ? n : null;
}

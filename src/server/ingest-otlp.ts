/**
 * `POST /v1/traces`, `POST /v1/logs` (feedback as `gen_ai.evaluation.result` events) and
 * `POST /v1/metrics`: OTLP/HTTP with JSON or protobuf encoding, under the same limits.
 * Answers as the OTLP spec asks: 200 with an `Export…ServiceResponse` in the request's
 * encoding (`partialSuccess` naming how many items were rejected and why, or which content
 * attributes were not stored), 400 for a body that is not a request of the signal (not
 * retried by exporters), 415 for other content types, 503 with `Retry-After` when storage is
 * unavailable (retried). Bodies are decoded, mapped and checked by `checkOtlpBody`, on the
 * event loop for small bodies and in a worker thread for large ones (body-work.ts).
 */
import type { Context } from 'hono';
import type { EventSink } from '../model/sink.js';
import type { Diagnostic } from '../model/diagnostics.js';
import { MAX_LINE_BYTES } from '../store/reader.js';
import type { AgentmeterEvent } from '../model/events.js';
import { bodyError, readBody } from './body.js';
import type { BodyBudget } from './body.js';
import type { BodyWork } from './body-work.js';
import { lineBytes } from './ingest-events.js';
import { checkEvent, structureProblem } from './event-checks.js';
import { mapOtlpLogs } from './otlp-logs-map.js';
import { mapOtlpMetrics } from './otlp/metrics.js';
import { mapOtlpTraces } from './otlp-map.js';
import { TraceMemory } from './otlp/trace-memory.js';
import { decodeOtlpProtobuf, encodeOtlpResponse } from './otlp/protobuf.js';
import type { OtlpSignal } from './otlp/protobuf.js';
import type { OtlpMapOptions, OtlpMapResult } from './otlp-map.js';
import { exportOrFail, jsonError } from './responses.js';

/** Options of the OTLP routes. */
export interface IngestOtlpOptions {
  sink: EventSink;
  maxBodyBytes: number;
  defaultEnv: string;
  /** Bytes of bodies all requests together may hold at once. */
  budget: BodyBudget;
  /** Where bodies are decoded, mapped and checked (`checkOtlpBody`). */
  work: BodyWork;
  /** Told each content attribute key not stored, the first time it is seen. */
  onDiagnostic?: ((d: Diagnostic) => void) | undefined;
}

/** The top-level array of an OTLP request: traces, logs or metrics. */
export type SignalKey = 'resourceSpans' | 'resourceLogs' | 'resourceMetrics';

/** OTLP traces may nest attribute values (kvlist in array in kvlist …) deeper than events. */
const OTLP_MAX_DEPTH = 32 + 64;

interface Signal {
  /** The request's top-level array. */
  key: SignalKey;
  request: string;
  map: (body: unknown, o: OtlpMapOptions) => OtlpMapResult;
  /** The count field of the response's `partialSuccess`. */
  rejected: 'rejectedSpans' | 'rejectedLogRecords' | 'rejectedDataPoints';
  /** What a rejected item is called in the answer. */
  item: string;
  signal: OtlpSignal;
}

const TRACES: Signal = { key: 'resourceSpans', request: 'ExportTraceServiceRequest', map: mapOtlpTraces, rejected: 'rejectedSpans', signal: 'traces', item: 'span' };
const LOGS: Signal = { key: 'resourceLogs', request: 'ExportLogsServiceRequest', map: mapOtlpLogs, rejected: 'rejectedLogRecords', signal: 'logs', item: 'span' };
const METRICS: Signal = { key: 'resourceMetrics', request: 'ExportMetricsServiceRequest', map: mapOtlpMetrics, rejected: 'rejectedDataPoints', signal: 'metrics', item: 'metric' };
const SIGNALS: Record<SignalKey, Signal> = { resourceSpans: TRACES, resourceLogs: LOGS, resourceMetrics: METRICS };

/** The handler of `POST /v1/traces`. */
export function ingestOtlp(opts: IngestOtlpOptions): (c: Context) => Promise<Response> {
  // One memory per server: children arrive before their parents, often in earlier requests.
  return ingestSignal(opts, TRACES, new TraceMemory());
}

/** The handler of `POST /v1/logs`: feedback (`gen_ai.evaluation.result` events). */
export function ingestOtlpLogs(opts: IngestOtlpOptions): (c: Context) => Promise<Response> {
  return ingestSignal(opts, LOGS);
}

/** The handler of `POST /v1/metrics`: answered, not stored (see `mapOtlpMetrics`). */
export function ingestOtlpMetrics(opts: IngestOtlpOptions): (c: Context) => Promise<Response> {
  return ingestSignal(opts, METRICS);
}

function ingestSignal(opts: IngestOtlpOptions, signal: Signal, memory?: TraceMemory): (c: Context) => Promise<Response> {
  const told = new Set<string>();
  return async (c) => {
    const type = (c.req.header('content-type') ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
    const protobuf = type === 'application/x-protobuf' || type === 'application/protobuf';
    if (!protobuf && type !== '' && type !== 'application/json') return jsonError(c, 415, `Content-Type ${type} is not supported: send OTLP/HTTP JSON (application/json) or protobuf (application/x-protobuf)`);
    const body = await readBody(c.req.raw, opts.maxBodyBytes, opts.budget);
    if (!body.ok) return bodyError(c, body);
    try {
      const checked = await opts.work.otlp(body.bytes, signal.key, opts.defaultEnv, protobuf, memory);
      if (!checked.ok) return jsonError(c, 400, checked.error);
      const { events, reasons, dropped } = checked;
      const failed = await exportOrFail(c, opts.sink, events);
      if (failed) return failed;
      const fresh = dropped.filter((k) => !told.has(k));
      if (fresh.length > 0 && opts.onDiagnostic && told.size < 10_000) {
        for (const k of fresh) told.add(k);
        opts.onDiagnostic({ code: 'W_OTLP_CONTENT_NOT_STORED', message: `content attributes not stored (docs/privacy.md): ${fresh.slice(0, 40).join(', ')}` });
      }
      // Content attributes not stored are named as a warning (a partialSuccess rejecting none).
      const droppedText = dropped.length > 0 ? `content attributes not stored (docs/privacy.md): ${dropped.slice(0, 40).join(', ')}` : undefined;
      const message = [...[...new Set(reasons)].slice(0, 20), ...(droppedText !== undefined ? [droppedText] : [])].join('; ');
      const answer = reasons.length === 0 && droppedText === undefined ? {} : { partialSuccess: { [signal.rejected]: String(reasons.length), errorMessage: message } };
      if (!protobuf) return c.json(answer);
      return c.body(Buffer.from(encodeOtlpResponse(signal.signal, answer)), 200, { 'content-type': 'application/x-protobuf' });
    } finally {
      body.release();
    }
  };
}

/** What an OTLP body came to: the events kept, why the others were not, content attributes not stored. */
export type CheckedOtlp = { ok: false; error: string } | { ok: true; events: AgentmeterEvent[]; reasons: string[]; dropped: string[] };

/**
 * Decode, map, redact and check an OTLP/HTTP body (JSON, or protobuf with `protobuf`). Pure
 * but for `memory`, the server's recollection of spans from earlier requests (roll-ups of
 * children that arrived first): runs on the event loop for small bodies, and in a worker
 * thread for large ones (body-work.ts), where a request is mapped on its own.
 */
export function checkOtlpBody(bytes: Buffer, key: SignalKey, defaultEnv: string, redact: (text: string) => string, protobuf = false, memory?: TraceMemory): CheckedOtlp {
  const signal = SIGNALS[key];
  let parsed: unknown;
  if (protobuf) {
    try {
      parsed = decodeOtlpProtobuf(signal.signal, bytes);
    } catch (e: unknown) {
      return { ok: false, error: `body is not a protobuf OTLP ${signal.request}: ${e instanceof Error ? e.message : String(e)}` };
    }
  } else {
    try {
      parsed = JSON.parse(bytes.toString('utf8'));
    } catch (e: unknown) {
      return { ok: false, error: `body is not valid JSON: ${e instanceof Error ? e.message : String(e)}` };
    }
    const structural = structureProblem(parsed, OTLP_MAX_DEPTH);
    if (structural !== undefined) return { ok: false, error: structural };
  }
  if (parsed === null || typeof parsed !== 'object' || !Array.isArray((parsed as Record<string, unknown>)[signal.key])) {
    return { ok: false, error: `body is not an OTLP ${signal.request} (no ${signal.key} array)` };
  }
  const mapped = signal.map(parsed, { defaultEnv, redact, ...(memory !== undefined ? { memory } : {}) });
  const events: AgentmeterEvent[] = [];
  const reasons = mapped.rejected.map((r) => `${signal.item} ${r.span}: ${r.error}`);
  // An event is never longer than its share of the body, bar escapes: only a large body can
  // hold one over the store's line limit.
  const mayBeLong = bytes.length * 2 > MAX_LINE_BYTES;
  for (const e of mapped.events) {
    const r = checkEvent(e);
    if (!r.ok) reasons.push(`span ${e.span_id}: ${r.error}`);
    else if (mayBeLong && lineBytes(r.event) > MAX_LINE_BYTES) reasons.push(`span ${e.span_id}: over the ${MAX_LINE_BYTES}-byte line limit of the store`);
    else events.push(r.event);
  }
  return { ok: true, events, reasons, dropped: mapped.dropped ?? [] };
}

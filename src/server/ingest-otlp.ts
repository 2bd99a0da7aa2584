/**
 * `POST /v1/traces` and `POST /v1/logs` (feedback as `gen_ai.evaluation.result` events):
 * OTLP/HTTP with JSON encoding. Answers as the OTLP spec asks: 200 with
 * an `ExportTraceServiceResponse` (`partialSuccess` naming how many spans were rejected and
 * why), 400 for a body that is not a trace request (not retried by exporters), 415 for
 * protobuf, 503 with `Retry-After` when storage is unavailable (retried).
 */
import type { Context } from 'hono';
import type { EventSink } from '../model/sink.js';
import { MAX_LINE_BYTES } from '../store/reader.js';
import type { AgentmeterEvent } from '../model/events.js';
import { bodyError, readBody } from './body.js';
import type { BodyBudget } from './body.js';
import type { BodyWork } from './body-work.js';
import { lineBytes } from './ingest-events.js';
import { checkEvent, structureProblem } from './event-checks.js';
import { mapOtlpLogs } from './otlp-logs-map.js';
import { mapOtlpTraces } from './otlp-map.js';
import type { OtlpMapOptions, OtlpMapResult } from './otlp-map.js';
import { exportOrFail, jsonError } from './responses.js';

/** Options of the OTLP route. */
export interface IngestOtlpOptions {
  sink: EventSink;
  maxBodyBytes: number;
  defaultEnv: string;
  /** Bytes of bodies all requests together may hold at once. */
  budget: BodyBudget;
  /** Where bodies are parsed, mapped and checked (`checkOtlpBody`). */
  work: BodyWork;
}

/** The top-level array of an OTLP request: traces or logs. */
export type SignalKey = 'resourceSpans' | 'resourceLogs';

/** OTLP traces may nest attribute values (kvlist in array in kvlist …) deeper than events. */
const OTLP_MAX_DEPTH = 32 + 64;

interface Signal {
  /** The request's top-level array. */
  key: SignalKey;
  request: string;
  map: (body: unknown, o: OtlpMapOptions) => OtlpMapResult;
  /** The count field of the response's `partialSuccess`. */
  rejected: 'rejectedSpans' | 'rejectedLogRecords';
}

const TRACES: Signal = { key: 'resourceSpans', request: 'ExportTraceServiceRequest', map: mapOtlpTraces, rejected: 'rejectedSpans' };
const LOGS: Signal = { key: 'resourceLogs', request: 'ExportLogsServiceRequest', map: mapOtlpLogs, rejected: 'rejectedLogRecords' };

/** The handler of `POST /v1/traces`. */
export function ingestOtlp(opts: IngestOtlpOptions): (c: Context) => Promise<Response> {
  return ingestSignal(opts, TRACES);
}

/** The handler of `POST /v1/logs`: feedback (`gen_ai.evaluation.result` events). */
export function ingestOtlpLogs(opts: IngestOtlpOptions): (c: Context) => Promise<Response> {
  return ingestSignal(opts, LOGS);
}

function ingestSignal(opts: IngestOtlpOptions, signal: Signal): (c: Context) => Promise<Response> {
  return async (c) => {
    const type = (c.req.header('content-type') ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
    if (type === 'application/x-protobuf' || type === 'application/protobuf') {
      return jsonError(c, 415, 'OTLP protobuf is not supported: configure the exporter for JSON (OTEL_EXPORTER_OTLP_PROTOCOL=http/json, Content-Type: application/json)');
    }
    if (type !== '' && type !== 'application/json') return jsonError(c, 415, `Content-Type ${type} is not supported: send OTLP/HTTP JSON (application/json)`);
    const body = await readBody(c.req.raw, opts.maxBodyBytes, opts.budget);
    if (!body.ok) return bodyError(c, body);
    try {
      const checked = await opts.work.otlp(body.bytes, signal.key, opts.defaultEnv);
      if (!checked.ok) return jsonError(c, 400, checked.error);
      const { events, reasons } = checked;
      const failed = await exportOrFail(c, opts.sink, events);
      if (failed) return failed;
      if (reasons.length === 0) return c.json({});
      return c.json({ partialSuccess: { [signal.rejected]: String(reasons.length), errorMessage: reasons.slice(0, 20).join('; ') } });
    } finally {
      body.release();
    }
  };
}

/** What an OTLP body came to: the events kept, and why the others were not. */
export type CheckedOtlp = { ok: false; error: string } | { ok: true; events: AgentmeterEvent[]; reasons: string[] };

/**
 * Parse, map, redact and check an OTLP/HTTP JSON body. Pure: runs on the event loop for
 * small bodies and in a worker thread for large ones (body-work.ts).
 */
export function checkOtlpBody(bytes: Buffer, key: SignalKey, defaultEnv: string, redact: (text: string) => string): CheckedOtlp {
  const signal = key === 'resourceSpans' ? TRACES : LOGS;
  let parsed: unknown;
  try {
    parsed = JSON.parse(bytes.toString('utf8'));
  } catch (e: unknown) {
    return { ok: false, error: `body is not valid JSON: ${e instanceof Error ? e.message : String(e)}` };
  }
  const structural = structureProblem(parsed, OTLP_MAX_DEPTH);
  if (structural !== undefined) return { ok: false, error: structural };
  if (parsed === null || typeof parsed !== 'object' || !Array.isArray((parsed as Record<string, unknown>)[signal.key])) {
    return { ok: false, error: `body is not an OTLP ${signal.request} (no ${signal.key} array)` };
  }
  const mapped = signal.map(parsed, { defaultEnv, redact });
  const events: AgentmeterEvent[] = [];
  const reasons = mapped.rejected.map((r) => `span ${r.span}: ${r.error}`);
  // An event is never longer than its share of the body, bar escapes: only a large body can
  // hold one over the store's line limit.
  const mayBeLong = bytes.length * 2 > MAX_LINE_BYTES;
  for (const e of mapped.events) {
    const r = checkEvent(e);
    if (!r.ok) reasons.push(`span ${e.span_id}: ${r.error}`);
    else if (mayBeLong && lineBytes(r.event) > MAX_LINE_BYTES) reasons.push(`span ${e.span_id}: over the ${MAX_LINE_BYTES}-byte line limit of the store`);
    else events.push(r.event);
  }
  return { ok: true, events, reasons };
}

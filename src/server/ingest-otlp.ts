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
import { readBody } from './body.js';
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
  redact: (text: string) => string;
}

/** OTLP traces may nest attribute values (kvlist in array in kvlist …) deeper than events. */
const OTLP_MAX_DEPTH = 32 + 64;

interface Signal {
  /** The request's top-level array. */
  key: 'resourceSpans' | 'resourceLogs';
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
    const body = await readBody(c.req.raw, opts.maxBodyBytes);
    if (!body.ok) return jsonError(c, body.status, body.message);
    let parsed: unknown;
    try {
      parsed = JSON.parse(body.bytes.toString('utf8'));
    } catch (e: unknown) {
      return jsonError(c, 400, `body is not valid JSON: ${e instanceof Error ? e.message : String(e)}`);
    }
    const structural = structureProblem(parsed, OTLP_MAX_DEPTH);
    if (structural !== undefined) return jsonError(c, 400, structural);
    if (parsed === null || typeof parsed !== 'object' || !Array.isArray((parsed as Record<string, unknown>)[signal.key])) {
      return jsonError(c, 400, `body is not an OTLP ${signal.request} (no ${signal.key} array)`);
    }
    const mapped = signal.map(parsed, { defaultEnv: opts.defaultEnv, redact: opts.redact });
    const events = [];
    const reasons = mapped.rejected.map((r) => `span ${r.span}: ${r.error}`);
    // An event is never longer than its share of the body, bar escapes: only a large body can
    // hold one over the store's line limit.
    const mayBeLong = body.bytes.length * 2 > MAX_LINE_BYTES;
    for (const e of mapped.events) {
      const r = checkEvent(e);
      if (!r.ok) reasons.push(`span ${e.span_id}: ${r.error}`);
      else if (mayBeLong && lineBytes(r.event) > MAX_LINE_BYTES) reasons.push(`span ${e.span_id}: over the ${MAX_LINE_BYTES}-byte line limit of the store`);
      else events.push(r.event);
    }
    const failed = await exportOrFail(c, opts.sink, events);
    if (failed) return failed;
    if (reasons.length === 0) return c.json({});
    return c.json({ partialSuccess: { [signal.rejected]: String(reasons.length), errorMessage: reasons.slice(0, 20).join('; ') } });
  };
}

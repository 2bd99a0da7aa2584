/**
 * `POST /v1/traces` and `POST /v1/logs` (feedback as `gen_ai.evaluation.result` events):
 * OTLP/HTTP with JSON encoding. Answers as the OTLP spec asks: 200 with
 * an `ExportTraceServiceResponse` (`partialSuccess` naming how many spans were rejected and
 * why), 400 for a body that is not a trace request (not retried by exporters), 415 for
 * protobuf, 503 with `Retry-After` when storage is unavailable (retried).
 */
import type { Context } from 'hono';
import type { EventSink } from '../model/sink.js';
import { readBody } from './body.js';
import { checkEvent, structureProblem } from './event-checks.js';
import { mapOtlpLogs } from './otlp-logs-map.js';
import { mapOtlpTraces } from './otlp-map.js';
import { TraceMemory } from './otlp/trace-memory.js';
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
  // One memory per server: children arrive before their parents, often in earlier requests.
  return ingestSignal(opts, TRACES, new TraceMemory());
}

/** The handler of `POST /v1/logs`: feedback (`gen_ai.evaluation.result` events). */
export function ingestOtlpLogs(opts: IngestOtlpOptions): (c: Context) => Promise<Response> {
  return ingestSignal(opts, LOGS);
}

function ingestSignal(opts: IngestOtlpOptions, signal: Signal, memory?: TraceMemory): (c: Context) => Promise<Response> {
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
    const mapped = signal.map(parsed, { defaultEnv: opts.defaultEnv, redact: opts.redact, ...(memory !== undefined ? { memory } : {}) });
    const events = [];
    const reasons = mapped.rejected.map((r) => `span ${r.span}: ${r.error}`);
    for (const e of mapped.events) {
      const r = checkEvent(e);
      if (r.ok) events.push(r.event);
      else reasons.push(`span ${e.span_id}: ${r.error}`);
    }
    const failed = await exportOrFail(c, opts.sink, events);
    if (failed) return failed;
    // Content attributes not stored are named as a warning (a partialSuccess rejecting none).
    const dropped = mapped.dropped !== undefined && mapped.dropped.length > 0 ? `content attributes not stored (docs/privacy.md): ${mapped.dropped.slice(0, 40).join(', ')}` : undefined;
    if (reasons.length === 0 && dropped === undefined) return c.json({});
    const message = [...reasons.slice(0, 20), ...(dropped !== undefined ? [dropped] : [])].join('; ');
    return c.json({ partialSuccess: { [signal.rejected]: String(reasons.length), errorMessage: message } });
  };
}

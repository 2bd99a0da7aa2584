/**
 * `POST /v1/traces` and `POST /v1/logs` (feedback as `gen_ai.evaluation.result` events):
 * OTLP/HTTP with JSON or protobuf encoding, under the same limits. Answers as the OTLP spec
 * asks: 200 with an `ExportTraceServiceResponse` in the request's encoding (`partialSuccess`
 * naming how many spans were rejected and why, or which content attributes were not stored),
 * 400 for a body that is not a request of the signal (not retried by exporters), 415 for
 * other content types, 503 with `Retry-After` when storage is unavailable (retried).
 */
import type { Context } from 'hono';
import type { EventSink } from '../model/sink.js';
import { readBody } from './body.js';
import { checkEvent, structureProblem } from './event-checks.js';
import { mapOtlpLogs } from './otlp-logs-map.js';
import { mapOtlpMetrics } from './otlp/metrics.js';
import { mapOtlpTraces } from './otlp-map.js';
import { TraceMemory } from './otlp/trace-memory.js';
import { decodeOtlpProtobuf, encodeOtlpResponse } from './otlp/protobuf.js';
import type { OtlpSignal } from './otlp/protobuf.js';
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
  key: 'resourceSpans' | 'resourceLogs' | 'resourceMetrics';
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
  return async (c) => {
    const type = (c.req.header('content-type') ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
    const protobuf = type === 'application/x-protobuf' || type === 'application/protobuf';
    if (!protobuf && type !== '' && type !== 'application/json') return jsonError(c, 415, `Content-Type ${type} is not supported: send OTLP/HTTP JSON (application/json) or protobuf (application/x-protobuf)`);
    const body = await readBody(c.req.raw, opts.maxBodyBytes);
    if (!body.ok) return jsonError(c, body.status, body.message);
    let parsed: unknown;
    if (protobuf) {
      try {
        parsed = decodeOtlpProtobuf(signal.signal, body.bytes);
      } catch (e: unknown) {
        return jsonError(c, 400, `body is not a protobuf OTLP ${signal.request}: ${e instanceof Error ? e.message : String(e)}`);
      }
    } else {
      try {
        parsed = JSON.parse(body.bytes.toString('utf8'));
      } catch (e: unknown) {
        return jsonError(c, 400, `body is not valid JSON: ${e instanceof Error ? e.message : String(e)}`);
      }
      const structural = structureProblem(parsed, OTLP_MAX_DEPTH);
      if (structural !== undefined) return jsonError(c, 400, structural);
    }
    if (parsed === null || typeof parsed !== 'object' || !Array.isArray((parsed as Record<string, unknown>)[signal.key])) {
      return jsonError(c, 400, `body is not an OTLP ${signal.request} (no ${signal.key} array)`);
    }
    const mapped = signal.map(parsed, { defaultEnv: opts.defaultEnv, redact: opts.redact, ...(memory !== undefined ? { memory } : {}) });
    const events = [];
    const reasons = mapped.rejected.map((r) => `${signal.item} ${r.span}: ${r.error}`);
    for (const e of mapped.events) {
      const r = checkEvent(e);
      if (r.ok) events.push(r.event);
      else reasons.push(`span ${e.span_id}: ${r.error}`);
    }
    const failed = await exportOrFail(c, opts.sink, events);
    if (failed) return failed;
    // Content attributes not stored are named as a warning (a partialSuccess rejecting none).
    const dropped = mapped.dropped !== undefined && mapped.dropped.length > 0 ? `content attributes not stored (docs/privacy.md): ${mapped.dropped.slice(0, 40).join(', ')}` : undefined;
    const message = [...[...new Set(reasons)].slice(0, 20), ...(dropped !== undefined ? [dropped] : [])].join('; ');
    const answer = reasons.length === 0 && dropped === undefined ? {} : { partialSuccess: { [signal.rejected]: String(reasons.length), errorMessage: message } };
    if (!protobuf) return c.json(answer);
    return c.body(Buffer.from(encodeOtlpResponse(signal.signal, answer)), 200, { 'content-type': 'application/x-protobuf' });
  };
}

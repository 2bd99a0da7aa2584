/**
 * agentmeter spans and feedback as OTLP/HTTP JSON (opentelemetry-proto 1.x JSON mapping:
 * hex trace and span ids, int64 as decimal strings), named by the OpenTelemetry GenAI and
 * CICD conventions. Pure functions: no I/O, no clock, the same input gives the same bytes.
 *
 * Ids: a UUID `run_id` becomes the 16-byte trace id as is; a span id becomes 8 bytes (the
 * random tail of a UUIDv7, else a hash). The original ids travel as `agentmeter.span_id`,
 * `agentmeter.run_id` and `agentmeter.parent_id` so an ingest can restore them exactly.
 */
import type { BaseAttributes, Feedback, JsonValue, Span, SpanKind } from '../../model/index.js';
import { pipelineResult } from '../../model/index.js';

/** An OTLP `AnyValue` in JSON. */
export type OtlpValue =
  | { stringValue: string }
  | { boolValue: boolean }
  | { intValue: string }
  | { doubleValue: number }
  | { arrayValue: { values: OtlpValue[] } }
  | { kvlistValue: { values: OtlpKeyValue[] } };

/** An OTLP `KeyValue` in JSON. */
export interface OtlpKeyValue {
  key: string;
  value: OtlpValue;
}

/** An OTLP span in JSON. */
export interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  startTimeUnixNano: string;
  endTimeUnixNano: string;
  attributes: OtlpKeyValue[];
  status: { code: number; message?: string };
}

/** `ExportTraceServiceRequest` in JSON. */
export interface OtlpTraceRequest {
  resourceSpans: {
    resource: { attributes: OtlpKeyValue[] };
    scopeSpans: { scope: { name: string; version: string }; spans: OtlpSpan[] }[];
  }[];
}

/** An OTLP log record in JSON. */
export interface OtlpLogRecord {
  timeUnixNano: string;
  observedTimeUnixNano: string;
  eventName: string;
  traceId?: string;
  spanId: string;
  severityNumber: number;
  attributes: OtlpKeyValue[];
  body: OtlpValue;
}

/** `ExportLogsServiceRequest` in JSON. */
export interface OtlpLogsRequest {
  resourceLogs: {
    resource: { attributes: OtlpKeyValue[] };
    scopeLogs: { scope: { name: string; version: string }; logRecords: OtlpLogRecord[] }[];
  }[];
}

/** Who the exported telemetry says it comes from. */
export interface OtlpResource {
  /** `service.name`; default `agentmeter`. */
  serviceName?: string;
  /** Version written as the instrumentation scope's version. */
  version?: string;
}

/** Instrumentation scope of everything agentmeter exports. */
export const OTLP_SCOPE = 'agentmeter';

/** Span kinds of OTLP: INTERNAL for work done in-process, CLIENT for a call to a model. */
const SPAN_KIND_INTERNAL = 1;
const SPAN_KIND_CLIENT = 3;
const STATUS_UNSET = 0;
const STATUS_OK = 1;
const STATUS_ERROR = 2;
const SEVERITY_INFO = 9;

const UUID_RE = /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i;

// FNV-1a 32-bit with a seed, for ids that are not UUIDs.
function fnv(s: string, seed: number): string {
  let h = (0x811c9dc5 ^ seed) >>> 0;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193) >>> 0;
  return h.toString(16).padStart(8, '0');
}

function hashHex(s: string, words: number): string {
  let out = '';
  for (let i = 0; i < words; i++) out += fnv(s, i * 0x9e3779b9);
  // An all-zero id is invalid in OTLP.
  return /^0+$/.test(out) ? `${out.slice(0, -1)}1` : out;
}

/** The 16-byte OTLP trace id (32 hex) of a run id. */
export function traceIdOf(runId: string): string {
  return UUID_RE.test(runId) ? runId.replace(/-/g, '').toLowerCase() : hashHex(runId, 4);
}

/** The 8-byte OTLP span id (16 hex) of a span id. */
export function spanIdOf(spanId: string): string {
  return UUID_RE.test(spanId) ? spanId.replace(/-/g, '').slice(16).toLowerCase() : hashHex(spanId, 2);
}

/** Unix ms as an OTLP nanosecond timestamp string. */
export function nanos(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '0';
  const whole = Math.floor(ms);
  const frac = Math.round((ms - whole) * 1e6);
  return frac === 0 ? `${whole}000000` : `${whole}${String(frac).padStart(6, '0')}`;
}

/** A JSON value as an OTLP `AnyValue`; `null` has none. */
export function otlpValue(v: JsonValue): OtlpValue | undefined {
  if (v === null) return undefined;
  if (typeof v === 'string') return { stringValue: v };
  if (typeof v === 'boolean') return { boolValue: v };
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) return undefined;
    return Number.isSafeInteger(v) ? { intValue: String(v) } : { doubleValue: v };
  }
  if (Array.isArray(v)) {
    const values: OtlpValue[] = [];
    for (const x of v) {
      const o = otlpValue(x);
      if (o) values.push(o);
    }
    return { arrayValue: { values } };
  }
  const values: OtlpKeyValue[] = [];
  for (const k of Object.keys(v)) {
    const x = v[k];
    const o = x === undefined ? undefined : otlpValue(x);
    if (o) values.push({ key: k, value: o });
  }
  return { kvlistValue: { values } };
}

function attributes(attrs: BaseAttributes, into: OtlpKeyValue[] = []): OtlpKeyValue[] {
  for (const k of Object.keys(attrs)) {
    if (k === '__proto__') continue;
    const v = attrs[k];
    const o = v === undefined ? undefined : otlpValue(v);
    if (o) into.push({ key: k, value: o });
  }
  return into;
}

function str(attrs: BaseAttributes, key: string): string | undefined {
  const v = attrs[key];
  return typeof v === 'string' && v !== '' ? v : undefined;
}

// GenAI operation names by kind; kinds without one keep the span's own name.
const OPERATION: Partial<Record<SpanKind, string>> = {
  agent: 'invoke_agent',
  tool: 'execute_tool',
  workflow: 'invoke_workflow',
  llm: 'chat',
};

/** The span name the GenAI conventions give a span. */
export function otlpSpanName(span: Pick<Span, 'kind' | 'name' | 'attrs'>): string {
  const a = span.attrs;
  switch (span.kind) {
    case 'agent': {
      const agent = str(a, 'gen_ai.agent.name');
      return agent ? `invoke_agent ${agent}` : 'invoke_agent';
    }
    case 'tool': {
      const tool = str(a, 'gen_ai.tool.name');
      return tool ? `execute_tool ${tool}` : 'execute_tool';
    }
    case 'workflow':
      return 'invoke_workflow';
    case 'llm': {
      const model = str(a, 'gen_ai.request.model');
      return model ? `chat ${model}` : 'chat';
    }
    default:
      return span.name;
  }
}

/** One agentmeter span as an OTLP span. */
export function spanToOtlp(span: Span): OtlpSpan {
  const attrs: OtlpKeyValue[] = [];
  const op = OPERATION[span.kind];
  if (op && span.attrs['gen_ai.operation.name'] === undefined) attrs.push({ key: 'gen_ai.operation.name', value: { stringValue: op } });
  attributes(span.attrs, attrs);
  if (span.kind === 'pipeline' && span.status !== null && span.attrs['cicd.pipeline.result'] === undefined) {
    attrs.push({ key: 'cicd.pipeline.result', value: { stringValue: pipelineResult(span.status) } });
  }
  if (span.kind === 'pipeline' && span.attrs['cicd.pipeline.name'] === undefined) {
    attrs.push({ key: 'cicd.pipeline.name', value: { stringValue: span.name } });
  }
  attrs.push(
    { key: 'agentmeter.kind', value: { stringValue: span.kind } },
    { key: 'agentmeter.name', value: { stringValue: span.name } },
    { key: 'agentmeter.span_id', value: { stringValue: span.spanId } },
    { key: 'agentmeter.run_id', value: { stringValue: span.runId } },
    { key: 'deployment.environment.name', value: { stringValue: span.env } },
  );
  if (span.parentId !== null) attrs.push({ key: 'agentmeter.parent_id', value: { stringValue: span.parentId } });
  if (span.status !== null) attrs.push({ key: 'agentmeter.status', value: { stringValue: span.status } });
  const endMs = span.durationMs !== null ? span.startMs + span.durationMs : (span.endMs ?? span.startMs);
  const status =
    span.status === 'success'
      ? { code: STATUS_OK }
      : span.status === 'failure'
        ? { code: STATUS_ERROR, ...(str(span.attrs, 'error.type') ? { message: str(span.attrs, 'error.type') as string } : {}) }
        : { code: STATUS_UNSET };
  return {
    traceId: traceIdOf(span.runId),
    spanId: spanIdOf(span.spanId),
    ...(span.parentId !== null ? { parentSpanId: spanIdOf(span.parentId) } : {}),
    name: otlpSpanName(span),
    kind: span.kind === 'llm' ? SPAN_KIND_CLIENT : SPAN_KIND_INTERNAL,
    startTimeUnixNano: nanos(span.startMs),
    endTimeUnixNano: nanos(endMs),
    attributes: attrs,
    status,
  };
}

function resourceAttributes(r: OtlpResource): OtlpKeyValue[] {
  return [
    { key: 'service.name', value: { stringValue: r.serviceName ?? 'agentmeter' } },
    { key: 'telemetry.sdk.name', value: { stringValue: 'agentmeter' } },
    { key: 'telemetry.sdk.language', value: { stringValue: 'nodejs' } },
  ];
}

/**
 * Folded spans as one `ExportTraceServiceRequest` (JSON).
 *
 * @example
 * const body = JSON.stringify(spansToOtlp(spans, { serviceName: 'ci-agents' }));
 * await fetch('http://localhost:4318/v1/traces', { method: 'POST', body, headers: { 'content-type': 'application/json' } });
 */
export function spansToOtlp(spans: readonly Span[], resource: OtlpResource = {}): OtlpTraceRequest {
  return {
    resourceSpans: [
      {
        resource: { attributes: resourceAttributes(resource) },
        scopeSpans: [{ scope: { name: OTLP_SCOPE, version: resource.version ?? '' }, spans: spans.map(spanToOtlp) }],
      },
    ],
  };
}

/** One feedback as a `gen_ai.evaluation.result` event (an OTLP log record tied to its span). */
export function feedbackToOtlp(f: Feedback): OtlpLogRecord {
  const attrs: OtlpKeyValue[] = [
    { key: 'event.name', value: { stringValue: 'gen_ai.evaluation.result' } },
    { key: 'gen_ai.evaluation.name', value: { stringValue: `agentmeter.feedback.${f.source}` } },
  ];
  const score = f.rating ?? (f.success === null ? null : f.success ? 1 : 0);
  if (score !== null) attrs.push({ key: 'gen_ai.evaluation.score.value', value: { doubleValue: score } });
  if (f.success !== null) attrs.push({ key: 'gen_ai.evaluation.score.label', value: { stringValue: f.success ? 'pass' : 'fail' } });
  const notes = str(f.attrs, 'feedback.notes');
  if (notes) attrs.push({ key: 'gen_ai.evaluation.explanation', value: { stringValue: notes } });
  attrs.push(
    { key: 'agentmeter.feedback_id', value: { stringValue: f.id } },
    { key: 'agentmeter.span_id', value: { stringValue: f.spanId } },
    { key: 'agentmeter.feedback.source', value: { stringValue: f.source } },
    { key: 'deployment.environment.name', value: { stringValue: f.env } },
  );
  if (f.runId !== null) attrs.push({ key: 'agentmeter.run_id', value: { stringValue: f.runId } });
  if (f.rating !== null) attrs.push({ key: 'agentmeter.feedback.rating', value: { doubleValue: f.rating } });
  if (f.success !== null) attrs.push({ key: 'agentmeter.feedback.success', value: { boolValue: f.success } });
  for (const kv of attributes(f.attrs)) if (kv.key !== 'feedback.notes') attrs.push(kv);
  return {
    timeUnixNano: nanos(f.tsMs),
    observedTimeUnixNano: nanos(f.tsMs),
    eventName: 'gen_ai.evaluation.result',
    ...(f.runId !== null ? { traceId: traceIdOf(f.runId) } : {}),
    spanId: spanIdOf(f.spanId),
    severityNumber: SEVERITY_INFO,
    attributes: attrs,
    body: { stringValue: 'gen_ai.evaluation.result' },
  };
}

/** Feedback as one `ExportLogsServiceRequest` (JSON). */
export function feedbackToOtlpLogs(feedback: readonly Feedback[], resource: OtlpResource = {}): OtlpLogsRequest {
  return {
    resourceLogs: [
      {
        resource: { attributes: resourceAttributes(resource) },
        scopeLogs: [{ scope: { name: OTLP_SCOPE, version: resource.version ?? '' }, logRecords: feedback.map(feedbackToOtlp) }],
      },
    ],
  };
}

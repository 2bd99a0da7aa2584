/**
 * OTLP/HTTP JSON spans (`ExportTraceServiceRequest`) mapped onto agentmeter events
 * (docs/server.md, "OTLP mapping"). Three attribute dialects are read: OpenTelemetry GenAI (`gen_ai.*`),
 * OpenInference (`openinference.span.kind`, `llm.model_name`, `llm.token_count.*`,
 * `agent.name`) and Traceloop/OpenLLMetry (`traceloop.span.kind`, `llm.usage.*`); each
 * lands on the GenAI names agentmeter's reports group by. Other attributes are kept as they
 * are, strings redacted; prompt and completion content is dropped (docs/privacy.md).
 *
 * Each OTLP span becomes one complete `span` event whose id is derived from trace and span
 * id, so a retried export (OTLP clients retry, and the spec allows duplicates) folds once.
 * Spans agentmeter exported itself carry `agentmeter.kind`, `.name`, `.span_id`, `.run_id`,
 * `.parent_id` and `.status`: those restore the original span's fields exactly.
 */
import type { AgentmeterEvent, SpanKind, SpanStatus } from '../model/events.js';
import { SCHEMA_VERSION, SPAN_KINDS, SPAN_STATUSES } from '../model/events.js';
import { normalizeStatus } from '../model/status.js';
import { MAX_EVENT_MS, MIN_EVENT_MS } from '../model/time.js';
import { derivedUuid } from '../store/derived-ids.js';

type Obj = Record<string, unknown>;
type Attrs = Record<string, unknown>;

/** Context of a mapping. */
export interface OtlpMapOptions {
  /** `env` when the resource names none (`deployment.environment[.name]`). */
  defaultEnv: string;
  redact: (text: string) => string;
}

/** Mapped events and the spans that could not be mapped, with why. */
export interface OtlpMapResult {
  events: AgentmeterEvent[];
  rejected: { span: string; error: string }[];
}

export const isObj = (v: unknown): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);
const HEX_RE = /^[0-9a-fA-F]+$/;
const MAX_ATTRS = 128;
const MAX_STRING = 2000;

/** Content attributes never stored (prompts, completions, tool payloads). */
const CONTENT_KEY = /^(?:gen_ai\.(?:prompt|completion|input\.messages|output\.messages|system_instructions|tool\.call\.(?:arguments|result))|llm\.(?:input_messages|output_messages|prompts|prompt_template)|input\.value|output\.value|traceloop\.entity\.(?:input|output)|tool\.parameters|message\.content)(?:[.\[]|$)/;

/** OTLP `AnyValue` to a JSON value (ints arrive as strings in OTLP JSON). */
export function anyValue(v: unknown, depth = 0): unknown {
  if (!isObj(v) || depth > 8) return null;
  if ('stringValue' in v) return typeof v['stringValue'] === 'string' ? v['stringValue'] : null;
  if ('boolValue' in v) return v['boolValue'] === true;
  if ('intValue' in v) {
    const n = Number(v['intValue']);
    return Number.isFinite(n) ? n : null;
  }
  if ('doubleValue' in v) {
    const n = Number(v['doubleValue']);
    return Number.isFinite(n) ? n : null;
  }
  if ('arrayValue' in v) {
    const values = isObj(v['arrayValue']) ? v['arrayValue']['values'] : undefined;
    return Array.isArray(values) ? values.map((x) => anyValue(x, depth + 1)) : [];
  }
  if ('kvlistValue' in v) {
    const out: Obj = {};
    const values = isObj(v['kvlistValue']) ? v['kvlistValue']['values'] : undefined;
    if (Array.isArray(values)) for (const kv of values) if (isObj(kv) && typeof kv['key'] === 'string' && kv['key'] !== '__proto__') out[kv['key']] = anyValue(kv['value'], depth + 1);
    return out;
  }
  if ('bytesValue' in v) return typeof v['bytesValue'] === 'string' ? v['bytesValue'] : null;
  return null;
}

/** OTLP `KeyValue[]` to a plain object (`__proto__` keys dropped). */
export function attributeMap(list: unknown): Attrs {
  const out: Attrs = {};
  if (!Array.isArray(list)) return out;
  for (const kv of list) {
    if (!isObj(kv) || typeof kv['key'] !== 'string' || kv['key'] === '__proto__') continue;
    out[kv['key']] = anyValue(kv['value']);
  }
  return out;
}

/** Whether Unix ms `ms` lies in the accepted time range of events (docs/event-format.md). */
export function inEventRange(ms: number): boolean {
  return ms >= MIN_EVENT_MS && ms <= MAX_EVENT_MS;
}

/** The reason given for a time outside the accepted range. */
export const RANGE_TEXT = 'is outside the accepted range (1970-01-01 to 9999-12-31 UTC)';

/** OTLP nanoseconds (string or number) to Unix ms. */
export function nanosToMs(v: unknown): number | undefined {
  if (typeof v === 'number' && Number.isFinite(v)) return v / 1e6;
  if (typeof v === 'string' && /^\d+$/.test(v)) {
    // Nanoseconds since 1970 exceed 2^53; split so the millisecond part stays exact.
    return v.length > 6 ? Number(v.slice(0, -6)) + Number(v.slice(-6)) / 1e6 : Number(v) / 1e6;
  }
  return undefined;
}

/** A trace id (32 hex) written as a UUID, the shape of agentmeter's run ids. */
export function traceToRunId(traceId: string): string {
  const t = traceId.toLowerCase();
  return `${t.slice(0, 8)}-${t.slice(8, 12)}-${t.slice(12, 16)}-${t.slice(16, 20)}-${t.slice(20, 32)}`;
}

const first = (a: Attrs, ...keys: string[]): unknown => {
  for (const k of keys) if (a[k] !== undefined && a[k] !== null && a[k] !== '') return a[k];
  return undefined;
};
export const firstNumber = (a: Attrs, ...keys: string[]): number | undefined => {
  const v = first(a, ...keys);
  const n = typeof v === 'string' ? Number(v) : v;
  return typeof n === 'number' && Number.isFinite(n) ? n : undefined;
};
export const firstString = (a: Attrs, ...keys: string[]): string | undefined => {
  const v = first(a, ...keys);
  return typeof v === 'string' ? v : undefined;
};

const OPERATION_KINDS: Record<string, SpanKind> = {
  invoke_agent: 'agent',
  create_agent: 'agent',
  execute_tool: 'tool',
  invoke_workflow: 'workflow',
  chat: 'llm',
  text_completion: 'llm',
  generate_content: 'llm',
  embeddings: 'llm',
};
const OPENINFERENCE_KINDS: Record<string, SpanKind> = {
  AGENT: 'agent',
  TOOL: 'tool',
  LLM: 'llm',
  EMBEDDING: 'llm',
  CHAIN: 'workflow',
  RETRIEVER: 'tool',
  RERANKER: 'tool',
  GUARDRAIL: 'tool',
  EVALUATOR: 'tool',
};
const TRACELOOP_KINDS: Record<string, SpanKind> = { workflow: 'workflow', task: 'task', agent: 'agent', tool: 'tool' };

/** Which agentmeter kind an OTLP span is, from whichever dialect names it. */
export function spanKindOf(name: string, a: Attrs): SpanKind {
  const op = firstString(a, 'gen_ai.operation.name');
  if (op !== undefined && OPERATION_KINDS[op]) return OPERATION_KINDS[op];
  const oi = firstString(a, 'openinference.span.kind');
  if (oi !== undefined && OPENINFERENCE_KINDS[oi.toUpperCase()]) return OPENINFERENCE_KINDS[oi.toUpperCase()] as SpanKind;
  const tl = firstString(a, 'traceloop.span.kind');
  if (tl !== undefined && TRACELOOP_KINDS[tl.toLowerCase()]) return TRACELOOP_KINDS[tl.toLowerCase()] as SpanKind;
  if (first(a, 'cicd.pipeline.run.id', 'cicd.pipeline.result') !== undefined) return 'pipeline';
  if (first(a, 'llm.request.type', 'gen_ai.request.model', 'llm.model_name') !== undefined) return 'llm';
  const word = name.split(' ')[0] ?? '';
  if (OPERATION_KINDS[word]) return OPERATION_KINDS[word];
  return 'tool';
}

/** GenAI names read from the other dialects (first match wins, GenAI itself first). */
function canonicalAttrs(kind: SpanKind, a: Attrs, out: Attrs): void {
  const set = (k: string, v: unknown): void => {
    if (v !== undefined) out[k] = v;
  };
  set('gen_ai.provider.name', firstString(a, 'gen_ai.provider.name', 'gen_ai.system', 'llm.provider', 'llm.system'));
  set('gen_ai.request.model', firstString(a, 'gen_ai.request.model', 'llm.model_name', 'llm.request.model'));
  set('gen_ai.response.model', firstString(a, 'gen_ai.response.model', 'llm.response.model'));
  set('gen_ai.request.temperature', firstNumber(a, 'gen_ai.request.temperature', 'llm.request.temperature', 'llm.temperature'));
  set('gen_ai.usage.input_tokens', firstNumber(a, 'gen_ai.usage.input_tokens', 'gen_ai.usage.prompt_tokens', 'llm.token_count.prompt', 'llm.usage.prompt_tokens'));
  set('gen_ai.usage.output_tokens', firstNumber(a, 'gen_ai.usage.output_tokens', 'gen_ai.usage.completion_tokens', 'llm.token_count.completion', 'llm.usage.completion_tokens'));
  set('gen_ai.usage.cache_read.input_tokens', firstNumber(a, 'gen_ai.usage.cache_read.input_tokens', 'llm.token_count.prompt_details.cache_read'));
  set('gen_ai.tool.name', firstString(a, 'gen_ai.tool.name', 'tool.name'));
  set('gen_ai.tool.call.id', firstString(a, 'gen_ai.tool.call.id', 'tool_call.id'));
  set('gen_ai.conversation.id', firstString(a, 'gen_ai.conversation.id', 'session.id'));
  const agent = firstString(a, 'gen_ai.agent.name', 'agent.name') ?? (kind === 'agent' || kind === 'workflow' ? firstString(a, 'traceloop.entity.name') : undefined);
  set('gen_ai.agent.name', agent);
  set('gen_ai.agent.id', firstString(a, 'gen_ai.agent.id'));
  if (kind === 'pipeline') {
    set('cicd.pipeline.name', firstString(a, 'cicd.pipeline.name'));
    set('cicd.pipeline.run.id', firstString(a, 'cicd.pipeline.run.id'));
    set('cicd.pipeline.result', firstString(a, 'cicd.pipeline.result'));
  }
}

function spanStatus(kind: SpanKind, span: Obj, a: Attrs): { status: SpanStatus; message?: string } {
  const st = isObj(span['status']) ? span['status'] : {};
  const code = st['code'];
  const message = typeof st['message'] === 'string' && st['message'] !== '' ? st['message'] : undefined;
  const result = kind === 'pipeline' ? firstString(a, 'cicd.pipeline.result') : undefined;
  if (result !== undefined) return { status: normalizeStatus(result), ...(message ? { message } : {}) };
  // STATUS_CODE_ERROR (2); OK (1) and UNSET (0) are successes: instrumentations leave the
  // status unset on spans that completed without error.
  if (code === 2 || code === 'STATUS_CODE_ERROR') return { status: 'failure', ...(message ? { message } : {}) };
  return { status: 'success' };
}

/** Strings inside an array or kvlist attribute, redacted and cut like top-level ones. */
function redactValue(v: unknown, redact: (s: string) => string): unknown {
  if (typeof v === 'string') return redact(v.length > MAX_STRING ? v.slice(0, MAX_STRING) : v);
  if (Array.isArray(v)) return v.map((x) => redactValue(x, redact));
  if (v !== null && typeof v === 'object') {
    const o: Attrs = {};
    for (const k of Object.keys(v)) o[k] = redactValue((v as Attrs)[k], redact);
    return o;
  }
  return v;
}

/**
 * The message of the span's first `exception` event (what `span.recordException` writes), for
 * a failed span whose status carries none.
 */
function exceptionEventMessage(span: Obj): string | undefined {
  const events = span['events'];
  if (!Array.isArray(events)) return undefined;
  for (const ev of events) {
    if (!isObj(ev) || ev['name'] !== 'exception') continue;
    const m = firstString(attributeMap(ev['attributes']), 'exception.message');
    if (m !== undefined) return m;
  }
  return undefined;
}

function keepAttrs(a: Attrs, out: Attrs, redact: (s: string) => string): void {
  let n = 0;
  for (const k of Object.keys(a)) {
    if (n >= MAX_ATTRS) break;
    if (out[k] !== undefined || CONTENT_KEY.test(k)) continue;
    const v = a[k];
    if (v === null || v === undefined) continue;
    out[k] = typeof v === 'string' ? redact(v.length > MAX_STRING ? v.slice(0, MAX_STRING) : v) : typeof v === 'object' ? redactValue(v, redact) : v;
    n++;
  }
}

/**
 * Map an `ExportTraceServiceRequest` to events. Never throws; spans lacking ids or times are
 * listed in `rejected`.
 */
export function mapOtlpTraces(body: unknown, opts: OtlpMapOptions): OtlpMapResult {
  const out: OtlpMapResult = { events: [], rejected: [] };
  const resourceSpans = isObj(body) ? body['resourceSpans'] : undefined;
  if (!Array.isArray(resourceSpans)) return out;
  for (const rs of resourceSpans) {
    if (!isObj(rs)) continue;
    const resource = attributeMap(isObj(rs['resource']) ? rs['resource']['attributes'] : undefined);
    const env = firstString(resource, 'deployment.environment.name', 'deployment.environment') ?? opts.defaultEnv;
    const project = firstString(resource, 'service.name');
    const scopeSpans = rs['scopeSpans'];
    if (!Array.isArray(scopeSpans)) continue;
    for (const ss of scopeSpans) {
      const spans = isObj(ss) ? ss['spans'] : undefined;
      if (!Array.isArray(spans)) continue;
      for (const span of spans) {
        // One span that trips the mapping loses that span alone, with the reason.
        try {
          mapSpan(span, env, project, opts, out);
        } catch (e: unknown) {
          const id = isObj(span) && typeof span['spanId'] === 'string' ? span['spanId'] : '?';
          out.rejected.push({ span: id, error: e instanceof Error ? e.message : String(e) });
        }
      }
    }
  }
  return out;
}

function mapSpan(span: unknown, env: string, project: string | undefined, opts: OtlpMapOptions, out: OtlpMapResult): void {
  if (!isObj(span)) {
    out.rejected.push({ span: '?', error: 'span is not an object' });
    return;
  }
  const traceId = typeof span['traceId'] === 'string' ? span['traceId'] : '';
  const spanId = typeof span['spanId'] === 'string' ? span['spanId'] : '';
  const label = spanId || '?';
  if (traceId.length !== 32 || !HEX_RE.test(traceId)) return void out.rejected.push({ span: label, error: 'traceId must be 32 hex digits' });
  if (spanId.length !== 16 || !HEX_RE.test(spanId)) return void out.rejected.push({ span: label, error: 'spanId must be 16 hex digits' });
  const startMs = nanosToMs(span['startTimeUnixNano']);
  const endMs = nanosToMs(span['endTimeUnixNano']) ?? startMs;
  if (startMs === undefined || endMs === undefined || !(startMs > 0)) return void out.rejected.push({ span: label, error: 'startTimeUnixNano is missing or not a time' });
  if (!inEventRange(startMs)) return void out.rejected.push({ span: label, error: `startTimeUnixNano ${String(span['startTimeUnixNano'])} ${RANGE_TEXT}` });
  if (!inEventRange(endMs)) return void out.rejected.push({ span: label, error: `endTimeUnixNano ${String(span['endTimeUnixNano'])} ${RANGE_TEXT}` });
  const a = attributeMap(span['attributes']);
  const own = takeOwnFields(a);
  const name = own.name ?? (typeof span['name'] === 'string' && span['name'] !== '' ? span['name'] : 'span');
  const kind = own.kind ?? spanKindOf(name, a);
  const attrs: Attrs = {};
  // service.name stands for the project of foreign spans; agentmeter's own spans say theirs.
  if (own.kind === undefined && firstString(a, 'project') === undefined && project !== undefined) attrs['project'] = opts.redact(project);
  canonicalAttrs(kind, a, attrs);
  const mapped = spanStatus(kind, span, a);
  const status = own.status ?? mapped.status;
  const message = mapped.message;
  if (status === 'failure') {
    attrs['error.type'] = firstString(a, 'error.type', 'exception.type') ?? 'error';
    const m = message ?? firstString(a, 'exception.message') ?? exceptionEventMessage(span);
    if (m !== undefined) attrs['error.message'] = opts.redact(m);
  }
  keepAttrs(a, attrs, opts.redact);
  attrs['otel.span_id'] = spanId.toLowerCase();
  const runId = own.runId ?? traceToRunId(traceId);
  const parent = own.parentId ?? (typeof span['parentSpanId'] === 'string' && HEX_RE.test(span['parentSpanId']) ? span['parentSpanId'].toLowerCase() : null);
  const id = own.spanId ?? spanId.toLowerCase();
  const e = {
    v: SCHEMA_VERSION,
    id: derivedUuid('agentmeter.otlp', traceId.toLowerCase(), id),
    ts: new Date(Math.max(startMs, endMs)).toISOString(),
    type: 'span',
    span_id: id,
    run_id: runId,
    env: firstString(a, 'deployment.environment.name') ?? env,
    kind,
    name: opts.redact(name),
    parent_id: parent,
    start_ts: new Date(startMs).toISOString(),
    duration_ms: Math.max(0, endMs - startMs),
    status,
    attrs,
  };
  out.events.push(e as AgentmeterEvent);
  mapEvaluations(span, id, runId, env, opts, out);
}

/** The fields an agentmeter export carries as `agentmeter.*` attributes, taken out of `a`. */
function takeOwnFields(a: Attrs): { kind?: SpanKind; name?: string; spanId?: string; runId?: string; parentId?: string; status?: SpanStatus } {
  const take = (k: string): string | undefined => {
    const v = a[k];
    if (typeof v !== 'string' || v === '') return undefined;
    delete a[k];
    return v;
  };
  const kind = take('agentmeter.kind');
  const status = take('agentmeter.status');
  const name = take('agentmeter.name');
  const spanId = take('agentmeter.span_id');
  const runId = take('agentmeter.run_id');
  const parentId = take('agentmeter.parent_id');
  return {
    ...(kind !== undefined && (SPAN_KINDS as readonly string[]).includes(kind) ? { kind: kind as SpanKind } : {}),
    ...(status !== undefined && (SPAN_STATUSES as readonly string[]).includes(status) ? { status: status as SpanStatus } : {}),
    ...(name !== undefined ? { name } : {}),
    ...(spanId !== undefined ? { spanId } : {}),
    ...(runId !== undefined ? { runId } : {}),
    ...(parentId !== undefined ? { parentId } : {}),
  };
}

/** A `gen_ai.evaluation.score.label` as success, failure or neither. */
export function labelSuccess(label: string | undefined): boolean | null {
  if (label === undefined) return null;
  const l = label.toLowerCase();
  return ['pass', 'passed', 'true', 'success', 'correct', 'relevant'].includes(l) ? true : ['fail', 'failed', 'false', 'failure', 'incorrect', 'irrelevant'].includes(l) ? false : null;
}

/** `gen_ai.evaluation.result` span events become feedback on the span. */
function mapEvaluations(span: Obj, spanId: string, runId: string, env: string, opts: OtlpMapOptions, out: OtlpMapResult): void {
  const events = span['events'];
  if (!Array.isArray(events)) return;
  for (let i = 0; i < events.length; i++) {
    const ev: unknown = events[i];
    if (!isObj(ev) || ev['name'] !== 'gen_ai.evaluation.result') continue;
    const a = attributeMap(ev['attributes']);
    const tsMs = nanosToMs(ev['timeUnixNano']) ?? Date.now();
    if (!inEventRange(tsMs)) {
      out.rejected.push({ span: spanId, error: `evaluation event ${i}: timeUnixNano ${String(ev['timeUnixNano'])} ${RANGE_TEXT}` });
      continue;
    }
    const label = firstString(a, 'gen_ai.evaluation.score.label');
    const score = firstNumber(a, 'gen_ai.evaluation.score.value');
    const success = labelSuccess(label);
    const attrs: Attrs = {};
    const evalName = firstString(a, 'gen_ai.evaluation.name');
    if (evalName !== undefined) attrs['gen_ai.evaluation.name'] = opts.redact(evalName);
    if (score !== undefined) attrs['gen_ai.evaluation.score.value'] = score;
    if (label !== undefined) attrs['gen_ai.evaluation.score.label'] = opts.redact(label);
    const explanation = firstString(a, 'gen_ai.evaluation.explanation');
    if (explanation !== undefined) attrs['feedback.notes'] = opts.redact(explanation);
    const e = {
      v: SCHEMA_VERSION,
      id: derivedUuid('agentmeter.otlp.eval', runId, spanId, String(i)),
      ts: new Date(tsMs).toISOString(),
      type: 'feedback',
      span_id: spanId,
      run_id: runId,
      env,
      success,
      rating: null,
      source: 'llm_judge',
      attrs,
    };
    out.events.push(e as AgentmeterEvent);
  }
}

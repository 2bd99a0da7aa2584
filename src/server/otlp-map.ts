/**
 * OTLP spans (`ExportTraceServiceRequest`, from JSON or decoded protobuf) mapped onto
 * agentmeter events (docs/server.md, "OTLP mapping"). Each span's role (model call, tool call,
 * agent invocation, or neither) and names are read per producer in `otlp/dialects.ts`: the
 * GenAI conventions, the AI SDK's `ai.*`, OpenInference, Traceloop; each lands on the GenAI
 * names agentmeter's reports group by. `otlp/trace-memory.ts` lets a parent be judged by its
 * children (roll-ups, wrappers) and opens one run per trace. Attributes are kept by an
 * allow-list: content of every dialect and long free text are not stored (docs/privacy.md).
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
import { CONTENT_KEY, MAX_UNKNOWN_STRING, kindOfRole, readDialect } from './otlp/dialects.js';
import type { DialectReading } from './otlp/dialects.js';
import { TraceMemory } from './otlp/trace-memory.js';
import type { ChildTotals } from './otlp/trace-memory.js';

type Obj = Record<string, unknown>;
type Attrs = Record<string, unknown>;

/** Context of a mapping. */
export interface OtlpMapOptions {
  /** `env` when the resource names none (`deployment.environment[.name]`). */
  defaultEnv: string;
  redact: (text: string) => string;
  /** Recent traces (roll-ups, wrappers, runs across requests); a fresh one per call without it. */
  memory?: TraceMemory;
}

/** Mapped events and the spans that could not be mapped, with why. */
export interface OtlpMapResult {
  events: AgentmeterEvent[];
  rejected: { span: string; error: string }[];
  /** Keys of content attributes that were not stored (numbered segments as `*`). */
  dropped?: string[];
}

export const isObj = (v: unknown): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);
const HEX_RE = /^[0-9a-fA-F]+$/;
const MAX_ATTRS = 128;
const MAX_STRING = 2000;

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

/** Which agentmeter kind an OTLP span is, from whichever dialect names it. */
export function spanKindOf(name: string, a: Attrs): SpanKind {
  return kindOfRole(readDialect(name, a));
}

/** The AI SDK's provider id names the API too (`openai.chat`, `openai.responses`): keep the provider. */
const aiSdkProvider = (a: Attrs): string | undefined => firstString(a, 'ai.model.provider')?.split('.')[0];

/** GenAI names read from every dialect (first match wins, GenAI itself first). */
function canonicalAttrs(kind: SpanKind, reading: DialectReading, name: string, a: Attrs, out: Attrs): void {
  const set = (k: string, v: unknown): void => {
    if (v !== undefined) out[k] = v;
  };
  set('gen_ai.provider.name', firstString(a, 'gen_ai.provider.name') ?? aiSdkProvider(a) ?? firstString(a, 'gen_ai.system', 'llm.provider', 'llm.system'));
  set('gen_ai.request.model', firstString(a, 'gen_ai.request.model', 'ai.model.id', 'llm.model_name', 'llm.request.model'));
  set('gen_ai.response.model', firstString(a, 'gen_ai.response.model', 'ai.response.model', 'llm.response.model'));
  set('gen_ai.request.temperature', firstNumber(a, 'gen_ai.request.temperature', 'ai.settings.temperature', 'llm.request.temperature', 'llm.temperature'));
  set('gen_ai.usage.input_tokens', firstNumber(a, 'gen_ai.usage.input_tokens', 'gen_ai.usage.prompt_tokens', 'ai.usage.inputTokens', 'ai.usage.promptTokens', 'llm.token_count.prompt', 'llm.usage.prompt_tokens'));
  set('gen_ai.usage.output_tokens', firstNumber(a, 'gen_ai.usage.output_tokens', 'gen_ai.usage.completion_tokens', 'ai.usage.outputTokens', 'ai.usage.completionTokens', 'llm.token_count.completion', 'llm.usage.completion_tokens'));
  set('gen_ai.usage.cache_read.input_tokens', firstNumber(a, 'gen_ai.usage.cache_read.input_tokens', 'ai.usage.cachedInputTokens', 'llm.token_count.prompt_details.cache_read'));
  if (reading.role === 'tool_call') set('gen_ai.tool.name', firstString(a, 'gen_ai.tool.name', 'ai.toolCall.name', 'tool.name') ?? (reading.dialect === 'openinference' ? name : undefined));
  set('gen_ai.tool.call.id', firstString(a, 'gen_ai.tool.call.id', 'ai.toolCall.id', 'tool_call.id'));
  set('gen_ai.conversation.id', firstString(a, 'gen_ai.conversation.id', 'session.id'));
  set('gen_ai.agent.name', reading.agentName ?? firstString(a, 'gen_ai.agent.name', 'agent.name'));
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

/** The first `exception` span event's type and message. */
function exceptionOf(span: Obj): { type?: string; message?: string } {
  const events = span['events'];
  if (!Array.isArray(events)) return {};
  for (const ev of events) {
    if (!isObj(ev) || ev['name'] !== 'exception') continue;
    const a = attributeMap(ev['attributes']);
    const type = firstString(a, 'exception.type');
    const message = firstString(a, 'exception.message');
    return { ...(type !== undefined ? { type } : {}), ...(message !== undefined ? { message } : {}) };
  }
  return {};
}

const PATH_RE = /(?:file:\/\/)?(?:[A-Za-z]:\\|\/)(?:[\w.@+~-]+[\\/])+[\w.@+~-]*(?::\d+){0,2}/g;
const MAX_MESSAGE = 300;

/** An error message as stored: its first line, no stack frames, no file paths, at most 300 characters. */
export function oneLineMessage(m: string): string {
  const line = (m.split(/\r?\n/).find((l) => l.trim() !== '' && !/^\s*at\s/.test(l)) ?? '').trim();
  const clean = line.replace(PATH_RE, '[path]');
  return clean.length > MAX_MESSAGE ? `${clean.slice(0, MAX_MESSAGE - 1)}…` : clean;
}

/**
 * Attributes not read into GenAI names are kept when they carry no content: numbers and
 * booleans, and strings up to `MAX_UNKNOWN_STRING` characters (redacted). Content attributes
 * of every dialect, and longer strings, are not stored; their keys are listed in `dropped`.
 */
function keepAttrs(a: Attrs, out: Attrs, redact: (s: string) => string, dropped: Set<string>, maxString: number): void {
  let n = 0;
  for (const k of Object.keys(a)) {
    if (n >= MAX_ATTRS) break;
    if (out[k] !== undefined) continue;
    const v = a[k];
    if (v === null || v === undefined) continue;
    if (CONTENT_KEY.test(k) || (typeof v === 'string' && v.length > maxString) || (typeof v === 'object' && JSON.stringify(v).length > maxString)) {
      dropped.add(k.replace(/\.\d+(?=\.|$)/g, '.*'));
      continue;
    }
    out[k] = typeof v === 'string' ? redact(v) : typeof v === 'object' ? redactValue(v, redact) : v;
    n++;
  }
}

interface Located {
  span: unknown;
  env: string;
  project: string | undefined;
  depth: number;
}

/**
 * Map an `ExportTraceServiceRequest` to events. Never throws; spans lacking ids or times are
 * listed in `rejected`. Children are mapped before their parents, so a parent is judged by
 * what sits under it (`TraceMemory`).
 */
export function mapOtlpTraces(body: unknown, opts: OtlpMapOptions): OtlpMapResult {
  const out: OtlpMapResult = { events: [], rejected: [] };
  const resourceSpans = isObj(body) ? body['resourceSpans'] : undefined;
  if (!Array.isArray(resourceSpans)) return out;
  const all: Located[] = [];
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
      for (const span of spans) all.push({ span, env, project, depth: 0 });
    }
  }
  // Depth within the request: deepest first, so children precede their parents.
  const parentOf = new Map<string, string>();
  for (const l of all) {
    if (isObj(l.span) && typeof l.span['spanId'] === 'string' && typeof l.span['parentSpanId'] === 'string') parentOf.set(l.span['spanId'], l.span['parentSpanId']);
  }
  for (const l of all) {
    let id = isObj(l.span) ? l.span['spanId'] : undefined;
    while (typeof id === 'string' && parentOf.has(id) && l.depth < 256) {
      id = parentOf.get(id);
      l.depth++;
    }
  }
  all.sort((x, y) => y.depth - x.depth);
  const memory = opts.memory ?? new TraceMemory();
  const dropped = new Set<string>();
  const runs: AgentmeterEvent[] = [];
  for (const l of all) {
    // One span that trips the mapping loses that span alone, with the reason.
    try {
      mapSpan(l.span, l.env, l.project, opts, memory, dropped, out, runs);
    } catch (e: unknown) {
      const id = isObj(l.span) && typeof l.span['spanId'] === 'string' ? l.span['spanId'] : '?';
      out.rejected.push({ span: id, error: e instanceof Error ? e.message : String(e) });
    }
  }
  out.events.push(...runs);
  if (dropped.size > 0) out.dropped = [...dropped].sort();
  return out;
}

function mapSpan(span: unknown, env: string, project: string | undefined, opts: OtlpMapOptions, memory: TraceMemory, dropped: Set<string>, out: OtlpMapResult, runs: AgentmeterEvent[]): void {
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
  const trace = traceId.toLowerCase();
  const sid = spanId.toLowerCase();
  const parentSpan = typeof span['parentSpanId'] === 'string' && span['parentSpanId'].length === 16 && HEX_RE.test(span['parentSpanId']) ? span['parentSpanId'].toLowerCase() : undefined;
  const reading = readDialect(name, a);
  const under = memory.take(trace, sid);
  // A span shaped like an agent that holds agents but no model or tool call of its own only
  // wraps them (OpenAI Agents' workflow root): it is not an agent invocation.
  const wrapper = own.kind === undefined && reading.mayWrap === true && under.agents > 0 && under.calls === 0;
  const role = wrapper ? 'other' : reading.role;
  const kind = own.kind ?? kindOfRole({ ...reading, role });
  const attrs: Attrs = {};
  // service.name stands for the project of foreign spans; agentmeter's own spans say theirs.
  if (own.kind === undefined && firstString(a, 'project') === undefined && project !== undefined) attrs['project'] = opts.redact(project);
  canonicalAttrs(kind, { ...reading, role }, name, a, attrs);
  if (role === 'agent' && own.kind === undefined) rollUp(attrs, under);
  if (own.kind === undefined && reading.dialect !== 'none') attrs['otel.dialect'] = reading.dialect;
  if (wrapper) attrs['agentmeter.wraps_agents'] = under.agents;
  const mapped = spanStatus(kind, span, a);
  const status = own.status ?? mapped.status;
  if (status === 'failure') {
    const ex = exceptionOf(span);
    attrs['error.type'] = firstString(a, 'error.type', 'exception.type') ?? ex.type ?? 'error';
    const m = mapped.message ?? firstString(a, 'exception.message') ?? ex.message;
    if (m !== undefined) attrs['error.message'] = opts.redact(oneLineMessage(m));
  }
  keepAttrs(a, attrs, opts.redact, dropped, own.kind !== undefined ? MAX_STRING : MAX_UNKNOWN_STRING);
  attrs['otel.span_id'] = sid;
  const runId = own.runId ?? traceToRunId(traceId);
  const parent = own.parentId ?? parentSpan ?? null;
  const id = own.spanId ?? sid;
  if (own.kind === undefined) {
    remember(memory, trace, parentSpan, role, wrapper, attrs, under);
    openRun(memory, trace, runId, env, startMs, parentSpan === undefined ? { endMs, status, attrs } : undefined, runs);
  }
  const e = {
    v: SCHEMA_VERSION,
    id: derivedUuid('agentmeter.otlp', trace, id),
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

/** An agent without tokens or model of its own takes its model calls' (counted once: there). */
function rollUp(attrs: Attrs, under: ChildTotals): void {
  if (under.withTokens > 0 && attrs['gen_ai.usage.input_tokens'] === undefined && attrs['gen_ai.usage.output_tokens'] === undefined) {
    attrs['gen_ai.usage.input_tokens'] = under.inputTokens;
    attrs['gen_ai.usage.output_tokens'] = under.outputTokens;
    attrs['agentmeter.tokens_from'] = 'model_calls';
  }
  if (attrs['gen_ai.request.model'] === undefined && under.model !== undefined) attrs['gen_ai.request.model'] = under.model;
  if (attrs['gen_ai.provider.name'] === undefined && under.provider !== undefined) attrs['gen_ai.provider.name'] = under.provider;
}

/** Tell the parent what this span is and holds: steps and chains pass their children's totals up, agents only themselves. */
function remember(memory: TraceMemory, trace: string, parent: string | undefined, role: DialectReading['role'], wrapper: boolean, attrs: Attrs, under: ChildTotals): void {
  if (parent === undefined) return;
  const num = (k: string): number => (typeof attrs[k] === 'number' ? (attrs[k] as number) : 0);
  const model = typeof attrs['gen_ai.request.model'] === 'string' ? attrs['gen_ai.request.model'] : undefined;
  const provider = typeof attrs['gen_ai.provider.name'] === 'string' ? attrs['gen_ai.provider.name'] : undefined;
  if (role === 'model_call') {
    const withTokens = attrs['gen_ai.usage.input_tokens'] !== undefined || attrs['gen_ai.usage.output_tokens'] !== undefined ? 1 : 0;
    memory.add(trace, parent, { calls: 1, inputTokens: num('gen_ai.usage.input_tokens'), outputTokens: num('gen_ai.usage.output_tokens'), withTokens, ...(model !== undefined ? { model } : {}), ...(provider !== undefined ? { provider } : {}) });
  } else if (role === 'tool_call') memory.add(trace, parent, { calls: 1 });
  else if (role === 'agent') memory.add(trace, parent, { agents: 1 });
  else if (wrapper) memory.add(trace, parent, { agents: under.agents });
  else memory.add(trace, parent, under);
}

/**
 * A trace is a run: its run span (span id = run id) is opened the first time the trace is
 * seen, so a run whose root never arrives is still counted, and ended by the trace's root.
 */
function openRun(memory: TraceMemory, trace: string, runId: string, env: string, startMs: number, root: { endMs: number; status: SpanStatus; attrs: Attrs } | undefined, out: AgentmeterEvent[]): void {
  const project = typeof (root?.attrs ?? {})['project'] === 'string' ? { project: (root as { attrs: Attrs }).attrs['project'] } : {};
  if (memory.firstSight(trace)) {
    out.push({ v: SCHEMA_VERSION, id: derivedUuid('agentmeter.otlp.run.start', trace), ts: new Date(startMs).toISOString(), type: 'span.start', span_id: runId, run_id: runId, env, kind: 'run', name: 'trace', parent_id: null, attrs: { 'otel.trace_id': trace } } as AgentmeterEvent);
  }
  if (root === undefined || !memory.firstEnd(trace)) return;
  out.push({ v: SCHEMA_VERSION, id: derivedUuid('agentmeter.otlp.run.end', trace), ts: new Date(Math.max(startMs, root.endMs)).toISOString(), type: 'span.end', span_id: runId, run_id: runId, env, kind: 'run', start_ts: new Date(startMs).toISOString(), duration_ms: Math.max(0, root.endMs - startMs), status: root.status, attrs: { ...project } } as AgentmeterEvent);
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

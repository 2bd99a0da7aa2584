/**
 * OTLP/HTTP JSON logs (`ExportLogsServiceRequest`) mapped onto agentmeter feedback: each
 * `gen_ai.evaluation.result` event (a log record whose `eventName` or `event.name` says so)
 * becomes one `feedback` event on the span it names. Records agentmeter exported itself
 * carry `agentmeter.feedback_id`, `.span_id`, `.run_id`, `.feedback.rating`, `.feedback.success`
 * and `.feedback.source`, which restore the feedback exactly; other records give what the
 * GenAI names say (the score label as success, the score kept as an attribute). Other log
 * records are not agentmeter's to store: they are rejected, and counted in the answer.
 */
import type { AgentmeterEvent, FeedbackSource } from '../model/events.js';
import { FEEDBACK_SOURCES, SCHEMA_VERSION } from '../model/events.js';
import { derivedUuid } from '../store/derived-ids.js';
import type { OtlpMapOptions, OtlpMapResult } from './otlp-map.js';
import { RANGE_TEXT, attributeMap, firstNumber, firstString, inEventRange, isObj, labelSuccess, nanosToMs, traceToRunId } from './otlp-map.js';

const EVALUATION = 'gen_ai.evaluation.result';
const HEX_RE = /^[0-9a-fA-F]+$/;
const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const MAX_ATTRS = 128;
const MAX_STRING = 2000;

/** Attributes that become the feedback's own fields, not attributes. */
const OWN = new Set([
  'event.name',
  'deployment.environment.name',
  'gen_ai.evaluation.explanation',
  'agentmeter.feedback_id',
  'agentmeter.span_id',
  'agentmeter.run_id',
  'agentmeter.feedback.rating',
  'agentmeter.feedback.success',
  'agentmeter.feedback.source',
]);

/** Map an `ExportLogsServiceRequest` to feedback events. Never throws. */
export function mapOtlpLogs(body: unknown, opts: OtlpMapOptions): OtlpMapResult {
  const out: OtlpMapResult = { events: [], rejected: [] };
  const resourceLogs = isObj(body) ? body['resourceLogs'] : undefined;
  if (!Array.isArray(resourceLogs)) return out;
  for (const rl of resourceLogs) {
    if (!isObj(rl)) continue;
    const resource = attributeMap(isObj(rl['resource']) ? rl['resource']['attributes'] : undefined);
    const env = firstString(resource, 'deployment.environment.name', 'deployment.environment') ?? opts.defaultEnv;
    const scopeLogs = rl['scopeLogs'];
    if (!Array.isArray(scopeLogs)) continue;
    for (const sl of scopeLogs) {
      const records = isObj(sl) ? sl['logRecords'] : undefined;
      if (!Array.isArray(records)) continue;
      records.forEach((r, i) => mapRecord(r, i, env, opts, out));
    }
  }
  return out;
}

function mapRecord(r: unknown, index: number, env: string, opts: OtlpMapOptions, out: OtlpMapResult): void {
  if (!isObj(r)) return void out.rejected.push({ span: '?', error: 'log record is not an object' });
  const a = attributeMap(r['attributes']);
  const otelSpan = typeof r['spanId'] === 'string' && r['spanId'].length === 16 && HEX_RE.test(r['spanId']) ? r['spanId'].toLowerCase() : undefined;
  const label = firstString(a, 'agentmeter.span_id') ?? otelSpan ?? '?';
  if (r['eventName'] !== EVALUATION && a['event.name'] !== EVALUATION) return void out.rejected.push({ span: label, error: `not a ${EVALUATION} event` });
  const spanId = firstString(a, 'agentmeter.span_id') ?? otelSpan;
  if (spanId === undefined) return void out.rejected.push({ span: label, error: 'spanId must be 16 hex digits' });
  const traceId = typeof r['traceId'] === 'string' && r['traceId'].length === 32 && HEX_RE.test(r['traceId']) ? r['traceId'].toLowerCase() : undefined;
  const runId = firstString(a, 'agentmeter.run_id') ?? (traceId !== undefined ? traceToRunId(traceId) : null);
  const tsMs = nanosToMs(r['timeUnixNano']) || nanosToMs(r['observedTimeUnixNano']);
  if (tsMs === undefined || !(tsMs > 0)) return void out.rejected.push({ span: label, error: 'timeUnixNano is missing or not a time' });
  if (!inEventRange(tsMs)) return void out.rejected.push({ span: label, error: `timeUnixNano ${String(r['timeUnixNano'] ?? r['observedTimeUnixNano'])} ${RANGE_TEXT}` });
  const ownId = firstString(a, 'agentmeter.feedback_id');
  const success = typeof a['agentmeter.feedback.success'] === 'boolean' ? a['agentmeter.feedback.success'] : labelSuccess(firstString(a, 'gen_ai.evaluation.score.label'));
  const rating = firstNumber(a, 'agentmeter.feedback.rating') ?? null;
  const source = firstString(a, 'agentmeter.feedback.source');
  const attrs: Record<string, unknown> = {};
  const notes = firstString(a, 'gen_ai.evaluation.explanation');
  if (notes !== undefined) attrs['feedback.notes'] = opts.redact(notes);
  let n = 0;
  for (const k of Object.keys(a)) {
    if (n >= MAX_ATTRS) break;
    const v = a[k];
    // On agentmeter's own records the evaluation names only restate the fields above.
    if (OWN.has(k) || v === null || v === undefined || (ownId !== undefined && k.startsWith('gen_ai.evaluation.'))) continue;
    attrs[k] = typeof v === 'string' ? opts.redact(v.length > MAX_STRING ? v.slice(0, MAX_STRING) : v) : v;
    n++;
  }
  const e = {
    v: SCHEMA_VERSION,
    id: ownId !== undefined && UUID_RE.test(ownId) ? ownId.toLowerCase() : derivedUuid('agentmeter.otlp.log', traceId ?? '', spanId, String(r['timeUnixNano'] ?? ''), String(index)),
    ts: new Date(tsMs).toISOString(),
    type: 'feedback',
    span_id: spanId,
    run_id: runId,
    env: firstString(a, 'deployment.environment.name') ?? env,
    success,
    rating,
    source: source !== undefined && (FEEDBACK_SOURCES as readonly string[]).includes(source) ? (source as FeedbackSource) : 'llm_judge',
    attrs,
  };
  out.events.push(e as AgentmeterEvent);
}

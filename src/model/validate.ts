import type { AgentmeterEvent } from './events.js';
import { SCHEMA_VERSION } from './events.js';
import * as generated from './generated/validate-event.js';
import type { GeneratedValidator } from './generated/validate-event.js';
import { timestampRangeProblem } from './time.js';

/** Result of validating one event. */
export type ValidationResult =
  | { ok: true; event: AgentmeterEvent }
  | { ok: false; error: string };

const validators = generated as unknown as Record<string, GeneratedValidator | undefined>;

// Validator by dispatch key (`span:agent` → `span_agent`), remembered for the known keys only
// so hostile `type` values cannot grow the map.
const byKey = new Map<string, GeneratedValidator>();
function validatorFor(key: string): GeneratedValidator | undefined {
  let v = byKey.get(key);
  if (v === undefined) {
    const name = key.replace(/[.:]/g, '_');
    v = Object.hasOwn(validators, name) ? validators[name] : undefined;
    if (v !== undefined) byKey.set(key, v);
  }
  return v;
}

// Span validators by type, then kind: found without building the `type:kind` key, since
// every event a report reads comes through here.
const SPAN_TYPES = ['span.start', 'span.end', 'span'] as const;
const bySpanKind = new Map<unknown, Map<unknown, GeneratedValidator>>(SPAN_TYPES.map((t) => [t, new Map()]));
function spanValidatorFor(byKind: Map<unknown, GeneratedValidator>, type: string, kind: unknown): GeneratedValidator | undefined {
  let v = byKind.get(kind);
  if (v === undefined && typeof kind === 'string') {
    v = validatorFor(`${type}:${kind}`);
    if (v !== undefined) byKind.set(kind, v);
  }
  return v;
}

/** The dispatch key, for messages: `type:kind` for spans, else `type`. */
function keyOf(type: string, kind: unknown): string {
  return bySpanKind.has(type) ? `${type}:${String(kind)}` : type;
}

/**
 * Validate a parsed value against the event schema (generated from `events.ts`). Dispatches on
 * `type` and `kind` so the message names the failing field, e.g.
 * `span.end:optimization /attrs/validated must be number,null`.
 */
export function validateEvent(value: unknown): ValidationResult {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return { ok: false, error: 'event must be a JSON object' };
  }
  const v = value as Record<string, unknown>;
  const type = v['type'];
  if (typeof type !== 'string') return { ok: false, error: 'missing string field "type"' };
  const kind = v['kind'];
  const byKind = bySpanKind.get(type);
  const validate = byKind !== undefined ? spanValidatorFor(byKind, type, kind) : validatorFor(type);
  if (!validate) {
    return {
      ok: false,
      error: byKind !== undefined ? `unknown span kind ${JSON.stringify(kind)}` : `unknown event type ${JSON.stringify(type)}`,
    };
  }
  const version = v['v'];
  if (typeof version === 'number' && version > SCHEMA_VERSION) {
    return { ok: false, error: `schema version ${version} is newer than this reader (${SCHEMA_VERSION}); upgrade agentmeter` };
  }
  if (!validate(value)) {
    const err = validate.errors?.[0];
    const where = err?.instancePath ? `${err.instancePath} ` : '';
    const extra = err?.params && typeof err.params === 'object' ? paramsText(err.params as Record<string, unknown>) : '';
    return { ok: false, error: `${keyOf(type, kind)} ${where}${err?.message ?? 'is invalid'}${extra}`.trim() };
  }
  // Beyond the types: what every store and sink can hold (PostgreSQL keeps `v` in a smallint,
  // day partitions cover 1970–9999) and what reports can use (a duration is not negative).
  if (!Number.isInteger(version) || (version as number) < 0) {
    return { ok: false, error: `${keyOf(type, kind)} /v must be a schema version from 0 to ${SCHEMA_VERSION}, got ${String(version)}` };
  }
  const tsProblem = timestampRangeProblem(v['ts'] as string);
  if (tsProblem !== undefined) return { ok: false, error: `${keyOf(type, kind)} /ts ${tsProblem}, got ${JSON.stringify(v['ts'])}` };
  const start = v['start_ts'];
  if (typeof start === 'string') {
    const p = timestampRangeProblem(start);
    if (p !== undefined) return { ok: false, error: `${keyOf(type, kind)} /start_ts ${p}, got ${JSON.stringify(start)}` };
  }
  const duration = v['duration_ms'];
  if (typeof duration === 'number' && duration < 0) {
    return { ok: false, error: `${keyOf(type, kind)} /duration_ms must not be negative, got ${duration}` };
  }
  return { ok: true, event: value as AgentmeterEvent };
}

function paramsText(p: Record<string, unknown>): string {
  if (typeof p['additionalProperty'] === 'string') return ` (${p['additionalProperty']})`;
  if (Array.isArray(p['allowedValues'])) return ` (${p['allowedValues'].join(', ')})`;
  return '';
}

/**
 * Events as rows of `am_events` in COPY text format. Pure string building: one line per
 * event, tab-separated, `\N` for NULL. PostgreSQL text and jsonb cannot hold U+0000, so a
 * NUL character (which JSON allows) is stored as U+FFFD.
 */
import type { AgentmeterEvent, JsonValue } from '../../model/index.js';

/** Column order of `am_events`, shared by COPY and the staging INSERT. */
export const EVENT_COLUMNS = [
  'id',
  'ts',
  'v',
  'type',
  'span_id',
  'run_id',
  'parent_id',
  'kind',
  'name',
  'env',
  'start_ts',
  'duration_ms',
  'status',
  'success',
  'rating',
  'source',
  'attrs',
] as const;

const NULL = '\\N';
const NEEDS_ESCAPE = /[\\\t\n\r\0]/;

function text(s: string | null | undefined): string {
  if (s === null || s === undefined) return NULL;
  if (!NEEDS_ESCAPE.test(s)) return s;
  return s.replace(/[\\\t\n\r\0]/g, (c) => (c === '\\' ? '\\\\' : c === '\t' ? '\\t' : c === '\n' ? '\\n' : c === '\r' ? '\\r' : '\uFFFD'));
}

function num(n: number | null | undefined): string {
  return typeof n === 'number' && Number.isFinite(n) ? String(n) : NULL;
}

// What the SDK writes: UTC with milliseconds. Days 29–31 are checked against the month.
const CANONICAL_TS = /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|1\d|2[0-8])T([01]\d|2[0-3]):[0-5]\d:[0-5]\d\.\d{3}Z$/;

/** An event timestamp as PostgreSQL reads it unambiguously (UTC, milliseconds). */
export function isoTs(ts: string): string | null {
  // Re-formatting every timestamp was a tenth of the encoding cost (bench/postgres-sync.mjs).
  if (CANONICAL_TS.test(ts)) return ts;
  const ms = Date.parse(ts);
  return Number.isFinite(ms) ? new Date(ms).toISOString() : null;
}

function withoutNul(v: JsonValue): JsonValue {
  if (typeof v === 'string') return v.replaceAll('\0', '\uFFFD');
  if (Array.isArray(v)) return v.map(withoutNul);
  if (v !== null && typeof v === 'object') {
    const out: { [k: string]: JsonValue } = {};
    for (const k of Object.keys(v)) {
      const x = v[k];
      if (x !== undefined) out[k.replaceAll('\0', '\uFFFD')] = withoutNul(x);
    }
    return out;
  }
  return v;
}

/** `attrs` as jsonb text: finite numbers only (JSON.stringify writes NaN/Infinity as null). */
export function attrsJson(attrs: object): string {
  const json = JSON.stringify(attrs);
  return json.includes('\\u0000') ? JSON.stringify(withoutNul(attrs as JsonValue)) : json;
}

/**
 * One COPY text line (with `\n`) for an event, or `undefined` when its timestamp cannot be
 * read (the validator accepts only ISO timestamps, so this is a guard, not a path).
 */
export function copyLine(e: AgentmeterEvent): string | undefined {
  const ts = isoTs(e.ts);
  if (ts === null) return undefined;
  let runId: string | null = null;
  let parentId: string | null = null;
  let kind: string | null = null;
  let name: string | null = null;
  let startTs: string | null = null;
  let durationMs: number | null = null;
  let status: string | null = null;
  let success: boolean | null = null;
  let rating: number | null = null;
  let source: string | null = null;
  switch (e.type) {
    case 'span.start':
      runId = e.run_id;
      parentId = e.parent_id;
      kind = e.kind;
      name = e.name;
      startTs = ts;
      break;
    case 'span.end':
      runId = e.run_id;
      kind = e.kind;
      startTs = isoTs(e.start_ts);
      durationMs = e.duration_ms;
      status = e.status;
      break;
    case 'span':
      runId = e.run_id;
      parentId = e.parent_id;
      kind = e.kind;
      name = e.name;
      startTs = isoTs(e.start_ts);
      durationMs = e.duration_ms;
      status = e.status;
      break;
    case 'span.event':
      runId = e.run_id;
      name = e.name;
      break;
    case 'feedback':
      runId = e.run_id;
      success = e.success;
      rating = e.rating;
      source = e.source;
      break;
  }
  return (
    `${text(e.id)}\t${ts}\t${Math.trunc(e.v)}\t${e.type}\t${text(e.span_id)}\t${text(runId)}\t${text(parentId)}\t` +
    // kind, status and source are schema enums: nothing in them needs escaping.
    `${kind ?? NULL}\t${text(name)}\t${text(e.env)}\t${startTs ?? NULL}\t${num(durationMs)}\t${status ?? NULL}\t` +
    `${success === null ? NULL : success ? 't' : 'f'}\t${num(rating)}\t${source ?? NULL}\t${text(attrsJson(e.attrs))}\n`
  );
}

/** The UTC days (`YYYY-MM-DD`) a batch touches, for creating partitions first. */
export function batchDays(batch: readonly AgentmeterEvent[]): Set<string> {
  const days = new Set<string>();
  let lastDay = NaN;
  for (const e of batch) {
    if (CANONICAL_TS.test(e.ts)) {
      days.add(e.ts.slice(0, 10));
      continue;
    }
    const ms = Date.parse(e.ts);
    if (!Number.isFinite(ms)) continue;
    const d = Math.floor(ms / 86_400_000);
    if (d === lastDay) continue;
    lastDay = d;
    days.add(new Date(d * 86_400_000).toISOString().slice(0, 10));
  }
  return days;
}

/**
 * A batch as COPY text and the days its partitions must exist for: the `EncodeEvents` that
 * `syncStore` runs in worker threads for `PostgresSink` (no `pg` needed to load it).
 */
export function encodeEvents(events: readonly AgentmeterEvent[]): { text: string; keys: string[] } {
  let text = '';
  for (const e of events) text += copyLine(e) ?? '';
  return { text, keys: [...batchDays(events)] };
}

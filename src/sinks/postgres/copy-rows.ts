/**
 * Events as rows of `am_events` in COPY text format. Pure string building: one line per
 * event, tab-separated, `\N` for NULL. PostgreSQL text and jsonb cannot hold U+0000, nor
 * jsonb a lone UTF-16 surrogate (`"\ud800"`, which JSON and the file store allow), so each
 * is stored as U+FFFD: what the store accepts, this sink accepts (docs/postgres.md).
 */
import { isUtf8 } from 'node:buffer';
import type { AgentmeterEvent, JsonValue } from '../../model/index.js';
import { decodeLines, encodeLines } from '../line-codec.js';
import type { EncodedLines } from '../line-codec.js';
import { lineScanner } from '../../store/line-scan.js';

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

// U+0000, and a surrogate half without its other half.
const UNSTORABLE = /\0|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
const storable = (s: string): string => s.replace(UNSTORABLE, '\uFFFD');

function withoutUnstorable(v: JsonValue): JsonValue {
  if (typeof v === 'string') return storable(v);
  if (Array.isArray(v)) return v.map(withoutUnstorable);
  if (v !== null && typeof v === 'object') {
    const out: { [k: string]: JsonValue } = {};
    for (const k of Object.keys(v)) {
      const x = v[k];
      if (x !== undefined) out[storable(k)] = withoutUnstorable(x);
    }
    return out;
  }
  return v;
}

/** Whether JSON text may hold `\u0000` or an escaped surrogate (`JSON.stringify` escapes lone ones). */
export function mayHoldUnstorable(json: string): boolean {
  return json.includes('\\u0000') || json.includes('\\ud') || json.includes('\\uD');
}

/** `attrs` as jsonb text: finite numbers only (JSON.stringify writes NaN/Infinity as null). */
export function attrsJson(attrs: object): string {
  const json = JSON.stringify(attrs);
  return mayHoldUnstorable(json) ? JSON.stringify(withoutUnstorable(attrs as JsonValue)) : json;
}

/**
 * The text of a line's top-level `attrs` object as written, when storing it as jsonb gives
 * exactly what storing `JSON.stringify(event.attrs)` would, else undefined. `line` must be
 * standard JSON that validated as an event (no other top-level key holds an object, so the
 * first `"attrs":` key after `{` or `,` is the top-level one: inside a string its quotes
 * would be escaped). Every number must be written as JavaScript writes it (`0.2`, not `0.20`,
 * `1e400` or `-0`), and no string may hold U+0000; strings' escapes and whitespace do not
 * matter to jsonb. Skipping the re-serialisation was a sixth of the encoding cost.
 */
export function rawAttrsJson(line: string): string | undefined {
  const k = line.startsWith('{"attrs":') ? 0 : line.indexOf(',"attrs":');
  if (k === -1) return undefined;
  const start = k + 9;
  if (line.charCodeAt(start) !== 0x7b /* { */ || mayHoldUnstorable(line)) return undefined;
  let depth = 0;
  for (let i = start; i < line.length; i++) {
    const c = line.charCodeAt(i);
    if (c === 0x22 /* " */) {
      // Skip the string: to the next quote not escaped.
      for (i++; i < line.length; i++) {
        const d = line.charCodeAt(i);
        if (d === 0x5c /* \ */) i++;
        else if (d === 0x22) break;
      }
    } else if (c === 0x7b || c === 0x5b /* [ */) depth++;
    else if (c === 0x7d || c === 0x5d /* ] */) {
      // A second top-level `attrs` (JSON.parse keeps the last one) is left to the slow path.
      if (--depth === 0) return line.includes(',"attrs":', i) ? undefined : line.slice(start, i + 1);
    } else if (c === 0x2d /* - */ || (c >= 0x30 && c <= 0x39)) {
      let j = i + 1;
      for (; j < line.length; j++) {
        const d = line.charCodeAt(j);
        if (!((d >= 0x30 && d <= 0x39) || d === 0x2e || d === 0x2b || d === 0x2d || d === 0x65 || d === 0x45)) break;
      }
      const tok = line.slice(i, j);
      if (String(Number(tok)) !== tok) return undefined;
      i = j - 1;
    }
  }
  return undefined;
}

/**
 * One COPY text line (with `\n`) for an event, or `undefined` when its timestamp cannot be
 * read (the validator accepts only ISO timestamps, so this is a guard, not a path). With the
 * event's JSON `line`, `attrs` is copied from it when `rawAttrsJson` allows.
 */
export function copyLine(e: AgentmeterEvent, line?: string): string | undefined {
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
    `${success === null ? NULL : success ? 't' : 'f'}\t${num(rating)}\t${source ?? NULL}\t${text((line === undefined ? undefined : rawAttrsJson(line)) ?? attrsJson(e.attrs))}\n`
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
export function encodeEvents(events: readonly AgentmeterEvent[], lines: readonly (string | undefined)[] = []): { text: string; keys: string[] } {
  let text = '';
  for (let i = 0; i < events.length; i++) text += copyLine(events[i] as AgentmeterEvent, lines[i]) ?? '';
  return { text, keys: [...batchDays(events)] };
}

function sameDay(b: Uint8Array, i: number, j: number): boolean {
  for (let k = 0; k < 10; k++) if (b[i + k] !== b[j + k]) return false;
  return true;
}

/**
 * Whole lines (UTF-8, `\n`-separated, no trailing newline needed) straight to COPY rows: the
 * lines in agentmeter's own form through the line scanner (`store/line-scan.ts`), every other line (and every line of a
 * chunk that is not valid UTF-8) the ordinary way, `decodeLines` and `copyLine`. The same
 * rows, count, skipped lines and days as `encodeLines(bytes, encodeEvents)`.
 */
export function encodeChunk(bytes: Uint8Array): EncodedLines {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (!isUtf8(buf)) return encodeLines(bytes, encodeEvents);
  const scan = lineScanner();
  scan.load(buf, buf.length + 4096);
  const days = new Set<string>();
  let count = 0;
  let skipped = 0;
  let lastDay = -1;
  const n = buf.length;
  for (let start = 0; start <= n; ) {
    let nl = buf.indexOf(10, start);
    if (nl === -1) nl = n;
    const ts = scan.line(start, nl, true, false);
    if (ts !== -1) {
      count++;
      if (lastDay === -1 || !sameDay(buf, lastDay, ts)) {
        days.add(buf.toString('latin1', ts, ts + 10));
        lastDay = ts;
      }
    } else {
      const d = decodeLines(buf.toString('utf8', start, nl));
      count += d.events.length;
      skipped += d.skipped;
      if (d.events.length > 0) {
        const { text, keys } = encodeEvents(d.events, d.lines);
        scan.write(text);
        for (const k of keys) days.add(k);
      }
    }
    start = nl + 1;
  }
  return { data: scan.rows(), count, skipped, keys: [...days] };
}

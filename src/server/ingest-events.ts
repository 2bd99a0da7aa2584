/**
 * `POST /v1/events`: agentmeter events as one JSON object, a JSON array, or NDJSON. Valid
 * events are kept even when others in the same request are not; the answer is 200 only
 * after the sink reports them durable, and 400 names every rejected event by position,
 * line and field.
 */
import type { Context } from 'hono';
import { decodeLine } from '../model/codec.js';
import { MAX_LINE_BYTES } from '../store/reader.js';
import type { AgentmeterEvent } from '../model/events.js';
import type { EventSink } from '../model/sink.js';
import { bodyError, readBody } from './body.js';
import type { BodyBudget } from './body.js';
import type { BodyWork } from './body-work.js';
import { checkEvent, idOf } from './event-checks.js';
import type { Rejection } from './event-checks.js';
import { exportOrFail, jsonError } from './responses.js';

/** Most rejections listed in one answer (the count is always exact). */
const MAX_LISTED_REJECTIONS = 100;

/**
 * Parsed values of a body: for NDJSON the line number of each value; for NDJSON and arrays
 * the text to store for each (as received when it is compact JSON, else `undefined`).
 */
type Parsed =
  | { ok: true; values: unknown[]; lines?: number[]; texts?: (string | undefined)[]; rejections: Rejection[] }
  | { ok: false; error: string };

const WHITESPACE = /[ \t\r]/;

/**
 * Whether an NDJSON line can be stored as received: one object with no whitespace between
 * tokens (what `JSON.stringify` writes; spaces inside strings are fine). Other lines are
 * stored re-encoded, so the store holds compact lines whatever the client sent.
 */
export function isCompactLine(line: string): boolean {
  if (line.charCodeAt(0) !== 123 || line.charCodeAt(line.length - 1) !== 125) return false;
  if (!WHITESPACE.test(line)) return true;
  let inString = false;
  for (let i = 0; i < line.length; i++) {
    const c = line.charCodeAt(i);
    if (inString) {
      if (c === 92) i++;
      else if (c === 34) inString = false;
    } else if (c === 34) inString = true;
    else if (c === 32 || c === 9 || c === 13) return false;
  }
  return true;
}

/** Split a body into values: a JSON array, one JSON object, or NDJSON. */
export function parseEventsBody(text: string): Parsed {
  const start = text.search(/\S/);
  if (start < 0) return { ok: false, error: 'empty body: send one event, a JSON array of events, or NDJSON' };
  if (text[start] === '[') {
    const r = decodeWhole(text);
    if (!r.ok) return { ok: false, error: `body is not valid JSON: ${r.error}` };
    if (!Array.isArray(r.value)) return { ok: false, error: 'body must be an event, an array of events, or NDJSON' };
    const values = r.value as unknown[];
    const texts = r.lenient ? undefined : arrayElementTexts(text, start, values.length);
    return texts === undefined ? { ok: true, values, rejections: [] } : { ok: true, values, texts, rejections: [] };
  }
  // NDJSON of more than one line is recognised by its first line parsing alone (a
  // pretty-printed object's does not), without parsing the whole body first to see it fail.
  const whole = looksLikeNdjson(text, start) ? { ok: false as const, error: 'more than one JSON value' } : decodeWhole(text);
  if (whole.ok) return { ok: true, values: [whole.value], rejections: [] };
  // NDJSON: one event per line; a bad line is one rejection, not a failed request.
  const values: unknown[] = [];
  const lines: number[] = [];
  const texts: (string | undefined)[] = [];
  const rejections: Rejection[] = [];
  let lineNo = 0;
  let from = 0;
  while (from <= text.length) {
    let to = text.indexOf('\n', from);
    if (to < 0) to = text.length;
    lineNo++;
    const line = text.slice(from, to);
    from = to + 1;
    if (line.length === 0 || (line.charCodeAt(0) !== 123 && line.trim() === '')) continue;
    // Plain JSON.parse first: nesting depth and `__proto__` are checked on every value by
    // checkEvent, so decodeLine (its NaN/Infinity tolerance) is needed only when this fails.
    let value: unknown;
    let asIs: string | undefined;
    try {
      value = JSON.parse(line);
      asIs = isCompactLine(line) ? line : undefined;
    } catch {
      const r = decodeLine(line);
      if (!r.ok) {
        rejections.push({ index: values.length + rejections.length, line: lineNo, error: `not valid JSON: ${r.error}` });
        continue;
      }
      value = r.value;
    }
    values.push(value);
    lines.push(lineNo);
    texts.push(asIs);
  }
  if (values.length === 0 && rejections.length === 1 && lineNo === 1) return { ok: false, error: `body is not valid JSON: ${whole.error}` };
  return { ok: true, values, lines, texts, rejections };
}

/**
 * The text of each element of a JSON array body that parsed, for storing as received: an
 * object with no whitespace between its tokens, else `undefined` (it is re-encoded). One
 * pass over the characters, tracking strings and nesting, for a body `JSON.parse` accepted;
 * `undefined` altogether if the count disagrees with the parse (then nothing is stored as is).
 */
export function arrayElementTexts(text: string, start: number, count: number): (string | undefined)[] | undefined {
  const out: (string | undefined)[] = [];
  let depth = 0;
  let from = -1;
  let end = -1;
  let compact = true;
  for (let i = start; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 34) {
      if (depth === 1 && from < 0) {
        // A string element (not an event; it is rejected): nothing to store.
        from = i;
        compact = false;
      }
      // Jump to the closing quote: one not preceded by an odd run of backslashes.
      for (;;) {
        const q = text.indexOf('"', i + 1);
        if (q < 0) return undefined;
        let b = q - 1;
        while (text.charCodeAt(b) === 92) b--;
        i = q;
        if ((q - 1 - b) % 2 === 0) break;
      }
    } else if (c === 123 || c === 91) {
      if (depth === 1 && from < 0) {
        from = i;
        compact = c === 123;
      }
      depth++;
    } else if (c === 125 || c === 93) {
      depth--;
      if (depth === 1) end = i + 1;
      else if (depth === 0) {
        if (from >= 0) out.push(compact ? text.slice(from, end) : undefined);
        return out.length === count ? out : undefined;
      }
    } else if (c === 44) {
      if (depth === 1) {
        out.push(compact && from >= 0 ? text.slice(from, end) : undefined);
        from = -1;
      }
    } else if (c === 32 || c === 9 || c === 10 || c === 13) {
      if (depth > 1) compact = false;
    } else if (depth === 1 && from < 0) {
      // A scalar element (not an event; it is rejected): nothing to store.
      from = i;
      compact = false;
    }
  }
  return undefined;
}

/** Whether the body's first line is one whole JSON value and more text follows it. */
function looksLikeNdjson(text: string, start: number): boolean {
  const nl = text.indexOf('\n', start);
  if (nl < 0) return false;
  const more = /\S/g;
  more.lastIndex = nl + 1;
  if (!more.test(text)) return false;
  try {
    JSON.parse(text.slice(start, nl));
    return true;
  } catch {
    return false;
  }
}

/** `lenient`: the text is not plain JSON (bare NaN/Infinity read as null), so not to be stored as is. */
function decodeWhole(text: string): { ok: true; value: unknown; lenient: boolean } | { ok: false; error: string } {
  try {
    return { ok: true, value: JSON.parse(text), lenient: false };
  } catch (e: unknown) {
    if (!/NaN|Infinity/.test(text)) return { ok: false, error: e instanceof Error ? e.message : String(e) };
    // Python writers emit bare NaN/Infinity; decodeLine reads them as null.
    const r = decodeLine(text.replace(/\n/g, ' '));
    return r.ok ? { ok: true, value: r.value, lenient: true } : { ok: false, error: r.error };
  }
}

/**
 * UTF-8 bytes of an event as a stored line (without `\n`). Counted only for texts that may
 * be over the limit: a UTF-8 character takes at most 3 bytes per UTF-16 unit.
 */
export function lineBytes(eventOrText: unknown): number {
  const text = typeof eventOrText === 'string' ? eventOrText : JSON.stringify(eventOrText);
  return text.length * 3 <= MAX_LINE_BYTES ? text.length : Buffer.byteLength(text, 'utf8');
}

/** Options of the events route. */
export interface IngestEventsOptions {
  sink: EventSink;
  maxBodyBytes: number;
  /** Bytes of bodies all requests together may hold at once. */
  budget: BodyBudget;
  /** Where bodies are parsed, checked and redacted (`checkEventsBody`). */
  work: BodyWork;
}

/**
 * Redact every string in `attrs` in place (`error.message`, `feedback.notes`, custom keys,
 * strings inside arrays and objects), as the SDK does on its write path. Returns whether
 * anything changed. The redactor remembers short values, so repeated model and agent names
 * cost a lookup.
 */
export function redactAttrs(attrs: Record<string, unknown>, redact: (text: string) => string): boolean {
  let changed = false;
  for (const k in attrs) {
    const v = attrs[k];
    if (typeof v === 'string') {
      const r = redact(v);
      if (r !== v) {
        attrs[k] = r;
        changed = true;
      }
    } else if (v !== null && typeof v === 'object') {
      if (redactNested(v as Record<string, unknown> | unknown[], redact)) changed = true;
    }
  }
  return changed;
}

function redactNested(v: Record<string, unknown> | unknown[], redact: (text: string) => string): boolean {
  if (!Array.isArray(v)) return redactAttrs(v, redact);
  let changed = false;
  for (let i = 0; i < v.length; i++) {
    const x = v[i];
    if (typeof x === 'string') {
      const r = redact(x);
      if (r !== x) {
        v[i] = r;
        changed = true;
      }
    } else if (x !== null && typeof x === 'object' && redactNested(x as Record<string, unknown> | unknown[], redact)) changed = true;
  }
  return changed;
}

/** What a body of events came to: the events kept, their stored text, the rejections. */
export type CheckedBody =
  | { ok: false; error: string }
  | {
      ok: true;
      events: AgentmeterEvent[];
      /** The text to store for each kept event (as received, or re-encoded), when known. */
      kept: string[] | undefined;
      rejected: Rejection[];
    };

/**
 * Parse, check and redact a body of events: everything `POST /v1/events` does before it
 * stores. Pure: runs on the event loop for small bodies and in a worker thread for large
 * ones (body-work.ts).
 */
export function checkEventsBody(text: string, redact: (text: string) => string): CheckedBody {
  const parsed = parseEventsBody(text);
  if (!parsed.ok) return parsed;
  const events: AgentmeterEvent[] = [];
  const rejected: Rejection[] = [...parsed.rejections];
  const { values, lines, texts } = parsed;
  // The text of each kept event, as received or re-encoded, for sinks that store lines.
  const kept: string[] | undefined = texts === undefined ? undefined : [];
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    const r = checkEvent(v);
    let error: string;
    if (r.ok) {
      // Free text is redacted as the SDK redacts it; a changed event is stored re-encoded.
      const redacted = redactAttrs(r.event.attrs as Record<string, unknown>, redact);
      const stored = kept === undefined ? undefined : ((redacted ? undefined : texts?.[i]) ?? JSON.stringify(r.event));
      const bytes = lineBytes(stored ?? r.event);
      if (bytes <= MAX_LINE_BYTES) {
        events.push(r.event);
        if (stored !== undefined) kept?.push(stored);
        continue;
      }
      error = `event is ${bytes} bytes as a line, over the ${MAX_LINE_BYTES}-byte line limit of the store`;
    } else error = r.error;
    const rej: Rejection = { index: i, error };
    const line = lines?.[i];
    if (line !== undefined) rej.line = line;
    const id = idOf(v);
    if (id !== undefined) rej.id = id;
    rejected.push(rej);
  }
  if (lines !== undefined) rejected.sort((a, b) => (a.line ?? 0) - (b.line ?? 0));
  return { ok: true, events, kept, rejected };
}

/** The handler of `POST /v1/events`. */
export function ingestEvents(opts: IngestEventsOptions): (c: Context) => Promise<Response> {
  return async (c) => {
    const body = await readBody(c.req.raw, opts.maxBodyBytes, opts.budget);
    if (!body.ok) return bodyError(c, body);
    try {
      const checked = await opts.work.events(body.bytes, opts.sink.exportLines !== undefined);
      if (!checked.ok) return jsonError(c, 400, checked.error);
      const failed = await exportOrFail(c, opts.sink, checked.events, checked.kept);
      if (failed) return failed;
      const { rejected } = checked;
      const answer = {
        accepted: checked.events.length,
        rejected_count: rejected.length,
        rejected: rejected.slice(0, MAX_LISTED_REJECTIONS),
      };
      return c.json(answer, rejected.length > 0 ? 400 : 200);
    } finally {
      body.release();
    }
  };
}

/**
 * `POST /v1/events`: agentmeter events as one JSON object, a JSON array, or NDJSON. Valid
 * events are kept even when others in the same request are not; the answer is 200 only
 * after the sink reports them durable, and 400 names every rejected event by position,
 * line and field.
 */
import type { Context } from 'hono';
import { decodeLine } from '../model/codec.js';
import type { AgentmeterEvent } from '../model/events.js';
import type { EventSink } from '../model/sink.js';
import { readBody } from './body.js';
import { checkEvent, idOf } from './event-checks.js';
import type { Rejection } from './event-checks.js';
import { exportOrFail, jsonError } from './responses.js';

/** Most rejections listed in one answer (the count is always exact). */
const MAX_LISTED_REJECTIONS = 100;

/** Parsed values of a body, with the NDJSON line of each when it was NDJSON. */
type Parsed = { ok: true; values: unknown[]; lines?: number[]; rejections: Rejection[] } | { ok: false; error: string };

/** Split a body into values: a JSON array, one JSON object, or NDJSON. */
export function parseEventsBody(text: string): Parsed {
  const start = text.search(/\S/);
  if (start < 0) return { ok: false, error: 'empty body: send one event, a JSON array of events, or NDJSON' };
  if (text[start] === '[') {
    const r = decodeWhole(text);
    if (!r.ok) return { ok: false, error: `body is not valid JSON: ${r.error}` };
    if (!Array.isArray(r.value)) return { ok: false, error: 'body must be an event, an array of events, or NDJSON' };
    return { ok: true, values: r.value as unknown[], rejections: [] };
  }
  const whole = decodeWhole(text);
  if (whole.ok) return { ok: true, values: [whole.value], rejections: [] };
  // NDJSON: one event per line; a bad line is one rejection, not a failed request.
  const values: unknown[] = [];
  const lines: number[] = [];
  const rejections: Rejection[] = [];
  let lineNo = 0;
  let from = 0;
  while (from <= text.length) {
    let to = text.indexOf('\n', from);
    if (to < 0) to = text.length;
    lineNo++;
    const line = text.slice(from, to);
    from = to + 1;
    if (line.trim() === '') continue;
    const r = decodeLine(line);
    if (r.ok) {
      values.push(r.value);
      lines.push(lineNo);
    } else rejections.push({ index: values.length + rejections.length, line: lineNo, error: `not valid JSON: ${r.error}` });
  }
  if (values.length === 0 && rejections.length === 1 && lineNo === 1) return { ok: false, error: `body is not valid JSON: ${whole.error}` };
  return { ok: true, values, lines, rejections };
}

function decodeWhole(text: string): { ok: true; value: unknown } | { ok: false; error: string } {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch (e: unknown) {
    if (!/NaN|Infinity/.test(text)) return { ok: false, error: e instanceof Error ? e.message : String(e) };
    // Python writers emit bare NaN/Infinity; decodeLine reads them as null.
    const r = decodeLine(text.replace(/\n/g, ' '));
    return r.ok ? r : { ok: false, error: r.error };
  }
}

/** Options of the events route. */
export interface IngestEventsOptions {
  sink: EventSink;
  maxBodyBytes: number;
}

/** The handler of `POST /v1/events`. */
export function ingestEvents(opts: IngestEventsOptions): (c: Context) => Promise<Response> {
  return async (c) => {
    const body = await readBody(c.req.raw, opts.maxBodyBytes);
    if (!body.ok) return jsonError(c, body.status, body.message);
    const parsed = parseEventsBody(body.bytes.toString('utf8'));
    if (!parsed.ok) return jsonError(c, 400, parsed.error);
    const events: AgentmeterEvent[] = [];
    const rejected: Rejection[] = [...parsed.rejections];
    const { values, lines } = parsed;
    for (let i = 0; i < values.length; i++) {
      const v = values[i];
      const r = checkEvent(v);
      if (r.ok) {
        events.push(r.event);
        continue;
      }
      const rej: Rejection = { index: i, error: r.error };
      const line = lines?.[i];
      if (line !== undefined) rej.line = line;
      const id = idOf(v);
      if (id !== undefined) rej.id = id;
      rejected.push(rej);
    }
    const failed = await exportOrFail(c, opts.sink, events);
    if (failed) return failed;
    if (lines !== undefined) rejected.sort((a, b) => (a.line ?? 0) - (b.line ?? 0));
    const answer = {
      accepted: events.length,
      rejected_count: rejected.length,
      rejected: rejected.slice(0, MAX_LISTED_REJECTIONS),
    };
    return c.json(answer, rejected.length > 0 ? 400 : 200);
  };
}

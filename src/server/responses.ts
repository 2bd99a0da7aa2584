/** Shared answers: JSON errors, and turning a failed sink export into 503 or 500. */
import type { Context } from 'hono';
import type { AgentmeterEvent } from '../model/events.js';
import type { EventSink } from '../model/sink.js';

type ErrorStatus = 400 | 401 | 403 | 404 | 413 | 415 | 500 | 503;

/** `{"error": message}` with `status`. */
export function jsonError(c: Context, status: ErrorStatus, message: string): Response {
  return c.json({ error: message }, status);
}

/**
 * Export `events` to the sink. Returns `undefined` when they are durable, else the answer to
 * send: 503 with `Retry-After` when the sink says a retry may succeed (OTLP clients and
 * ours retry 503), 500 otherwise. With `lines` (the JSON text of each event as received),
 * a sink that has `exportLines` stores that text instead of encoding the events again.
 */
export async function exportOrFail(
  c: Context,
  sink: EventSink,
  events: readonly AgentmeterEvent[],
  lines?: readonly string[],
): Promise<Response | undefined> {
  if (events.length === 0) return undefined;
  let r;
  try {
    r = lines !== undefined && sink.exportLines !== undefined ? await sink.exportLines(events, lines) : await sink.export(events);
  } catch (e: unknown) {
    r = { ok: false as const, error: e instanceof Error ? e : new Error(String(e)), retryable: true };
  }
  if (r.ok) return undefined;
  if (r.retryable) {
    c.header('Retry-After', String(Math.max(1, Math.ceil((r.retryAfterMs ?? 1000) / 1000))));
    return jsonError(c, 503, `events not stored, retry later: ${r.error.message}`);
  }
  return jsonError(c, 500, `events not stored: ${r.error.message}`);
}

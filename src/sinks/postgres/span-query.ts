/**
 * Folded spans and the last feedback per span, as rows, for readers that observe spans one
 * by one (`compare`, `trends`, `anomalies` on `--store postgres://…`). The fold is the
 * report's own (`FOLD`), so a span is the same here as in every report in SQL; the readers
 * then apply the analytics layer's definitions to each span, as they do for a directory.
 */
import type { Pool } from 'pg';
import type { BaseAttributes, Feedback, SpanKind, SpanStatus, SpanState } from '../../model/index.js';
import { DEFAULT_OPEN_TIMEOUT_MS, startOfUtcDay } from '../../model/index.js';
import { inTransaction, withClient } from './connection.js';
import { FOLD } from './report-query.js';
import { n, nOrNull } from './rows.js';
import type { Row } from './rows.js';

const DAY_MS = 86_400_000;
const FAR_MS = 8.64e15;

/** A folded span as the database returns it. */
export interface PostgresSpanRow {
  spanId: string;
  runId: string;
  parentId: string | null;
  name: string;
  /** Unix ms of the end, null while open or abandoned. */
  endMs: number | null;
  kind: SpanKind;
  env: string;
  startMs: number;
  durationMs: number | null;
  status: SpanStatus | null;
  state: SpanState;
  attrs: BaseAttributes;
  pointEvents: number;
}

/** What `querySpans` reads: spans started in [sinceMs, untilMs) (all history when omitted). */
export interface PostgresSpansQuery {
  sinceMs?: number | undefined;
  untilMs?: number | undefined;
  nowMs: number;
  openTimeoutMs?: number | undefined;
  /** Also read the last feedback of each span given in the window. */
  feedback?: boolean | undefined;
}

const SPANS = `
WITH f AS (${FOLD})
SELECT span_id, run_id, parent_id, name, (extract(epoch FROM end_at) * 1000)::float8 AS end_ms,
  kind, env, start_ms, duration_ms, status, state, attrs, point_events FROM f
ORDER BY start_ms, span_id`;

const FEEDBACK = `
SELECT DISTINCT ON (span_id) id, span_id, run_id, env, (extract(epoch FROM ts) * 1000)::float8 AS ms, success, rating, source, attrs
FROM am_events WHERE ts >= $1 AND ts < $2 AND type = 'feedback'
ORDER BY span_id, ts DESC, id DESC`;

/**
 * Spans started in the window (and feedback given in it), in one read-only snapshot. The
 * event range read is the one a directory reads: from the window's first UTC day to the day
 * after its end, where ends of spans started inside it land.
 */
export async function querySpans(pool: Pool, q: PostgresSpansQuery): Promise<{ spans: PostgresSpanRow[]; feedback: Feedback[] }> {
  const since = q.sinceMs ?? -FAR_MS;
  const until = q.untilMs ?? FAR_MS;
  const lo = q.sinceMs === undefined ? '-infinity' : new Date(startOfUtcDay(q.sinceMs)).toISOString();
  const hi = q.untilMs === undefined ? 'infinity' : new Date(startOfUtcDay(q.untilMs + DAY_MS) + DAY_MS).toISOString();
  const timeout = q.openTimeoutMs ?? DEFAULT_OPEN_TIMEOUT_MS;
  return withClient(pool, (c) =>
    inTransaction(
      c,
      async () => {
        // As in the report: equi-joins of large sets, where a nested loop is never right.
        await c.query('SET LOCAL enable_nestloop = off');
        const res = await c.query<Row>(SPANS, [lo, hi, since, since, until, q.nowMs, timeout]);
        const spans = res.rows.map((r): PostgresSpanRow => ({
          spanId: String(r['span_id']),
          runId: String(r['run_id'] ?? ''),
          parentId: r['parent_id'] === null || r['parent_id'] === undefined ? null : String(r['parent_id']),
          name: String(r['name'] ?? ''),
          endMs: nOrNull(r['end_ms']),
          kind: r['kind'] as SpanKind,
          env: String(r['env']),
          startMs: n(r['start_ms']),
          durationMs: nOrNull(r['duration_ms']),
          status: (r['status'] ?? null) as SpanStatus | null,
          state: r['state'] as SpanState,
          attrs: (r['attrs'] ?? {}) as BaseAttributes,
          pointEvents: n(r['point_events']),
        }));
        const feedback: Feedback[] = [];
        if (q.feedback) {
          const fb = await c.query<Row>(FEEDBACK, [lo, hi]);
          for (const r of fb.rows) {
            const ms = n(r['ms']);
            if (ms < since || ms >= until) continue;
            feedback.push({
              id: String(r['id']),
              spanId: String(r['span_id']),
              runId: r['run_id'] === null || r['run_id'] === undefined ? null : String(r['run_id']),
              env: String(r['env']),
              tsMs: ms,
              success: r['success'] === null || r['success'] === undefined ? null : r['success'] === true,
              rating: nOrNull(r['rating']),
              source: String(r['source'] ?? ''),
              attrs: (r['attrs'] ?? {}) as BaseAttributes,
            });
          }
          feedback.sort((a, b) => a.tsMs - b.tsMs);
        }
        return { spans, feedback };
      },
      'BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY',
    ),
  );
}

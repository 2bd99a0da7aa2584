/**
 * The report computed in PostgreSQL. Events are folded into spans in SQL with the rules of
 * the model's `SpanFolder` (start merged with end or complete, duplicates ignored, open vs
 * abandoned, the last feedback per span), then aggregated per window, env, kind and group
 * into `SpanAggregate`s and `FeedbackAggregate`s: a few rows per group, whatever the number
 * of events. Durations come back as quantile-sketch buckets (index computed with the sketch's
 * own γ), so the percentiles equal the local report's. Rules and their edge cases:
 * docs/postgres.md.
 */
import type { Pool } from 'pg';
import type {
  AggregateWindow,
  BaseAttributes,
  FeedbackAggregate,
  JsonValue,
  SketchParts,
  SpanAggregate,
  SpanKind,
  SpanStatus,
} from '../../model/index.js';
import { DEFAULT_OPEN_TIMEOUT_MS, startOfUtcDay } from '../../model/index.js';
import { inTransaction, withClient } from './connection.js';
import { n, optimizationParts, sumColumnsSql, summary } from './rows.js';
import type { Row } from './rows.js';

const DAY_MS = 86_400_000;

/** What the report needs computed. */
export interface PostgresReportQuery {
  /** Start of the previous window (trends), Unix ms. */
  previousSinceMs: number;
  sinceMs: number;
  untilMs: number;
  /** The attribute a report groups by, or `day` / `env`; undefined for no groups. */
  groupAttr?: string | 'day' | 'env' | undefined;
  nowMs: number;
  openTimeoutMs?: number | undefined;
  /** ln γ of the quantile sketch the result is merged into. */
  sketchLnGamma: number;
  /** Magnitudes below this count as zero in the sketch. */
  sketchMinIndexable: number;
}

/** The partial aggregates of a report window. */
export interface PostgresReportResult {
  spans: SpanAggregate[];
  feedback: FeedbackAggregate[];
  /** Spans the database folded for the two windows (never sent to Node). */
  spansFolded: number;
}

// The fold, shared by every report in SQL. Parameters: $1, $2 the event time range (the day
// partitions to read), $3 the first span start kept, $4 where the current window starts
// (\`win\`), $5 the end of the window, $6 now (Unix ms), $7 the open timeout (ms).
// Events of the day partitions the local report would open: from the previous window's
// first day to the day after the window (ends of spans started inside it land there).
export const FOLD = `
WITH ev AS NOT MATERIALIZED (
  SELECT * FROM am_events WHERE ts >= $1 AND ts < $2 AND type <> 'feedback'
), st AS (
  SELECT DISTINCT ON (span_id) span_id, run_id, parent_id, kind, env, ts, name, attrs
  FROM ev WHERE type = 'span.start' ORDER BY span_id, ts, id
), en AS (
  SELECT DISTINCT ON (span_id) span_id, run_id, kind, env, ts, start_ts, duration_ms, status, attrs
  FROM ev WHERE type = 'span.end' ORDER BY span_id, ts, id
), co AS (
  SELECT DISTINCT ON (span_id) span_id, run_id, parent_id, kind, env, ts, name, start_ts, duration_ms, status, attrs
  FROM ev WHERE type = 'span' ORDER BY span_id, ts, id
), joined AS (
  SELECT
    coalesce(st.span_id, co.span_id, en.span_id) AS span_id,
    coalesce(st.run_id, co.run_id, en.run_id) AS run_id,
    CASE WHEN co.span_id IS NOT NULL THEN co.parent_id ELSE st.parent_id END AS parent_id,
    coalesce(st.kind, co.kind, en.kind) AS kind,
    coalesce(st.env, co.env, en.env) AS env,
    CASE WHEN co.span_id IS NOT NULL THEN co.name WHEN st.span_id IS NOT NULL THEN st.name ELSE coalesce(st.kind, co.kind, en.kind) END AS name,
    CASE WHEN st.span_id IS NOT NULL THEN st.ts ELSE coalesce(co.start_ts, en.start_ts) END AS start_at,
    CASE WHEN co.span_id IS NOT NULL THEN co.ts ELSE en.ts END AS end_at,
    CASE WHEN co.span_id IS NOT NULL THEN co.duration_ms ELSE en.duration_ms END AS duration_raw,
    CASE WHEN co.span_id IS NOT NULL THEN co.status ELSE en.status END AS status,
    coalesce(st.attrs, '{}'::jsonb) || coalesce(co.attrs, en.attrs, '{}'::jsonb) AS attrs
  FROM st
  FULL JOIN en ON en.span_id = st.span_id
  FULL JOIN co ON co.span_id = coalesce(st.span_id, en.span_id)
), pts AS (
  SELECT j.span_id, count(*) AS n
  FROM joined j JOIN ev p ON p.type = 'span.event' AND p.span_id = j.span_id AND (j.end_at IS NULL OR p.ts <= j.end_at)
  GROUP BY j.span_id
), ended AS (
  SELECT span_id FROM joined WHERE end_at IS NOT NULL
), sp AS (
  SELECT j.*, (extract(epoch FROM j.start_at) * 1000)::float8 AS start_ms, coalesce(pts.n, 0) AS point_events,
    (j.end_at IS NULL AND j.run_id <> j.span_id AND r.span_id IS NOT NULL) AS run_ended
  FROM joined j LEFT JOIN pts ON pts.span_id = j.span_id LEFT JOIN ended r ON r.span_id = j.run_id
)
SELECT sp.*,
  CASE
    WHEN sp.end_at IS NOT NULL THEN 'ended'
    WHEN sp.run_ended OR $6::float8 - sp.start_ms > $7::float8 THEN 'abandoned'
    ELSE 'open'
  END AS state,
  CASE WHEN sp.end_at IS NULL OR sp.attrs -> 'duration.unknown' = 'true'::jsonb THEN NULL
    ELSE coalesce(sp.duration_raw, greatest(0, (extract(epoch FROM sp.end_at) * 1000)::float8 - sp.start_ms))
  END AS duration_ms,
  CASE WHEN sp.start_ms >= $4 AND sp.start_ms < $5 THEN 'current' ELSE 'previous' END AS win
FROM sp
WHERE sp.start_ms >= $3 AND sp.start_ms < $5`;

// Per-span values, as the accumulators read them.
const DERIVED = `
  SELECT s.*,
    CASE WHEN s.state = 'ended' AND s.duration_ms >= 0 THEN s.duration_ms END AS d,
    am_num(s.attrs -> 'baseline_latency_ms') AS base,
    am_num(s.attrs -> 'optimized_latency_ms') AS opt,
    (s.attrs -> 'debug.resolved' = 'true'::jsonb OR s.status = 'success') AS resolved,
    %GROUP% AS gval,
    floor(s.start_ms / ${DAY_MS})::float8 * ${DAY_MS} AS gday
  FROM am_report_spans s`;

const AGGREGATE = `
SELECT win, env, kind, gval, gday,
  count(*)::float8 AS n,
  count(*) FILTER (WHERE state = 'open')::float8 AS open,
  count(*) FILTER (WHERE state = 'abandoned')::float8 AS abandoned,
  count(*) FILTER (WHERE state = 'ended' AND status = 'success')::float8 AS st_success,
  count(*) FILTER (WHERE state = 'ended' AND status = 'failure')::float8 AS st_failure,
  count(*) FILTER (WHERE state = 'ended' AND status = 'partial')::float8 AS st_partial,
  count(*) FILTER (WHERE state = 'ended' AND (status = 'unknown' OR status IS NULL))::float8 AS st_unknown,
  count(*) FILTER (WHERE state = 'ended' AND status = 'skipped')::float8 AS st_skipped,
  count(*) FILTER (WHERE state = 'ended' AND status = 'cancelled')::float8 AS st_cancelled,
  coalesce(sum(coalesce(am_num(attrs -> 'debug.attempts'), point_events)) FILTER (WHERE kind = 'debug' AND jsonb_typeof(attrs -> 'gen_ai.agent.name') = 'string'), 0)::float8 AS retries%SUMS%,
  count(*) FILTER (WHERE state = 'ended' AND am_num(attrs -> 'pipeline.attempt') = 1)::float8 AS first_attempts,
  count(*) FILTER (WHERE state = 'ended' AND am_num(attrs -> 'pipeline.attempt') = 1 AND status = 'success')::float8 AS first_passed,
  count(*) FILTER (WHERE state = 'ended' AND resolved)::float8 AS resolved,
  count(*) FILTER (WHERE state = 'ended' AND NOT coalesce(resolved, false))::float8 AS unresolved,
  count(coalesce(am_num(attrs -> 'debug.attempts'), point_events)) FILTER (WHERE state = 'ended')::float8 AS att_n,
  coalesce(sum(coalesce(am_num(attrs -> 'debug.attempts'), point_events)) FILTER (WHERE state = 'ended'), 0) AS att_sum,
  min(coalesce(am_num(attrs -> 'debug.attempts'), point_events)) FILTER (WHERE state = 'ended') AS att_min,
  max(coalesce(am_num(attrs -> 'debug.attempts'), point_events)) FILTER (WHERE state = 'ended') AS att_max,
  count(*) FILTER (WHERE %SPEEDUP%)::float8 AS speedup_n,
  coalesce(sum(ln(base / opt)) FILTER (WHERE %SPEEDUP%), 0) AS speedup_ln,
  coalesce(sum(base - opt) FILTER (WHERE %SPEEDUP%), 0) AS latency_saved,
  count(am_num(attrs -> 'wallclock_seconds')) FILTER (WHERE am_num(attrs -> 'wallclock_seconds') >= 0)::float8 AS wall_n,
  coalesce(sum(am_num(attrs -> 'wallclock_seconds')) FILTER (WHERE am_num(attrs -> 'wallclock_seconds') >= 0), 0) AS wall_sum,
  min(am_num(attrs -> 'wallclock_seconds')) FILTER (WHERE am_num(attrs -> 'wallclock_seconds') >= 0) AS wall_min,
  max(am_num(attrs -> 'wallclock_seconds')) FILTER (WHERE am_num(attrs -> 'wallclock_seconds') >= 0) AS wall_max
FROM d
GROUP BY win, env, kind, gval, gday`;

// base/opt overflowing or underflowing float8 is an error in SQL and a refused ratio in
// JavaScript; the logarithms keep the division away from both edges.
const SPEEDUP = `base > 0 AND opt > 0 AND ln(base) - ln(opt) BETWEEN -700 AND 700`;

// Sketch buckets: ⌈ln(x) / ln γ⌉ as in QuantileSketch; min and max per bucket go back so
// the sketch in Node is rebuilt with exactly the bucket counts, min and max of the values.
const SKETCH = `
WITH v AS (
  SELECT win, env, kind, gval, gday, d AS x FROM d
  WHERE d IS NOT NULL AND kind IN ('run', 'task', 'agent', 'llm', 'tool')
  UNION ALL
  SELECT win, env, kind, gval, gday, d FROM d WHERE d IS NOT NULL AND kind = 'debug' AND resolved
)
SELECT win, env, kind, gval, gday,
  CASE WHEN abs(x) < $9::float8 THEN NULL ELSE ceil(ln(x) / $8::float8) END AS bucket,
  count(*)::float8 AS n, min(x) AS lo, max(x) AS hi
FROM v GROUP BY 1, 2, 3, 4, 5, 6`;

// One read-only statement (it runs on a standby too): the fold is computed once and both
// aggregations read it; the rows come back as two JSON arrays (float8 in JSON keeps every
// digit: PostgreSQL prints the shortest exact form).
const SPANS = `
WITH am_report_spans AS MATERIALIZED (${FOLD}),
d AS MATERIALIZED (${DERIVED})
SELECT
  (SELECT coalesce(json_agg(a), '[]'::json) FROM (${AGGREGATE}) a) AS agg,
  (SELECT coalesce(json_agg(k), '[]'::json) FROM (${SKETCH}) k) AS sketch,
  (SELECT count(*) FROM am_report_spans)::float8 AS folded`;

const FEEDBACK = `
WITH fb AS (
  SELECT DISTINCT ON (span_id) span_id, ts, env, success, rating, attrs
  FROM am_events WHERE ts >= $1 AND ts < $2 AND type = 'feedback'
  ORDER BY span_id, ts DESC, id DESC
), w AS (
  SELECT fb.*, (extract(epoch FROM ts) * 1000)::float8 AS ms FROM fb
)
SELECT CASE WHEN ms >= $4 THEN 'current' ELSE 'previous' END AS win, env,
  CASE WHEN attrs ? 'target.kind' THEN attrs -> 'target.kind' = '"agent"'::jsonb
    ELSE jsonb_typeof(attrs -> 'gen_ai.agent.name') IN ('number', 'boolean')
      OR (jsonb_typeof(attrs -> 'gen_ai.agent.name') = 'string' AND attrs ->> 'gen_ai.agent.name' <> '')
  END AS agent,
  %GROUP% AS gval,
  floor(ms / ${DAY_MS})::float8 * ${DAY_MS} AS gday,
  count(*)::float8 AS n,
  count(*) FILTER (WHERE success)::float8 AS ok,
  count(*) FILTER (WHERE NOT success)::float8 AS failed,
  count(rating)::float8 AS r_n, coalesce(sum(rating), 0) AS r_sum, min(rating) AS r_min, max(rating) AS r_max
FROM w WHERE ms >= $3 AND ms < $5
GROUP BY 1, 2, 3, 4, 5`;

function groupExpr(groupAttr: string | undefined, alias: string): string {
  if (groupAttr === undefined || groupAttr === 'day' || groupAttr === 'env') return 'NULL::jsonb';
  // Literal, not a parameter, so the planner groups by a plain expression; quotes doubled.
  return `${alias}attrs -> '${groupAttr.replace(/'/g, "''")}'`;
}


function groupAttrs(groupAttr: string | undefined, gval: unknown): BaseAttributes {
  if (groupAttr === undefined || groupAttr === 'day' || groupAttr === 'env' || gval === undefined) return {};
  return { [groupAttr]: gval as JsonValue };
}

function rowKey(r: Row): string {
  return JSON.stringify([r['win'], r['env'], r['kind'], r['gval'] ?? null, r['gday']]);
}

/**
 * Run the report's two aggregate statements in one read-only, repeatable-read transaction
 * (one snapshot, so concurrent ingest cannot make sections disagree; a standby can answer).
 */
export async function queryReportAggregates(pool: Pool, q: PostgresReportQuery): Promise<PostgresReportResult> {
  const lo = new Date(startOfUtcDay(q.previousSinceMs)).toISOString();
  const hi = new Date(startOfUtcDay(q.untilMs + DAY_MS) + DAY_MS).toISOString();
  const timeout = q.openTimeoutMs ?? DEFAULT_OPEN_TIMEOUT_MS;
  const g = q.groupAttr;
  return withClient(pool, (c) =>
    inTransaction(
      c,
      async () => {
        // Every join here is an equi-join of large sets; a nested loop is never right, but it
        // is what the planner picks for partitions not yet analysed (estimates of one row),
        // and it made a 200,000-event report take minutes instead of seconds.
        await c.query('SET LOCAL enable_nestloop = off');
        await c.query(`SET LOCAL work_mem = '64MB'`);
        const sql = SPANS.replace('%GROUP%', groupExpr(g, 's.')).replaceAll('%SPEEDUP%', SPEEDUP).replace('%SUMS%', sumColumnsSql(['agents', 'optimizations', 'model_calls']));
        const res = await c.query<{ agg: Row[]; sketch: Row[]; folded: number }>(sql, [
          lo, hi, q.previousSinceMs, q.sinceMs, q.untilMs, q.nowMs, timeout, q.sketchLnGamma, q.sketchMinIndexable,
        ]);
        const row = res.rows[0] ?? { agg: [], sketch: [], folded: 0 };
        const agg = { rows: row.agg };
        const sk = { rows: row.sketch };
        const fb = await c.query<Row>(FEEDBACK.replace('%GROUP%', groupExpr(g, '')), [lo, hi, q.previousSinceMs, q.sinceMs, q.untilMs]);
        const sketches = new Map<string, SketchParts>();
        for (const r of sk.rows) {
          const key = rowKey(r);
          let s = sketches.get(key);
          if (!s) sketches.set(key, (s = { zeros: 0, buckets: [] }));
          if (r['bucket'] === null) s.zeros += n(r['n']);
          else s.buckets.push({ count: n(r['n']), min: n(r['lo']), max: n(r['hi']) });
        }
        const spans = agg.rows.map((r) => spanAggregate(r, g, sketches.get(rowKey(r)) ?? { zeros: 0, buckets: [] }));
        const feedback = fb.rows.map((r): FeedbackAggregate => ({
          window: r['win'] as AggregateWindow,
          env: String(r['env']),
          groupAttrs: groupAttrs(g, r['gval'] ?? undefined),
          dayMs: n(r['gday']),
          agent: r['agent'] === true,
          count: n(r['n']),
          success: n(r['ok']),
          failure: n(r['failed']),
          ratings: summary(r['r_n'], r['r_sum'], r['r_min'], r['r_max']),
        }));
        return { spans, feedback, spansFolded: n(row.folded) };
      },
      'BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY',
    ),
  );
}

function spanAggregate(r: Row, g: string | undefined, durations: SketchParts): SpanAggregate {
  const statuses: Record<SpanStatus, number> = {
    success: n(r['st_success']),
    failure: n(r['st_failure']),
    partial: n(r['st_partial']),
    unknown: n(r['st_unknown']),
    skipped: n(r['st_skipped']),
    cancelled: n(r['st_cancelled']),
  };
  return {
    window: r['win'] as AggregateWindow,
    env: String(r['env']),
    kind: r['kind'] as SpanKind,
    groupAttrs: groupAttrs(g, r['gval'] ?? undefined),
    dayMs: n(r['gday']),
    count: n(r['n']),
    open: n(r['open']),
    abandoned: n(r['abandoned']),
    statuses,
    durations,
    retries: n(r['retries']),
    firstAttempts: n(r['first_attempts']),
    firstAttemptsPassed: n(r['first_passed']),
    resolved: n(r['resolved']),
    unresolved: n(r['unresolved']),
    attempts: summary(r['att_n'], r['att_sum'], r['att_min'], r['att_max']),
    ...optimizationParts(r, ['agents', 'optimizations', 'model_calls']),
  };
}

/**
 * The seed systems' reports computed in PostgreSQL: `agents` (per-agent outcomes, durations,
 * ratings, top task types and failures, the trend split, workflow statistics) and
 * `report automation` (per window and operation: sums of variants, Σ ln(baseline/optimized)
 * over sessions with a valid baseline, time saved). The spans come from the report's fold
 * (`FOLD`); only a few rows per agent, workflow summary or operation reach Node, where the
 * analytics' own `…FromParts` functions finish the figures. Rules: docs/postgres.md.
 */
import type { Pool } from 'pg';
import { DEFAULT_OPEN_TIMEOUT_MS, startOfUtcDay } from '../../model/index.js';
import type { OptimizationParts } from '../../model/index.js';
import { inTransaction, withClient } from './connection.js';
import { n, nOrNull, optimizationParts } from './rows.js';
import type { Row } from './rows.js';
import { FOLD } from './report-query.js';

/** Which envs a query keeps: a list, all, or every env but the excluded ones. */
export type EnvFilter = { only: readonly string[] } | { all: true } | { except: readonly string[] };

/** The analytics' `keyAttr` in SQL: non-empty strings, numbers and booleans as text. */
function key(expr: string): string {
  return `(CASE jsonb_typeof(${expr}) WHEN 'string' THEN nullif(${expr} #>> '{}', '') WHEN 'number' THEN ((${expr})::float8)::text WHEN 'boolean' THEN ${expr} #>> '{}' END)`;
}

function envWhere(f: EnvFilter, param: string): string {
  if ('all' in f) return 'true';
  return 'only' in f ? `env = ANY(${param}::text[])` : `NOT (env = ANY(${param}::text[]))`;
}

function envParam(f: EnvFilter): string[] {
  return 'all' in f ? [] : 'only' in f ? [...f.only] : [...f.except];
}


const FAR = 8.64e15;

/** Time range of the events a window needs: from the first day of the window on (as the local reader). */
function eventRange(sinceMs: number | undefined): [string, string] {
  return [sinceMs === undefined ? '-infinity' : new Date(startOfUtcDay(sinceMs)).toISOString(), 'infinity'];
}

async function readOnly<T>(pool: Pool, fn: (c: import('pg').PoolClient) => Promise<T>): Promise<T> {
  return withClient(pool, (c) =>
    inTransaction(
      c,
      async () => {
        // As in the report: equi-joins of large sets, where a nested loop is never right.
        await c.query('SET LOCAL enable_nestloop = off');
        await c.query(`SET LOCAL work_mem = '64MB'`);
        return fn(c);
      },
      'BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY',
    ),
  );
}

/** What `agents` needs computed. */
export interface PostgresAgentsQuery {
  /** Window of span starts; undefined for all history. */
  sinceMs?: number | undefined;
  untilMs?: number | undefined;
  envs: EnvFilter;
  taskType?: string | undefined;
  nowMs: number;
  /** Start of the trend's recent side (Unix ms). */
  recentSinceMs: number;
  openTimeoutMs?: number | undefined;
}

/** One agent's sums, as `AgentParts` wants them. */
export interface PostgresAgentRow {
  name: string;
  count: number;
  successes: number;
  failures: number;
  ratingSum: number;
  ratingUnitSum: number;
  ratings: number;
  durationSum: number;
  durations: number;
  recent: { s: number; f: number };
  previous: { s: number; f: number };
  minMs: number;
  maxMs: number;
  /** The top task types and those that may be recommended: [type, invocations, successes, failures]. */
  taskTypes: [string, number, number, number][];
  /** The top 3 failure messages and their counts. */
  failures3: [string, number][];
}

/** Workflow sums, as `WorkflowParts` wants them. */
export interface PostgresWorkflowRow {
  workflows: number;
  ended: number;
  successes: number;
  failures: number;
  durationSum: number;
  durations: number;
  agentsSum: number;
  agentsCounted: number;
  sequences: [string, number][];
  overhead: { workflows: number; mean: number | null; median: number | null };
}

const SPANS_OF = (kinds: string, env: string): string => `
am_report_spans AS MATERIALIZED (${FOLD}),
s AS MATERIALIZED (
  SELECT span_id, kind, name, state, status, start_ms, duration_ms, attrs,
    (extract(epoch FROM end_at) * 1000)::float8 AS end_ms
  FROM am_report_spans WHERE kind IN (${kinds}) AND ${env}
)`;

const AGENTS = (env: string): string => `
WITH ${SPANS_OF(`'agent', 'workflow'`, env)},
fb AS (
  SELECT * FROM (
    SELECT DISTINCT ON (span_id) span_id, env, rating
    FROM am_events WHERE ts >= $1 AND ts < $2 AND type = 'feedback'
    ORDER BY span_id, ts DESC, id DESC
  ) l WHERE ${env} AND rating IS NOT NULL AND rating::text NOT IN ('NaN', 'Infinity', '-Infinity')
),
ag AS MATERIALIZED (
  SELECT s.*, coalesce(${key(`attrs -> 'gen_ai.agent.name'`)}, name) AS agent, ${key(`attrs -> 'task.type'`)} AS tt,
    ${key(`attrs -> 'workflow.id'`)} AS wid,
    (state = 'ended' AND status = 'success') AS ok, (state = 'ended' AND status = 'failure') AS bad
  FROM s WHERE kind = 'agent'
),
a AS MATERIALIZED (
  SELECT * FROM ag WHERE $9::text IS NULL OR tt = $9::text
),
per AS (
  SELECT a.agent, count(*)::float8 AS n,
    count(*) FILTER (WHERE ok)::float8 AS s, count(*) FILTER (WHERE bad)::float8 AS f,
    count(*) FILTER (WHERE ok AND start_ms >= $8)::float8 AS rs, count(*) FILTER (WHERE bad AND start_ms >= $8)::float8 AS rf,
    count(*) FILTER (WHERE ok AND start_ms < $8)::float8 AS ps, count(*) FILTER (WHERE bad AND start_ms < $8)::float8 AS pf,
    coalesce(sum(duration_ms / 1000) FILTER (WHERE state = 'ended' AND duration_ms >= 0 AND attrs -> 'duration.unknown' IS DISTINCT FROM 'true'::jsonb), 0) AS dsum,
    count(*) FILTER (WHERE state = 'ended' AND duration_ms >= 0 AND attrs -> 'duration.unknown' IS DISTINCT FROM 'true'::jsonb)::float8 AS dn,
    count(fb.rating)::float8 AS rn, coalesce(sum(fb.rating), 0) AS rsum, coalesce(sum((fb.rating - 1) / 4), 0) AS runit,
    min(start_ms) AS lo, max(coalesce(end_ms, start_ms)) AS hi
  FROM a LEFT JOIN fb ON fb.span_id = a.span_id
  GROUP BY a.agent
),
types AS (
  SELECT agent, tt, n, s, f FROM (
    SELECT agent, tt, count(*)::float8 AS n, count(*) FILTER (WHERE ok)::float8 AS s, count(*) FILTER (WHERE bad)::float8 AS f,
      row_number() OVER (PARTITION BY agent ORDER BY count(*) DESC, tt COLLATE "C") AS rk
    FROM a WHERE tt IS NOT NULL GROUP BY agent, tt
  ) t WHERE rk <= 3 OR (s + f >= 3 AND s / (s + f) >= 0.8)
),
fails AS (
  SELECT agent, msg, n FROM (
    SELECT agent, msg, count(*)::float8 AS n, row_number() OVER (PARTITION BY agent ORDER BY count(*) DESC, msg COLLATE "C") AS rk
    FROM (SELECT agent, coalesce(${key(`attrs -> 'error.message'`)}, ${key(`attrs -> 'error.type'`)}, ${key(`attrs -> 'status.detail'`)}, '(no error message)') AS msg
      FROM a WHERE bad) m
    GROUP BY agent, msg
  ) t WHERE rk <= 3
),
wf AS (
  SELECT span_id, state, status, duration_ms AS d, attrs -> 'workflow.agents_executed' AS ex, ${key(`attrs -> 'workflow.id'`)} AS wid
  FROM s WHERE kind = 'workflow'
),
mem AS (
  SELECT wf.span_id, string_agg(m.agent, ' → ' ORDER BY m.start_ms, m.span_id) AS seq, count(*)::float8 AS n,
    count(m.duration_ms)::float8 AS timed, sum(m.duration_ms) AS agent_ms
  FROM wf JOIN ag m ON m.wid = wf.wid
  GROUP BY wf.span_id
),
wseq AS (
  SELECT wf.*, mem.timed, mem.agent_ms,
    CASE WHEN jsonb_typeof(ex) = 'array'
      THEN (SELECT count(*) FROM jsonb_array_elements(ex) x WHERE jsonb_typeof(x) = 'string')::float8
      ELSE coalesce(mem.n, 0) END AS seq_n,
    CASE WHEN jsonb_typeof(ex) = 'array'
      THEN (SELECT string_agg(x #>> '{}', ' → ' ORDER BY i) FROM jsonb_array_elements(ex) WITH ORDINALITY e(x, i) WHERE jsonb_typeof(x) = 'string')
      ELSE mem.seq END AS seq
  FROM wf LEFT JOIN mem ON mem.span_id = wf.span_id
),
wo AS (
  SELECT *, CASE WHEN state = 'ended' AND d > 0 AND coalesce(timed, 0) > 0 THEN (d - agent_ms) / d END AS overhead FROM wseq
)
SELECT
  (SELECT coalesce(json_agg(p), '[]'::json) FROM per p) AS agents,
  (SELECT coalesce(json_agg(t), '[]'::json) FROM types t) AS types,
  (SELECT coalesce(json_agg(f), '[]'::json) FROM fails f) AS fails,
  (SELECT row_to_json(w) FROM (
    SELECT count(*)::float8 AS workflows, count(*) FILTER (WHERE state = 'ended')::float8 AS ended,
      count(*) FILTER (WHERE state = 'ended' AND status = 'success')::float8 AS s,
      count(*) FILTER (WHERE state = 'ended' AND status = 'failure')::float8 AS f,
      coalesce(sum(d / 1000) FILTER (WHERE state = 'ended' AND d >= 0), 0) AS dsum,
      count(*) FILTER (WHERE state = 'ended' AND d >= 0)::float8 AS dn,
      coalesce(sum(seq_n) FILTER (WHERE seq_n > 0), 0) AS agents_sum, count(*) FILTER (WHERE seq_n > 0)::float8 AS agents_counted,
      count(overhead)::float8 AS oh_n, avg(overhead) AS oh_mean, percentile_cont(0.5) WITHIN GROUP (ORDER BY overhead) AS oh_median
    FROM wo) w) AS workflows,
  (SELECT coalesce(json_agg(q), '[]'::json) FROM (
    SELECT seq, count(*)::float8 AS n FROM wo WHERE seq_n > 0 GROUP BY seq ORDER BY count(*) DESC, seq COLLATE "C" LIMIT 5
  ) q) AS sequences`;

/**
 * The `agents` figures in one read-only statement: a row per agent, the top task types and
 * failures per agent, and one row of workflow sums.
 */
export async function queryAgentAggregates(pool: Pool, q: PostgresAgentsQuery): Promise<{ agents: PostgresAgentRow[]; workflows: PostgresWorkflowRow }> {
  const [lo, hi] = eventRange(q.sinceMs);
  const since = q.sinceMs ?? -FAR;
  const until = q.untilMs ?? FAR;
  const envs = envParam(q.envs);
  const sql = AGENTS(envWhere(q.envs, '$10'));
  const params: unknown[] = [lo, hi, since, since, until, q.nowMs, q.openTimeoutMs ?? DEFAULT_OPEN_TIMEOUT_MS, q.recentSinceMs, q.taskType ?? null];
  if (!('all' in q.envs)) params.push(envs);
  const row = await readOnly(pool, async (c) => (await c.query<{ agents: Row[]; types: Row[]; fails: Row[]; workflows: Row; sequences: Row[] }>(sql, params)).rows[0]);
  const agents = new Map<string, PostgresAgentRow>();
  for (const r of row?.agents ?? []) {
    const name = String(r['agent']);
    agents.set(name, {
      name,
      count: n(r['n']),
      successes: n(r['s']),
      failures: n(r['f']),
      ratingSum: n(r['rsum']),
      ratingUnitSum: n(r['runit']),
      ratings: n(r['rn']),
      durationSum: n(r['dsum']),
      durations: n(r['dn']),
      recent: { s: n(r['rs']), f: n(r['rf']) },
      previous: { s: n(r['ps']), f: n(r['pf']) },
      minMs: n(r['lo']),
      maxMs: n(r['hi']),
      taskTypes: [],
      failures3: [],
    });
  }
  for (const r of row?.types ?? []) agents.get(String(r['agent']))?.taskTypes.push([String(r['tt']), n(r['n']), n(r['s']), n(r['f'])]);
  for (const r of row?.fails ?? []) agents.get(String(r['agent']))?.failures3.push([String(r['msg']), n(r['n'])]);
  const w = row?.workflows ?? {};
  return {
    agents: [...agents.values()],
    workflows: {
      workflows: n(w['workflows']),
      ended: n(w['ended']),
      successes: n(w['s']),
      failures: n(w['f']),
      durationSum: n(w['dsum']),
      durations: n(w['dn']),
      agentsSum: n(w['agents_sum']),
      agentsCounted: n(w['agents_counted']),
      sequences: (row?.sequences ?? []).map((r) => [String(r['seq']), n(r['n'])]),
      overhead: { workflows: n(w['oh_n']), mean: nOrNull(w['oh_mean']), median: nOrNull(w['oh_median']) },
    },
  };
}

/** What `report automation` needs computed. */
export interface PostgresAutomationQuery {
  sinceMs: number;
  untilMs: number;
  envs: EnvFilter;
  nowMs: number;
  openTimeoutMs?: number | undefined;
}

/** Sums of optimisation sessions of one window (and operation, in the current window). */
export interface PostgresAutomationRow extends OptimizationParts {
  window: 'current' | 'previous';
  /** The operation, `(none)` without one; null for the previous window (not split). */
  operation: string | null;
  sessions: number;
  open: number;
  abandoned: number;
  successful: number;
  saved: number;
  savedSessions: number;
  depthSum: number;
  depths: number;
}

const SPEEDUP = `base > 0 AND opt > 0 AND ln(base) - ln(opt) BETWEEN -700 AND 700`;

const AUTOMATION = (env: string): string => `
WITH ${SPANS_OF(`'optimization'`, env)},
o AS (
  SELECT s.*, am_num(attrs -> 'baseline_latency_ms') AS base, am_num(attrs -> 'optimized_latency_ms') AS opt,
    am_num(attrs -> 'wallclock_seconds') AS wall,
    CASE WHEN start_ms >= $4 THEN 'current' ELSE 'previous' END AS win,
    CASE WHEN start_ms >= $4 THEN coalesce(${key(`attrs -> 'operation'`)}, '(none)') END AS op
  FROM s
)
SELECT coalesce(json_agg(g), '[]'::json) AS rows FROM (
  SELECT win, op, count(*)::float8 AS n,
    count(*) FILTER (WHERE state = 'open')::float8 AS open, count(*) FILTER (WHERE state = 'abandoned')::float8 AS abandoned,
    coalesce(sum(am_num(attrs -> 'variants_generated')), 0) AS variants_generated,
    coalesce(sum(am_num(attrs -> 'validated')), 0) AS validated,
    coalesce(sum(am_num(attrs -> 'promoted')), 0) AS promoted,
    coalesce(sum(am_num(attrs -> 'validation_failures')), 0) AS validation_failures,
    coalesce(sum(am_num(attrs -> 'autotune_samples')), 0) AS autotune_samples,
    count(*) FILTER (WHERE ${SPEEDUP})::float8 AS speedup_n,
    coalesce(sum(ln(base / opt)) FILTER (WHERE ${SPEEDUP}), 0) AS speedup_ln,
    coalesce(sum(base - opt) FILTER (WHERE ${SPEEDUP}), 0) AS latency_saved,
    count(wall) FILTER (WHERE wall >= 0)::float8 AS wall_n, coalesce(sum(wall) FILTER (WHERE wall >= 0), 0) AS wall_sum,
    min(wall) FILTER (WHERE wall >= 0) AS wall_min, max(wall) FILTER (WHERE wall >= 0) AS wall_max,
    count(*) FILTER (WHERE state = 'ended' AND am_num(attrs -> 'promoted') > 0)::float8 AS successful,
    coalesce(sum(am_num(attrs -> 'wallclock_saved_seconds')), 0) AS saved,
    count(am_num(attrs -> 'wallclock_saved_seconds'))::float8 AS saved_n,
    coalesce(sum(am_num(attrs -> 'search_depth')), 0) AS depth_sum,
    count(am_num(attrs -> 'search_depth'))::float8 AS depth_n
  FROM o GROUP BY win, op
) g`;

/** The `report automation` sums: one row per operation of the window and one for the previous window. */
export async function queryAutomationAggregates(pool: Pool, q: PostgresAutomationQuery): Promise<PostgresAutomationRow[]> {
  const previousSince = q.sinceMs - (q.untilMs - q.sinceMs);
  const lo = new Date(startOfUtcDay(previousSince)).toISOString();
  const params: unknown[] = [lo, 'infinity', previousSince, q.sinceMs, q.untilMs, q.nowMs, q.openTimeoutMs ?? DEFAULT_OPEN_TIMEOUT_MS];
  if (!('all' in q.envs)) params.push(envParam(q.envs));
  const sql = AUTOMATION(envWhere(q.envs, '$8'));
  const rows = await readOnly(pool, async (c) => (await c.query<{ rows: Row[] }>(sql, params)).rows[0]?.rows ?? []);
  return rows.map((r) => ({
    window: r['win'] === 'current' ? 'current' : 'previous',
    operation: r['op'] === null || r['op'] === undefined ? null : String(r['op']),
    sessions: n(r['n']),
    open: n(r['open']),
    abandoned: n(r['abandoned']),
    ...optimizationParts(r),
    successful: n(r['successful']),
    saved: n(r['saved']),
    savedSessions: n(r['saved_n']),
    depthSum: n(r['depth_sum']),
    depths: n(r['depth_n']),
  }));
}

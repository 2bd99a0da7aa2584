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
import { n, nOrNull, optimizationParts, sumColumnsSql } from './rows.js';
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
        // Costs of plans with nested loops turned off are inflated past the JIT thresholds,
        // and compiling the statement took seconds where running it takes milliseconds.
        await c.query('SET LOCAL jit = off');
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

const SPANS_OF = (kinds: string, env: string, more = ''): string => `
am_report_spans AS MATERIALIZED (${FOLD}),
s AS MATERIALIZED (
  SELECT span_id, kind, name, state, status, start_ms, duration_ms, attrs,${more}
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
-- A session is placed by its end (the record's timestamp), as automationSummary does.
t AS (
  SELECT s.*, CASE WHEN state = 'ended' AND duration_ms IS NOT NULL THEN floor(start_ms + duration_ms + 0.5) ELSE start_ms END AS at_ms FROM s
),
o AS (
  SELECT t.*, am_num(attrs -> 'baseline_latency_ms') AS base, am_num(attrs -> 'optimized_latency_ms') AS opt,
    am_num(attrs -> 'wallclock_seconds') AS wall,
    -- Reported, else derived: (baseline − optimized) ms × calls (automationSummary's rule).
    coalesce(am_num(attrs -> 'wallclock_saved_seconds'), CASE WHEN am_num(attrs -> 'baseline_latency_ms') > 0 AND am_num(attrs -> 'optimized_latency_ms') > 0
      AND am_num(attrs -> 'calls') >= 0 THEN (am_num(attrs -> 'baseline_latency_ms') - am_num(attrs -> 'optimized_latency_ms')) * am_num(attrs -> 'calls') / 1000 END) AS saved,
    CASE WHEN at_ms >= $4 THEN 'current' ELSE 'previous' END AS win,
    CASE WHEN at_ms >= $4 THEN coalesce(${key(`attrs -> 'operation'`)}, '(none)') END AS op
  FROM t WHERE at_ms >= $8 AND at_ms < $5
)
SELECT coalesce(json_agg(g), '[]'::json) AS rows FROM (
  SELECT win, op, count(*)::float8 AS n,
    count(*) FILTER (WHERE state = 'open')::float8 AS open, count(*) FILTER (WHERE state = 'abandoned')::float8 AS abandoned%SUMS%,
    count(*) FILTER (WHERE ${SPEEDUP})::float8 AS speedup_n,
    coalesce(sum(ln(base / opt)) FILTER (WHERE ${SPEEDUP}), 0) AS speedup_ln,
    coalesce(sum(base - opt) FILTER (WHERE ${SPEEDUP}), 0) AS latency_saved,
    count(wall) FILTER (WHERE wall >= 0)::float8 AS wall_n, coalesce(sum(wall) FILTER (WHERE wall >= 0), 0) AS wall_sum,
    min(wall) FILTER (WHERE wall >= 0) AS wall_min, max(wall) FILTER (WHERE wall >= 0) AS wall_max,
    count(*) FILTER (WHERE state = 'ended' AND am_num(attrs -> 'promoted') > 0)::float8 AS successful,
    coalesce(sum(saved), 0) AS saved,
    count(saved)::float8 AS saved_n,
    coalesce(sum(am_num(attrs -> 'search_depth')), 0) AS depth_sum,
    count(am_num(attrs -> 'search_depth'))::float8 AS depth_n
  FROM o GROUP BY win, op
) g`;

/** The `report automation` sums: one row per operation of the window and one for the previous window. */
export async function queryAutomationAggregates(pool: Pool, q: PostgresAutomationQuery): Promise<PostgresAutomationRow[]> {
  const previousSince = q.sinceMs - (q.untilMs - q.sinceMs);
  const lo = new Date(startOfUtcDay(previousSince)).toISOString();
  // Spans are kept by their end ($8), so the fold keeps every start ($3); the events read
  // still begin on the day of the previous window's start, where those ends are.
  const params: unknown[] = [lo, 'infinity', -Number.MAX_SAFE_INTEGER, q.sinceMs, q.untilMs, q.nowMs, q.openTimeoutMs ?? DEFAULT_OPEN_TIMEOUT_MS, previousSince];
  if (!('all' in q.envs)) params.push(envParam(q.envs));
  const sql = AUTOMATION(envWhere(q.envs, '$9')).replace('%SUMS%', sumColumnsSql(['optimizations']));
  const rows = await readOnly(pool, async (c) => (await c.query<{ rows: Row[] }>(sql, params)).rows[0]?.rows ?? []);
  return rows.map((r) => ({
    window: r['win'] === 'current' ? 'current' : 'previous',
    operation: r['op'] === null || r['op'] === undefined ? null : String(r['op']),
    sessions: n(r['n']),
    open: n(r['open']),
    abandoned: n(r['abandoned']),
    ...optimizationParts(r, ['optimizations']),
    successful: n(r['successful']),
    saved: n(r['saved']),
    savedSessions: n(r['saved_n']),
    depthSum: n(r['depth_sum']),
    depths: n(r['depth_n']),
  }));
}

/** What `report orchestrator` needs computed. */
export interface PostgresOrchestratorQuery {
  sinceMs: number;
  untilMs: number;
  envs: EnvFilter;
  nowMs: number;
  openTimeoutMs?: number | undefined;
}

/** Issue counts of one model or temperature of runs. */
export interface PostgresConfigRow {
  /** The model (as `keyAttr` writes it) or `(none)`; the temperature as a number, or null. */
  key: string | number | null;
  runs: number;
  issues: number;
  completed: number;
  failed: number;
}

/** The `report orchestrator` sums, as `OrchestratorParts` wants them. */
export interface PostgresOrchestratorResult {
  runs: number;
  issues: number;
  models: PostgresConfigRow[];
  temperatures: PostgresConfigRow[];
  agents: { agent: string; attempts: number; retries: number; issuesWithRetries: number }[];
  firstPipeline: { issues: number; passed: number; pipelines: number };
  debugging: { cycles: number; resolved: number; attemptsSum: number; resolveSeconds: { count: number; sum: number; middle: number[] } };
  complexity: {
    labelled: boolean;
    /** `key` is the complexity (or `3+`); `retries` the total retries of the bucket below 3 when unlabelled. */
    rows: { key: string | null; retries: number | null; issues: number; retriesSum: number; durationSum: number; durations: number; completed: number; failed: number }[];
    spearman: { n: number; num: number; dx: number; dy: number };
  };
}

// The issue's word for its outcome, as `buildRunRecords` derives it (running, completed,
// failed, skipped): `status.detail` when it is one of the seed's words, else from the status.
const ISSUE_WORD = `CASE
    WHEN state <> 'ended' OR status IS NULL THEN 'running'
    WHEN ${key(`attrs -> 'status.detail'`)} IN ('completed', 'failed', 'skipped') THEN ${key(`attrs -> 'status.detail'`)}
    WHEN status = 'success' THEN 'completed'
    WHEN status IN ('skipped', 'cancelled') THEN 'skipped'
    ELSE 'failed' END`;

// Sums of fractional values (durations, fix attempts) are added in the order the run records
// list them (runs, then issues, then cycles by start), as \`orchestratorParts\` adds them, so
// both stores print the same digits.
const ISSUE_ORDER = `ORDER BY run_start, run COLLATE "C", start_ms, span_id COLLATE "C"`;
const CYCLE_ORDER = `ORDER BY run_start, run COLLATE "C", issue_start, issue COLLATE "C", start_ms, span_id COLLATE "C"`;

const ORCHESTRATOR = (env: string): string => `
WITH ${SPANS_OF(`'run', 'task', 'agent', 'pipeline', 'debug'`, env, ' run_id, parent_id, point_events::float8 AS point_events,')},
r AS MATERIALIZED (
  SELECT span_id, start_ms, coalesce(${key(`attrs -> 'gen_ai.request.model'`)}, '(none)') AS model, am_num(attrs -> 'gen_ai.request.temperature') AS temp
  FROM s WHERE kind = 'run'
),
t AS MATERIALIZED (
  SELECT t.span_id, t.start_ms, r.span_id AS run, r.start_ms AS run_start, ${ISSUE_WORD} AS word,
    CASE WHEN t.state = 'ended' THEN t.duration_ms / 1000 END AS dur,
    ${key(`t.attrs -> 'complexity'`)} AS complexity, t.attrs -> 'agent.retries' AS given
  FROM s t JOIN r ON r.span_id = t.run_id WHERE t.kind = 'task'
),
c AS MATERIALIZED (
  SELECT c.*, t.run_start, t.run, t.start_ms AS issue_start,
    row_number() OVER (PARTITION BY c.parent_id, c.kind ORDER BY c.start_ms, c.span_id COLLATE "C") AS pos
  FROM s c JOIN t ON t.span_id = c.parent_id WHERE c.kind IN ('agent', 'pipeline', 'debug')
),
dbg AS (
  SELECT parent_id AS issue, run_start, run, issue_start, start_ms, span_id, CASE WHEN jsonb_typeof(attrs -> 'gen_ai.agent.name') = 'string' THEN attrs ->> 'gen_ai.agent.name' END AS agent,
    coalesce(am_num(attrs -> 'debug.attempts'), point_events) AS attempts,
    coalesce(attrs -> 'debug.resolved' = 'true'::jsonb OR (state = 'ended' AND status = 'success'), false) AS resolved,
    CASE WHEN state = 'ended' THEN duration_ms / 1000 END AS dur
  FROM c WHERE kind = 'debug'
),
counted AS (
  SELECT parent_id AS issue, coalesce(${key(`attrs -> 'gen_ai.agent.name'`)}, name) AS agent, count(*)::float8 AS attempts, 0::float8 AS retries
  FROM c WHERE kind = 'agent' GROUP BY 1, 2
  UNION ALL
  SELECT issue, agent, 0, sum(attempts) FROM dbg WHERE agent IS NOT NULL GROUP BY 1, 2
),
summed AS (
  SELECT issue, agent, sum(attempts) AS attempts, sum(retries) AS retries FROM counted GROUP BY 1, 2
),
given AS (
  SELECT t.span_id AS issue, g.key AS agent, am_num(g.value) AS retries
  FROM t CROSS JOIN LATERAL jsonb_each(CASE WHEN jsonb_typeof(t.given) = 'object' THEN t.given ELSE '{}'::jsonb END) g
  WHERE jsonb_typeof(g.value) = 'number'
),
im AS MATERIALIZED (
  -- The file's own retry counts (imported history) replace the ones counted.
  SELECT coalesce(m.issue, g.issue) AS issue, coalesce(m.agent, g.agent) AS agent, coalesce(m.attempts, 0) AS attempts, coalesce(g.retries, m.retries) AS retries
  FROM summed m FULL JOIN given g ON g.issue = m.issue AND g.agent = m.agent
),
pl AS (
  SELECT parent_id AS issue, pos, state, status, coalesce(am_num(attrs -> 'pipeline.attempt'), pos::float8) AS attempt FROM c WHERE kind = 'pipeline'
),
first_pl AS (
  SELECT DISTINCT ON (issue) issue, CASE WHEN attempt = 1 THEN status = 'success' END AS passed
  FROM pl WHERE state = 'ended' ORDER BY issue, attempt, pos
),
i AS MATERIALIZED (
  SELECT t.*, coalesce(tr.total, 0) AS total, fp.passed
  FROM t
  LEFT JOIN (SELECT issue, sum(retries) AS total FROM im GROUP BY issue) tr ON tr.issue = t.span_id
  LEFT JOIN first_pl fp ON fp.issue = t.span_id
),
lab AS (SELECT coalesce(bool_or(complexity IS NOT NULL), false) AS labelled FROM i),
ik AS (
  SELECT i.*, CASE WHEN (SELECT labelled FROM lab) THEN coalesce(complexity, '(none)') WHEN total >= 3 THEN '3+' END AS ckey,
    CASE WHEN NOT (SELECT labelled FROM lab) AND total < 3 THEN total END AS cbucket
  FROM i
),
-- Ranks with ties averaged: the first rank of the tie plus half the others.
ranked AS (
  SELECT rank() OVER (ORDER BY total) + (count(*) OVER (PARTITION BY total) - 1) / 2.0 AS rx,
    rank() OVER (ORDER BY dur) + (count(*) OVER (PARTITION BY dur) - 1) / 2.0 AS ry
  FROM i WHERE dur IS NOT NULL
),
timed AS (
  SELECT rx - avg(rx) OVER () AS ax, ry - avg(ry) OVER () AS ay FROM ranked
),
times AS (
  SELECT dbg.*, row_number() OVER (ORDER BY dur) AS k, count(*) OVER () AS n FROM dbg WHERE resolved AND dur IS NOT NULL
)
SELECT
  (SELECT count(*) FROM r)::float8 AS runs,
  (SELECT count(*) FROM i)::float8 AS issues,
  (SELECT coalesce(json_agg(g), '[]'::json) FROM (
    SELECT r.model AS key, count(DISTINCT r.span_id)::float8 AS runs, count(i.span_id)::float8 AS issues,
      count(*) FILTER (WHERE i.word = 'completed')::float8 AS completed, count(*) FILTER (WHERE i.word = 'failed')::float8 AS failed
    FROM r LEFT JOIN i ON i.run = r.span_id GROUP BY r.model) g) AS models,
  (SELECT coalesce(json_agg(g), '[]'::json) FROM (
    SELECT r.temp AS key, count(DISTINCT r.span_id)::float8 AS runs, count(i.span_id)::float8 AS issues,
      count(*) FILTER (WHERE i.word = 'completed')::float8 AS completed, count(*) FILTER (WHERE i.word = 'failed')::float8 AS failed
    FROM r LEFT JOIN i ON i.run = r.span_id GROUP BY r.temp) g) AS temperatures,
  (SELECT coalesce(json_agg(g), '[]'::json) FROM (
    SELECT agent, sum(attempts) AS attempts, sum(retries) AS retries, count(*) FILTER (WHERE retries > 0)::float8 AS with_retries
    FROM im GROUP BY agent) g) AS agents,
  (SELECT row_to_json(g) FROM (
    SELECT count(passed)::float8 AS issues, count(*) FILTER (WHERE passed)::float8 AS passed,
      (SELECT count(*) FROM c WHERE kind = 'pipeline')::float8 AS pipelines
    FROM i) g) AS first_pipeline,
  (SELECT row_to_json(g) FROM (
    SELECT count(*)::float8 AS cycles, count(*) FILTER (WHERE resolved)::float8 AS resolved, coalesce(sum(attempts ${CYCLE_ORDER}), 0) AS attempts,
      (SELECT count(*) FROM times)::float8 AS times_n, (SELECT coalesce(sum(dur ${CYCLE_ORDER}), 0) FROM times) AS times_sum,
      (SELECT coalesce(json_agg(dur ORDER BY k), '[]'::json) FROM times WHERE k IN ((n + 1) / 2, n / 2 + 1)) AS middle
    FROM dbg) g) AS debugging,
  (SELECT labelled FROM lab) AS labelled,
  (SELECT coalesce(json_agg(g), '[]'::json) FROM (
    SELECT ckey, cbucket, count(*)::float8 AS issues, coalesce(sum(total ${ISSUE_ORDER}), 0) AS retries_sum,
      coalesce(sum(dur ${ISSUE_ORDER}), 0) AS dur_sum, count(dur)::float8 AS dur_n,
      count(*) FILTER (WHERE word = 'completed')::float8 AS completed, count(*) FILTER (WHERE word = 'failed')::float8 AS failed
    FROM ik GROUP BY ckey, cbucket) g) AS complexity,
  (SELECT row_to_json(g) FROM (
    SELECT count(*)::float8 AS n, coalesce(sum(ax * ay), 0)::float8 AS num, coalesce(sum(ax * ax), 0)::float8 AS dx, coalesce(sum(ay * ay), 0)::float8 AS dy
    FROM timed) g) AS spearman`;

/**
 * The `report orchestrator` sums in one read-only statement: runs per model and temperature
 * with their issues' outcomes, retries per agent, first pipelines, debugging cycles (and the
 * middle of their resolve times), complexity rows and the sums of Spearman's ρ. Issues,
 * agents and pipelines are matched up in the database; only these rows reach Node.
 */
export async function queryOrchestratorAggregates(pool: Pool, q: PostgresOrchestratorQuery): Promise<PostgresOrchestratorResult> {
  const [lo, hi] = eventRange(q.sinceMs);
  const params: unknown[] = [lo, hi, q.sinceMs, q.sinceMs, q.untilMs, q.nowMs, q.openTimeoutMs ?? DEFAULT_OPEN_TIMEOUT_MS];
  if (!('all' in q.envs)) params.push(envParam(q.envs));
  const sql = ORCHESTRATOR(envWhere(q.envs, '$8'));
  const row = await readOnly(pool, async (c) => (await c.query<Row>(sql, params)).rows[0] ?? {});
  const config = (rows: unknown): PostgresConfigRow[] =>
    ((rows ?? []) as Row[]).map((r) => ({
      key: r['key'] === null || r['key'] === undefined ? null : typeof r['key'] === 'number' ? r['key'] : String(r['key']),
      runs: n(r['runs']),
      issues: n(r['issues']),
      completed: n(r['completed']),
      failed: n(r['failed']),
    }));
  const fp = (row['first_pipeline'] ?? {}) as Row;
  const d = (row['debugging'] ?? {}) as Row;
  const sp = (row['spearman'] ?? {}) as Row;
  return {
    runs: n(row['runs']),
    issues: n(row['issues']),
    models: config(row['models']),
    temperatures: config(row['temperatures']),
    agents: ((row['agents'] ?? []) as Row[]).map((r) => ({ agent: String(r['agent']), attempts: n(r['attempts']), retries: n(r['retries']), issuesWithRetries: n(r['with_retries']) })),
    firstPipeline: { issues: n(fp['issues']), passed: n(fp['passed']), pipelines: n(fp['pipelines']) },
    debugging: {
      cycles: n(d['cycles']),
      resolved: n(d['resolved']),
      attemptsSum: n(d['attempts']),
      resolveSeconds: { count: n(d['times_n']), sum: n(d['times_sum']), middle: ((d['middle'] ?? []) as unknown[]).map(n) },
    },
    complexity: {
      labelled: row['labelled'] === true,
      rows: ((row['complexity'] ?? []) as Row[]).map((r) => ({
        key: r['ckey'] === null || r['ckey'] === undefined ? null : String(r['ckey']),
        retries: nOrNull(r['cbucket']),
        issues: n(r['issues']),
        retriesSum: n(r['retries_sum']),
        durationSum: n(r['dur_sum']),
        durations: n(r['dur_n']),
        completed: n(r['completed']),
        failed: n(r['failed']),
      })),
      spearman: { n: n(sp['n']), num: n(sp['num']), dx: n(sp['dx']), dy: n(sp['dy']) },
    },
  };
}

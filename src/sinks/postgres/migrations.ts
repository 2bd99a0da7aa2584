/**
 * The PostgreSQL schema, as versioned migrations applied in order by `agentmeter db
 * migrate`. A migration is never edited once released: changes are new versions. Design and
 * index choices: docs/postgres.md.
 */
import type { Pool } from 'pg';
import { inTransaction, withClient } from './connection.js';

/** One schema change. */
export interface Migration {
  version: number;
  name: string;
  sql: string;
}

// Mirrors the analytics layer's `numberAttr`: a JSON number, or a string holding a decimal
// number, read as float8; anything else (and anything not finite) is NULL. JavaScript's
// Number() also reads hex/octal/binary strings; those are not numbers here.
const NUMBER_FUNCTIONS = `
CREATE FUNCTION am_js_number(t text) RETURNS double precision
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $fn$
BEGIN
  IF t !~ '^\\s*[+-]?([0-9]+\\.?[0-9]*|\\.[0-9]+)([eE][+-]?[0-9]+)?\\s*$' THEN
    RETURN NULL;
  END IF;
  RETURN t::double precision;
EXCEPTION WHEN numeric_value_out_of_range THEN
  RETURN NULL;
END
$fn$;

CREATE FUNCTION am_num(v jsonb) RETURNS double precision
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $fn$
  SELECT CASE jsonb_typeof(v)
    WHEN 'number' THEN v::double precision
    WHEN 'string' THEN am_js_number(v #>> '{}')
  END
$fn$;
`;

const V1_EVENTS = `
CREATE TABLE am_events (
  id          text             NOT NULL,
  ts          timestamptz      NOT NULL,
  v           smallint         NOT NULL,
  type        text             NOT NULL,
  span_id     text             NOT NULL,
  run_id      text,
  parent_id   text,
  kind        text,
  name        text,
  env         text             NOT NULL,
  start_ts    timestamptz,
  duration_ms double precision,
  status      text,
  success     boolean,
  rating      double precision,
  source      text,
  attrs       jsonb            NOT NULL,
  PRIMARY KEY (id, ts)
) PARTITION BY RANGE (ts);

COMMENT ON TABLE am_events IS 'agentmeter events, one row per event, partitioned by UTC day of ts (docs/postgres.md)';

CREATE FUNCTION am_ensure_partition(d date) RETURNS boolean
LANGUAGE plpgsql AS $fn$
DECLARE
  part text := 'am_events_' || to_char(d, 'YYYYMMDD');
BEGIN
  IF to_regclass(part) IS NOT NULL THEN
    RETURN false;
  END IF;
  -- Several writers may meet the same new day at once; one creates, the others wait and see it.
  PERFORM pg_advisory_xact_lock(hashtext('agentmeter.am_events.partitions'));
  IF to_regclass(part) IS NOT NULL THEN
    RETURN false;
  END IF;
  EXECUTE format('CREATE TABLE %I PARTITION OF am_events FOR VALUES FROM (%L) TO (%L)',
    part, (d::timestamp AT TIME ZONE 'UTC'), ((d + 1)::timestamp AT TIME ZONE 'UTC'));
  RETURN true;
EXCEPTION WHEN duplicate_table THEN
  -- The catalog seen after the lock can lag the writer that just created it.
  RETURN false;
END
$fn$;
` + NUMBER_FUNCTIONS;

// Rows PostgreSQL refused (a value out of a column's range, text or JSON it cannot hold), kept
// as their COPY text with the reason, so one bad event never holds back the ones after it.
const V2_SET_ASIDE = `
CREATE TABLE am_set_aside (
  id           text        PRIMARY KEY,
  set_aside_at timestamptz NOT NULL DEFAULT now(),
  sqlstate     text        NOT NULL,
  error        text        NOT NULL,
  row_text     text        NOT NULL
);

COMMENT ON TABLE am_set_aside IS 'events PostgreSQL refused, with its reason; the rest of their batch was stored (docs/postgres.md)';
`;

/** Every migration, oldest first. */
export const MIGRATIONS: readonly Migration[] = [
  { version: 1, name: 'events table partitioned by day', sql: V1_EVENTS },
  { version: 2, name: 'set-aside table for refused events', sql: V2_SET_ASIDE },
];

/** The version a fully migrated database has. */
export const LATEST_VERSION = MIGRATIONS[MIGRATIONS.length - 1]?.version ?? 0;

const LEDGER = `CREATE TABLE IF NOT EXISTS am_migrations (
  version    integer     PRIMARY KEY,
  name       text        NOT NULL,
  applied_at timestamptz NOT NULL DEFAULT now()
)`;

/** What a database has applied. */
export interface MigrationStatus {
  current: number;
  latest: number;
  pending: Migration[];
}

/** The schema version of the database (0 when agentmeter never migrated it). */
export async function migrationStatus(pool: Pool): Promise<MigrationStatus> {
  const exists = await pool.query<{ t: string | null }>(`SELECT to_regclass('am_migrations')::text AS t`);
  if (exists.rows[0]?.t == null) return { current: 0, latest: LATEST_VERSION, pending: [...MIGRATIONS] };
  const r = await pool.query<{ v: number | null }>('SELECT max(version) AS v FROM am_migrations');
  const current = r.rows[0]?.v ?? 0;
  return { current, latest: LATEST_VERSION, pending: MIGRATIONS.filter((m) => m.version > current) };
}

/**
 * Apply pending migrations in one transaction, under an advisory lock so two `migrate`
 * runs against one database apply each version once. Returns the versions applied.
 */
export async function migrate(pool: Pool): Promise<Migration[]> {
  return withClient(pool, (c) =>
    inTransaction(c, async () => {
      await c.query(`SELECT pg_advisory_xact_lock(hashtext('agentmeter.migrations'))`);
      await c.query(LEDGER);
      const r = await c.query<{ v: number | null }>('SELECT max(version) AS v FROM am_migrations');
      const current = r.rows[0]?.v ?? 0;
      const applied: Migration[] = [];
      for (const m of MIGRATIONS) {
        if (m.version <= current) continue;
        await c.query(m.sql);
        await c.query('INSERT INTO am_migrations (version, name) VALUES ($1, $2)', [m.version, m.name]);
        applied.push(m);
      }
      return applied;
    }),
  );
}

/** Day partitions of `am_events`, oldest first, as `YYYY-MM-DD`. */
export async function listDayPartitions(pool: Pool): Promise<string[]> {
  const r = await pool.query<{ name: string }>(
    `SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
      WHERE i.inhparent = to_regclass('am_events') ORDER BY c.relname`,
  );
  return r.rows
    .map((x) => /^am_events_(\d{4})(\d{2})(\d{2})$/.exec(x.name))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => `${m[1]}-${m[2]}-${m[3]}`);
}

/** Retention: drop every day partition strictly before `day` (`YYYY-MM-DD`); returns the days dropped. */
export async function dropPartitionsBefore(pool: Pool, day: string): Promise<string[]> {
  const dropped: string[] = [];
  for (const d of await listDayPartitions(pool)) {
    if (d >= day) continue;
    await pool.query(`DROP TABLE IF EXISTS "am_events_${d.replace(/-/g, '')}"`);
    dropped.push(d);
  }
  return dropped;
}

/** One event set aside by `PostgresSink`: PostgreSQL refused it. */
export interface SetAsideRow {
  id: string;
  set_aside_at: string;
  sqlstate: string;
  error: string;
  /** The row as COPY text (tab-separated columns of `am_events`). */
  row_text: string;
}

/** How many events are set aside, and the newest `limit` of them. */
export async function listSetAside(pool: Pool, limit = 100): Promise<{ count: number; rows: SetAsideRow[] }> {
  const n = await pool.query<{ n: string }>('SELECT count(*)::text AS n FROM am_set_aside');
  const r = await pool.query<{ id: string; at: string; sqlstate: string; error: string; row_text: string }>(
    `SELECT id, to_char(set_aside_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS at, sqlstate, error, row_text
       FROM am_set_aside ORDER BY set_aside_at DESC, id LIMIT $1`,
    [limit],
  );
  return { count: Number(n.rows[0]?.n ?? 0), rows: r.rows.map((x) => ({ id: x.id, set_aside_at: x.at, sqlstate: x.sqlstate, error: x.error, row_text: x.row_text })) };
}

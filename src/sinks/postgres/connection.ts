/**
 * Connecting to PostgreSQL. `pg` is imported here and only here, dynamically, so nothing
 * but the PostgreSQL path pays for loading it.
 */
import type { Pool, PoolClient, PoolConfig } from 'pg';
import { AgentmeterError } from '../../model/index.js';

/** Where the tables live: a connection URL and an optional schema. */
export interface PostgresTarget {
  /** `postgres://user@host:5432/db`; a `schema=` query parameter is taken out into `schema`. */
  url: string;
  /** Schema for agentmeter's tables (search_path); default the server's (usually `public`). */
  schema?: string | undefined;
}

const SCHEMA_RE = /^[A-Za-z_][A-Za-z0-9_$]{0,62}$/;

/** Whether a store argument names PostgreSQL. */
export function isPostgresUrl(s: string): boolean {
  return /^postgres(ql)?:\/\//i.test(s);
}

/**
 * Split `?schema=name` out of a URL (libpq does not know it; it sets the search_path).
 *
 * @example
 * parsePostgresUrl('postgres://u@h/db?schema=am') // { url: 'postgres://u@h/db', schema: 'am' }
 */
export function parsePostgresUrl(raw: string): PostgresTarget {
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    throw new AgentmeterError('E_PG_BAD_URL', `not a PostgreSQL URL: ${redactUrl(raw)}`);
  }
  if (!isPostgresUrl(raw)) throw new AgentmeterError('E_PG_BAD_URL', `not a PostgreSQL URL: ${redactUrl(raw)}`);
  const schema = u.searchParams.get('schema') ?? undefined;
  u.searchParams.delete('schema');
  if (schema !== undefined && !SCHEMA_RE.test(schema)) {
    throw new AgentmeterError('E_PG_BAD_URL', `schema must be a plain identifier, got ${JSON.stringify(schema)}`);
  }
  return { url: u.toString(), schema };
}

/** The URL with any password replaced, for messages. */
export function redactUrl(raw: string): string {
  return raw.replace(/(\/\/[^:/@]*:)[^@/]*@/, '$1***@');
}

/** Open a pool; `search_path` is set per connection to the target's schema. */
export async function openPool(target: PostgresTarget, config: Omit<PoolConfig, 'connectionString'> = {}): Promise<Pool> {
  const pg = (await import('pg')).default;
  const pool = new pg.Pool({
    connectionString: target.url,
    max: 4,
    application_name: 'agentmeter',
    ...(target.schema !== undefined ? { options: `-c search_path=${target.schema}` } : {}),
    ...config,
  });
  // An idle connection dropped by the server must not crash the process; the next query reconnects.
  pool.on('error', () => undefined);
  return pool;
}

/** Run `fn` on one connection of the pool. */
export async function withClient<T>(pool: Pool, fn: (c: PoolClient) => Promise<T>): Promise<T> {
  const c = await pool.connect();
  try {
    return await fn(c);
  } finally {
    c.release();
  }
}

/** Run `fn` in a transaction; rolled back when it throws. */
export async function inTransaction<T>(c: PoolClient, fn: () => Promise<T>, begin = 'BEGIN'): Promise<T> {
  await c.query(begin);
  try {
    const r = await fn();
    await c.query('COMMIT');
    return r;
  } catch (e: unknown) {
    await c.query('ROLLBACK').catch(() => undefined);
    throw e;
  }
}

/** A `pg` error's SQLSTATE, if it is one. */
export function sqlState(e: unknown): string | undefined {
  const code = (e as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? code : undefined;
}

/** Whether a failure may pass if tried again: connection trouble, serialisation, lock timeouts. */
export function isTransientPgError(e: unknown): boolean {
  const state = sqlState(e);
  if (state === undefined) {
    const code = (e as { code?: unknown } | null)?.code;
    // Socket errors from node: the server went away or is not there yet.
    if (typeof code === 'string') return /^E(CONNREFUSED|CONNRESET|PIPE|TIMEDOUT|HOSTUNREACH|NETUNREACH|AI_AGAIN)$/.test(code);
    // pg's own words for a connection lost or never made.
    return e instanceof Error && /Connection terminated|timeout exceeded when trying to connect/i.test(e.message);
  }
  // 08 connection, 40 rollback (serialisation, deadlock), 53 resources, 57P0x shutdown, 55P03 lock.
  return /^(08|40|53|57P0)/.test(state) || state === '55P03';
}

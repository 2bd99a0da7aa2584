import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe } from 'vitest';

/** The PostgreSQL the tests use (trust auth, database `test`); override with AGENTMETER_TEST_PG. */
export const PG_URL = process.env['AGENTMETER_TEST_PG'] ?? 'postgres://postgres@127.0.0.1:5432/test';

async function reachable(): Promise<boolean> {
  const c = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 2000 });
  try {
    await c.connect();
    await c.query('SELECT 1');
    return true;
  } catch {
    return false;
  } finally {
    await c.end().catch(() => undefined);
  }
}

const available = await reachable();
/** Whether the test PostgreSQL answers (suites that also run without it add it as one more source). */
export const pgAvailable = available;
if (!available && process.env['CI']) {
  throw new Error(`PostgreSQL is not reachable at ${PG_URL} and CI is set: start it (.ci/run does)`);
}
if (!available) console.warn(`skipping PostgreSQL tests: nothing answers at ${PG_URL}`);

/** `describe` that skips (saying why) when PostgreSQL is down, and fails under CI. */
export function describePg(name: string, fn: () => void): void {
  describe.skipIf(!available)(name, fn);
}

/** A fresh schema for this file, dropped afterwards; `url` selects it with `?schema=`. */
export function useSchema(): { readonly name: string; readonly url: string; admin: () => pg.Client } {
  const name = `am_test_${process.pid}_${randomBytes(4).toString('hex')}`;
  let client: pg.Client | undefined;
  beforeAll(async () => {
    if (!available) return;
    client = new pg.Client({ connectionString: PG_URL });
    await client.connect();
    await client.query(`CREATE SCHEMA ${name}`);
    await client.query(`SET search_path = ${name}`);
  });
  afterAll(async () => {
    if (!client) return;
    await client.query(`DROP SCHEMA IF EXISTS ${name} CASCADE`);
    await client.end();
  });
  return {
    name,
    url: `${PG_URL}${PG_URL.includes('?') ? '&' : '?'}schema=${name}`,
    admin: () => client as pg.Client,
  };
}

export { closedPort } from './net-helpers.js';

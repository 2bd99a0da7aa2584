// `agentmeter db` as users run it: a `?schema=` that does not exist yet, and the events
// PostgreSQL refused, counted by `status` and listed by `set-aside`.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { beforeAll, expect, it } from 'vitest';
import { PostgresSink, parsePostgresUrl } from '../../src/sinks/postgres/index.js';
import type { AgentmeterEvent } from '../../src/model/index.js';
import { uuidv7 } from '../../src/model/index.js';
import { PG_URL, describePg } from './pg-helpers.js';

const BIN = join(resolve(import.meta.dirname, '../..'), 'dist/cli/bin.js');

beforeAll(() => {
  if (!existsSync(BIN)) throw new Error('dist/cli/bin.js is missing: run `npm run build` (npm test does)');
});

function cli(args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describePg('agentmeter db', () => {
  it('migrate creates a ?schema= that does not exist, and status and set-aside show what PostgreSQL refused', async () => {
    const name = `am_new_${process.pid}_${randomBytes(3).toString('hex')}`;
    const url = `${PG_URL}${PG_URL.includes('?') ? '&' : '?'}schema=${name}`;
    const admin = new pg.Client({ connectionString: PG_URL });
    await admin.connect();
    try {
      const m = cli(['db', 'migrate', '--to', url, '--json']);
      expect(m.stderr).not.toMatch(/3F000|no schema has been selected/);
      expect(m.code, m.stderr).toBe(0);
      expect(JSON.parse(m.stdout)).toEqual({ applied: [1, 2], version: 2 });
      const tables = await admin.query<{ t: string }>(`SELECT table_name AS t FROM information_schema.tables WHERE table_schema = $1 ORDER BY 1`, [name]);
      expect(tables.rows.map((r) => r.t)).toEqual(expect.arrayContaining(['am_events', 'am_migrations', 'am_set_aside']));

      const ms = Date.parse('2025-02-01T10:00:00.000Z');
      const bad = { v: 99_999, id: uuidv7(ms), ts: new Date(ms).toISOString(), type: 'span.event', span_id: 's', run_id: 'r', env: 'prod', name: 'n', attrs: {} } as unknown as AgentmeterEvent;
      const good = { ...bad, v: 1, id: uuidv7(ms + 1) } as AgentmeterEvent;
      const sink = new PostgresSink(parsePostgresUrl(url), { onSetAside: () => undefined });
      expect(await sink.export([bad, good])).toEqual({ ok: true });
      await sink.shutdown();

      const st = cli(['db', 'status', '--to', url, '--json']);
      expect(st.code).toBe(0);
      expect(JSON.parse(st.stdout)).toMatchObject({ version: 2, set_aside: 1 });
      const listed = cli(['db', 'set-aside', '--to', url, '--json']);
      expect(listed.code).toBe(0);
      const rows = listed.stdout.trim().split('\n').map((l) => JSON.parse(l) as { id: string; sqlstate: string; error: string });
      expect(rows).toEqual([expect.objectContaining({ id: bad.id, sqlstate: '22003' })]);
      expect(listed.stderr).toMatch(/1 event set aside/);
    } finally {
      await admin.query(`DROP SCHEMA IF EXISTS ${name} CASCADE`);
      await admin.end();
    }
  });
});

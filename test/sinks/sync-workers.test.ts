/**
 * `syncStore` with encoding worker threads (the default from four cores up). Worker threads
 * run the built files, so this test drives `dist/` (built before the tests, as for the CLI
 * tests): the cursor, skipped lines, torn tails and what is stored must match the inline path.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { expect, it } from 'vitest';
import { uuidv7 } from '../../src/model/index.js';
import type * as SinksApi from '../../src/sinks/index.js';
import type * as PostgresApi from '../../src/sinks/postgres/index.js';
import { tempDir } from '../helpers.js';
import { describePg, useSchema } from './pg-helpers.js';

const DIST = resolve(import.meta.dirname, '../../dist/sinks');
const T0 = Date.parse('2025-03-10T00:00:00.000Z');

function storeWithOddLines(n: number): string {
  const dir = tempDir();
  const folder = join(dir, 'events', '2025-03-10');
  mkdirSync(folder, { recursive: true });
  let text = '';
  for (let i = 0; i < n; i++) {
    const ms = T0 + i;
    text += `${JSON.stringify({ v: 1, id: uuidv7(ms), ts: new Date(ms).toISOString(), type: 'span.event', span_id: `k-${i}`, run_id: 'r', env: 'prod', name: 'n', attrs: { i, x: 0.25 } })}\n`;
    if (i % 1000 === 0) text += 'not json\n';
  }
  writeFileSync(join(folder, 'a.jsonl'), `${text}{"v":1,"id":"torn`);
  return dir;
}

describePg('sync with encoding worker threads', () => {
  const schema = useSchema();

  it('sends every valid line once, counts the invalid ones, leaves the torn tail, and resumes from its cursor', async () => {
    const sinks = (await import(pathToFileURL(join(DIST, 'index.js')).href)) as typeof SinksApi;
    const pg = (await import(pathToFileURL(join(DIST, 'postgres/index.js')).href)) as typeof PostgresApi;
    const pool = await pg.openPool(pg.parsePostgresUrl(schema.url));
    await pg.migrate(pool);
    const dir = storeWithOddLines(12_000);
    const sink = new pg.PostgresSink(undefined, { pool });
    const first = await sinks.syncStore({ root: dir, sink, sinkId: 'w', destination: 'w', batchSize: 1000, encodeThreads: 2 });
    expect(first).toMatchObject({ ok: true, events: 12_000, skipped: 12, tornTails: 1 });
    // Batches close at chunk (1 MB) boundaries: several here, each acknowledged in order.
    expect(first.batches).toBeGreaterThan(1);
    const rows = await schema.admin().query<{ n: string; distinct: string; sum: string }>("SELECT count(*) AS n, count(DISTINCT id) AS distinct, sum((attrs->>'i')::int) AS sum FROM am_events");
    expect(rows.rows[0]).toEqual({ n: '12000', distinct: '12000', sum: String((12_000 * 11_999) / 2) });
    const again = await sinks.syncStore({ root: dir, sink, sinkId: 'w', destination: 'w', batchSize: 1000, encodeThreads: 2 });
    expect(again).toMatchObject({ ok: true, events: 0, tornTails: 1 });
    expect(sink.stats.duplicates).toBe(0);
    await sink.shutdown();
    await pool.end();
  });
});

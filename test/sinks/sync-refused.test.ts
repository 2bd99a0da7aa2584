/**
 * What the file store accepts, the PostgreSQL sink accepts: a line the reader keeps never
 * stops `sync`, and what the reader refuses is counted as skipped, not sent.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { uuidv7 } from '../../src/model/index.js';
import { syncStore } from '../../src/sinks/index.js';
import { PostgresSink, listSetAside, migrate, openPool, parsePostgresUrl } from '../../src/sinks/postgres/index.js';
import { scanEvents } from '../../src/store/index.js';
import { tempDir } from '../helpers.js';
import { describePg, useSchema } from './pg-helpers.js';

const T0 = Date.parse('2025-03-11T08:00:00.000Z');

describePg('sync of lines PostgreSQL once refused', () => {
  const schema = useSchema();

  it('a lone surrogate, a BOM and an out-of-range version neither stop sync nor lose the events after them', async () => {
    const dir = tempDir();
    const folder = join(dir, 'events', '2025-03-11');
    mkdirSync(folder, { recursive: true });
    const line = (i: number, extra: Record<string, unknown> = {}): string =>
      JSON.stringify({ v: 1, id: uuidv7(T0 + i), ts: new Date(T0 + i).toISOString(), type: 'span.event', span_id: `s-${i}`, run_id: 'r', env: 'prod', name: 'n', attrs: { i }, ...extra });
    let text = '\ufeff';
    for (let i = 0; i < 50; i++) {
      if (i === 10) text += line(i, { attrs: { i, note: 'cut \ud800 here' } }) + '\n';
      else if (i === 20) text += line(i, { v: -70_000 }) + '\n';
      else text += line(i) + '\n';
    }
    writeFileSync(join(folder, 'a.jsonl'), text);
    // The reader keeps 49 (the BOM does not cost the first one) and skips the bad version.
    let read = 0;
    const stats = await scanEvents({ root: dir, onEvent: () => read++ });
    expect({ read, skipped: stats.skipped }).toEqual({ read: 49, skipped: 1 });
    expect(stats.samples[0]?.reason).toMatch(/\/v must be a schema version/);

    const pool = await openPool(parsePostgresUrl(schema.url));
    await migrate(pool);
    const sink = new PostgresSink(undefined, { pool });
    const r = await syncStore({ root: dir, sink, sinkId: 'p', destination: 'p', batchSize: 100, encodeThreads: 0 });
    expect(r).toMatchObject({ ok: true, events: 49, skipped: 1 });
    const rows = await schema.admin().query<{ n: string; note: string | null }>(`SELECT count(*) AS n, max(attrs->>'note') AS note FROM am_events`);
    expect(rows.rows[0]).toEqual({ n: '49', note: 'cut \uFFFD here' });
    expect((await listSetAside(pool)).count).toBe(0);
    await sink.shutdown();
    await pool.end();
  });
});

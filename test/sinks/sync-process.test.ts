/**
 * `agentmeter sync` as a process: killed with SIGKILL in the middle it resumes from its
 * cursor without losing or duplicating an event; `--watch` forwards events written later and
 * stops cleanly on SIGTERM.
 */
import { spawn, spawnSync } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { expect, it } from 'vitest';
import { migrate, openPool, parsePostgresUrl } from '../../src/sinks/postgres/index.js';
import { CURSORS_DIR } from '../../src/sinks/index.js';
import { uuidv7 } from '../../src/model/index.js';
import { killAfterTest, tempDir, waitFor } from '../helpers.js';
import { describePg, useSchema } from './pg-helpers.js';

const BIN = resolve(import.meta.dirname, '../../dist/cli/bin.js');
const T0 = Date.parse('2025-02-20T00:00:00.000Z');

function writeSegment(dir: string, day: string, name: string, n: number, startMs: number): void {
  const folder = join(dir, 'events', day);
  mkdirSync(folder, { recursive: true });
  let text = '';
  for (let i = 0; i < n; i++) {
    const ms = startMs + i;
    text +=
      JSON.stringify({
        v: 1, id: uuidv7(ms), ts: new Date(ms).toISOString(), type: 'span', span_id: `${name}-${i}`, run_id: 'r', env: 'prod', kind: 'tool',
        name: 'read', parent_id: null, start_ts: new Date(ms).toISOString(), duration_ms: 1, status: 'success', attrs: { 'gen_ai.tool.name': 'Read', i },
      }) + '\n';
  }
  writeFileSync(join(folder, `${name}.jsonl`), text);
}

const until = waitFor;

describePg('sync process', () => {
  const schema = useSchema();
  const count = async (): Promise<number> => Number((await schema.admin().query<{ n: string }>('SELECT count(*) AS n FROM am_events')).rows[0]?.n);

  it('resumes after SIGKILL without losing or duplicating an event', async () => {
    expect(existsSync(BIN)).toBe(true);
    const pool = await openPool(parsePostgresUrl(schema.url));
    await migrate(pool);
    await pool.end();
    const dir = tempDir();
    writeSegment(dir, '2025-02-20', 'a', 20_000, T0);
    writeSegment(dir, '2025-02-20', 'b', 20_000, T0 + 50_000);
    writeSegment(dir, '2025-02-21', 'c', 20_000, T0 + 86_400_000);
    const child = killAfterTest(spawn(process.execPath, [BIN, 'sync', '--dir', dir, '--to', schema.url, '--batch-size', '500'], { stdio: 'ignore' }));
    const exited = new Promise<void>((r) => child.on('exit', () => r()));
    // Kill it as soon as it has acknowledged something: mid-way, with a cursor on disk.
    const cursors = join(dir, CURSORS_DIR);
    await until(() => existsSync(cursors) && readdirSync(cursors).some((f) => f.endsWith('.json')), 'the first cursor');
    child.kill('SIGKILL');
    await exited;
    const partial = await count();
    expect(partial).toBeGreaterThan(0);
    expect(partial).toBeLessThan(60_000);
    const r = spawnSync(process.execPath, [BIN, 'sync', '--dir', dir, '--to', schema.url, '--json'], { encoding: 'utf8', timeout: 60_000 });
    expect(r.status).toBe(0);
    expect(await count()).toBe(60_000);
    const stats = JSON.parse(r.stdout) as { events: number };
    // The second run sent the rest, resending at most the batches committed but not yet in
    // the cursor when the kill came: two in flight, each the batch size plus at most one
    // 1 MiB chunk's lines (chunks join batches whole).
    const shortest = Math.min(...readFileSync(join(dir, 'events', '2025-02-20', 'a.jsonl'), 'utf8').split('\n').filter(Boolean).map((l) => l.length + 1));
    expect(stats.events).toBeLessThanOrEqual(60_000 - partial + 2 * (500 + Math.ceil(1_048_576 / shortest)));
    const again = spawnSync(process.execPath, [BIN, 'sync', '--dir', dir, '--to', schema.url, '--json'], { encoding: 'utf8', timeout: 60_000 });
    expect(JSON.parse(again.stdout)).toMatchObject({ ok: true, events: 0 });
  });

  it('invalid lines skipped and counted, a torn tail waits, attrs stored exactly', async () => {
    const pool = await openPool(parsePostgresUrl(schema.url));
    await migrate(pool);
    await pool.end();
    const before = await count();
    const dir = tempDir();
    writeSegment(dir, '2025-02-20', 'w', 3000, T0 + 200_000);
    const seg = join(dir, 'events', '2025-02-20', 'w.jsonl');
    const odd = { v: 1, id: uuidv7(T0 + 209_000), ts: new Date(T0 + 209_000).toISOString(), type: 'span.event', span_id: 'w-odd', run_id: 'r', env: 'prod', name: 'n' };
    // Numbers JavaScript writes differently, a nested `attrs`, escapes, a duplicate top-level key.
    appendFileSync(
      seg,
      `not json\n{"v":1,"type":"span"}\n${JSON.stringify(odd).slice(0, -1)},"attrs":{"a":1.50,"b":-0,"attrs":{"x":"\\"tab\\t"},"c":[1e2]}}\n` +
        `${JSON.stringify({ ...odd, id: uuidv7(T0 + 209_001), attrs: { q: 1 } }).slice(0, -1)},"attrs":{"q":2}}\n{"v":1,"id":"torn`,
    );
    const r = spawnSync(process.execPath, [BIN, 'sync', '--dir', dir, '--to', schema.url, '--json'], { encoding: 'utf8', timeout: 60_000 });
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ ok: true, events: 3002, skipped: 2, tornTails: 1 });
    expect((await count()) - before).toBe(3002);
    const rows = (await schema.admin().query<{ attrs: unknown }>('SELECT attrs FROM am_events WHERE span_id = $1 ORDER BY id', ['w-odd'])).rows;
    expect(rows.map((x) => x.attrs)).toEqual([{ a: 1.5, b: 0, attrs: { x: '"tab\t' }, c: [100] }, { q: 2 }]);
    const one = (await schema.admin().query<{ attrs: unknown }>("SELECT attrs FROM am_events WHERE span_id = 'w-7'")).rows[0];
    expect(one?.attrs).toEqual({ 'gen_ai.tool.name': 'Read', i: 7 });
  });

  it('--watch forwards new events and stops cleanly on SIGTERM', async () => {
    await schema.admin().query('TRUNCATE am_events');
    const dir = tempDir();
    writeSegment(dir, '2025-02-22', 'w1', 300, T0 + 2 * 86_400_000);
    const child = killAfterTest(spawn(process.execPath, [BIN, 'sync', '--dir', dir, '--to', schema.url, '--watch', '--interval', '0.1s'], { stdio: ['ignore', 'pipe', 'pipe'] }));
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    try {
      await until(async () => (await count()) === 300, 'the first segment');
      writeSegment(dir, '2025-02-22', 'w2', 200, T0 + 2 * 86_400_000 + 10_000);
      await until(async () => (await count()) === 500, 'the segment written later');
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
    expect(stderr).toMatch(/500 events/);
  });
});

/**
 * `agentmeter sync` as a process: killed with SIGKILL in the middle it resumes from its
 * cursor without losing or duplicating an event; `--watch` forwards events written later and
 * stops cleanly on SIGTERM.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { expect, it } from 'vitest';
import { migrate, openPool, parsePostgresUrl } from '../../src/sinks/postgres/index.js';
import { CURSORS_DIR } from '../../src/sinks/index.js';
import { uuidv7 } from '../../src/model/index.js';
import { tempDir } from '../helpers.js';
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

async function until(check: () => Promise<boolean> | boolean, what: string, limitMs = 30_000): Promise<void> {
  const deadline = Date.now() + limitMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

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
    const child = spawn(process.execPath, [BIN, 'sync', '--dir', dir, '--to', schema.url, '--batch-size', '500'], { stdio: 'ignore' });
    const exited = new Promise<void>((r) => child.on('exit', () => r()));
    // Kill it as soon as it has acknowledged something: mid-way, with a cursor on disk.
    const cursors = join(dir, CURSORS_DIR);
    await until(() => existsSync(cursors) && readdirSync(cursors).some((f) => f.endsWith('.json')), 'the first cursor');
    child.kill('SIGKILL');
    await exited;
    const partial = await count();
    expect(partial).toBeGreaterThan(0);
    expect(partial).toBeLessThan(60_000);
    const r = spawnSync(process.execPath, [BIN, 'sync', '--dir', dir, '--to', schema.url, '--json'], { encoding: 'utf8' });
    expect(r.status).toBe(0);
    expect(await count()).toBe(60_000);
    const stats = JSON.parse(r.stdout) as { events: number };
    // The second run sent the rest, resending at most the batch committed but not yet in
    // the cursor when the kill came.
    expect(stats.events).toBeLessThanOrEqual(60_000 - partial + 500 + 1);
    const again = spawnSync(process.execPath, [BIN, 'sync', '--dir', dir, '--to', schema.url, '--json'], { encoding: 'utf8' });
    expect(JSON.parse(again.stdout)).toMatchObject({ ok: true, events: 0 });
  });

  it('--watch forwards new events and stops cleanly on SIGTERM', async () => {
    await schema.admin().query('TRUNCATE am_events');
    const dir = tempDir();
    writeSegment(dir, '2025-02-22', 'w1', 300, T0 + 2 * 86_400_000);
    const child = spawn(process.execPath, [BIN, 'sync', '--dir', dir, '--to', schema.url, '--watch', '--interval', '0.1s'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    await until(async () => (await count()) === 300, 'the first segment');
    writeSegment(dir, '2025-02-22', 'w2', 200, T0 + 2 * 86_400_000 + 10_000);
    await until(async () => (await count()) === 500, 'the segment written later');
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(stderr).toMatch(/500 events/);
  });
});

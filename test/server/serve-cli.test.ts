// `agentmeter serve` as a user starts it: the built bin on an ephemeral port, stopped by SIGTERM.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { scanEvents } from '../../src/store/index.js';
import { runCli } from '../cli/run-cli.js';
import { killAfterTest, tempDir } from '../helpers.js';

const BIN = join(resolve(import.meta.dirname, '../..'), 'dist/cli/bin.js');

beforeAll(() => {
  if (!existsSync(BIN)) throw new Error('dist/cli/bin.js is missing: run `npm run build` (npm test does)');
});

describe('agentmeter serve', () => {
  it('listens on loopback, stores posted events, stops cleanly on SIGTERM', async () => {
    const dir = tempDir();
    const child = killAfterTest(spawn(process.execPath, [BIN, 'serve', '--port', '0', '--dir', dir], { stdio: ['ignore', 'pipe', 'pipe'] }));
    let stderr = '';
    const url = await new Promise<string>((ok, fail) => {
      child.stderr.on('data', (d: Buffer) => {
        stderr += d.toString();
        const m = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(stderr);
        if (m) ok(m[1]!);
      });
      child.on('close', () => fail(new Error(stderr)));
    });
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    const id = '01934a2b-0000-7000-8000-00000000abcd';
    const ev = { v: 1, id, ts: '2025-01-02T03:04:05.678Z', type: 'feedback', span_id: id, run_id: null, env: 'test', success: true, rating: 5, source: 'human', attrs: {} };
    const r = await fetch(`${url}/v1/events`, { method: 'POST', body: JSON.stringify(ev), headers: { 'content-type': 'application/json' } });
    expect(r.status).toBe(200);
    // The dashboard is mounted on the same port and sees what was just stored.
    expect((await fetch(`${url}/`)).headers.get('content-type') ?? '').toMatch(/text\/html/);
    const meta = (await (await fetch(`${url}/api/meta`)).json()) as { spans: number };
    expect(typeof meta.spans).toBe('number');
    child.kill('SIGTERM');
    const code = await new Promise<number | null>((ok) => child.on('close', (c) => ok(c)));
    expect(code).toBe(0);
    expect(stderr).toMatch(/stopped; 1 events stored, 0 dropped/);
    const ids: string[] = [];
    await scanEvents({ root: dir, onEvent: (e) => ids.push(e.id) });
    expect(ids).toEqual([id]);
  });

  it('--no-dashboard serves ingest only', async () => {
    const child = killAfterTest(spawn(process.execPath, [BIN, 'serve', '--port', '0', '--dir', tempDir(), '--no-dashboard'], { stdio: ['ignore', 'pipe', 'pipe'] }));
    let stderr = '';
    const url = await new Promise<string>((ok, fail) => {
      child.stderr.on('data', (d: Buffer) => {
        stderr += d.toString();
        const m = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(stderr);
        if (m) ok(m[1]!);
      });
      child.on('close', () => fail(new Error(stderr)));
    });
    expect((await fetch(`${url}/api/meta`)).status).toBe(404);
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    child.kill('SIGTERM');
    expect(await new Promise<number | null>((ok) => child.on('close', (c) => ok(c)))).toBe(0);
  });

  it('refuses a non-loopback host without a token (exit 2)', async () => {
    const r = await runCli(['serve', '--host', '0.0.0.0', '--port', '0'], { env: { AGENTMETER_TOKEN: '' } });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--token/);
  });

  it('refuses to start on a store it cannot write, naming why (exit 1), instead of answering 503 forever', () => {
    const file = join(tempDir(), 'a-file');
    writeFileSync(file, '');
    const r = spawnSync(process.execPath, [BIN, 'serve', '--port', '0', '--dir', join(file, 'store')], { encoding: 'utf8', timeout: 20_000 });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/cannot write under .*a-file\/store \(ENOTDIR: not a directory\).*choose a writable --dir/);
  });
});

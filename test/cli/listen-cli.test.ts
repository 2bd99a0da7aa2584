// A busy port is named, with the way out, before any store is read.
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import type { AddressInfo, Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import type { Io } from '../../src/cli/io.js';
import { generateDemo } from '../../src/integrations/demo.js';

const dir = mkdtempSync(join(tmpdir(), 'agentmeter-listen-'));
let blocker: Server;
let port = 0;
beforeAll(async () => {
  await generateDemo({ dir, days: 2, seed: 1, runsPerDay: 2 });
  blocker = createServer();
  await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
  port = (blocker.address() as AddressInfo).port;
});
afterAll(async () => {
  await new Promise<void>((resolve) => blocker.close(() => resolve()));
  rmSync(dir, { recursive: true, force: true });
});

async function run(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const io: Io = { stdout: { write: (t: string) => (out += t) }, stderr: { write: (t: string) => (err += t) }, env: { NO_COLOR: '1' }, cwd: dir };
  return { code: await main(args, io), out, err };
}

it('dashboard on a busy port says EADDRINUSE and the port, without reading the store', async () => {
  const r = await run(['dashboard', '--dir', dir, '--port', String(port)]);
  expect(r.code).toBe(1);
  expect(r.err).toContain(`127.0.0.1:${port}: the port is in use (EADDRINUSE)`);
  expect(r.err).toContain('--port 0');
  expect(r.err).not.toContain('reading');
  expect(r.out).toBe('');
});

it('serve on a busy port says the same', async () => {
  const r = await run(['serve', '--dir', dir, '--port', String(port), '--no-dashboard']);
  expect(r.code).toBe(1);
  expect(r.err).toContain(`127.0.0.1:${port}: the port is in use (EADDRINUSE)`);
});

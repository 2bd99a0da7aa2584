import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { expect, it } from 'vitest';
import { killAfterTest, tempDir, waitFor } from '../helpers.js';

const BIN = resolve(import.meta.dirname, '../../dist/cli/bin.js');

it('sync --watch outlasts a collector that stays unavailable through every retry, then delivers', async () => {
  let requests = 0;
  let spans = 0;
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      // More refusals than one batch's retries: the watcher must come back on its own.
      if (++requests <= 9) {
        res.writeHead(503, { 'retry-after': '0' });
        res.end();
        return;
      }
      if (req.url === '/v1/traces') spans += (JSON.parse(body) as { resourceSpans: { scopeSpans: { spans: unknown[] }[] }[] }).resourceSpans[0]!.scopeSpans[0]!.spans.length;
      res.end('{}');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  const dir = tempDir();
  mkdirSync(join(dir, 'events', '2025-02-26'), { recursive: true });
  const ms = Date.parse('2025-02-26T00:00:00.000Z');
  writeFileSync(
    join(dir, 'events', '2025-02-26', 'a.jsonl'),
    JSON.stringify({ v: 1, id: '01953f8d-9c02-73d0-b12e-d10ee3ea37ab', ts: new Date(ms).toISOString(), type: 'span', span_id: 's1', run_id: 'r1', env: 'prod', kind: 'tool', name: 'read', parent_id: null, start_ts: new Date(ms).toISOString(), duration_ms: 5, status: 'success', attrs: {} }) + '\n',
  );
  const child = killAfterTest(spawn(process.execPath, [BIN, 'sync', '--dir', dir, '--to', `otlp+http://127.0.0.1:${port}`, '--watch', '--interval', '0.1s'], { stdio: ['ignore', 'ignore', 'pipe'] }));
  let stderr = '';
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  try {
    await waitFor(() => spans > 0, 'sync --watch to deliver the span once the collector answers');
  } finally {
    child.kill('SIGTERM');
  }
  expect(await exited).toBe(0);
  await new Promise((r) => server.close(r));
  expect(spans).toBe(1);
  expect(stderr).toContain('still unreachable after retries');
});

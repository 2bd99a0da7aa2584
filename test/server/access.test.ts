/**
 * One Host/Origin policy on every listener (DNS rebinding): the standalone dashboard as the
 * built CLI starts it, and `listen` itself; a token outside the Bearer syntax refused at start.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { request } from 'node:http';
import { join, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { createApp, listen, tokenProblem } from '../../src/server/index.js';
import { createLocalSink } from '../../src/store/index.js';
import { tempDir } from '../helpers.js';

const BIN = join(resolve(import.meta.dirname, '../..'), 'dist/cli/bin.js');

beforeAll(() => {
  if (!existsSync(BIN)) throw new Error('dist/cli/bin.js is missing: run `npm run build` (npm test does)');
});

/** GET with a Host header of our choosing (fetch does not let one set it). */
function get(url: string, headers: Record<string, string>): Promise<number> {
  return new Promise((ok, fail) => {
    const req = request(url, { headers }, (res) => {
      res.resume();
      res.on('end', () => ok(res.statusCode ?? 0));
    });
    req.on('error', fail);
    req.setTimeout(20_000, () => req.destroy(new Error('timeout')));
    req.end();
  });
}

describe('Host policy on every listener', () => {
  it('the standalone dashboard answers 403 to a foreign Host or Origin, 200 to loopback', async () => {
    const dir = tempDir();
    expect(spawnSync(process.execPath, [BIN, 'demo', '--dir', dir, '--days', '2'], { encoding: 'utf8', timeout: 60_000 }).status).toBe(0);
    const child = spawn(process.execPath, [BIN, 'dashboard', '--dir', dir, '--port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      const url = await new Promise<string>((ok, fail) => {
        let out = '';
        child.stdout.on('data', (d: Buffer) => {
          out += d.toString();
          const m = /^(http:\/\/127\.0\.0\.1:\d+)\//.exec(out);
          if (m) ok(m[1]!);
        });
        child.on('close', () => fail(new Error('dashboard exited')));
      });
      const port = new URL(url).port;
      expect(await get(`${url}/api/runs?env=all`, { host: `127.0.0.1:${port}` })).toBe(200);
      expect(await get(`${url}/api/runs?env=all`, { host: 'evil.com' })).toBe(403);
      expect(await get(`${url}/api/runs?env=all`, { host: `evil.com:${port}` })).toBe(403);
      expect(await get(`${url}/`, { host: 'evil.com' })).toBe(403);
      expect(await get(`${url}/api/meta`, { host: `localhost:${port}`, origin: 'http://evil.com' })).toBe(403);
    } finally {
      child.kill('SIGTERM');
    }
  });

  it('listen applies the policy to any app, with --allow-host names and the bound address', async () => {
    const server = await listen({ fetch: () => new Response('ok') }, { port: 0, allowedHosts: ['metrics.internal'] });
    expect(await get(server.url, { host: 'evil.com' })).toBe(403);
    expect(await get(server.url, { host: 'metrics.internal' })).toBe(200);
    expect(await get(server.url, { host: 'localhost' })).toBe(200);
    await server.close();
  });
});

describe('tokens', () => {
  it('a token outside the Bearer syntax is refused at start-up, by the app and by serve (exit 2)', () => {
    expect(tokenProblem('abc-DEF_1.2~3+4/5==')).toBeUndefined();
    for (const bad of ['pa!ss', 'a#b', 'with space', 'a=b', 'tab\tx']) expect(tokenProblem(bad), bad).toMatch(/cannot carry/);
    expect(() => createApp({ sink: createLocalSink({ root: tempDir() }), token: 'pa!ss#' })).toThrow(/"!", "#"/);
    const r = spawnSync(process.execPath, [BIN, 'serve', '--port', '0', '--dir', tempDir(), '--token', 'hunter2!'], { encoding: 'utf8', timeout: 20_000 });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/--token: the token holds characters a Bearer token cannot carry \("!"\)/);
    const env = spawnSync(process.execPath, [BIN, 'serve', '--port', '0', '--dir', tempDir()], { encoding: 'utf8', timeout: 20_000, env: { ...process.env, AGENTMETER_TOKEN: 'a#b' } });
    expect(env.status).toBe(2);
    expect(env.stderr).toMatch(/AGENTMETER_TOKEN: /);
  });

  it('a token in the Bearer syntax authenticates', async () => {
    const token = 'abc-DEF_1.2~3+4/5==';
    const app = createApp({ sink: createLocalSink({ root: tempDir() }), token });
    const res = await app.fetch(new Request('http://127.0.0.1/v1/events', { method: 'POST', body: '[]', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' } }));
    expect(res.status).not.toBe(401);
    expect(res.status).not.toBe(400);
  });
});

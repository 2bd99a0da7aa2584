// `agentmeter alert` against a real HTTP receiver on 127.0.0.1: what it posts (Slack-compatible
// and generic JSON), each finding once, retries, failures left for the next run, --dry-run,
// and --watch in the built binary.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateDemo } from '../../src/integrations/demo.js';
import { stateFileFor } from '../../src/cli/commands/alert-delivery.js';
import { killAfterTest, tempDir, waitFor } from '../helpers.js';
import { ROOT, runCli } from './run-cli.js';

interface Hit {
  path: string;
  contentType: string | undefined;
  body: Record<string, unknown>;
}

let dir = '';
let server: Server;
let base = '';
const hits: Hit[] = [];
/** Per path: statuses to answer before 200 (e.g. [503, 503]). */
const scripted = new Map<string, number[]>();

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'agentmeter-alert-'));
  // A month of demo data, ending now: gpt-4.1 had a bad day three days ago.
  await generateDemo({ dir, days: 30, seed: 42 });
  server = createServer((req, res) => {
    let data = '';
    req.on('data', (c: Buffer) => (data += c.toString()));
    req.on('end', () => {
      const path = req.url ?? '/';
      hits.push({ path, contentType: req.headers['content-type'], body: JSON.parse(data) as Record<string, unknown> });
      const status = scripted.get(path)?.shift() ?? 200;
      res.writeHead(status, { 'content-type': 'text/plain' }).end(status === 200 ? 'ok' : 'no');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((r) => server.close(r));
  rmSync(dir, { recursive: true, force: true });
});

const alert = (args: string[]) => runCli(['alert', '--dir', dir, '--env', 'demo', '--since', '7d', ...args]);
const at = (path: string): Hit[] => hits.filter((h) => h.path === path);

describe('agentmeter alert', () => {
  it('posts each anomaly and failed gate once, Slack-compatible by default; a second run posts nothing', async () => {
    const url = `${base}/slack`;
    const first = await alert(['--webhook', url, '--max-failure-rate', '5%']);
    expect(first.code, first.stderr).toBe(0);
    const posted = at('/slack');
    const anomalies = posted.filter((h) => /^agentmeter: Anomaly on /.test(String(h.body['text'])));
    const gates = posted.filter((h) => /^agentmeter: Gate failed: max_failure_rate — agents failure rate \d+\.\d % \[/.test(String(h.body['text'])));
    expect(anomalies.length).toBeGreaterThan(0);
    expect(gates).toHaveLength(1);
    expect(posted).toHaveLength(anomalies.length + 1);
    for (const h of posted) {
      expect(h.contentType).toBe('application/json');
      const blocks = h.body['blocks'] as { type: string; text?: { type: string; text: string } }[];
      expect(blocks.map((b) => b.type)).toEqual(['header', 'section', 'context']);
      expect(blocks[0]?.text?.type).toBe('plain_text');
      expect(blocks[1]?.text?.type).toBe('mrkdwn');
    }
    expect(String(anomalies[0]?.body['text'])).toMatch(/gpt-4\.1/);
    expect(first.stdout).toMatch(new RegExp(`alert: ${posted.length} findings .*, 0 already sent, ${posted.length} sent\\n$`));
    // The state is kept under the store, per webhook, without the URL in it.
    const stateFile = stateFileFor(dir, url);
    expect(stateFile.startsWith(join(dir, 'alerts'))).toBe(true);
    const state = readFileSync(stateFile, 'utf8');
    expect(Object.keys((JSON.parse(state) as { sent: object }).sent)).toHaveLength(posted.length);
    expect(state).not.toContain('127.0.0.1');

    const second = await alert(['--webhook', url, '--max-failure-rate', '5%']);
    expect(second.code).toBe(0);
    expect(at('/slack')).toHaveLength(posted.length);
    expect(second.stdout).toMatch(new RegExp(`${posted.length} already sent, 0 sent`));
  });

  it('--format json posts the finding itself; another webhook gets its own copy of every finding', async () => {
    const r = await alert(['--webhook', `${base}/generic`, '--format', 'json']);
    expect(r.code, r.stderr).toBe(0);
    const posted = at('/generic');
    expect(posted.length).toBeGreaterThan(0);
    const b = posted[0]?.body as { source: string; type: string; id: string; anomaly: { series: string; day: string; evidence: string; p_value: number }; window: { since: string }; store: string; envs: string };
    expect(b.source).toBe('agentmeter');
    expect(b.type).toBe('anomaly');
    expect(b.id).toBe(`anomaly|${b.anomaly.day}|${b.anomaly.series}|${(b.anomaly as unknown as { metric: string }).metric}`);
    expect(b.anomaly.p_value).toBeLessThan(0.05);
    expect(b.store).toBe(dir);
    expect(b.envs).toBe('demo');
  });

  it('a gate that passes again is forgotten, so its next failure is posted again', async () => {
    const url = `${base}/gates`;
    const state = join(tempDir(), 'sent.json');
    const args = ['--webhook', url, '--state', state, '--series', 'model', '--min-count', '1000000'];
    expect((await alert([...args, '--max-failure-rate', '5%'])).code).toBe(0);
    expect(at('/gates')).toHaveLength(1);
    expect((await alert([...args, '--max-failure-rate', '5%'])).code).toBe(0);
    expect(at('/gates')).toHaveLength(1);
    expect((await alert([...args, '--max-failure-rate', '90%'])).code).toBe(0);
    expect((await alert([...args, '--max-failure-rate', '5%'])).code).toBe(0);
    expect(at('/gates')).toHaveLength(2);
  });

  it('retries 5xx with backoff; a 4xx fails at once, exits 1 and is tried again on the next run', async () => {
    const state = join(tempDir(), 'sent.json');
    const args = ['--state', state, '--max-failure-rate', '5%', '--series', 'model', '--min-count', '1000000'];
    scripted.set('/flaky', [503, 503]);
    const ok = await alert(['--webhook', `${base}/flaky`, ...args]);
    expect(ok.code, ok.stderr).toBe(0);
    expect(at('/flaky')).toHaveLength(3);
    expect(ok.stdout).toContain('1 sent');

    const state2 = join(tempDir(), 'sent.json');
    scripted.set('/refuses', [400]);
    const bad = await alert(['--webhook', `${base}/refuses`, ...args.slice(2), '--state', state2]);
    expect(bad.code).toBe(1);
    expect(at('/refuses')).toHaveLength(1);
    expect(bad.stderr).toMatch(/could not post "Gate failed: max_failure_rate" after 1 attempt: HTTP 400: no; it stays unsent/);
    const again = await alert(['--webhook', `${base}/refuses`, ...args.slice(2), '--state', state2]);
    expect(again.code).toBe(0);
    expect(at('/refuses')).toHaveLength(2);

    // Nobody listening: every retry fails, bounded by --retries.
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((r) => closed.close(r));
    const down = await alert(['--webhook', `http://127.0.0.1:${port}/x`, '--retries', '1', ...args.slice(2), '--state', join(tempDir(), 's.json')]);
    expect(down.code).toBe(1);
    expect(down.stderr).toMatch(/after 2 attempts: fetch failed: connect ECONNREFUSED/);
  });

  it('--dry-run prints what would be sent and sends and remembers nothing; bad usage says what to do', async () => {
    const before = hits.length;
    const r = await alert(['--dry-run', '--format', 'json', '--max-failure-rate', '5%']);
    expect(r.code).toBe(0);
    expect(hits.length).toBe(before);
    expect(r.stdout).toMatch(/^would send anomaly anomaly\|/m);
    expect(r.stdout).toMatch(/^would send gate_failed gate\|max_failure_rate \(json\):/m);
    expect(r.stdout).toMatch(/would be sent\n$/);
    expect(existsSync(join(dir, 'alerts', 'sent-dry-run.json'))).toBe(false);
    const none = await alert([]);
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/--webhook <url> \(or \$AGENTMETER_ALERT_WEBHOOK\), or --dry-run/);
    expect((await alert(['--webhook', 'ftp://x'])).stderr).toMatch(/must be an http\(s\) URL/);
    const pg = await runCli(['alert', '--database', 'postgres://127.0.0.1:5432/test', '--webhook', `${base}/pg`]);
    expect(pg.code).toBe(2);
    expect(pg.stderr).toMatch(/with --database, say where to keep the findings already sent: --state <file>/);
    expect((await alert(['--dry-run', '--interval', '10ms'])).stderr).toMatch(/--interval must be a duration of at least 1s/);
  });

  it('--watch looks again every interval without repeating a finding, and stops on SIGTERM', async () => {
    const bin = join(ROOT, 'dist/cli/bin.js');
    if (!existsSync(bin)) throw new Error('dist/cli/bin.js is missing: run `npm run build` (npm test does)');
    const state = join(tempDir(), 'sent.json');
    const child = killAfterTest(
      spawn(process.execPath, [bin, 'alert', '--watch', '--interval', '1s', '--webhook', `${base}/watch`, '--state', state, '--dir', dir, '--env', 'demo', '--since', '7d'], {
        stdio: ['ignore', 'pipe', 'pipe'],
        env: { ...process.env, NO_COLOR: '1' },
      }),
    );
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    await waitFor(() => (out.match(/ alert: \d+ findings? /g) ?? []).length >= 2, 'two rounds of alert --watch');
    const sent = at('/watch').length;
    expect(sent).toBeGreaterThan(0);
    expect(out).toMatch(new RegExp(`${sent} already sent, 0 sent`));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(out).toMatch(/alert: stopped\n$/);
    expect(at('/watch')).toHaveLength(sent);
  });

  it('--watch survives a round that fails (here an unreadable state file) and posts once it can', async () => {
    const bin = join(ROOT, 'dist/cli/bin.js');
    if (!existsSync(bin)) throw new Error('dist/cli/bin.js is missing: run `npm run build` (npm test does)');
    const state = join(tempDir(), 'sent.json');
    writeFileSync(state, 'not json at all');
    const child = killAfterTest(
      spawn(process.execPath, [bin, 'alert', '--watch', '--interval', '1s', '--webhook', `${base}/recover`, '--state', state, '--dir', dir, '--env', 'demo', '--since', '7d'], {
        stdio: ['ignore', 'pipe', 'pipe'],
        env: { ...process.env, NO_COLOR: '1' },
      }),
    );
    let err = '';
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    await waitFor(() => err.includes('agentmeter: alert: this round failed ('), 'a failed round reported on stderr');
    expect(at('/recover')).toHaveLength(0);
    rmSync(state);
    await waitFor(() => at('/recover').length > 0, 'posts after the state file is readable again');
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  });
});

// `agentmeter serve --store postgres://…` as a user starts it: the built bin on an ephemeral
// port writing to PostgreSQL (its own schema), then `report --store` and `agents --store`
// reading what it stored.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { beforeAll, expect, it } from 'vitest';
import { uuidv7 } from '../../src/model/index.js';
import { runCli } from '../cli/run-cli.js';
import type { CliResult } from '../cli/run-cli.js';
import { killAfterTest } from '../helpers.js';
import { describePg, useSchema } from '../sinks/pg-helpers.js';

const ROOT = resolve(import.meta.dirname, '../..');
const BIN = join(ROOT, 'dist/cli/bin.js');
const ENV = { ...process.env, NO_COLOR: '1', AGENTMETER_DIR: '', AGENTMETER_PG_URL: '', AGENTMETER_TOKEN: '' };

beforeAll(async () => {
  if (!existsSync(BIN)) throw new Error('dist/cli/bin.js is missing: run `npm run build` (npm test does)');
});

const cli = (args: string[]): Promise<CliResult> => runCli(args, { env: { AGENTMETER_PG_URL: '', AGENTMETER_TOKEN: '' } });

describePg('agentmeter serve --store postgres://', () => {
  const schema = useSchema();

  it('stores posted events in PostgreSQL, and report and agents --store see them', async () => {
    expect((await cli(['db', 'migrate', '--to', schema.url])).code).toBe(0);
    const child = killAfterTest(spawn(process.execPath, [BIN, 'serve', '--port', '0', '--store', schema.url], { stdio: ['ignore', 'pipe', 'pipe'], env: ENV, cwd: ROOT }));
    let stderr = '';
    const url = await new Promise<string>((ok, fail) => {
      child.stderr.on('data', (d: Buffer) => {
        stderr += d.toString();
        const m = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(stderr);
        if (m) ok(m[1]!);
      });
      child.on('close', () => fail(new Error(stderr)));
    });
    const t0 = Date.now() - 3_600_000;
    const iso = (ms: number): string => new Date(ms).toISOString();
    let n = 0;
    const id = (): string => uuidv7(t0 + n++);
    const run = id();
    const agent = id();
    const common = { v: 1, run_id: run, env: 'prod' };
    const events = [
      { ...common, id: id(), ts: iso(t0), type: 'span.start', span_id: run, kind: 'run', name: 'nightly', parent_id: null, attrs: { project: 'served' } },
      { ...common, id: id(), ts: iso(t0 + 10), type: 'span.start', span_id: agent, kind: 'agent', name: 'coder', parent_id: run, attrs: { 'gen_ai.agent.name': 'coder', 'task.type': 'bug_fix' } },
      { ...common, id: id(), ts: iso(t0 + 2010), type: 'span.end', span_id: agent, kind: 'agent', start_ts: iso(t0 + 10), duration_ms: 2000, status: 'failure', attrs: { 'error.message': 'boom' } },
      { ...common, id: id(), ts: iso(t0 + 3000), type: 'span.end', span_id: run, kind: 'run', start_ts: iso(t0), duration_ms: null, status: 'success', attrs: {} },
    ];
    const post = (body: unknown): Promise<Response> => fetch(`${url}/v1/events`, { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json' } });
    expect((await post(events.slice(0, 2))).status).toBe(200);
    expect((await post(events.slice(2))).status).toBe(200);
    // Delivered again (a client retrying): stored once.
    expect((await post(events)).status).toBe(200);
    child.kill('SIGTERM');
    const code = await new Promise<number | null>((ok) => child.on('close', (c) => ok(c)));
    expect(code, stderr).toBe(0);
    expect(stderr).toMatch(/stopped; \d+ events stored, 0 dropped/);
    const rows = await schema.admin().query<{ n: string }>('SELECT count(*) AS n FROM am_events');
    expect(Number(rows.rows[0]?.n)).toBe(events.length);

    const report = await cli(['report', '--store', schema.url, '--since', '1d', '--json']);
    expect(report.code, report.stderr).toBe(0);
    const r = JSON.parse(report.stdout) as { runs: { total: number; success: number }; agents: { total: number; failure: number } };
    expect(r.runs).toMatchObject({ total: 1, success: 1 });
    expect(r.agents).toMatchObject({ total: 1, failure: 1 });
    const agents = await cli(['agents', '--store', schema.url, '--json']);
    expect(agents.code, agents.stderr).toBe(0);
    const a = JSON.parse(agents.stdout) as { agents: { agent_name: string; failures: number; common_failures: string[]; average_duration_seconds: number }[] };
    expect(a.agents).toEqual([expect.objectContaining({ agent_name: 'coder', failures: 1, common_failures: ['boom'], average_duration_seconds: 2 })]);
  });
});

// `agentmeter exec` as a CI step uses it: the built bin, real child processes.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Span } from '../../src/model/index.js';
import { scanSpans } from '../../src/store/index.js';
import { killAfterTest, tempDir } from '../helpers.js';

const BIN = join(resolve(import.meta.dirname, '../..'), 'dist/cli/bin.js');

beforeAll(() => {
  if (!existsSync(BIN)) throw new Error('dist/cli/bin.js is missing: run `npm run build` (npm test does)');
});

function cli(dir: string, args: string[], input?: string) {
  return spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', input, env: { ...process.env, AGENTMETER_DIR: dir, AGENTMETER_ENV: 'test' }, timeout: 30_000 });
}

async function spans(dir: string): Promise<Span[]> {
  const out: Span[] = [];
  await scanSpans({ root: dir, onSpan: (s) => out.push(s) });
  return out;
}

describe('agentmeter exec', () => {
  it('passes stdio through untouched and exits with the command exit code', async () => {
    const dir = tempDir();
    const r = cli(dir, ['exec', '--agent', 'tests', '--type', 'testing', '--task', '123', '--', process.execPath, '-e', 'process.stdin.pipe(process.stdout); process.stderr.write("err-line\\n"); process.stdin.on("end", () => process.exit(7))', '--', '--flag-for-child'], 'from stdin\n');
    expect(r.status).toBe(7);
    expect(r.stdout).toBe('from stdin\n');
    expect(r.stderr).toBe('err-line\n');
    const [s, ...rest] = await spans(dir);
    expect(rest).toHaveLength(0);
    expect(s).toMatchObject({ kind: 'agent', name: 'tests', status: 'failure', state: 'ended', env: 'test', attrs: { 'gen_ai.agent.name': 'tests', 'agent.type': 'testing', 'task.key': '123', 'process.exit_code': 7, 'error.type': 'exit_code' } });
    expect(String(s!.attrs['process.command_args'])).toContain('--flag-for-child');
  });

  it('a successful command is a successful span inside the given run', async () => {
    const dir = tempDir();
    const run = cli(dir, ['record', 'run-start', '--project', 'shop']).stdout.trim();
    const r = cli(dir, ['exec', '--agent', 'lint', '--run', run, '--', process.execPath, '-e', '']);
    expect(r.status).toBe(0);
    const agent = (await spans(dir)).find((s) => s.kind === 'agent');
    expect(agent).toMatchObject({ status: 'success', runId: run, parentId: run });
  });

  it('a command that does not exist exits 127 and is still recorded as a failed span', async () => {
    const dir = tempDir();
    const r = cli(dir, ['exec', '--agent', 'ghost', '--', 'agentmeter-no-such-command-x']);
    expect(r.status).toBe(127);
    expect(r.stderr).toMatch(/command not found/);
    const [s] = await spans(dir);
    expect(s).toMatchObject({ status: 'failure', attrs: { 'error.type': 'command_not_found', 'process.exit_code': 127 } });
  });

  it('forwards SIGTERM to the command and exits 128+15 when it dies of it', async () => {
    const dir = tempDir();
    const child = killAfterTest(spawn(process.execPath, [BIN, 'exec', '--agent', 'sleeper', '--', process.execPath, '-e', 'console.log("ready"); setTimeout(() => {}, 60000)'], { env: { ...process.env, AGENTMETER_DIR: dir }, stdio: ['ignore', 'pipe', 'pipe'] }));
    await new Promise<void>((ok) => child.stdout.once('data', () => ok()));
    child.kill('SIGTERM');
    const code = await new Promise<number | null>((ok) => child.on('close', (c) => ok(c)));
    expect(code).toBe(143);
    const [s] = await spans(dir);
    expect(s).toMatchObject({ status: 'cancelled', attrs: { 'process.signal': 'SIGTERM', 'process.exit_code': 143 } });
  });

  it('usage errors: no --agent, no command', () => {
    const dir = tempDir();
    expect(cli(dir, ['exec', '--', 'true']).status).toBe(2);
    expect(cli(dir, ['exec', '--agent', 'x']).status).toBe(2);
  });
});

describe('agentmeter record (shell forms)', () => {
  it('run, task, agent, pipeline and feedback across separate invocations fold into one run', async () => {
    const dir = tempDir();
    const run = cli(dir, ['record', 'run-start', '--project', 'shop', '--model', 'deepseek-chat', '--temperature', '0']);
    expect(run.status).toBe(0);
    const runId = run.stdout.trim();
    expect(runId).toMatch(/^[0-9a-f-]{36}$/);
    const task = cli(dir, ['record', 'task-start', '--run', runId, '--key', '42', '--type', 'bug_fix']).stdout.trim();
    const agent = cli(dir, ['record', 'agent-start', '--run', runId, '--parent', task, '--name', 'coding', '--attempt', '2']).stdout.trim();
    expect(cli(dir, ['record', 'agent-end', '--span', agent, '--run', runId, '--status', 'completed', '--input-tokens', '100', '--output-tokens', '20']).status).toBe(0);
    const pipe = cli(dir, ['record', 'pipeline', '--run', runId, '--parent', task, '--id', '4259', '--status', 'failed', '--commit', 'abc', '--attempt', '1']);
    expect(pipe.status).toBe(0);
    expect(cli(dir, ['record', 'task-end', '--span', task, '--run', runId, '--status', 'completed']).status).toBe(0);
    expect(cli(dir, ['record', 'run-end', '--run', runId, '--status', 'failed', '--error', 'push to https://bot:pw@git.example.com failed']).status).toBe(0);
    expect(cli(dir, ['record', 'feedback', '--span', agent, '--success', '--rating', '4', '--source', 'human', '--notes', 'ok']).status).toBe(0);
    const all = await spans(dir);
    expect(all.map((s) => s.kind).sort()).toEqual(['agent', 'pipeline', 'run', 'task']);
    for (const s of all) {
      expect(s.runId).toBe(runId);
      expect(s.state).toBe('ended');
    }
    const r = all.find((s) => s.kind === 'run')!;
    expect(r).toMatchObject({ status: 'failure', attrs: { project: 'shop', 'gen_ai.request.temperature': 0, 'status.detail': 'failed' } });
    expect(String(r.attrs['error.message'])).not.toContain(':pw@');
    expect(all.find((s) => s.kind === 'agent')).toMatchObject({ parentId: task, status: 'success', attrs: { 'agent.attempt': 2, 'gen_ai.usage.input_tokens': 100 } });
    expect(all.find((s) => s.kind === 'pipeline')).toMatchObject({ parentId: task, status: 'failure', attrs: { 'cicd.pipeline.result': 'failure', 'pipeline.attempt': 1 } });
    const report = spawnSync(process.execPath, [BIN, 'report', '--since', '1d', '--env', 'all', '--json'], { encoding: 'utf8', timeout: 60_000, env: { ...process.env, AGENTMETER_DIR: dir } });
    const j = JSON.parse(report.stdout) as { runs: { total: number }; feedback: { count: number } };
    expect(j.runs.total).toBe(1);
    expect(j.feedback.count).toBe(1);
  });

  it('bad input is a usage error (exit 2) with the accepted forms, and writes nothing', async () => {
    const dir = tempDir();
    const cases = [
      ['record', 'run-end', '--run', 'not-an-id', '--status', 'ok'],
      ['record', 'run-start'],
      ['record', 'pipeline', '--id', '1', '--status', 'great'],
      ['record', 'feedback', '--span', '01934a2b-0000-7000-8000-000000000001', '--rating', '9'],
      ['record', 'nope'],
      ['record', 'run-start', '--project', 'x', '--rating', '3'],
    ];
    for (const c of cases) {
      const r = cli(dir, c);
      expect(r.status, c.join(' ')).toBe(2);
      expect(r.stderr).toMatch(/^agentmeter: /);
    }
    expect(await spans(dir)).toHaveLength(0);
  });
});

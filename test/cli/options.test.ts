// One meaning per flag: --env selects where a command reads, --env-tag tags where it records
// (--env still accepted there), --database names PostgreSQL everywhere (--store, db --to
// still accepted), and every window states its default.
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import type { Io } from '../../src/cli/io.js';

const dir = mkdtempSync(join(tmpdir(), 'agentmeter-options-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function run(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const io: Io = { stdout: { write: (t: string) => (out += t) }, stderr: { write: (t: string) => (err += t) }, env: { NO_COLOR: '1' }, cwd: dir };
  const code = await main(args, io);
  return { code, out, err };
}

function envsWritten(): string[] {
  const envs: string[] = [];
  for (const day of readdirSync(join(dir, 'events'))) {
    for (const f of readdirSync(join(dir, 'events', day))) {
      for (const line of readFileSync(join(dir, 'events', day, f), 'utf8').split('\n')) if (line) envs.push((JSON.parse(line) as { env: string }).env);
    }
  }
  return envs.sort();
}

describe('shared options', () => {
  it('record tags with --env-tag, and still with --env', async () => {
    const opt = ['record', 'optimization', '--dir', dir, '--operation', 'matmul', '--variants-generated', '3', '--validated', '2', '--promoted', '1', '--wallclock-seconds', '30'];
    expect((await run([...opt, '--env-tag', 'staging'])).code).toBe(0);
    expect((await run([...opt, '--env', 'prod'])).code).toBe(0);
    expect(envsWritten()).toEqual(['prod', 'staging']);
    const both = await run([...opt, '--env', 'prod', '--env-tag', 'staging']);
    expect(both.code).toBe(2);
    expect(both.err).toContain('given twice');
  });

  it('help shows the new names, not the aliases, and states each window default', async () => {
    const record = (await run(['record', '--help'])).out;
    expect(record).toContain('--env-tag <env>');
    expect(record).not.toMatch(/-e, --env <env>/);
    for (const [command, rule] of [['report', '(default: 7d)'], ['compare', '(default: 30d)'], ['trends', '(default: 30d)'], ['anomalies', '(default: 7d)'], ['check', '(default: 7d)'], ['agents', '(default: all history)']] as const) {
      const help = (await run([command, '--help'])).out.replace(/\s+/g, ' ');
      expect(help, command).toContain(rule);
      expect(help, command).toContain('Defaults: 7 days for summaries');
      expect(help, command).toContain('-e, --env <list>');
    }
  });

  it('reads select with --env on every read command', async () => {
    for (const command of ['report', 'agents', 'compare --by model', 'trends', 'anomalies']) {
      const r = await run([...command.split(' '), '--dir', dir, '--env', 'staging', '--json']);
      expect(r.code, command).toBe(0);
      expect(() => JSON.parse(r.out) as unknown, command).not.toThrow();
    }
    const report = JSON.parse((await run(['report', '--dir', dir, '--env', 'staging', '--json'])).out) as { optimizations: { sessions: number; variants_generated: number } };
    expect(report.optimizations).toMatchObject({ sessions: 1, variants_generated: 3 });
  });
});

describe('demo', () => {
  it('prints next steps that run where the user is, and a second run leaves the store as it is', async () => {
    const demoDir = join(dir, 'demo');
    let err = '';
    const io: Io = { stdout: { write: () => true }, stderr: { write: (t: string) => (err += t) }, env: { NO_COLOR: '1' }, cwd: dir, self: 'node dist/cli/bin.js' };
    expect(await main(['demo', '--dir', demoDir, '--days', '2', '--runs-per-day', '2'], io)).toBe(0);
    expect(err).toMatch(/^ {2}node dist\/cli\/bin\.js report --dir \S+ --env demo --since 2d/m);
    expect(err).toContain('dashboard --dir');
    const lines = (): number => readdirSync(join(demoDir, 'events')).flatMap((d) => readdirSync(join(demoDir, 'events', d)).map((f) => readFileSync(join(demoDir, 'events', d, f), 'utf8').split('\n').length)).reduce((a, b) => a + b, 0);
    const before = lines();
    err = '';
    expect(await main(['demo', '--dir', demoDir, '--days', '2', '--runs-per-day', '2'], io)).toBe(0);
    expect(err).toContain('already holds demo data');
    expect(lines()).toBe(before);
  });

  it('knows how it was started', async () => {
    const { selfCommand } = await import('../../src/cli/io.js');
    expect(selfCommand('/work/app/node_modules/.bin/agentmeter', '/work/app')).toBe('npx agentmeter');
    expect(selfCommand('/usr/local/bin/agentmeter', '/home/me')).toBe('agentmeter');
    expect(selfCommand('/src/agentmeter/dist/cli/bin.js', '/src/agentmeter')).toBe('node dist/cli/bin.js');
  });
});

describe('when a filter leaves nothing, the store says what it holds', () => {
  it('report names the envs the window holds and the flag that shows them', async () => {
    const r = await run(['report', '--dir', dir, '--env', 'nope']);
    expect(r.code).toBe(0);
    expect(r.err).toMatch(/nothing in env nope in this window; it holds \w+ \d+ spans?/);
    expect(r.err).toContain('--env all');
    const past = await run(['report', '--dir', dir, '--env', 'all', '--since', '2001-01-01', '--until', '2001-02-01']);
    expect(past.err).toMatch(/the store's events span \d{4}-\d\d-\d\d → \d{4}-\d\d-\d\d/);
  });

  it('compare on a store without agent spans points at --kind', async () => {
    const runsOnly = join(dir, 'runs-only');
    expect((await run(['record', 'run-start', '--dir', runsOnly, '--project', 'p', '--env-tag', 'prod'])).code).toBe(0);
    const r = await run(['compare', '--dir', runsOnly, '--by', 'model']);
    expect(r.err).toContain('no agent spans in this window; it holds run 1 (use --kind run)');
  });
});

describe('export on a store whose data the env filter leaves out', () => {
  it('says which envs were left out and the flag that shows them', async () => {
    const demoDir = join(dir, 'demo-export');
    let err = '';
    const io: Io = { stdout: { write: () => true }, stderr: { write: (t: string) => (err += t) }, env: { NO_COLOR: '1' }, cwd: dir };
    expect(await main(['demo', '--dir', demoDir, '--days', '2', '--runs-per-day', '2'], io)).toBe(0);
    err = '';
    expect(await main(['export', 'csv', '--dir', demoDir, '--out', join(dir, 'csv-out')], io)).toBe(0);
    expect(err).toMatch(/nothing exported from the included envs; left out: demo \d+ spans \(use --env demo, or --env all\)/);
  });
});

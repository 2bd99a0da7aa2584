import { spawnSync } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { killAfterTest, tempDir } from '../helpers.js';
import { ROOT, runCli } from './run-cli.js';
import type { CliResult } from './run-cli.js';
import { COMMANDS } from '../../src/cli/main.js';

const BIN = join(ROOT, 'dist/cli/bin.js');

/** `agentmeter <args>` in-process. */
const cli = (args: string[], env: Record<string, string> = {}): Promise<CliResult> => runCli(args, { env });

/** `agentmeter <args>` as the built binary, in a child process: the smoke tests. */
function bin(args: string[], env: Record<string, string> = {}): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], {
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1', AGENTMETER_DIR: '', ...env },
    cwd: ROOT,
    timeout: 60_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('the built binary (smoke tests; everything else runs main() in-process)', () => {
  beforeAll(async () => {
    if (!existsSync(BIN)) throw new Error('dist/cli/bin.js is missing: run `npm run build` (npm test does)');
  });

  it('--help exits 0, a wrong flag 2 with no stack trace, a missing store 3', async () => {
    const help = bin(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('Exit codes');
    const dir = tempDir();
    const wrong = bin(['report', '--dir', dir, '--frobnicate']);
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).not.toMatch(/\n\s+at /);
    const none = bin(['report', '--dir', join(dir, 'nope')]);
    expect(none.code).toBe(3);
    expect(none.stderr).toContain('no store at');
  });

  it('one report --json over what the quickstart recorded', async () => {
    const dir = tempDir();
    const rec = spawnSync(process.execPath, [join(ROOT, 'examples/quickstart.mjs')], { encoding: 'utf8', timeout: 60_000, env: { ...process.env, AGENTMETER_DIR: dir }, cwd: ROOT });
    expect(rec.status, rec.stderr).toBe(0);
    const r = bin(['report', '--since', '1d', '--json'], { AGENTMETER_DIR: dir });
    expect(r.code, r.stderr).toBe(0);
    expect((JSON.parse(r.stdout) as { runs: unknown }).runs).toMatchObject({ total: 1, success_rate: 1 });
  });
});

describe('agentmeter CLI', () => {
  it('--help teaches the commands and exit codes', async () => {
    const r = await cli(['--help']);
    expect(r.code).toBe(0);
    for (const c of ['report', 'demo', 'validate']) expect(r.stdout).toContain(c);
    expect(r.stdout).toContain('Exit codes');
  });

  it('each command is loaded under its own name, and the root help lists them all in order; a mistyped one is suggested', async () => {
    const names = Object.keys(COMMANDS);
    const specs = await Promise.all(Object.values(COMMANDS).map((load) => load()));
    expect(specs.map((s) => s.name)).toEqual(names);
    const help = await cli(['--help']);
    const listed = [...help.stdout.matchAll(/^ {2}([a-z]+)\b/gm)].map((m) => m[1]).filter((n) => n !== 'help');
    expect(listed).toEqual(names);
    for (const s of specs) expect(help.stdout).toContain(s.summary.slice(0, 30));
    const typo = await cli(['reprot']);
    expect(typo.code).toBe(2);
    expect(typo.stderr).toContain('report');
  });

  it('each command --help has examples', async () => {
    for (const c of ['report', 'demo', 'validate', 'exec', 'record', 'serve', 'init', 'hook']) {
      const r = await cli([c, '--help']);
      expect(r.code).toBe(0);
      expect(r.stdout).toContain('Examples:');
    }
  });

  it('no arguments prints help and exits 2', async () => {
    const r = await cli([]);
    expect(r.code).toBe(2);
    expect(r.stdout).toContain('Usage: agentmeter');
  });

  it('unknown option and bad values are usage errors (exit 2), never a stack trace', async () => {
    const dir = tempDir();
    const cases = [
      ['report', '--dir', dir, '--frobnicate'],
      ['report', '--dir', dir, '--since', '7x'],
      ['report', '--dir', dir, '--by', 'colour'],
      ['report', '--dir', dir, '--since', '2025-02-01', '--until', '2025-01-01'],
      ['demo', '--dir', dir, '--days', '-3'],
      ['nosuchcommand'],
    ];
    for (const args of cases) {
      const r = await cli(args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).not.toMatch(/\n\s+at /);
      expect(r.stderr.length).toBeGreaterThan(0);
    }
    expect((await cli(['report', '--dir', dir, '--since', '7x'])).stderr).toContain('30m, 24h, 7d, 2w');
  });

  it('a store that does not exist: clear message, exit 3', async () => {
    const dir = join(tempDir(), 'nope');
    const r = await cli(['report', '--dir', dir]);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain(`no store at ${dir}`);
    expect(r.stderr).toContain('agentmeter demo');
    expect((await cli(['validate', '--dir', dir])).code).toBe(3);
  });

  it('the quickstart script records every kind and report --json carries the contract fields', async () => {
    const dir = tempDir();
    const rec = spawnSync(process.execPath, [join(ROOT, 'examples/quickstart.mjs')], { encoding: 'utf8', timeout: 60_000, env: { ...process.env, AGENTMETER_DIR: dir }, cwd: ROOT });
    expect(rec.status, rec.stderr).toBe(0);
    const r = await cli(['report', '--since', '1d', '--json'], { AGENTMETER_DIR: dir });
    expect(r.code, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout) as Record<string, Record<string, unknown>>;
    expect(typeof j['window']!['since']).toBe('string');
    expect(typeof j['window']!['until']).toBe('string');
    expect(j['runs']).toMatchObject({ total: 1, success_rate: 1 });
    expect(j['tasks']).toMatchObject({ total: 1, success_rate: 1 });
    expect(j['agents']).toMatchObject({ invocations: 1, success_rate: 1 });
    expect(j['pipelines']).toMatchObject({ total: 2, first_attempt_pass_rate: 0 });
    expect(j['debugging']).toMatchObject({ cycles: 1, resolved: 1 });
    expect(j['optimizations']).toMatchObject({ sessions: 1 });
    expect(j['optimizations']!['speedup_geomean']).toBeCloseTo(4.1 / 2.6, 6);
    expect(j['skipped_lines']).toBe(0);

    const by = JSON.parse((await cli(['report', '--since', '1d', '--json', '--by', 'model'], { AGENTMETER_DIR: dir })).stdout) as { groups: { key: string; runs: { total: number } }[] };
    expect(by.groups.find((g) => g.key === 'deepseek-chat')?.runs.total).toBe(1);

    const table = await cli(['report', '--since', '1d'], { AGENTMETER_DIR: dir });
    expect(table.code).toBe(0);
    for (const word of ['Runs', 'Tasks', 'Agents', 'Pipelines', 'Debug', 'Optimi']) expect(table.stdout).toContain(word);

    const csv = await cli(['report', '--since', '1d', '--format', 'csv', '--by', 'agent'], { AGENTMETER_DIR: dir });
    expect(csv.stdout.split('\n')[0]).toMatch(/^key,/);
  });

  it('demo data is reproducible, stays out of default reports, and reports with --env demo', async () => {
    const a = tempDir();
    const r = await cli(['demo', '--dir', a, '--days', '5', '--seed', '7']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('--env demo');
    const withDemo = JSON.parse((await cli(['report', '--dir', a, '--since', '5d', '--env', 'demo', '--json'])).stdout) as Record<string, Record<string, number>>;
    expect(withDemo['runs']!['total']).toBeGreaterThan(10);
    expect(withDemo['agents']!['invocations']).toBeGreaterThan(withDemo['tasks']!['total']!);
    expect(withDemo['pipelines']!['total']).toBeGreaterThan(0);
    expect(withDemo['debugging']!['cycles']).toBeGreaterThan(0);
    expect(withDemo['optimizations']!['sessions']).toBeGreaterThan(0);
    const byDefault = JSON.parse((await cli(['report', '--dir', a, '--since', '5d', '--json'])).stdout) as { runs: { total: number }; envs: { excluded: Record<string, number> } };
    expect(byDefault.runs.total).toBe(0);
    expect(byDefault.envs.excluded['demo']).toBeGreaterThan(0);
    // Same seed, same data (timestamps move with "now", the figures do not).
    const b = tempDir();
    expect((await cli(['demo', '--dir', b, '--days', '5', '--seed', '7'])).code).toBe(0);
    const again = JSON.parse((await cli(['report', '--dir', b, '--since', '5d', '--env', 'demo', '--json'])).stdout) as Record<string, unknown>;
    for (const k of ['runs', 'tasks', 'agents', 'pipelines', 'debugging', 'optimizations']) {
      expect((again[k] as Record<string, unknown>)['total'] ?? (again[k] as Record<string, unknown>)['sessions']).toEqual(
        (withDemo[k] as Record<string, unknown>)['total'] ?? (withDemo[k] as Record<string, unknown>)['sessions'],
      );
    }
    expect((again['agents'] as Record<string, number>)['success_rate']).toBe(withDemo['agents']!['success_rate']);
  });

  it('corrupt lines: report warns with file:line and exits 0, --strict and validate exit 4', async () => {
    const dir = tempDir();
    expect(spawnSync(process.execPath, [join(ROOT, 'examples/quickstart.mjs')], { timeout: 60_000, env: { ...process.env, AGENTMETER_DIR: dir }, cwd: ROOT }).status).toBe(0);
    const day = readdirSync(join(dir, 'events'))[0]!;
    const bad = join(dir, 'events', day, 'zz-corrupt.jsonl');
    mkdirSync(join(dir, 'events', day), { recursive: true });
    appendFileSync(bad, '{"v":1,"id":"x"\nnot json at all\n{"type":"span.start","kind":"agent"}\n{"v":1,"id":"torn');
    const r = await cli(['report', '--dir', dir, '--since', '1d']);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/skipped 4 corrupt or torn lines \(first: .*zz-corrupt\.jsonl:1:/);
    expect((await cli(['report', '--dir', dir, '--since', '1d', '--strict'])).code).toBe(4);
    const v = await cli(['validate', '--dir', dir]);
    expect(v.code).toBe(4);
    expect(v.stdout.trim().split('\n')).toHaveLength(4);
    expect(v.stdout).toContain('zz-corrupt.jsonl:4: torn tail');
  });
});

describe('agentmeter dashboard', () => {
  it('--help has examples and names the API docs', async () => {
    const r = await cli(['dashboard', '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Examples:');
    expect(r.stdout).toContain('docs/dashboard.md');
  });

  it('a bad port is a usage error; a missing store exits 3', async () => {
    const dir = tempDir();
    const bad = await cli(['dashboard', '--dir', dir, '--port', '99999']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--port must be');
    const none = await cli(['dashboard', '--dir', join(dir, 'nothing')]);
    expect(none.code).toBe(3);
    expect(none.stderr).toContain('no store');
  });

  it('serves the API on the printed URL and stops cleanly on SIGTERM', async () => {
    const dir = tempDir();
    expect((await cli(['demo', '--dir', dir, '--days', '2'])).code).toBe(0);
    const { spawn } = await import('node:child_process');
    const child = killAfterTest(spawn(process.execPath, [BIN, 'dashboard', '--dir', dir, '--port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] }));
    const exit = new Promise<number | null>((r) => child.once('exit', (c) => r(c)));
    try {
      const url = await new Promise<string>((res, rej) => {
        let out = '';
        child.stdout.on('data', (d: Buffer) => {
          out += d.toString();
          if (out.includes('\n')) res(out.split('\n')[0]!.trim());
        });
        child.once('exit', (c) => rej(new Error(`exited ${c}`)));
      });
      expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
      const meta = (await (await fetch(`${url}api/meta`)).json()) as { runs: number; default_env: string };
      expect(meta.runs).toBeGreaterThan(0);
      expect(meta.default_env).toBe('all');
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exit).toBe(0);
  });
});

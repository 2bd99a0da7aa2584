// A recording-only install (no server or PostgreSQL packages) records and reports; the
// commands that need the missing packages say which to install.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadOptional } from '../../src/model/index.js';
import pkg from '../../package.json' with { type: 'json' };

const REPO = resolve(import.meta.dirname, '../..');
const BIN = join(REPO, 'dist/cli/bin.js');
const LOADER = join(REPO, 'test/fixtures/loaders/without-optional.mjs');
const dir = mkdtempSync(join(tmpdir(), 'agentmeter-optional-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function node(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ['--import', LOADER, ...args], { encoding: 'utf8', timeout: 60_000, env: { ...process.env, NO_COLOR: '1' } });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('without the optional packages', () => {
  it('the server and PostgreSQL packages are optional; the SDK and CLI need only commander', () => {
    expect(Object.keys(pkg.dependencies)).toEqual(['commander']);
    expect(Object.keys(pkg.optionalDependencies).sort()).toEqual(['@hono/node-server', '@opentelemetry/otlp-transformer', 'hono', 'pg', 'pg-copy-streams']);
  });

  it('the SDK records and the CLI reports', () => {
    const sdk = join(REPO, 'dist/sdk/index.js');
    const rec = node(['--input-type=module', '-e', `const { createMeter } = await import(${JSON.stringify(sdk)}); const m = createMeter({ dir: ${JSON.stringify(dir)}, env: 'prod' }); m.startRun({ project: 'p' }).end({ status: 'completed' }); await m.close();`]);
    expect(rec.stderr).toBe('');
    expect(rec.status).toBe(0);
    const report = node([BIN, 'report', '--dir', dir, '--json']);
    expect(report.status).toBe(0);
    expect((JSON.parse(report.stdout) as { runs: { total: number } }).runs.total).toBe(1);
  });

  it('serve, dashboard and --database say what to install', () => {
    for (const [args, packages] of [
      [['serve', '--dir', dir, '--port', '0'], 'hono and @hono/node-server and @opentelemetry/otlp-transformer'],
      [['dashboard', '--dir', dir, '--port', '0'], 'hono and @hono/node-server and @opentelemetry/otlp-transformer'],
      [['report', '--database', 'postgres://postgres@127.0.0.1:1/x'], 'pg and pg-copy-streams'],
    ] as const) {
      const r = node([BIN, ...args]);
      expect(r.status, args.join(' ')).toBe(1);
      expect(r.stderr, args.join(' ')).toContain(`E_MISSING_DEPENDENCY`);
      expect(r.stderr, args.join(' ')).toContain(`needs the optional packages ${packages}`);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    }
  });

  it('other failures of a loader pass through unchanged', async () => {
    const boom = Object.assign(new Error("Cannot find package 'left-pad'"), { code: 'ERR_MODULE_NOT_FOUND' });
    await expect(loadOptional('x', ['hono'], () => Promise.reject(boom))).rejects.toBe(boom);
  });
});

it('the package ships a licence and neither source maps nor screenshots', () => {
  const r = spawnSync('npm', ['pack', '--dry-run', '--json'], { cwd: REPO, encoding: 'utf8', timeout: 120_000 });
  expect(r.status, r.stderr).toBe(0);
  const files = (JSON.parse(r.stdout) as { files: { path: string }[] }[])[0]!.files.map((f) => f.path);
  expect(files).toContain('LICENSE');
  expect(files.filter((f) => f.endsWith('.map'))).toEqual([]);
  expect(files.filter((f) => f.startsWith('docs/img/'))).toEqual([]);
  expect(readFileSync(join(REPO, 'LICENSE'), 'utf8')).toMatch(/^MIT License/);
});

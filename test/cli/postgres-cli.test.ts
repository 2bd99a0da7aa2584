import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../helpers.js';
import { closedPort, describePg, useSchema } from '../sinks/pg-helpers.js';
import { runCli } from './run-cli.js';
import type { CliResult } from './run-cli.js';

const cli = (args: string[]): Promise<CliResult> => runCli(args, { env: { AGENTMETER_PG_URL: '' } });

describe('sync and db: usage', () => {
  it('--help has examples and exit codes', async () => {
    for (const c of ['sync', 'db']) {
      const r = await cli([c, '--help']);
      expect(r.code).toBe(0);
      expect(r.stdout).toContain('Examples:');
      expect(r.stdout).toContain('Exit codes');
    }
    expect((await cli(['--help'])).stdout).toMatch(/sync[\s\S]*db/);
    // One database flag everywhere; the older spellings are accepted but not advertised.
    for (const command of ['report', 'agents', 'compare', 'trends', 'anomalies', 'check', 'serve', 'db', 'sync']) {
      const help = (await cli([command, '--help'])).stdout;
      expect(help, command).toContain('--database <url>');
      expect(help, command).not.toContain('--store <url>');
    }
  });

  it('bad destinations and actions are usage errors (exit 2), never a stack trace', async () => {
    const dir = tempDir();
    for (const args of [
      ['sync', '--dir', dir],
      ['sync', '--dir', dir, '--to', 'mysql://x/y'],
      ['sync', '--dir', dir, '--to', 'postgres://x/y', '--batch-size', '0'],
      ['sync', '--dir', dir, '--to', 'postgres://x/y', '--interval', 'often'],
      ['db', 'frob', '--to', 'postgres://x/y'],
      ['db', 'migrate'],
      ['db', 'prune', '--to', 'postgres://x/y'],
      ['report', '--store', '/tmp/not-a-url'],
      ['report', '--database', '/tmp/not-a-url'],
      ['report', '--database', 'postgres://x/y', '--dir', '/tmp'],
      ['sync', '--dir', dir, '--to', 'postgres://x/y', '--database', 'postgres://x/z'],
    ]) {
      const r = await cli(args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).toMatch(/^agentmeter: /m);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    }
  });

  it('sync from a missing store exits 3', async () => {
    const r = await cli(['sync', '--dir', join(tempDir(), 'none'), '--to', 'postgres://postgres@127.0.0.1:5432/x']);
    expect(r.code).toBe(3);
  });

  it('an unreachable database is a clear failure (exit 1)', async () => {
    const r = await cli(['report', '--store', `postgres://postgres@127.0.0.1:${await closedPort()}/x`]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^agentmeter: .*ECONNREFUSED/m);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});

describePg('sync, db and report --store against PostgreSQL', () => {
  const schema = useSchema();

  it('walks a new user through migrate, sync and report', async () => {
    const dir = tempDir();
    expect((await cli(['demo', '--dir', dir, '--days', '3', '--seed', '3'])).code).toBe(0);
    const unmigrated = await cli(['report', '--store', schema.url]);
    expect(unmigrated.code).toBe(3);
    expect(unmigrated.stderr).toContain('agentmeter db migrate');
    expect((await cli(['db', 'status', '--to', schema.url])).code).toBe(3);
    const m = await cli(['db', 'migrate', '--to', schema.url, '--json']);
    expect(m.code).toBe(0);
    expect(JSON.parse(m.stdout)).toEqual({ applied: [1, 2], version: 2 });
    expect(JSON.parse((await cli(['db', 'migrate', '--to', schema.url, '--json'])).stdout)).toEqual({ applied: [], version: 2 });
    const s = await cli(['sync', '--dir', dir, '--to', schema.url, '--json']);
    expect(s.code).toBe(0);
    expect(s.stderr).toMatch(/sync → postgres:\/\/.*: \d+ events/);
    // One fixed window for both processes.
    const until = new Date(Date.now() + 3_600_000).toISOString();
    const window = ['--env', 'demo', '--since', '3d', '--until', until, '--json'];
    const local = JSON.parse((await cli(['report', '--dir', dir, ...window])).stdout) as { agents: { total: number; success: number } };
    const remote = JSON.parse((await cli(['report', '--store', schema.url, ...window])).stdout) as { agents: { total: number; success: number } };
    expect(remote.agents.success).toBe(local.agents.success);
    expect(remote.agents.total).toBeGreaterThan(0);
    expect(remote.agents.total).toBe(local.agents.total);
    const table = await cli(['report', '--store', schema.url, '--env', 'demo', '--since', '3d', '--by', 'model']);
    expect(table.code).toBe(0);
    expect(table.stdout).toContain('By model');
    // The seed views read the database too, with the same figures and the same table.
    const agents = ['agents', '--env', 'demo', '--since', '3d', '--until', until];
    const agentsLocal = await cli([...agents, '--dir', dir]);
    const agentsRemote = await cli([...agents, '--store', schema.url]);
    expect(agentsRemote.code).toBe(0);
    expect(agentsRemote.stdout).toContain('invocations');
    expect(agentsRemote.stdout).toBe(agentsLocal.stdout);
    const auto = ['report', 'automation', '--env', 'demo', '--since', '3d', '--until', until];
    const autoLocal = await cli([...auto, '--dir', dir]);
    const autoRemote = await cli([...auto, '--store', schema.url]);
    expect(autoRemote.code).toBe(0);
    expect(autoRemote.stdout).toContain('sessions');
    expect(autoRemote.stdout).toBe(autoLocal.stdout);
    const orch = ['report', 'orchestrator', '--env', 'demo', '--since', '3d', '--until', until];
    const orchLocal = await cli([...orch, '--dir', dir]);
    const orchRemote = await cli([...orch, '--store', schema.url]);
    expect(orchRemote.code).toBe(0);
    expect(orchRemote.stdout).toContain('Which agent causes the most retries?');
    expect(orchRemote.stdout).toBe(orchLocal.stdout);
    expect((await cli([...orch, '--store', schema.url, '--json'])).stdout).toBe((await cli([...orch, '--dir', dir, '--json'])).stdout);
    // Flags that do not apply are refused the same way on both stores (exit 2).
    for (const bad of [['--by', 'model'], ['--format', 'csv'], ['--format', 'md'], ['--dir', dir]]) {
      const r = await cli([...orch, '--store', schema.url, ...bad]);
      expect(r.code, bad.join(' ')).toBe(2);
      expect(r.stderr).toMatch(/^agentmeter: .*(--by|--format|--dir)/m);
      if (bad[0] !== '--dir') expect((await cli([...orch, '--dir', dir, ...bad])).code, bad.join(' ')).toBe(2);
    }
    expect((await cli([...orch, '--store', schema.url, '--strict', '--no-cache'])).code).toBe(0);
    const st = await cli(['db', 'status', '--to', schema.url, '--json']);
    expect(JSON.parse(st.stdout)).toMatchObject({ version: 2, pending: [], set_aside: 0 });
    expect((JSON.parse(st.stdout) as { partitions: number }).partitions).toBeGreaterThanOrEqual(3);
  });
});

import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { runCli } from './run-cli.js';
import type { CliResult } from './run-cli.js';

let dir = '';

const cli = (args: string[]): Promise<CliResult> => runCli(args);
const demo = (args: string[]): Promise<CliResult> => cli([...args, '--dir', dir, '--env', 'demo']);
const json = async (args: string[]): Promise<Record<string, unknown>> => JSON.parse((await demo([...args, '--json'])).stdout) as Record<string, unknown>;

// One month of demo data (seed 42), with its documented effects: agent variant coding-v2
// truly better than coding-v1, models of different skill, and gpt-4.1 degraded for one day
// three days before the end.
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'agentmeter-insights-'));
  expect((await cli(['demo', '--dir', dir])).code).toBe(0);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('insight commands on demo data', () => {
  it('compare --by variant finds the truly better variant; by model, the better models', async () => {
    const v = await json(['compare', '--by', 'variant', '--since', '31d']) as { comparisons: { summary: string; verdict: string }[]; groups: { key: string }[]; without_group: number };
    expect(v.groups.map((g) => g.key).sort()).toEqual(['coding-v1', 'coding-v2']);
    expect(v.comparisons).toHaveLength(1);
    expect(v.comparisons[0]?.summary).toMatch(/^coding-v2 is better than coding-v1: \+\d+\.\d pts/);
    expect(v.without_group).toBeGreaterThan(0);
    const m = await json(['compare', '--by', 'model', '--since', '31d']) as { comparisons: { a: string; b: string; verdict: string; p_adjusted: number }[] };
    expect(m.comparisons).toHaveLength(6);
    const best = m.comparisons.filter((c) => c.verdict === 'a_better' || c.verdict === 'b_better').map((c) => (c.verdict === 'a_better' ? c.a : c.b));
    expect(best).toContain('claude-sonnet-4');
    expect(best).not.toContain('qwen2.5-coder');
    const table = await demo(['compare', '--by', 'model', '--since', '31d']);
    expect(table.code).toBe(0);
    expect(table.stdout).toContain('Holm-corrected over 6 pairs');
    expect(table.stdout).toMatch(/claude-sonnet-4 is better than qwen2\.5-coder: \+\d+\.\d pts \[/);
  });

  it('compare --metric duration and the --before/--after form', async () => {
    const d = await json(['compare', '--by', 'agent', '--metric', 'duration', '--since', '31d']) as { comparisons: { summary: string; effect: { scale: string } }[] };
    expect(d.comparisons[0]?.effect.scale).toBe('ratio');
    expect(d.comparisons.some((c) => /^planning is faster than testing: 0\.\d\d× the median duration/.test(c.summary))).toBe(true);
    const ba = await json(['compare', '--after', '10d', '--metric', 'success_rate']) as { groups: { key: string; n: number }[]; comparisons: { a: string }[]; before: { since: string } };
    expect(ba.groups.map((g) => g.key)).toEqual(['after', 'before']);
    expect(ba.comparisons[0]?.a).toBe('after');
    expect(Date.parse(ba.before.since)).toBeLessThan(Date.now() - 19 * 86_400_000);
  });

  it('anomalies flags the incident day of gpt-4.1 and nothing else', async () => {
    const r = await json(['anomalies', '--since', '30d']) as { anomalies: { series: string; day: string; metric: string; evidence: string }[]; points_examined: number };
    expect(r.points_examined).toBeGreaterThan(100);
    expect(r.anomalies.length).toBeGreaterThan(0);
    expect(new Set(r.anomalies.map((a) => a.day)).size).toBe(1);
    const day = Date.parse(`${r.anomalies[0]?.day ?? ''}T12:00:00Z`);
    expect(Math.abs(day - (Date.now() - 3 * 86_400_000))).toBeLessThan(1.6 * 86_400_000);
    for (const a of r.anomalies) expect(a.series.startsWith('gpt-4.1 · ')).toBe(true);
    expect(r.anomalies.map((a) => a.metric)).toContain('duration');
  });

  it('check: exit 5 with a readable reason on a failed gate, 0 when all pass, --json for machines', async () => {
    const fail = await demo(['check', '--max-failure-rate', '5%', '--since', '30d']);
    expect(fail.code).toBe(5);
    expect(fail.stdout).toMatch(/FAIL\s+max_failure_rate\s+agents failure rate \d+\.\d % \[/);
    expect(fail.stderr).toMatch(/^agentmeter: check failed: agents failure rate/);
    const pass = await demo(['check', '--max-failure-rate', '50%', '--min-first-attempt-pass', '0.5', '--since', '30d']);
    expect(pass.code).toBe(0);
    expect(pass.stdout).toContain('all gates passed');
    const anomalies = await demo(['check', '--no-anomalies', '--since', '7d', '--json']);
    expect(anomalies.code).toBe(5);
    const j = JSON.parse(anomalies.stdout) as { ok: boolean; gates: { gate: string; ok: boolean; reason: string }[] };
    expect(j.ok).toBe(false);
    expect(j.gates[0]?.gate).toBe('no_anomalies');
    expect(j.gates[0]?.reason).toMatch(/gpt-4\.1/);
  });

  it('trends: series with smoothing and a direction', async () => {
    const r = await json(['trends', '--metric', 'speedup', '--since', '30d']) as { series: { key: string; direction: string; points: { n: number; smoothed: number | null }[] }[] };
    expect(r.series).toHaveLength(1);
    expect(r.series[0]?.points.length).toBeGreaterThanOrEqual(30);
    // The demo's speedups grow over the month.
    expect(r.series[0]?.direction).toBe('improving');
    const t = await demo(['trends', '--by', 'model', '--bucket', 'week', '--format', 'md']);
    expect(t.code).toBe(0);
    expect(t.stdout).toMatch(/^### claude-sonnet-4: /m);
  });

  it('export dataset: one CSV row per agent invocation, the same count as report', async () => {
    const csv = await demo(['export', 'dataset', '--out', '-', '--since', '31d']);
    expect(csv.code).toBe(0);
    expect(csv.stdout.split('\n')[0]).toMatch(/^\{"ts":/);
    const csvFile = join(dir, 'ds.csv');
    expect((await demo(['export', 'dataset', '--since', '31d', '--out', csvFile])).code).toBe(0);
    const lines = readFileSync(csvFile, 'utf8').trimEnd().split('\n');
    expect(lines[0]).toMatch(/^ts,invocation_id,run_id,parent_id,env,project,task_type,agent,agent_type,variant,.*,state\.task\.type$/);
    const report = JSON.parse((await demo(['report', '--since', '31d', '--json'])).stdout) as { agents: { total: number } };
    expect(lines.length - 1).toBe(report.agents.total);
    const out = join(dir, 'ds.jsonl');
    const file = await demo(['export', 'dataset', '--since', '31d', '-o', out]);
    expect(file.stdout).toMatch(new RegExp(`^wrote ${report.agents.total} invocations to `));
    expect(readFileSync(out, 'utf8').trimEnd().split('\n')).toHaveLength(report.agents.total);
  });

  it('bad input: usage errors (exit 2) without a stack trace; no store (exit 3)', async () => {
    for (const args of [
      ['compare'],
      ['compare', '--by', 'bogus'],
      ['compare', '--by', 'model', '--after', '3d'],
      ['compare', '--before', '2025-01-01'],
      ['compare', '--after', 'yesterday-ish'],
      ['compare', '--by', 'model', '--metric', 'quality', '--kind', 'task'],
      ['check'],
      ['check', '--max-failure-rate', 'abc'],
      ['check', '--max-failure-rate', '120%'],
      ['anomalies', '--series', 'model,colour'],
      ['trends', '--bucket', 'month'],
    ]) {
      const r = await demo(args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    }
    const none = await cli(['compare', '--by', 'model', '--dir', join(dir, 'nope')]);
    expect(none.code).toBe(3);
    expect(none.stderr).toContain('no store');
  });

  it('each insight command has --help with examples', async () => {
    for (const c of ['compare', 'trends', 'anomalies', 'check', 'export']) {
      const r = await cli([c, '--help']);
      expect(r.code).toBe(0);
      expect(r.stdout).toContain('Examples:');
    }
    expect((await cli(['--help'])).stdout).toContain('5 check gate failed');
  });
});

describe('demo data at any hour', () => {
  it('has its incident found whatever the time of day the demo and anomalies run', async () => {
    // Late in a UTC day the demo's days used to straddle midnight, and the incident day got a
    // tenth of the usual gpt-4.1 runs: too few to flag.
    for (const hour of ['00:10', '22:41', '23:50']) {
      vi.useFakeTimers({ toFake: ['Date'], now: Date.parse(`2026-12-05T${hour}:00Z`) });
      try {
        const at = mkdtempSync(join(tmpdir(), 'agentmeter-demo-hour-'));
        expect((await cli(['demo', '--dir', at])).code).toBe(0);
        const r = JSON.parse((await cli(['anomalies', '--since', '30d', '--json', '--dir', at, '--env', 'demo'])).stdout) as { anomalies: { series: string; day: string }[] };
        expect(new Set(r.anomalies.map((a) => a.day)), hour).toEqual(new Set(['2026-12-02']));
        expect(r.anomalies.every((a) => a.series.startsWith('gpt-4.1 · ')), hour).toBe(true);
        rmSync(at, { recursive: true, force: true });
      } finally {
        vi.useRealTimers();
      }
    }
  });
});

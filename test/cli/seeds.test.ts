import { appendFileSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../helpers.js';
import { ROOT, runCli } from './run-cli.js';
import type { CliResult } from './run-cli.js';

const SEEDS = join(ROOT, 'test/fixtures/seeds');

const cli = (args: string[], input?: string): Promise<CliResult> => runCli(args, { env: { AGENTMETER_ENV: '' }, ...(input !== undefined ? { input } : {}) });

describe('seed commands', () => {
  it('each has --help with examples', async () => {
    for (const c of ['agents', 'import', 'export', 'record']) {
      const r = await cli([c, '--help']);
      expect(r.code).toBe(0);
      expect(r.stdout).toContain('Examples:');
    }
    expect((await cli(['import', '--help'])).stdout).toContain('automation-metrics');
    expect((await cli(['export', '--help'])).stdout).toContain('csv');
  });

  it('bad formats, kinds and paths are usage errors (exit 2) without a stack trace', async () => {
    const dir = tempDir();
    for (const args of [
      ['import', 'nope', SEEDS, '--dir', dir],
      ['import', 'oak', join(dir, 'missing'), '--dir', dir],
      ['import', 'automation-metrics', SEEDS, '--dir', dir],
      ['import', 'oak', SEEDS, '--dir', dir, '--env', 'bad env'],
      ['export', 'nope', '--dir', dir],
      ['record', 'nope', '--dir', dir],
      ['record', 'optimization', '--dir', dir, '--operation', 'm'],
      ['record', 'optimization', '--dir', dir, '--operation', 'm', '--variants-generated', 'many', '--validated', '1', '--promoted', '0', '--wallclock-seconds', '1'],
      ['report', 'nope', '--dir', dir],
    ]) {
      const r = await cli(args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).toMatch(/^agentmeter: /m);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    }
  });

  it('agents on an empty store says what to do; no store is exit 3', async () => {
    const dir = tempDir();
    expect((await cli(['agents', '--dir', dir])).code).toBe(3);
    await cli(['import', 'oak', join(SEEDS, 'oak/empty'), '--dir', dir]);
    const r = await cli(['agents', '--dir', dir]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('No agent invocations');
    expect(r.stdout).toContain('agentmeter import oak');
  });

  it('import oak → agents --json → export oak', async () => {
    const dir = tempDir();
    const imp = await cli(['import', 'oak', join(SEEDS, 'oak/mixed'), '--dir', dir, '--json']);
    expect(imp.code).toBe(0);
    expect(JSON.parse(imp.stdout)).toMatchObject({ spans: 7, skipped: 5 });
    expect((await cli(['import', 'oak', join(SEEDS, 'oak/mixed'), '--dir', dir, '--strict', '--again'])).code).toBe(4);
    const a = JSON.parse((await cli(['agents', '--dir', dir, '--json'])).stdout) as { agents: { agent_name: string }[]; total_invocations: number };
    expect(a.total_invocations).toBe(6);
    expect(a.agents[0]!.agent_name).toBe('frontend-developer');
    const out = join(tempDir(), 'telemetry');
    expect((await cli(['export', 'oak', '--dir', dir, '--out', out])).code).toBe(0);
    expect(readdirSync(out).sort()).toEqual(['agent_invocations.jsonl', 'performance_stats.json', 'success_metrics.jsonl', 'workflow_events.jsonl']);
  });

  it('record optimization from flags and from stdin, then report automation and export', async () => {
    const dir = tempDir();
    const flags = await cli(['record', 'optimization', '--dir', dir, '--env', 'prod', '--operation', 'matmul', '--variants-generated', '12', '--validated', '9',
      '--validation-failures', '3', '--promoted', '2', '--baseline-latency-ms', '4', '--optimized-latency-ms', '2', '--wallclock-seconds', '340', '--autotune-samples', '96']);
    expect(flags.code).toBe(0);
    const lines = [
      { operation: 'conv2d', variants_generated: 8, validated: 5, promoted: 1, baseline_latency_ms: 0, optimized_latency_ms: 3.2, wallclock_seconds: 120, prompt: 'secret' },
      { operation: 'conv2d', validated: 1 },
    ].map((l) => JSON.stringify(l)).join('\n');
    const stdin = await cli(['record', 'optimization', '--stdin', '--dir', dir, '--env', 'prod', '--json'], lines);
    expect(stdin.code).toBe(4);
    expect(JSON.parse(stdin.stdout)).toMatchObject({ recorded: 1, rejected: 1 });
    expect(stdin.stderr).toContain('dropped fields not kept for privacy: prompt');
    // What Python's json.dumps writes for an unknown latency: a bare Infinity token.
    const py = await cli(['record', 'optimization', '--stdin', '--dir', dir, '--env', 'test'],
      '{"operation": "gemm", "variants_generated": 2, "validated": 2, "promoted": 1, "baseline_latency_ms": Infinity, "optimized_latency_ms": 1.0, "wallclock_seconds": 5.5}\n');
    expect(py.code).toBe(0);
    const rep = await cli(['report', 'automation', '--dir', dir, '--since', '1d', '--json']);
    expect(rep.code).toBe(0);
    const s = JSON.parse(rep.stdout) as { current: { sessions: number; speedup_geomean: number; sessions_without_baseline: number } };
    expect(s.current).toMatchObject({ sessions: 2, speedup_geomean: 2, sessions_without_baseline: 1 });
    const table = await cli(['report', 'automation', '--dir', dir, '--since', '7d']);
    expect(table.stdout).toContain('validation success rate');
    expect(table.stdout).toContain('2.00× (geomean of 1)');
    const out = join(tempDir(), 'automation_metrics.jsonl');
    expect((await cli(['export', 'automation-metrics', '--dir', dir, '--out', out])).code).toBe(0);
    expect(readFileSync(out, 'utf8').trim().split('\n')).toHaveLength(2);
    const all = join(tempDir(), 'all.jsonl');
    expect((await cli(['export', 'automation-metrics', '--dir', dir, '--out', all, '--env', 'all'])).code).toBe(0);
    const gemm = readFileSync(all, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => l['operation'] === 'gemm');
    expect(gemm).toMatchObject({ baseline_latency_ms: null, optimized_latency_ms: 1, wallclock_seconds: 5.5 });
  });

  it('record invocation → invocation-update (another process) → success-metric, as a Python host would', async () => {
    const dir = tempDir();
    const start = await cli(['record', 'invocation', '--dir', dir, '--env', 'prod', '--agent-name', 'frontend-developer', '--task-type', 'feature_development', '--task-description', 'key sk-ant-api03-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA']);
    expect(start.code).toBe(0);
    const id = start.stdout.trim();
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect((await cli(['record', 'invocation-update', '--dir', dir, '--env', 'prod', '--invocation-id', id, '--outcome-status', 'success', '--duration-seconds', '120.5', '--files-modified', 'a.tsx,b.tsx'])).code).toBe(0);
    const metric = await cli(['record', 'success-metric', '--stdin', '--dir', dir, '--env', 'prod'], JSON.stringify({ invocation_id: id, success: true, quality_rating: 4 }) + '\n' + JSON.stringify({ invocation_id: id, success: true, quality_rating: 7 }));
    expect(metric.code).toBe(4);
    expect(metric.stderr).toContain('quality_rating must be 1–5');
    expect((await cli(['record', 'invocation', '--dir', dir])).code).toBe(2);
    const a = JSON.parse((await cli(['agents', '--dir', dir, '--json'])).stdout) as { agents: Record<string, unknown>[] };
    expect(a.agents[0]).toMatchObject({ agent_name: 'frontend-developer', invocation_count: 1, success_rate: 1, average_quality: 4, average_duration_seconds: 120.5 });
    const out = tempDir();
    await cli(['export', 'oak', '--dir', dir, '--out', out]);
    const line = JSON.parse(readFileSync(join(out, 'agent_invocations.jsonl'), 'utf8').trim()) as { task_description: string; outcome: { files_modified: string[] } };
    expect(line.task_description).toBe('key [REDACTED:anthropic_key]');
    expect(line.outcome.files_modified).toEqual(['a.tsx', 'b.tsx']);
  });

  it('import orchestrator-runs → report orchestrator → export csv', async () => {
    const dir = tempDir();
    expect((await cli(['import', 'orchestrator-runs', join(SEEDS, 'orchestrator/runs'), '--dir', dir])).code).toBe(0);
    const r = await cli(['report', 'orchestrator', '--dir', dir, '--since', '2024-12-01', '--until', '2024-12-10']);
    expect(r.code).toBe(0);
    for (const q of ['highest success rate', 'most retries', 'first attempt', 'debugging cycles per issue', 'complexity']) expect(r.stdout).toContain(q);
    const j = JSON.parse((await cli(['report', 'orchestrator', '--dir', dir, '--since', '2024-12-01', '--until', '2024-12-10', '--json'])).stdout) as { runs: number };
    expect(j.runs).toBe(2);
    // A corrupt line is reported on stderr; with --strict that is exit 4, as for the report.
    const day = readdirSync(join(dir, 'events')).sort()[0] as string;
    appendFileSync(join(dir, 'events', day, 'torn.jsonl'), '{"v":1,"type":"span.st\n');
    const window = ['--dir', dir, '--since', '2024-12-01', '--until', '2024-12-10'];
    for (const section of ['orchestrator', 'automation']) {
      const lax = await cli(['report', section, ...window]);
      expect(lax.code).toBe(0);
      expect(lax.stderr).toContain('skipped 1 corrupt or torn line');
      expect((await cli(['report', section, ...window, '--strict'])).code).toBe(4);
      expect((await cli(['report', section, ...window, '--format', 'csv'])).code).toBe(2);
    }
    const out = tempDir();
    expect((await cli(['export', 'csv', '--dir', dir, '--out', out])).code).toBe(0);
    expect(readdirSync(out).sort()).toEqual(['agents.csv', 'debugging_cycles.csv', 'issues.csv', 'pipelines.csv', 'runs.csv']);
  });
});

/**
 * One contract suite, two stores: the same fixture forwarded to PostgreSQL must give the
 * same report (every section, every grouping, env filters) as the file store it came from.
 * Counts and quantiles must be identical; sums of fractional values (cost, wall-clock,
 * log-speedups) may differ in the last bits because the database adds in another order.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { GROUP_BY_VALUES } from '../../src/analytics/index.js';
import type { GroupBy, Report } from '../../src/analytics/index.js';
import { computeReport } from '../../src/cli/commands/report.js';
import { analyzeAgents, answerOrchestratorQueries, automationSummary, buildRunRecords } from '../../src/analytics/index.js';
import type { OrchestratorAnswers } from '../../src/analytics/index.js';
import { computeAgentsFromPostgres, computeAutomationFromPostgres, computeOrchestratorFromPostgres, computeReportFromPostgres } from '../../src/cli/stores.js';
import { main } from '../../src/cli/main.js';
import type { Io } from '../../src/cli/io.js';
import { collectStore } from '../../src/integrations/collect.js';
import { PostgresSink, migrate, openPool, parsePostgresUrl } from '../../src/sinks/postgres/index.js';
import { syncStore } from '../../src/sinks/index.js';
import { describePg, useSchema } from '../sinks/pg-helpers.js';
import { NOW, writeFixture } from './fixture.js';

const DAY = 86_400_000;

/** Numbers equal, fractional ones to 1e-9 relative; integers and quantiles exactly. */
function expectSame(a: unknown, b: unknown, path = 'report'): void {
  if (typeof a === 'number' && typeof b === 'number') {
    const exact = Number.isInteger(a) && Number.isInteger(b) && !/cost_usd|latency_saved|total$/.test(path);
    if (exact || /\.(median|p95)$/.test(path)) {
      expect(b, path).toBe(a);
    } else {
      expect(Math.abs(a - b), `${path}: ${a} vs ${b}`).toBeLessThanOrEqual(1e-9 * Math.max(1, Math.abs(a)));
    }
    return;
  }
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') {
    expect(b, path).toEqual(a);
    return;
  }
  if (Array.isArray(a)) {
    expect(Array.isArray(b), path).toBe(true);
    expect((b as unknown[]).length, `${path}.length`).toBe(a.length);
    a.forEach((x, i) => expectSame(x, (b as unknown[])[i], `${path}[${i}]`));
    return;
  }
  expect(Object.keys(b).sort(), path).toEqual(Object.keys(a).sort());
  for (const k of Object.keys(a)) expectSame((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], `${path}.${k}`);
}

function comparable(r: Report): Record<string, unknown> {
  const rest: Record<string, unknown> = { ...r };
  for (const k of ['generated_at', 'skipped_lines', 'skipped_samples']) delete rest[k];
  return rest;
}

describePg('report contract: file store and PostgreSQL', () => {
  const schema = useSchema();
  const dir = mkdtempSync(join(tmpdir(), 'agentmeter-contract-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  let events = 0;

  it('forwards the fixture', async () => {
    events = await writeFixture(dir);
    const target = parsePostgresUrl(schema.url);
    const pool = await openPool(target);
    await migrate(pool);
    await pool.end();
    const sink = new PostgresSink(target);
    const r = await syncStore({ root: dir, sink, sinkId: 'contract', destination: 'contract', batchSize: 700 });
    await sink.shutdown();
    expect(r.ok).toBe(true);
    // One edge event is written twice: the database keeps it once.
    const count = await schema.admin().query<{ n: string }>('SELECT count(*) AS n FROM am_events');
    expect(Number(count.rows[0]?.n)).toBe(events - 1);
    expect(r.events).toBe(events);
    expect(r.skipped).toBe(0);
  });

  const cases: { name: string; sinceMs: number; by?: GroupBy; envs?: readonly string[] | 'all' }[] = [
    { name: 'default envs, 7 days', sinceMs: NOW - 7 * DAY },
    { name: 'all envs, 7 days', sinceMs: NOW - 7 * DAY, envs: 'all' },
    { name: 'demo only, 10 days', sinceMs: NOW - 10 * DAY, envs: ['demo'] },
    ...GROUP_BY_VALUES.map((by) => ({ name: `by ${by}, all envs`, sinceMs: NOW - 9 * DAY, by, envs: 'all' as const })),
    { name: 'by agent, prod only', sinceMs: NOW - 7 * DAY, by: 'agent' as const, envs: ['prod'] },
  ];
  for (const c of cases) {
    it(`same report: ${c.name}`, async () => {
      const o = { sinceMs: c.sinceMs, untilMs: NOW, nowMs: NOW, ...(c.by ? { by: c.by } : {}), ...(c.envs ? { envs: c.envs } : {}) };
      const local = await computeReport(dir, { ...o, cache: false });
      const pg = await computeReportFromPostgres(schema.url, o);
      expect(local.runs.total + local.agents.total).toBeGreaterThan(0);
      expectSame(comparable(local), comparable(pg));
    });
  }

  const agentCases: { name: string; sinceMs?: number; untilMs?: number; envs?: readonly string[] | 'all'; taskType?: string }[] = [
    { name: 'all history, default envs' },
    { name: 'all history, all envs', envs: 'all' },
    { name: '7 days, prod', sinceMs: NOW - 7 * DAY, untilMs: NOW, envs: ['prod'] },
    { name: 'a window in the past, demo', sinceMs: NOW - 15 * DAY, untilMs: NOW - 5 * DAY, envs: ['demo'] },
    { name: 'one task type', taskType: 'feature_development', envs: 'all' },
    { name: 'a task type nobody ran', taskType: 'nothing' },
  ];
  for (const c of agentCases) {
    it(`same agents analysis: ${c.name}`, async () => {
      const window = c.sinceMs !== undefined ? { sinceMs: c.sinceMs, untilMs: c.untilMs } : {};
      const data = await collectStore({ dir, envs: c.envs, nowMs: NOW, kinds: ['agent', 'workflow'], ...window });
      const local = analyzeAgents(data.spans, data.feedback, { nowMs: NOW, taskType: c.taskType });
      const pg = await computeAgentsFromPostgres(schema.url, { ...window, envs: c.envs, taskType: c.taskType, nowMs: NOW });
      if (c.taskType !== 'nothing') expect(local.total_invocations).toBeGreaterThan(0);
      expectSame(local, pg, 'agents');
    });
  }

  it('the agents analysis sees workflows, failures and ratings from the database', async () => {
    const pg = await computeAgentsFromPostgres(schema.url, { envs: ['prod'], nowMs: NOW });
    expect(pg.workflows).toMatchObject({ workflows: 2, ended: 2, success_rate: 0.5, average_agents_per_workflow: 3 });
    expect(pg.workflows.top_sequences.map((x) => x.sequence).sort()).toEqual(['planner → coder → agent WA3', 'planner → coder → reviewer']);
    // W1: 10 s, agents 2 s + 6 s timed (WA3 abandoned has no duration): overhead 0.2.
    expect(pg.workflows.coordination_overhead).toEqual({ workflows: 1, mean: expect.closeTo(0.2, 12), median: expect.closeTo(0.2, 12) });
    const coder = pg.agents.find((a) => a.agent_name === 'coder');
    expect(coder?.common_failures).toContain('tests failed');
    expect(coder?.ratings).toBe(1);
    expect(coder?.average_quality).toBe(2);
    expect(pg.agents.map((a) => a.agent_name)).toContain('agent WA3');
  });

  const automationCases: { name: string; sinceMs: number; untilMs?: number; envs?: readonly string[] | 'all' }[] = [
    { name: 'default envs, 7 days', sinceMs: NOW - 7 * DAY },
    { name: 'all envs, 7 days', sinceMs: NOW - 7 * DAY, envs: 'all' },
    { name: 'demo, 10 days', sinceMs: NOW - 10 * DAY, envs: ['demo'] },
    { name: 'prod, a window in the past', sinceMs: NOW - 6 * DAY, untilMs: NOW - 2 * DAY, envs: ['prod'] },
  ];
  for (const c of automationCases) {
    it(`same automation summary: ${c.name}`, async () => {
      const untilMs = c.untilMs ?? NOW;
      const previousSince = c.sinceMs - (untilMs - c.sinceMs);
      const data = await collectStore({ dir, sinceMs: previousSince, untilMs, envs: c.envs, nowMs: NOW, kinds: ['optimization'], windowOn: 'end' });
      const local = automationSummary(data.spans, { sinceMs: c.sinceMs, untilMs });
      const pg = await computeAutomationFromPostgres(schema.url, { sinceMs: c.sinceMs, untilMs, nowMs: NOW, envs: c.envs });
      expect(local.current.sessions + local.previous.sessions).toBeGreaterThan(0);
      expectSame(local, pg, 'automation');
    });
  }

  const orchestratorCases: { name: string; sinceMs: number; untilMs?: number; envs?: readonly string[] | 'all'; runs?: number }[] = [
    { name: 'default envs, 7 days (labelled by complexity)', sinceMs: NOW - 7 * DAY, runs: 6 },
    { name: 'prod, 7 days (an issue whose run is in another env)', sinceMs: NOW - 7 * DAY, envs: ['prod'], runs: 5 },
    { name: 'all envs, 10 days', sinceMs: NOW - 10 * DAY, envs: 'all' },
    { name: 'demo, 21 days (bucketed by retries)', sinceMs: NOW - 21 * DAY, envs: ['demo'] },
    { name: 'imported history, prod', sinceMs: Date.parse('2024-12-01T00:00:00Z'), untilMs: Date.parse('2024-12-10T00:00:00Z'), envs: ['prod'], runs: 2 },
    { name: 'everything', sinceMs: Date.parse('2024-11-01T00:00:00Z'), envs: 'all' },
    { name: 'an env with nothing', sinceMs: NOW - 7 * DAY, envs: ['nobody'], runs: 0 },
  ];
  for (const c of orchestratorCases) {
    it(`same orchestrator answers: ${c.name}`, async () => {
      const untilMs = c.untilMs ?? NOW;
      const data = await collectStore({ dir, sinceMs: c.sinceMs, untilMs, envs: c.envs, nowMs: NOW, kinds: ['run', 'task', 'agent', 'pipeline', 'debug'] });
      const local = answerOrchestratorQueries(buildRunRecords(data.spans));
      const pg = await computeOrchestratorFromPostgres(schema.url, { sinceMs: c.sinceMs, untilMs, nowMs: NOW, envs: c.envs });
      if (c.runs !== undefined) expect(local.runs).toBe(c.runs);
      else expect(local.issues).toBeGreaterThan(20);
      // Identical, to the last digit: the database adds fractional values in the records' order.
      expect(pg).toEqual(local);
    });
  }

  it('the orchestrator answers see what matching runs, issues and children must get right', async () => {
    const a: OrchestratorAnswers = await computeOrchestratorFromPostgres(schema.url, { sinceMs: NOW - 7 * DAY, untilMs: NOW, nowMs: NOW, envs: ['prod'] });
    // The edge runs R1 (one issue), R2 and R3 (none) are prod too.
    expect(a).toMatchObject({ runs: 5, issues: 6 });
    // OT1 completed, OT2 failed by its word, OT3 skipped, OT4 running; OT5 failed in a run without a model.
    expect(a.success_by_model.find((r) => r.key === 'orch-model')).toMatchObject({ runs: 1, issues: 4, completed: 1, failed: 1 });
    expect(a.success_by_model.find((r) => r.key === '(none)')).toMatchObject({ runs: 1, issues: 1, completed: 0, failed: 1 });
    expect(a.success_by_temperature.map((r) => r.key).sort()).toEqual(['(none)', '0.2', '0.5']);
    const retries = Object.fromEntries(a.agent_retries.map((r) => [r.agent, [r.attempts, r.retries, r.issues_with_retries]]));
    // coding: OT1's repeated start is an attempt, not a retry; OT2's own count 4 (its open
    // cycle's attempt replaced); testing: 2 point events + 2 attempts; '' 1.5; ghost only in
    // OT2's counts; review moved to OT1.
    expect(retries).toEqual({ coding: [3, 4, 1], testing: [0, 4, 2], '': [0, 1.5, 1], ghost: [0, 2, 1], 'agent OA3': [1, 0, 0], review: [1, 0, 0] });
    // OT1's first pipeline (by position) failed; OT2's first ended one is attempt 2: not counted.
    expect(a.first_pipeline).toMatchObject({ issues: 1, passed: 0, pipelines: 4 });
    expect(a.debugging).toMatchObject({ cycles: 4, resolved: 3, time_to_resolve_seconds: { median: 9, mean: 8 } });
    expect(a.complexity.grouped_by).toBe('complexity');
    // (none): T1 (0 retries), OT2 (6: its own counts), OT5 (2); high: OT1 (2 + 1.5).
    expect(a.complexity.rows.map((r) => [r.key, r.issues, r.mean_retries])).toEqual([['(none)', 3, 8 / 3], ['high', 1, 3.5], ['low', 2, 0]]);
    expect(a.complexity.spearman_retries_vs_duration).not.toBeNull();
    const all = await computeOrchestratorFromPostgres(schema.url, { sinceMs: NOW - 7 * DAY, untilMs: NOW, nowMs: NOW, envs: ['prod', 'staging'] });
    expect(all.success_by_model.find((r) => r.key === 'orch-model')).toMatchObject({ runs: 2, issues: 5, completed: 2 });
  });

  it('report orchestrator prints the same table and JSON from both stores', async () => {
    const run = async (args: string[]): Promise<{ code: number; out: string; err: string }> => {
      let out = '';
      let err = '';
      const io: Io = { stdout: { write: (t: string) => (out += t) }, stderr: { write: (t: string) => (err += t) }, env: { NO_COLOR: '1' }, cwd: dir };
      const code = await main(args, io);
      return { code, out, err };
    };
    const window = ['--since', '2024-11-01', '--until', new Date(NOW).toISOString(), '--env', 'all'];
    for (const format of [[], ['--json']]) {
      const local = await run(['report', 'orchestrator', '--dir', dir, ...window, ...format]);
      const pg = await run(['report', 'orchestrator', '--store', schema.url, ...window, ...format]);
      expect(local.code).toBe(0);
      expect(pg).toEqual({ code: 0, out: local.out, err: '' });
      expect(pg.out).toContain(format.length ? '"success_by_model"' : 'Which agent causes the most retries?');
    }
  });

  it('the edge cases show up as the fold defines them', async () => {
    const pg = await computeReportFromPostgres(schema.url, { sinceMs: NOW - 7 * DAY, untilMs: NOW, nowMs: NOW, envs: ['prod'], by: 'project' });
    const edge = pg.groups?.find((g) => g.key === 'edge');
    expect(edge?.agents).toMatchObject({ total: 3, success: 1, failure: 1, abandoned: 1, retries: 1, tokens: { input: 7, output: 12 } });
    expect(edge?.agents.cost_usd).toBeCloseTo(0.375, 12);
    expect(edge?.debugging).toMatchObject({ cycles: 1, resolved: 1, attempts_per_cycle: 3 });
    expect(edge?.optimizations).toMatchObject({ sessions: 2, variants_generated: 4, validated: 3, promoted: 1, speedup_sessions: 1, sessions_without_baseline: 1 });
    expect(pg.groups?.find((g) => g.key === 'live')?.agents.open).toBe(1);
    expect(pg.groups?.find((g) => g.key === 'stale')?.runs.abandoned).toBe(1);
    expect(pg.envs.excluded['test']).toBe(2);
    expect(pg.feedback.count).toBe(3);
  });
});

/**
 * One contract suite, every source: the query layer's `ReportSource` implementations (a
 * directory through the span cache, a directory folded afresh, PostgreSQL fed by `sync`) and
 * the dashboard's JSON API must give the same report (every section, every grouping, env
 * filters), the same agents analysis and the same seed answers on one fixture. The folded
 * directory is the reference. Counts and quantiles must be identical; sums of fractional
 * values (cost, wall-clock, log-speedups) may differ in the last bits because another source
 * adds in another order.
 */
import { mkdtempSync, readdirSync, rmSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GROUP_BY_VALUES } from '../../src/analytics/index.js';
import type { GroupBy, OrchestratorAnswers, Report } from '../../src/analytics/index.js';
import { main } from '../../src/cli/main.js';
import type { Io } from '../../src/cli/io.js';
import { DirectorySource, PostgresSource } from '../../src/query/index.js';
import type { ReportSource } from '../../src/query/index.js';
import { dashboardRoutes } from '../../src/server/index.js';
import { PostgresSink, migrate, openPool, parsePostgresUrl } from '../../src/sinks/postgres/index.js';
import { syncStore } from '../../src/sinks/index.js';
import { describePg, pgAvailable, useSchema } from '../sinks/pg-helpers.js';
import { CONTRACT_ENV, NOW, expectedSum, writeFixture } from './fixture.js';
import { SUMS, readAtPath } from '../../src/model/index.js';
import { formatCount } from '../../src/cli/render/format.js';
import { formatSum } from '../../src/cli/render/report-parts.js';

const DAY = 86_400_000;

/** Numbers equal, fractional ones to 1e-9 relative; integers and quantiles exactly. */
export function expectSame(a: unknown, b: unknown, path = 'report'): void {
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

/** The dashboard's JSON API over the same directory, asked what `report` is asked. */
function dashboardSource(dir: string): Pick<ReportSource, 'report'> & { label: string } {
  const app = dashboardRoutes({ dir, now: () => NOW, assetsDir: join(dir, 'no-assets') });
  return {
    label: 'dashboard API',
    async report(q) {
      const p = new URLSearchParams({ since: new Date(q.sinceMs).toISOString(), until: new Date(q.untilMs).toISOString() });
      if (q.envs) p.set('env', q.envs === 'all' ? 'all' : q.envs.join(','));
      if (q.by) p.set('by', q.by);
      const res = await app.request(`/api/${q.by ? 'breakdown' : 'overview'}?${p}`);
      expect(res.status).toBe(200);
      return ((await res.json()) as { report: Report }).report;
    },
  };
}

/** Files sealed days ago, so the cached source builds digests (and replays them the second time). */
function ageFiles(dir: string): void {
  const old = new Date(NOW - 3 * DAY);
  for (const day of readdirSync(join(dir, 'events'))) for (const f of readdirSync(join(dir, 'events', day))) utimesSync(join(dir, 'events', day, f), old, old);
}

const dir = mkdtempSync(join(tmpdir(), 'agentmeter-contract-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const schema = useSchema();
let events = 0;
const reference = new DirectorySource(dir, { cache: false });
const sources: { name: string; source: Pick<ReportSource, 'report'> & Partial<ReportSource> }[] = [
  { name: 'directory through the span cache', source: new DirectorySource(dir) },
  { name: 'dashboard API', source: dashboardSource(dir) },
];

beforeAll(async () => {
  events = await writeFixture(dir);
  ageFiles(dir);
  if (!pgAvailable) return;
  const target = parsePostgresUrl(schema.url);
  const pool = await openPool(target);
  await migrate(pool);
  await pool.end();
  const sink = new PostgresSink(target);
  const r = await syncStore({ root: dir, sink, sinkId: 'contract', destination: 'contract', batchSize: 700 });
  await sink.shutdown();
  expect(r.ok).toBe(true);
  // One edge event is written twice (the database keeps it once); one line is invalid.
  const count = await schema.admin().query<{ n: string }>('SELECT count(*) AS n FROM am_events');
  expect(Number(count.rows[0]?.n)).toBe(events - 2);
  expect(r.skipped).toBe(1);
  sources.push({ name: 'PostgreSQL', source: new PostgresSource(schema.url) });
});

describe('report contract: every source', () => {
  const cases: { name: string; sinceMs: number; by?: GroupBy; envs?: readonly string[] | 'all' }[] = [
    { name: 'default envs, 7 days', sinceMs: NOW - 7 * DAY },
    { name: 'all envs, 7 days', sinceMs: NOW - 7 * DAY, envs: 'all' },
    { name: 'demo only, 10 days', sinceMs: NOW - 10 * DAY, envs: ['demo'] },
    ...GROUP_BY_VALUES.map((by) => ({ name: `by ${by}, all envs`, sinceMs: NOW - 9 * DAY, by, envs: 'all' as const })),
    { name: 'by agent, prod only', sinceMs: NOW - 7 * DAY, by: 'agent' as const, envs: ['prod'] },
    { name: 'by day, the contract env', sinceMs: NOW - 4 * DAY, by: 'day' as const, envs: ['contract'] },
  ];
  for (const c of cases) {
    it(`same report: ${c.name}`, async () => {
      const o = { sinceMs: c.sinceMs, untilMs: NOW, nowMs: NOW, ...(c.by ? { by: c.by } : {}), ...(c.envs ? { envs: c.envs } : {}) };
      const want = await reference.report(o);
      expect(want.runs.total + want.agents.total).toBeGreaterThan(0);
      // Twice: the cached source builds its digests on the first report and replays them after.
      for (const round of [1, 2]) {
        for (const s of sources) {
          const got = await s.source.report(o);
          expectSame(comparable(want), comparable(got), `${s.name} (${round}): report`);
        }
      }
    });
  }

  it('the directory sources count the invalid line; the database never received it', async () => {
    const o = { sinceMs: NOW - 7 * DAY, untilMs: NOW, nowMs: NOW, envs: 'all' as const };
    expect((await reference.report(o)).skipped_lines).toBe(1);
    expect((await new DirectorySource(dir).report(o)).skipped_lines).toBe(1);
  });
});

describePg('seed analyses contract: directory and PostgreSQL', () => {
  const pgSource = (): PostgresSource => new PostgresSource(schema.url);

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
      const q = { ...window, envs: c.envs, taskType: c.taskType, nowMs: NOW };
      const local = (await reference.agents(q)).analysis;
      const pg = (await pgSource().agents(q)).analysis;
      if (c.taskType !== 'nothing') expect(local.total_invocations).toBeGreaterThan(0);
      expectSame(local, pg, 'agents');
    });
  }

  it('the agents analysis sees workflows, failures and ratings from the database', async () => {
    const pg = (await pgSource().agents({ envs: ['prod'], nowMs: NOW })).analysis;
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
      const q = { sinceMs: c.sinceMs, untilMs, nowMs: NOW, envs: c.envs };
      const local = (await reference.automation(q)).summary;
      const pg = (await pgSource().automation(q)).summary;
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
      const q = { sinceMs: c.sinceMs, untilMs, nowMs: NOW, envs: c.envs };
      const local = (await reference.orchestrator(q)).answers;
      const pg = (await pgSource().orchestrator(q)).answers;
      if (c.runs !== undefined) expect(local.runs).toBe(c.runs);
      else expect(local.issues).toBeGreaterThan(20);
      // Identical, to the last digit: the database adds fractional values in the records' order.
      expect(pg).toEqual(local);
    });
  }

  it('the orchestrator answers see what matching runs, issues and children must get right', async () => {
    const a: OrchestratorAnswers = (await pgSource().orchestrator({ sinceMs: NOW - 7 * DAY, untilMs: NOW, nowMs: NOW, envs: ['prod'] })).answers;
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
    const all = (await pgSource().orchestrator({ sinceMs: NOW - 7 * DAY, untilMs: NOW, nowMs: NOW, envs: ['prod', 'staging'] })).answers;
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
      const pg = await run(['report', 'orchestrator', '--database', schema.url, ...window, ...format]);
      expect(local.code).toBe(0);
      expect(pg).toEqual({ code: 0, out: local.out, err: '' });
      expect(pg.out).toContain(format.length ? '"success_by_model"' : 'Which agent causes the most retries?');
    }
  });

  it('compare, trends, anomalies and check print the same JSON from the directory and the database', async () => {
    const run = async (args: string[]): Promise<{ code: number; out: string }> => {
      let out = '';
      const io: Io = { stdout: { write: (t: string) => (out += t) }, stderr: { write: () => true }, env: { NO_COLOR: '1' }, cwd: dir };
      return { code: await main(args, io), out };
    };
    const until = ['--until', new Date(NOW).toISOString(), '--env', 'all', '--json'];
    for (const args of [
      ['compare', '--by', 'model', '--since', '21d', ...until],
      ['compare', '--by', 'agent', '--metric', 'duration', '--since', '21d', ...until],
      // Costs are bootstrapped: equal only because each group's values are sorted first.
      ['compare', '--by', 'model', '--metric', 'cost', '--since', '21d', ...until],
      ['trends', '--metric', 'cost', '--since', '21d', ...until],
      ['compare', '--by', 'variant', '--metric', 'quality', '--since', '21d', ...until],
      ['trends', '--metric', 'success_rate', '--since', '21d', ...until],
      ['anomalies', '--since', '7d', ...until],
      ['check', '--max-failure-rate', '50%', '--since', '7d', ...until],
    ]) {
      const local = await run([...args, '--dir', dir]);
      const pg = await run([...args, '--database', schema.url]);
      expect(local.out.length, args.join(' ')).toBeGreaterThan(20);
      expect(pg, args.join(' ')).toEqual(local);
    }
  });

  it('the edge cases show up as the fold defines them', async () => {
    const pg = await pgSource().report({ sinceMs: NOW - 7 * DAY, untilMs: NOW, nowMs: NOW, envs: ['prod'], by: 'project' });
    const edge = pg.groups?.find((g) => g.key === 'edge');
    expect(edge?.agents).toMatchObject({ total: 3, success: 1, failure: 1, abandoned: 1, retries: 3, tokens: { input: 7, output: 12 } });
    expect(edge?.agents.cost_usd).toBeCloseTo(0.375, 12);
    expect(edge?.debugging).toMatchObject({ cycles: 1, resolved: 1, attempts_per_cycle: 3 });
    expect(edge?.optimizations).toMatchObject({ sessions: 2, variants_generated: 4, validated: 3, promoted: 1, speedup_sessions: 1, sessions_without_baseline: 1 });
    expect(pg.groups?.find((g) => g.key === 'live')?.agents.open).toBe(1);
    expect(pg.groups?.find((g) => g.key === 'stale')?.runs.abandoned).toBe(1);
    const wf = pg.groups?.find((g) => g.key === 'wf');
    expect(wf?.model_calls).toMatchObject({ total: 3, success: 2, failure: 1, success_rate: 2 / 3, tokens: { input: 1200, output: 100 } });
    expect(wf?.model_calls.cost_usd).toBeCloseTo(0.0125, 12);
    expect(wf?.tool_calls).toMatchObject({ total: 3, success: 1, failure: 1, abandoned: 1 });
    const byAgent = await pgSource().report({ sinceMs: NOW - 7 * DAY, untilMs: NOW, nowMs: NOW, envs: ['prod'], by: 'agent' });
    // Calls that name their agent join its group; the one that names none joins no group.
    expect(byAgent.groups?.find((g) => g.key === 'coder')?.model_calls.total).toBe(1);
    expect(byAgent.groups?.find((g) => g.key === 'planner')?.tool_calls.total).toBe(2);
    expect((byAgent.groups ?? []).reduce((n, g) => n + g.model_calls.total, 0)).toBe(2);
    expect(pg.envs.excluded['test']).toBe(2);
    expect(pg.feedback.count).toBe(3);
  });
});

describe("the dashboard's Attention and Compare: what anomalies, trends and compare print", () => {
  const app = dashboardRoutes({ dir, now: () => NOW, assetsDir: join(dir, 'no-assets') });
  const window = { since: new Date(NOW - 21 * DAY).toISOString(), until: new Date(NOW).toISOString() };
  const cliJson = async (args: string[]): Promise<Record<string, unknown>> => {
    let out = '';
    const io: Io = { stdout: { write: (t: string) => (out += t) }, stderr: { write: () => true }, env: { NO_COLOR: '1' }, cwd: dir };
    expect(await main([...args, '--dir', dir, '--env', 'all', '--since', window.since, '--until', window.until, '--json'], io)).toBe(0);
    return JSON.parse(out) as Record<string, unknown>;
  };
  const api = async <T,>(path: string): Promise<T> => {
    const res = await app.request(`${path}${path.includes('?') ? '&' : '?'}${new URLSearchParams({ ...window, env: 'all' })}`);
    expect(res.status, path).toBe(200);
    const body = (await res.json()) as Record<string, unknown>;
    delete body['version'];
    return body as T;
  };

  it('compare, every metric the dashboard offers', async () => {
    for (const [by, metric] of [['model', 'success_rate'], ['agent', 'duration'], ['model', 'cost'], ['project', 'first_attempt_pass_rate'], ['operation', 'speedup']] as const) {
      expect(await api(`/api/compare?by=${by}&metric=${metric}`), `${by} ${metric}`).toEqual(await cliJson(['compare', '--by', by, '--metric', metric]));
    }
  });

  it('attention: the anomalies and each watched trend', async () => {
    const body = await api<{ window: unknown; anomalies: unknown; trends: { metric: string; kind: string; bucket: string; trend: unknown }[] }>('/api/attention');
    const { window: w, ...anomalies } = await cliJson(['anomalies']);
    expect(body.window).toEqual(w);
    expect(body.anomalies).toEqual(anomalies);
    for (const t of body.trends) {
      const kind = ['success_rate', 'duration', 'cost'].includes(t.metric) ? ['--kind', t.kind] : [];
      expect(t.trend, `${t.metric} of ${t.kind}`).toEqual(((await cliJson(['trends', '--metric', t.metric, ...kind, '--bucket', t.bucket])) as { series: unknown[] }).series[0] ?? null);
    }
  });
});

describe('one definition per metric: every declared sum reaches every output', () => {
  const window = { sinceMs: NOW - 4 * DAY, untilMs: NOW, nowMs: NOW };
  const cli = async (args: string[]): Promise<string> => {
    let out = '';
    const io: Io = { stdout: { write: (t: string) => (out += t) }, stderr: { write: () => true }, env: { NO_COLOR: '1', COLUMNS: '400' }, cwd: dir };
    expect(await main(args, io)).toBe(0);
    return out;
  };
  const cliWindow = ['--dir', dir, '--env', CONTRACT_ENV, '--since', new Date(window.sinceMs).toISOString(), '--until', new Date(window.untilMs).toISOString()];

  it('is in the JSON of every source, grouped by project', async () => {
    expect(SUMS.length).toBeGreaterThan(0);
    for (const s of [{ name: 'directory', source: reference }, ...sources]) {
      const r = await s.source.report({ ...window, by: 'project', envs: [CONTRACT_ENV] });
      const g = r.groups?.find((x) => x.key === 'sums');
      SUMS.forEach((d, i) => expect(readAtPath(g?.[d.section], d.path), `${s.name}: ${d.id}`).toBeCloseTo(expectedSum(i), 9));
    }
  });

  it('is a CSV column and a table figure', async () => {
    const csv = (await cli(['report', ...cliWindow, '--by', 'project', '--format', 'csv'])).trim().split('\r\n').map((l) => l.split(','));
    const header = csv[0]!;
    const row = csv.find((r) => r[0] === 'sums')!;
    SUMS.forEach((d, i) => {
      const col = header.indexOf([d.section, ...d.path].join('_'));
      expect(col, d.id).toBeGreaterThan(0);
      expect(Number(row[col]), d.id).toBeCloseTo(expectedSum(i), 9);
    });
    const json = JSON.parse(await cli(['report', ...cliWindow, '--json'])) as Report;
    const table = await cli(['report', ...cliWindow]);
    for (const d of SUMS) {
      const v = readAtPath(json[d.section], d.path);
      // The optimisation funnel shows its three counts in one line; every other sum by its label.
      const shown = ['variants_generated', 'validated', 'promoted'].includes(d.id) ? `${formatCount(v)}` : `${d.label} ${formatSum(d, v)}`;
      expect(table, d.id).toContain(shown);
    }
  });

  it("is in the dashboard's report and, where declared, its daily series", async () => {
    const app = dashboardRoutes({ dir, now: () => NOW, assetsDir: join(dir, 'no-assets') });
    const q = `since=${new Date(window.sinceMs).toISOString()}&until=${new Date(window.untilMs).toISOString()}&env=${CONTRACT_ENV}`;
    const overview = (await (await app.request(`/api/overview?${q}`)).json()) as { report: Report; series: Record<string, unknown>[] };
    const automation = (await (await app.request(`/api/automation?${q}`)).json()) as { optimizations: Report['optimizations']; series: Record<string, unknown>[] };
    const want = await reference.report({ ...window, envs: [CONTRACT_ENV] });
    for (const d of SUMS) {
      expect(readAtPath(overview.report[d.section], d.path), d.id).toBeCloseTo(readAtPath(want[d.section], d.path), 9);
      if (!('series' in d && d.series)) continue;
      const series = d.section === 'agents' ? overview.series : automation.series;
      const total = series.reduce((n, p) => n + (p[d.id] as number), 0);
      expect(total, `${d.id} series`).toBeCloseTo(readAtPath(want[d.section], d.path), 9);
    }
    // Model calls per day add up to the report's model calls.
    const calls = overview.series.reduce((n, p) => n + (p['model_calls'] as number), 0);
    expect(calls).toBeGreaterThan(0);
    expect(calls).toBe(want.model_calls.total);
  });
});

describe('the readers that used to disagree', () => {
  it('an unknown duration is no duration: the report median and the agents mean read the one known 60 s', async () => {
    const r = await reference.report({ sinceMs: NOW - 4 * DAY, untilMs: NOW, nowMs: NOW, by: 'project', envs: [CONTRACT_ENV] });
    const unknown = r.groups?.find((g) => g.key === 'unknown');
    expect(unknown?.agents.total).toBe(3);
    expect(unknown?.agents.duration_ms?.median).toBeCloseTo(60_000, -3);
    const { analysis } = await reference.agents({ envs: [CONTRACT_ENV], nowMs: NOW });
    expect(analysis.agents.find((a) => a.agent_name === 'oak-agent')?.average_duration_seconds).toBe(60);
  });

  it('report and report orchestrator count the same retries (a cycle\'s fix attempts, not repeated starts)', async () => {
    const q = { sinceMs: NOW - 21 * DAY, untilMs: NOW, nowMs: NOW, envs: ['demo'] as const };
    const report = await reference.report({ ...q, envs: ['demo'] });
    const { answers } = await reference.orchestrator({ ...q, envs: ['demo'] });
    const orchestrator = answers.agent_retries.reduce((n, r) => n + r.retries, 0);
    expect(orchestrator).toBeGreaterThan(0);
    expect(report.agents.retries).toBe(orchestrator);
  });

  it('numbers written as strings (where the schema leaves an attribute untyped) count in every source', async () => {
    const q = { sinceMs: NOW - 4 * DAY, untilMs: NOW, nowMs: NOW, envs: [CONTRACT_ENV] };
    const { summary } = await reference.automation(q);
    const op = summary.by_operation.find((o) => o.operation === 'strings');
    expect(op?.wallclock_saved_seconds).toMatchObject({ total: 49.5, sessions: 2 });
    if (pgAvailable) expect((await new PostgresSource(schema.url).automation(q)).summary.by_operation.find((o) => o.operation === 'strings')?.wallclock_saved_seconds).toEqual(op?.wallclock_saved_seconds);
  });

  it('the dashboard ranks agents as `agents` does', async () => {
    const app = dashboardRoutes({ dir, now: () => NOW, assetsDir: join(dir, 'no-assets') });
    for (const env of [CONTRACT_ENV, 'demo']) {
      const since = NOW - 10 * DAY;
      const res = (await (await app.request(`/api/agents?since=${new Date(since).toISOString()}&until=${new Date(NOW).toISOString()}&env=${env}`)).json()) as { agents: { agent: string; ranking_score: number }[] };
      const { analysis } = await reference.agents({ sinceMs: since, untilMs: NOW, envs: [env], nowMs: NOW });
      const named = new Set(res.agents.map((a) => a.agent));
      const ranked = analysis.agents.filter((a) => named.has(a.agent_name));
      expect(res.agents.length).toBeGreaterThan(1);
      expect(res.agents.map((a) => a.agent)).toEqual(ranked.map((a) => a.agent_name));
      for (const a of ranked) expect(res.agents.find((x) => x.agent === a.agent_name)?.ranking_score, a.agent_name).toBeCloseTo(a.ranking_score, 12);
    }
  });
});

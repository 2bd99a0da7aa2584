// The dashboard's JSON API, called as a pure fetch handler (no socket), on a demo store.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateDemo } from '../../src/integrations/demo.js';
import { createMeter } from '../../src/sdk/index.js';
import { dashboardRoutes } from '../../src/server/index.js';
import { defaultWindow } from '../../src/server/dashboard/query.js';
import { computeReport } from '../../src/cli/commands/report.js';
import type { Report } from '../../src/analytics/index.js';

const NOW = Date.parse('2026-03-01T12:00:00.000Z');
const DAY = 86_400_000;
let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'agentmeter-dash-'));
  await generateDemo({ dir, days: 10, seed: 5, runsPerDay: 6, now: NOW });
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// Sums of floats (costs) depend on the order spans are added in: compare at 12 significant digits.
function rounded(v: unknown): unknown {
  if (typeof v === 'number') return Number.isFinite(v) ? Number(v.toPrecision(12)) : v;
  if (Array.isArray(v)) return v.map(rounded);
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, rounded(x)]));
  return v;
}

function app(o: { checkIntervalMs?: number } = {}) {
  return dashboardRoutes({ dir, now: () => NOW, assetsDir: join(dir, 'no-assets'), ...o });
}

async function get<T = Record<string, unknown>>(a: ReturnType<typeof app>, path: string): Promise<{ status: number; body: T }> {
  const res = await a.request(path);
  return { status: res.status, body: (await res.json()) as T };
}

describe('dashboard API', () => {
  it('overview equals `agentmeter report` for the same window and envs', async () => {
    const a = app();
    const { status, body } = await get<{ report: Report; series: { day: string; runs: number }[] }>(a, '/api/overview?since=7d&env=demo');
    expect(status).toBe(200);
    const expected = await computeReport(dir, { sinceMs: NOW - 7 * DAY, untilMs: NOW, envs: ['demo'], nowMs: NOW });
    expect(rounded({ ...body.report, generated_at: '' })).toEqual(rounded({ ...expected, generated_at: '' }));
    expect(body.report.runs.total).toBeGreaterThan(0);
    // One point per UTC day the window touches, and the runs add up to the headline.
    expect(body.series.length).toBe(8);
    expect(body.series.reduce((n, p) => n + p.runs, 0)).toBe(body.report.runs.total);
  });

  it('meta names a default window that shows the data: the shortest that holds the store, else the latest month', async () => {
    const { body } = await get<{ default_window: { since: string; until: string } }>(app(), '/api/meta');
    // Ten days of data: 7 days would hide three of them.
    expect(body.default_window).toEqual({ since: '30d', until: '' });
    expect(defaultWindow(null, null, NOW)).toEqual({ since: '7d', until: '' });
    expect(defaultWindow(NOW - 3 * DAY, NOW - DAY, NOW)).toEqual({ since: '7d', until: '' });
    expect(defaultWindow(NOW - 200 * DAY, NOW - DAY, NOW)).toEqual({ since: '30d', until: '' });
    expect(defaultWindow(NOW - 200 * DAY, NOW - 60 * DAY, NOW)).toEqual({ since: '90d', until: '' });
    expect(defaultWindow(NOW - 900 * DAY, NOW - 200 * DAY, NOW)).toEqual({ since: '365d', until: '' });
    expect(defaultWindow(Date.parse('2024-01-01T00:00:00Z'), Date.parse('2024-02-10T13:00:00Z'), NOW)).toEqual({ since: '2024-01-12', until: '2024-02-11' });
  });

  it('the default envs leave demo data out; meta says so', async () => {
    const a = app();
    const { body } = await get<{ report: Report }>(a, '/api/overview?since=7d');
    expect(body.report.runs.total).toBe(0);
    expect(body.report.envs.excluded['demo']).toBeGreaterThan(0);
    const meta = await get<{ default_env: string; values: { env: Record<string, number>; model: Record<string, number> } }>(a, '/api/meta');
    expect(meta.body.default_env).toBe('all');
    expect(Object.keys(meta.body.values.env)).toEqual(['demo']);
    expect(Object.keys(meta.body.values.model).length).toBeGreaterThan(1);
  });

  it('a filter narrows every figure to the matching spans, as the grouped report counts them', async () => {
    const a = app();
    const all = await get<{ report: Report }>(a, '/api/breakdown?by=model&since=10d&env=all');
    const group = all.body.report.groups!.find((g) => g.key !== '(none)')!;
    const filtered = await get<{ report: Report }>(a, `/api/overview?since=10d&env=all&model=${encodeURIComponent(group.key)}`);
    expect(filtered.body.report.agents.invocations).toBe(group.agents.invocations);
    expect(filtered.body.report.tasks.total).toBe(group.tasks.total);
    expect(filtered.body.report.agents.invocations).toBeLessThan(all.body.report.agents.invocations);
  });

  it('ranks agents by the ranking score of `agents` (lower bounds of success and rating), with a sparkline per day', async () => {
    const { body } = await get<{ days: string[]; agents: { agent: string; ranking_score: number; sparkline: unknown[] }[] }>(app(), '/api/agents?since=10d&env=all');
    expect(body.agents.length).toBeGreaterThan(1);
    const scores = body.agents.map((x) => x.ranking_score);
    expect([...scores].sort((x, y) => y - x)).toEqual(scores);
    expect(scores[0]).toBeGreaterThan(0);
    for (const x of body.agents) expect(x.sparkline.length).toBe(body.days.length);
  });

  it('automation: funnel totals, speedup histogram covering every session with latencies', async () => {
    const { body } = await get<{ optimizations: Report['optimizations']; speedups: { sessions: number }[]; operations: unknown[] }>(app(), '/api/automation?since=10d&env=all');
    expect(body.optimizations.sessions).toBeGreaterThan(0);
    expect(body.optimizations.variants_generated).toBeGreaterThanOrEqual(body.optimizations.validated);
    expect(body.speedups.reduce((n, b) => n + b.sessions, 0)).toBe(body.optimizations.speedup_sessions);
    expect(body.operations.length).toBeGreaterThan(0);
  });

  it('lists runs newest first, searches them, and opens one with all its spans', async () => {
    const a = app();
    const list = await get<{ total: number; runs: { run_id: string; name: string; start: string; project: string | null }[] }>(a, '/api/runs?since=10d&env=all&limit=5');
    expect(list.body.total).toBeGreaterThan(5);
    expect(list.body.runs).toHaveLength(5);
    const starts = list.body.runs.map((r) => r.start);
    expect([...starts].sort().reverse()).toEqual(starts);
    const project = list.body.runs[0]!.project!;
    const found = await get<{ total: number; runs: { project: string | null }[] }>(a, `/api/runs?since=10d&env=all&limit=500&q=${encodeURIComponent(project.toUpperCase())}`);
    expect(found.body.total).toBeGreaterThan(0);
    expect(found.body.total).toBeLessThan(list.body.total);
    for (const r of found.body.runs) expect(r.project).toBe(project);
    const id = list.body.runs[0]!.run_id;
    const detail = await get<{ run: { runId: string }; spans: { runId: string; kind: string; parentId: string | null }[] }>(a, `/api/runs/${id}`);
    expect(detail.status).toBe(200);
    expect(detail.body.spans.length).toBeGreaterThan(1);
    for (const s of detail.body.spans) expect(s.runId).toBe(id);
    expect(detail.body.spans.filter((s) => s.kind === 'run')).toHaveLength(1);
  });

  it('answers bad parameters with 400 and unknown things with 404, as JSON', async () => {
    const a = app();
    expect((await get(a, '/api/overview?since=yesterdayish')).status).toBe(400);
    expect((await get(a, '/api/overview?since=2026-03-02&until=2026-03-01')).status).toBe(400);
    expect((await get(a, '/api/breakdown?by=colour')).body).toEqual({ error: expect.stringContaining('by must be one of') });
    expect((await get(a, '/api/runs?limit=0')).status).toBe(400);
    expect((await get(a, '/api/runs/nope')).status).toBe(404);
    expect((await get(a, '/api/nothing')).status).toBe(404);
    const home = await a.request('/');
    expect(home.status).toBe(503);
    expect(await home.text()).toContain('npm run build');
  });

  it('sees newly recorded events: the version moves and the run shows up', async () => {
    const a = app({ checkIntervalMs: 0 });
    const before = await get<{ version: number }>(a, '/api/version');
    const runsBefore = await get<{ total: number }>(a, '/api/runs?since=10d&env=all');
    const meter = createMeter({ dir, env: 'demo', durability: 'flush', clock: () => NOW - 60_000 });
    const run = meter.startRun({ project: 'fresh-project' });
    run.end({ status: 'completed' });
    await meter.close();
    const after = await get<{ version: number }>(a, '/api/version');
    expect(after.body.version).toBe(before.body.version + 1);
    const runsAfter = await get<{ total: number; runs: { project: string | null }[] }>(a, '/api/runs?since=10d&env=all&q=fresh-project');
    expect(runsAfter.body.runs.map((r) => r.project)).toEqual(['fresh-project']);
    expect((await get<{ total: number }>(a, '/api/runs?since=10d&env=all')).body.total).toBe(runsBefore.body.total + 1);
    // Unchanged store: same version.
    expect((await get<{ version: number }>(a, '/api/version')).body.version).toBe(after.body.version);
  });
});

// The dashboard's Attention and Compare answers equal `agentmeter anomalies`, `trends` and
// `compare --json` on the same store and window: both compute them with the same insight
// inputs (src/analytics/insight-inputs.ts), one from the dashboard's snapshot, one from a scan.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateDemo } from '../../src/integrations/demo.js';
import { dashboardRoutes } from '../../src/server/index.js';
import { WATCHED_METRICS } from '../../src/server/dashboard/insights.js';
import type { AttentionAnswer, CompareAnswer } from '../../src/server/dashboard/insights.js';
import { runCli } from '../cli/run-cli.js';

const DAY = 86_400_000;
// A whole minute, so the window's ends print the same in ISO from both sides.
const NOW = Math.floor(Date.now() / 60_000) * 60_000;
const SINCE = new Date(NOW - 30 * DAY).toISOString();
const UNTIL = new Date(NOW).toISOString();
let dir: string;

// A month of demo data: gpt-4.1 degraded for one day three days before the end, agent
// variant coding-v2 truly better than coding-v1 (docs/demo in `agentmeter demo --help`).
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'agentmeter-dash-insights-'));
  await generateDemo({ dir, days: 30, seed: 42, now: NOW });
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const app = () => dashboardRoutes({ dir, now: () => NOW, assetsDir: join(dir, 'no-assets') });

async function get<T>(a: ReturnType<typeof app>, path: string): Promise<{ status: number; body: T }> {
  const res = await a.request(path);
  return { status: res.status, body: (await res.json()) as T };
}

async function cliJson(args: string[]): Promise<Record<string, unknown>> {
  const r = await runCli([...args, '--dir', dir, '--env', 'demo', '--since', SINCE, '--until', UNTIL, '--json']);
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as Record<string, unknown>;
}

const WINDOW = `since=${encodeURIComponent(SINCE)}&until=${encodeURIComponent(UNTIL)}&env=demo`;

describe('dashboard Attention and Compare', () => {
  it('attention: the anomalies equal `agentmeter anomalies --json`, each trend `agentmeter trends --json`', async () => {
    const a = app();
    const { status, body } = await get<AttentionAnswer & { version: number }>(a, `/api/attention?${WINDOW}`);
    expect(status).toBe(200);
    const { window, ...cli } = await cliJson(['anomalies']);
    expect(body.window).toEqual(window);
    expect(body.anomalies).toEqual(cli);
    // The demo's incident: gpt-4.1's bad day is found, with its evidence.
    expect(body.anomalies.anomalies.length).toBeGreaterThan(0);
    expect(body.anomalies.anomalies.every((x) => x.series.startsWith('gpt-4.1'))).toBe(true);
    expect(body.anomalies.anomalies[0]?.evidence).toMatch(/baseline/);

    expect(body.trends.map((t) => `${t.metric}/${t.kind}`)).toEqual(WATCHED_METRICS.map((w) => `${w.metric}/${w.kind}`));
    for (const t of body.trends) {
      const kindFlag = ['success_rate', 'duration', 'cost'].includes(t.metric) ? ['--kind', t.kind] : [];
      const cliTrends = (await cliJson(['trends', '--metric', t.metric, ...kindFlag, '--bucket', t.bucket])) as { series: unknown[] };
      expect(t.trend, `${t.metric} of ${t.kind} spans`).toEqual(cliTrends.series[0] ?? null);
    }
    expect(body.trends.filter((t) => t.trend !== null).length).toBeGreaterThanOrEqual(4);
  });

  it('compare equals `agentmeter compare --by … --metric … --json`, verdicts included', async () => {
    const a = app();
    const cases: [string, string][] = [['model', 'success_rate'], ['variant', 'success_rate'], ['agent', 'duration'], ['model', 'cost'], ['operation', 'speedup']];
    for (const [by, metric] of cases) {
      const { status, body } = await get<CompareAnswer>(a, `/api/compare?${WINDOW}&by=${by}&metric=${metric}`);
      expect(status, JSON.stringify(body)).toBe(200);
      const cli = await cliJson(['compare', '--by', by, '--metric', metric]);
      expect(body, `${by} / ${metric}`).toEqual({ ...cli, version: expect.any(Number) });
    }
    const variant = await get<CompareAnswer>(a, `/api/compare?${WINDOW}&by=variant`);
    expect(variant.body.comparisons[0]?.summary).toMatch(/^coding-v2 is better than coding-v1/);
    expect(variant.body.without_group).toBeGreaterThan(0);
  });

  it('the filter bar narrows both; bad parameters answer 400 with a reason', async () => {
    const a = app();
    const filtered = await get<AttentionAnswer>(a, `/api/attention?${WINDOW}&model=claude-sonnet-4`);
    expect(filtered.status).toBe(200);
    expect(filtered.body.anomalies.anomalies).toEqual([]);
    const models = await get<CompareAnswer>(a, `/api/compare?${WINDOW}&by=model&model=gpt-4.1`);
    expect(models.body.groups.map((g) => g.key)).toEqual(['gpt-4.1']);
    for (const [q, message] of [
      ['/api/compare?by=colour', /by must be one of/],
      ['/api/compare?by=model&metric=quality', /agentmeter compare --metric quality/],
      ['/api/compare?by=model&metric=speedup&kind=run', /kind applies to/],
      ['/api/compare?by=model&alpha=2', /alpha must be/],
      ['/api/attention?series=model,colour', /unknown: colour/],
      ['/api/attention?baseline_days=0', /baseline_days must be/],
      ['/api/attention?bucket=month', /bucket must be/],
    ] as const) {
      const r = await get<{ error: string }>(a, q);
      expect(r.status, q).toBe(400);
      expect(r.body.error).toMatch(message);
    }
  });
});

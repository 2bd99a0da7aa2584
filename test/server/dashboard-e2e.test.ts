// End to end: the built CLI serves a store filled by `agentmeter demo`; headless Chromium
// loads every page. Skips without Chromium, except in CI, where a missing browser fails.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { createMeter } from '../../src/sdk/index.js';
import { uuidv7 } from '../../src/model/index.js';
import { browserMissing, launchBrowser } from './browser.js';

const ROOT = join(import.meta.dirname, '..', '..');
const BIN = join(ROOT, 'dist', 'cli', 'bin.js');
const missing = browserMissing() ?? (existsSync(join(ROOT, 'dist', 'web', 'index.html')) ? undefined : 'the front end is not built (npm run build)');

const DAY = 86_400_000;

/**
 * A series of its own beside the demo's: `seeded-model` runs `seeded-agent` six times a day
 * for eleven days, every invocation a success, then fails eight times out of eight
 * yesterday: the anomaly the Attention panel must show.
 */
async function seedIncident(dir: string): Promise<void> {
  let clock = 0;
  const meter = createMeter({ dir, env: 'demo', durability: 'flush', clock: () => clock });
  const first = Math.floor(Date.now() / DAY) * DAY - 12 * DAY;
  for (let d = 0; d < 12; d++) {
    const failing = d === 11;
    for (let i = 0; i < (failing ? 8 : 6); i++) {
      clock = first + d * DAY + 9 * 3_600_000 + i * 600_000;
      const run = meter.startRun({ project: 'seeded', llm: { provider: 'seeded', model: 'seeded-model' } });
      const task = run.startTask({ key: `seeded-${d}-${i}`, type: 'seeded' });
      const agent = task.startAgent({ name: 'seeded-agent', type: 'development' });
      clock += 60_000;
      agent.end({ status: failing ? 'failure' : 'success' });
      task.end({ status: failing ? 'failed' : 'completed' });
      run.end({ status: failing ? 'failed' : 'completed' });
    }
  }
  await meter.close();
}

/** Model and tool calls, as the OTLP mapping stores them: 5 model calls (1 failed), 3 tool calls. */
function seedCalls(dir: string): void {
  const day = new Date(Date.now() - 3_600_000).toISOString().slice(0, 10);
  mkdirSync(join(dir, 'events', day), { recursive: true });
  const lines: string[] = [];
  const at = Date.now() - 3_600_000;
  const span = (i: number, kind: 'llm' | 'tool', status: string, attrs: object): string =>
    JSON.stringify({ v: 1, id: uuidv7(at + i), ts: new Date(at + i + 900).toISOString(), type: 'span', span_id: `call-${kind}-${i}`, run_id: 'calls-run', env: 'demo', kind, name: `${kind} ${i}`, parent_id: null, start_ts: new Date(at + i).toISOString(), duration_ms: 900, status, attrs });
  for (let i = 0; i < 5; i++) lines.push(span(i, 'llm', i === 0 ? 'failure' : 'success', { 'gen_ai.request.model': 'seeded-model', 'gen_ai.usage.input_tokens': 100, 'gen_ai.usage.output_tokens': 10 }));
  for (let i = 10; i < 13; i++) lines.push(span(i, 'tool', 'success', { 'gen_ai.tool.name': 'search' }));
  writeFileSync(join(dir, 'events', day, 'calls.jsonl'), lines.join('\n') + '\n');
}

if (missing && process.env['CI']) {
  describe('dashboard in Chromium', () => {
    it('needs Chromium and the built front end in CI', () => {
      throw new Error(`cannot run the browser tests: ${missing}`);
    });
  });
} else if (missing) {
  describe.skip(`dashboard in Chromium (skipped: ${missing})`, () => {
    it('pages load', () => undefined);
  });
} else {
  describe('dashboard in Chromium', () => {
    let dir: string;
    let server: ChildProcess;
    let url: string;
    let context: BrowserContext;
    let closeBrowser: () => Promise<void>;

    beforeAll(async () => {
      dir = mkdtempSync(join(tmpdir(), 'agentmeter-e2e-'));
      const demo = spawnSync(process.execPath, [BIN, 'demo', '--dir', dir, '--days', '14', '--runs-per-day', '8'], { encoding: 'utf8', timeout: 60_000 });
      expect(demo.status, demo.stderr).toBe(0);
      await seedIncident(dir);
      seedCalls(dir);
      server = spawn(process.execPath, [BIN, 'dashboard', '--dir', dir, '--port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
      url = await new Promise<string>((resolve, reject) => {
        let out = '';
        server.stdout!.on('data', (d: Buffer) => {
          out += d.toString();
          const line = out.split('\n')[0];
          if (out.includes('\n') && line) resolve(line.trim());
        });
        server.once('exit', (code) => reject(new Error(`dashboard exited with ${code}`)));
      });
      ({ context, close: closeBrowser } = await launchBrowser());
    });

    afterAll(async () => {
      await closeBrowser?.();
      if (server && server.exitCode === null) {
        const exited = new Promise((r) => server.once('exit', r));
        server.kill('SIGTERM');
        await exited;
      }
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    /** A page that collects console errors and uncaught exceptions. */
    async function open(hash: string): Promise<{ page: Page; errors: string[] }> {
      const page = await context.newPage();
      const errors: string[] = [];
      page.on('console', (m) => {
        if (m.type() === 'error') errors.push(m.text());
      });
      page.on('pageerror', (e) => errors.push(`${e.message} ${e.stack ?? ''}`));
      await page.goto(`${url}${hash}`);
      return { page, errors };
    }

    it.each([
      ['overview', '[data-testid="card-runs-value"]'],
      ['breakdowns', '[data-testid="breakdown-table"] tbody tr'],
      ['runs', '[data-testid="runs-table"] tbody tr'],
      ['agents', '[data-testid="agents-table"] tbody tr'],
      ['automation', '[data-testid="chart-funnel"] canvas'],
      ['compare', '[data-testid="compare-groups"] tbody tr'],
    ])('the %s page loads without console errors', async (name, selector) => {
      const { page, errors } = await open(`#/${name}?since=30d`);
      await page.locator(selector).first().waitFor();
      expect(await page.locator('h1').innerText()).toBe(name[0]!.toUpperCase() + name.slice(1));
      expect(errors).toEqual([]);
      await page.close();
    });

    it('a filter changes the numbers, and going back restores them', async () => {
      const { page, errors } = await open('#/overview?since=30d');
      const detail = page.locator('[data-testid="card-agents"] .detail');
      await detail.waitFor();
      const before = await detail.innerText();
      const models = await page.locator('[data-testid="filter-model"] option').evaluateAll((os) => os.map((o) => (o as unknown as { value: string }).value));
      const model = models[1];
      await page.selectOption('[data-testid="filter-model"]', model!);
      await expect.poll(() => detail.innerText()).not.toBe(before);
      const after = await detail.innerText();
      const n = (s: string) => Number(/([\d.]+) invocations/.exec(s)?.[1]);
      expect(n(after)).toBeLessThan(n(before));
      expect(page.url()).toContain(`model=${encodeURIComponent(model!)}`);
      await page.goBack();
      await expect.poll(() => detail.innerText()).toBe(before);
      expect(errors).toEqual([]);
      await page.close();
    });

    it('works from the keyboard: pages are reached and tables sorted without a mouse', async () => {
      const { page, errors } = await open('#/overview?since=30d');
      await page.locator('[data-testid="card-runs-value"]').waitFor();
      await page.focus('nav a[href^="#/breakdowns"]');
      await page.keyboard.press('Enter');
      const header = page.locator('[data-testid="breakdown-table"] thead th').nth(0);
      await header.waitFor();
      expect(await page.locator('h1').innerText()).toBe('Breakdowns');
      expect(await header.getAttribute('aria-sort')).toBe('none');
      await header.locator('button').focus();
      await page.keyboard.press('Enter');
      expect(await header.getAttribute('aria-sort')).toBe('descending');
      const keys = await page.locator('[data-testid="breakdown-table"] tbody th').allInnerTexts();
      expect(keys).toEqual([...keys].sort().reverse());
      await page.keyboard.press('Enter');
      expect(await header.getAttribute('aria-sort')).toBe('ascending');
      expect(errors).toEqual([]);
      await page.close();
    });

    it('the overview shows model calls and tool calls when the store has them', async () => {
      const { page, errors } = await open('#/?since=7d&env=all');
      await page.locator('[data-testid="card-model-calls-value"]').waitFor();
      expect(await page.locator('[data-testid="card-model-calls-value"]').innerText()).toBe('5');
      expect(await page.locator('[data-testid="card-model-calls"]').innerText()).toContain('80.0 %');
      expect(await page.locator('[data-testid="card-tool-calls-value"]').innerText()).toBe('3');
      expect(errors).toEqual([]);
      await page.close();
    });

    it("a run's timeline opens from the run list", async () => {
      const { page, errors } = await open('#/runs?since=30d');
      const first = page.locator('[data-testid="runs-table"] tbody tr th a').first();
      const name = await first.innerText();
      await first.click();
      await page.locator('[data-testid="run-timeline"] canvas').waitFor();
      expect(await page.locator('h1').innerText()).toBe(name);
      expect(await page.locator('[data-testid="run-spans"] tbody tr').count()).toBeGreaterThan(1);
      expect(page.url()).toMatch(/#\/runs\/[0-9a-f-]{36}/);
      // Attributes under plain names, the raw name in the tooltip.
      const labels = await page.locator('dl.attrs dt').allInnerTexts();
      expect(labels).toContain('model');
      expect(labels.some((l) => l.includes('gen_ai.'))).toBe(false);
      expect(await page.locator('dl.attrs dt[title="gen_ai.request.model"]').innerText()).toBe('model');
      expect(errors).toEqual([]);
      await page.close();
    });

    it('opens on a window that shows the data, and the Attention panel shows the seeded anomaly with its evidence', async () => {
      // No window in the URL: 14 days of data open on the last 30 days, not the last 7.
      const { page, errors } = await open('#/overview');
      await page.locator('[data-testid="card-runs-value"]').waitFor();
      expect(await page.locator('[data-testid="filter-window"]').inputValue()).toBe('30d');
      const seeded = page.locator('[data-testid="attention-anomaly"]', { hasText: 'seeded-model' });
      await seeded.first().waitFor();
      const text = await seeded.first().innerText();
      expect(text).toContain('seeded-model · seeded-agent');
      expect(text).toMatch(/failure rate 100\.0 %, expected [0-4]\.\d % \(8 invocations\)/);
      expect(text).toMatch(/8\/8 failed \(100 %\) against [0-4]\.\d % over 11 baseline days; binomial tail p = /);
      expect(await page.locator('[data-testid="attention-trend"]').count()).toBe(6);
      expect(await page.locator('[data-testid="attention-summary"]').innerText()).toMatch(/^\d+ anomalous points?, \d+ metrics? worsening: \d+ points/);
      // The filter bar narrows the panel: another model has no such day.
      const models = await page.locator('[data-testid="filter-model"] option').evaluateAll((os) => os.map((o) => (o as unknown as { value: string }).value));
      await page.selectOption('[data-testid="filter-model"]', models.find((m) => m !== '' && m !== 'seeded-model' && m !== 'gpt-4.1')!);
      await expect.poll(() => seeded.count()).toBe(0);
      expect(errors).toEqual([]);
      await page.close();
    });

    it('the Compare page shows each pair with its interval and a plain verdict, per dimension and metric', async () => {
      const { page, errors } = await open('#/compare?since=30d&by=model');
      const verdicts = page.locator('[data-testid="compare-verdict"]');
      await verdicts.first().waitFor();
      const models = await page.locator('[data-testid="compare-groups"] tbody th').allInnerTexts();
      expect(models.length).toBeGreaterThanOrEqual(4);
      expect(await verdicts.count()).toBe(Math.min(models.length, 8) * (Math.min(models.length, 8) - 1) / 2);
      for (const v of await verdicts.all()) {
        expect(['a_better', 'b_better', 'no_difference', 'not_enough_data']).toContain(await v.getAttribute('data-verdict'));
        expect(await v.innerText()).toMatch(/(is better than|no detectable difference between|not enough data: about \d+ more) .*\[[−+]?\d+\.\d pts, [−+]?\d+\.\d pts\], p [=<] /);
      }
      expect(await page.locator('[data-testid="compare-groups"] tbody td').nth(2).innerText()).toMatch(/^\d+\.\d % – \d+\.\d %$/);
      // Another metric: durations compare as a ratio of medians.
      await page.selectOption('[data-testid="compare-metric"]', 'duration');
      await expect.poll(() => page.locator('[data-testid="compare-pairs"] thead th').nth(2).innerText()).toBe('A / B');
      await expect.poll(() => verdicts.first().innerText()).toMatch(/× the median duration/);
      expect(errors).toEqual([]);
      await page.close();
    });

    it('the by-agent breakdown shows agent columns, most invocations first', async () => {
      const { page, errors } = await open('#/breakdowns?since=30d&by=agent');
      const table = page.locator('[data-testid="breakdown-table"]');
      await table.locator('tbody tr').first().waitFor();
      const headers = (await table.locator('thead th').allInnerTexts()).map((h) => h.replace(/[ ▼▲]+$/, ''));
      expect(headers.slice(0, 3)).toEqual(['Agent', 'Invocations', 'Success']);
      expect(headers).not.toContain('Runs');
      expect(await table.locator('thead th').nth(1).getAttribute('aria-sort')).toBe('descending');
      const counts = (await table.locator('tbody tr td:nth-child(2)').allInnerTexts()).map(Number);
      expect(counts.length).toBeGreaterThan(1);
      expect(counts).toEqual([...counts].sort((a, b) => b - a));
      expect(errors).toEqual([]);
      await page.close();
    });

    it('a chart says it is loading until Chart.js has drawn it', async () => {
      const page = await context.newPage();
      // Hold the chart chunk back: the numbers come first, the chart frame says it is coming.
      let release: () => void = () => undefined;
      const held = new Promise<void>((r) => (release = r));
      await page.route(/chart-setup-[^/]*\.js$/, async (route) => {
        await held;
        await route.continue();
      });
      await page.goto(`${url}#/automation?since=30d`);
      await page.locator('[data-testid="card-sessions"]').waitFor();
      const funnel = page.locator('[data-testid="chart-funnel"]');
      expect(await funnel.getAttribute('data-state')).toBe('loading');
      expect(await funnel.getAttribute('aria-busy')).toBe('true');
      expect(await funnel.locator('[role="status"]').innerText()).toBe('Drawing chart…');
      release();
      await page.locator('[data-testid="chart-funnel"][data-state="drawn"]').waitFor();
      expect(await funnel.locator('[role="status"]').count()).toBe(0);
      await page.close();
    });

    it('a newly recorded run shows up without a reload', async () => {
      const { page, errors } = await open('#/runs?since=30d&q=just-recorded');
      const total = page.locator('[data-testid="runs-total"]');
      await expect.poll(() => total.innerText()).toMatch(/^0 runs/);
      const meter = createMeter({ dir, env: 'demo', durability: 'flush' });
      meter.startRun({ project: 'just-recorded' }).end({ status: 'completed' });
      await meter.close();
      // No reload: the page polls the data version and refetches when it moves.
      await expect.poll(() => total.innerText(), { timeout: 20_000 }).toMatch(/^1 runs/);
      expect(await page.locator('[data-testid="runs-table"] tbody tr td').nth(3).innerText()).toBe('just-recorded');
      // The new project joins the filter bar too.
      await expect.poll(() => page.locator('[data-testid="filter-project"] option').allInnerTexts()).toContain('just-recorded');
      expect(errors).toEqual([]);
      await page.close();
    });
  });
}

// End to end: the built CLI serves a store filled by `agentmeter demo`; headless Chromium
// loads every page. Skips without Chromium, except in CI, where a missing browser fails.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { createMeter } from '../../src/sdk/index.js';
import { browserMissing, launchBrowser } from './browser.js';

const ROOT = join(import.meta.dirname, '..', '..');
const BIN = join(ROOT, 'dist', 'cli', 'bin.js');
const missing = browserMissing() ?? (existsSync(join(ROOT, 'dist', 'web', 'index.html')) ? undefined : 'the front end is not built (npm run build)');

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

    it("a run's timeline opens from the run list", async () => {
      const { page, errors } = await open('#/runs?since=30d');
      const first = page.locator('[data-testid="runs-table"] tbody tr th a').first();
      const name = await first.innerText();
      await first.click();
      await page.locator('[data-testid="run-timeline"] canvas').waitFor();
      expect(await page.locator('h1').innerText()).toBe(name);
      expect(await page.locator('[data-testid="run-spans"] tbody tr').count()).toBeGreaterThan(1);
      expect(page.url()).toMatch(/#\/runs\/[0-9a-f-]{36}/);
      expect(errors).toEqual([]);
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

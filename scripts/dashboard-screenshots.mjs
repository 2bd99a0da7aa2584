// Screenshots of every dashboard page for docs/dashboard.md, on a fresh demo store, taken by
// Debian's Chromium (scripts/setup-chromium.sh) through playwright-core.
//   npm run build && node scripts/dashboard-screenshots.mjs [outDir]
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const CLI = join(ROOT, 'dist', 'cli', 'bin.js');
const out = process.argv[2] ?? join(ROOT, 'docs', 'img');
mkdirSync(out, { recursive: true });
const dir = mkdtempSync(join(tmpdir(), 'agentmeter-shots-'));
const demo = spawnSync(process.execPath, [CLI, 'demo', '--dir', dir, '--days', '30', '--seed', '7'], { stdio: 'inherit' });
if (demo.status !== 0) process.exit(1);
const server = spawn(process.execPath, [CLI, 'dashboard', '--dir', dir, '--port', '0'], { stdio: ['ignore', 'pipe', 'inherit'] });
const url = await new Promise((resolve) => {
  let s = '';
  server.stdout.on('data', (d) => {
    s += d;
    if (s.includes('\n')) resolve(s.split('\n')[0].trim());
  });
});
const profile = mkdtempSync(join(tmpdir(), 'agentmeter-shots-chromium-'));
const context = await chromium.launchPersistentContext(profile, {
  executablePath: process.env['AGENTMETER_CHROMIUM'] ?? '/usr/bin/chromium',
  headless: true,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  viewport: { width: 1280, height: 800 },
});
try {
  const page = await context.newPage();
  // Show a run with pipelines and debugging cycles: the richest of the recent ones.
  const runs = await (await fetch(`${url}api/runs?since=30d&env=all&limit=40`)).json();
  let best = { id: runs.runs[0]?.run_id, score: -1 };
  for (const r of runs.runs) {
    const d = await (await fetch(`${url}api/runs/${r.run_id}`)).json();
    const kinds = new Set(d.spans.map((x) => x.kind));
    const score = (kinds.has('debug') ? 100 : 0) + (kinds.has('pipeline') ? 50 : 0) + Math.min(d.spans.length, 30) - Math.max(0, d.spans.length - 30);
    if (score > best.score) best = { id: r.run_id, score };
  }
  const shots = [
    ['overview', '#/overview?since=30d', '[data-testid="card-runs-value"]'],
    ['breakdowns', '#/breakdowns?since=30d&by=model', '[data-testid="breakdown-table"]'],
    ['runs', '#/runs?since=30d', '[data-testid="runs-table"]'],
    ['run', `#/runs/${best.id}?since=30d`, '[data-testid="run-timeline"] canvas'],
    ['agents', '#/agents?since=30d', '[data-testid="agents-table"]'],
    ['automation', '#/automation?since=30d', '[data-testid="chart-funnel"] canvas'],
    // The Attention panel alone (the demo's incident: gpt-4.1's bad day), and the Compare page.
    ['attention', '#/overview?since=30d', '[data-testid="attention-anomaly"]', '[data-testid="attention-panel"]'],
    ['compare', '#/compare?since=30d&by=model', '[data-testid="compare-verdict"]'],
  ];
  for (const [name, hash, selector, element] of shots) {
    await page.goto(`${url}${hash}`);
    await page.waitForSelector(selector);
    // Every chart on the page drawn (they draw after the numbers).
    await page.waitForFunction(() => [...document.querySelectorAll('.chart')].every((c) => c.getAttribute('data-state') === 'drawn'));
    const path = join(out, `dashboard-${name}.png`);
    if (element) await page.locator(element).screenshot({ path });
    else await page.screenshot({ path });
    console.log(`wrote ${path}`);
  }
} finally {
  await context.close();
  server.kill('SIGTERM');
  rmSync(profile, { recursive: true, force: true });
  rmSync(dir, { recursive: true, force: true });
}

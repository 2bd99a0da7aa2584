// The dashboard on a 1,000,000-event store (30 days), in headless Chromium (Debian's, driven
// by playwright-core). Measures what a user waits for:
//   - server start: reading the store into memory (span digests warm, as after any report);
//   - first meaningful paint: navigation start → the overview's headline numbers drawn;
//   - filter change: picking a filter value → the new numbers drawn;
// and, as the baseline measured in the same run, `agentmeter report` over the same window
// (cache warm): what each of those answers would cost if computed from the store each time.
//
//   node bench/dashboard.mjs          (after npm run build; needs /usr/bin/chromium)
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateStore } from './generate.mjs';
import { CLI, dataDir, fmt, median, requireBuild, saveResult, table, verdict, waitForQuiet } from './lib.mjs';

requireBuild();
const CHROMIUM = process.env['AGENTMETER_CHROMIUM'] ?? '/usr/bin/chromium';
if (!existsSync(CHROMIUM)) {
  console.error(`dashboard: no Chromium at ${CHROMIUM}; run scripts/setup-chromium.sh`);
  process.exit(1);
}
const TARGET_PAINT_MS = 1000;
const TARGET_FILTER_MS = 500;

// The same store as bench/report.mjs (shared: generated once, reused while its parameters hold).
const root = dataDir('report-1m');
const manifestPath = join(root, 'manifest.json');
const wanted = { events: 1_000_000, days: 30, segmentsPerDay: 4, seed: 42, generator: 2 };
let manifest = existsSync(manifestPath) ? JSON.parse(readFileSync(manifestPath, 'utf8')) : undefined;
if (!manifest || Object.entries(wanted).some(([k, v]) => manifest[k] !== v)) {
  console.log('dashboard: generating 1,000,000 events over 30 days …');
  const g = generateStore({ root, events: wanted.events, days: wanted.days, segmentsPerDay: wanted.segmentsPerDay, seed: wanted.seed });
  manifest = { ...wanted, endMs: g.endMs, written: g.events, bytes: g.bytes };
  writeFileSync(manifestPath, JSON.stringify(manifest, null, 2) + '\n');
}
const until = new Date(manifest.endMs).toISOString();
console.log(`dashboard: store ${root}: ${manifest.written.toLocaleString('en-US')} events, ${(manifest.bytes / 1e6).toFixed(0)} MB, ends ${until}`);
// Warm the span digests (any earlier report does this once).
spawnSync(process.execPath, [CLI, 'report', '--dir', root, '--since', '30d', '--until', until, '--env', 'all', '--json'], { stdio: 'ignore' });
const busy = await waitForQuiet('dashboard');

// Baseline: the report CLI over the same window, cache warm (three runs, median).
const reportMs = [];
for (let i = 0; i < 3; i++) {
  const t = performance.now();
  const r = spawnSync(process.execPath, [CLI, 'report', '--dir', root, '--since', '7d', '--until', until, '--env', 'all', '--by', 'model', '--json'], { stdio: ['ignore', 'ignore', 'inherit'] });
  if (r.status !== 0) throw new Error('report failed');
  reportMs.push(performance.now() - t);
}

// Server start: the command reads the store into memory before it prints its URL.
const t0 = performance.now();
const server = spawn(process.execPath, [CLI, 'dashboard', '--dir', root, '--port', '0'], { stdio: ['ignore', 'pipe', 'inherit'] });
const url = await new Promise((resolve, reject) => {
  let out = '';
  server.stdout.on('data', (d) => {
    out += d;
    if (out.includes('\n')) resolve(out.split('\n')[0].trim());
  });
  server.once('exit', (c) => reject(new Error(`dashboard exited ${c}`)));
});
const startMs = performance.now() - t0;
const rssMb = Number(readFileSync(`/proc/${server.pid}/status`, 'utf8').match(/VmRSS:\s+(\d+)/)?.[1] ?? NaN) / 1024;

const { chromium } = await import('playwright-core');
const profile = mkdtempSync(join(tmpdir(), 'agentmeter-bench-chromium-'));
const context = await chromium.launchPersistentContext(profile, {
  executablePath: CHROMIUM,
  headless: true,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  viewport: { width: 1280, height: 860 },
});

const HEADLINE = '[data-testid="card-agents"] .detail';
// Marks, in the page, the frame in which the headline's text first appears or changes: the
// time the user sees the numbers (charts are drawn after that frame).
await context.addInitScript((sel) => {
  window.__marks = [];
  let last;
  new MutationObserver(() => {
    const text = document.querySelector(sel)?.textContent;
    if (!text || text === last) return;
    last = text;
    requestAnimationFrame(() => window.__marks.push({ text, frame: performance.now() }));
  }).observe(document, { subtree: true, childList: true, characterData: true });
}, HEADLINE);
const marks = (page) => page.evaluate(() => window.__marks.length);
const paints = [];
try {
  // First meaningful paint, each with a window no earlier load has asked for (no answer cache).
  for (const since of ['7d', '30d', '14d']) {
    const page = await context.newPage();
    await page.goto(`${url}#/overview?since=${since}&until=${until}&env=all`);
    await page.waitForFunction(() => window.__marks.length > 0);
    const ms = await page.evaluate(() => window.__marks[0].frame);
    const fcp = await page.evaluate(() => performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? null);
    paints.push({ since, ms, fcp });
    await page.close();
  }

  // Filter changes on the overview (headline and daily series both recomputed server-side).
  const page = await context.newPage();
  await page.goto(`${url}#/overview?since=30d&until=${until}&env=all`);
  await page.waitForSelector(HEADLINE);
  const filters = [];
  const firstValue = async (testId) => (await page.locator(`[data-testid="${testId}"] option`).evaluateAll((os) => os.map((o) => o.value)))[1];
  await page.waitForFunction(() => window.__marks.length > 0);
  // Timed inside the page: from the change event to the frame showing the new numbers.
  const change = async (label, testId, value) => {
    const n = await marks(page);
    const t0 = await page.evaluate(([id, v]) => {
      const el = document.querySelector(`[data-testid="${id}"]`);
      el.value = v;
      const t = performance.now();
      el.dispatchEvent(new Event('change', { bubbles: true }));
      return t;
    }, [testId, value]);
    await page.waitForFunction((k) => window.__marks.length > k, n);
    const t1 = await page.evaluate((k) => window.__marks[k].frame, n);
    filters.push({ label, ms: t1 - t0 });
    // Let the charts of this view finish before the next change.
    await page.waitForTimeout(1500);
  };
  await change('model', 'filter-model', await firstValue('filter-model'));
  await change('agent', 'filter-agent', await firstValue('filter-agent'));
  await change('task type', 'filter-task_type', await firstValue('filter-task_type'));
  await change('window 7d', 'filter-window', '7d');
  await change('env prod', 'filter-env', 'prod');
  await change('clear model', 'filter-model', '');
  // Other pages: breakdown by agent, agents ranking.
  const other = [];
  for (const [label, hash, selector] of [
    ['breakdowns by agent', `#/breakdowns?since=30d&until=${until}&env=all&by=agent`, '[data-testid="breakdown-table"] tbody tr'],
    ['agents ranking', `#/agents?since=30d&until=${until}&env=all`, '[data-testid="agents-table"] tbody tr'],
    ['runs list', `#/runs?since=30d&until=${until}&env=all`, '[data-testid="runs-table"] tbody tr'],
  ]) {
    const p = await context.newPage();
    await p.goto(`${url}${hash}`);
    await p.waitForSelector(selector);
    other.push({ label, ms: await p.evaluate(() => performance.now()) });
    await p.close();
  }

  const baseline = median(reportMs);
  console.log(`\nserver start (store → memory): ${fmt.s(startMs / 1000)} s, RSS ${rssMb.toFixed(0)} MB; baseline \`agentmeter report --since 7d --by model\` (cache warm): ${(baseline / 1000).toFixed(2)} s\n`);
  console.log(table(['first meaningful paint', 'headline drawn', 'first contentful paint', 'vs report', 'target < 1 s'], paints.map((p) => [`overview, ${p.since}`, `${p.ms.toFixed(0)} ms`, p.fcp === null ? '–' : `${p.fcp.toFixed(0)} ms`, `${(p.ms / baseline).toFixed(2)}×`, verdict(p.ms, TARGET_PAINT_MS)])));
  console.log('');
  console.log(table(['filter change (overview)', 'new numbers drawn', 'vs report', 'target < 0.5 s'], filters.map((f) => [f.label, `${f.ms.toFixed(0)} ms`, `${(f.ms / baseline).toFixed(2)}×`, verdict(f.ms, TARGET_FILTER_MS)])));
  console.log('');
  console.log(table(['page load', 'table drawn'], other.map((o) => [o.label, `${o.ms.toFixed(0)} ms`])));
  saveResult('dashboard', { busy, startMs, rssMb, reportMs, paints, filters, other });
  const worstPaint = Math.max(...paints.map((p) => p.ms));
  const worstFilter = Math.max(...filters.map((f) => f.ms));
  console.log(`\nworst first paint ${worstPaint.toFixed(0)} ms (target ${TARGET_PAINT_MS}), worst filter change ${worstFilter.toFixed(0)} ms (target ${TARGET_FILTER_MS})`);
} finally {
  await context.close();
  rmSync(profile, { recursive: true, force: true });
  server.kill('SIGTERM');
}

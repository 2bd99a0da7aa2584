// Does a long history slow down a short report? `report --since 7d` over a year of history
// against the same report over a store that holds only the last days of the same data.
//
// The year store is 365 days × 2,740 events ≈ 1,000,000 events. The small stores are hard
// links to the year store's last day folders, so they hold byte-identical data:
// - "last 7 days": the 8 day folders that overlap the 7-day window;
// - "last 14 days": also the previous 7 days, which the report reads for its trend column.
// The report reads 15 folders of the year store either way; the second pair separates the cost
// of a long history (listing and skipping folders) from the cost of the trend window.
//
//   node bench/since.mjs       (after npm run build)
import { existsSync, linkSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync, copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateStore } from './generate.mjs';
import { CLI, dataDir, fmt, median, requireBuild, saveResult, table, timeNode, verdict, waitForQuiet } from './lib.mjs';

requireBuild();
const DAYS = 365;
const EVENTS_PER_DAY = 2_740;
const REPEATS = 5;
const TARGET = 1.2;
const DAY_MS = 86_400_000;

const yearRoot = dataDir('since-365d');
const manifestPath = join(yearRoot, 'manifest.json');
const wanted = { days: DAYS, eventsPerDay: EVENTS_PER_DAY, segmentsPerDay: 2, seed: 7, generator: 2 };
let manifest = existsSync(manifestPath) ? JSON.parse(readFileSync(manifestPath, 'utf8')) : undefined;
if (!manifest || Object.entries(wanted).some(([k, v]) => manifest[k] !== v)) {
  console.log(`since: generating ${DAYS} days × ${EVENTS_PER_DAY} events …`);
  const g = generateStore({ root: yearRoot, days: DAYS, eventsPerDay: EVENTS_PER_DAY, segmentsPerDay: 2, seed: 7 });
  manifest = { ...wanted, endMs: g.endMs, written: g.events, bytes: g.bytes };
  writeFileSync(manifestPath, JSON.stringify(manifest, null, 2) + '\n');
  console.log(`since: wrote ${g.events.toLocaleString('en-US')} events, ${(g.bytes / 1e6).toFixed(0)} MB, in ${g.seconds.toFixed(1)} s`);
}
const untilMs = manifest.endMs;
const until = new Date(untilMs).toISOString();
const sinceMs = untilMs - 7 * DAY_MS;

/** A store made of hard links to the year store's day folders that overlap [fromMs, untilMs]. */
function sliceStore(name, fromMs) {
  const root = join(dataDir(), name);
  rmSync(root, { recursive: true, force: true });
  let days = 0;
  for (const day of readdirSync(join(yearRoot, 'events')).sort()) {
    const start = Date.parse(`${day}T00:00:00Z`);
    if (start + DAY_MS <= fromMs || start > untilMs) continue;
    const from = join(yearRoot, 'events', day);
    const to = join(root, 'events', day);
    mkdirSync(to, { recursive: true });
    for (const f of readdirSync(from)) {
      try {
        linkSync(join(from, f), join(to, f));
      } catch {
        copyFileSync(join(from, f), join(to, f));
      }
    }
    days++;
  }
  return { root, days };
}

// The report keeps span digests under <dir>/cache/; start each store without them. The
// warm-up run below builds them, so the figures are for the cached path; --no-cache is shown
// beside it (every event of the window parsed).
rmSync(join(yearRoot, 'cache'), { recursive: true, force: true });
const hasCache = timeNode([CLI, 'report', '--help'], { noTime: true }).stdout.includes('--no-cache');

const stores = [
  { name: `year of history (${DAYS} days)`, root: yearRoot, days: readdirSync(join(yearRoot, 'events')).length },
  { name: 'last 7 days only', ...sliceStore('since-7d', sinceMs) },
  { name: 'last 14 days only (window + trend window)', ...sliceStore('since-14d', sinceMs - 7 * DAY_MS) },
];
const busy = await waitForQuiet('since');

// Interleaved repeats, median: each run is short, so start-up noise matters.
for (const s of stores) {
  s.cli = [];
  s.noCache = [];
  s.inProcess = [];
  s.peak = [];
}
for (let r = 0; r < REPEATS + 1; r++) {
  // Rotate the order so that no store always runs right after another one.
  for (const s of [...stores.slice(r % stores.length), ...stores.slice(0, r % stores.length)]) {
    const args = [CLI, 'report', '--dir', s.root, '--since', '7d', '--until', until, '--json', '--env', 'all'];
    const cli = timeNode(args);
    const noCache = hasCache ? timeNode([...args, '--no-cache']) : undefined;
    const runner = timeNode([join('bench', 'runners', 'report-runner.mjs'), s.root, String(sinceMs), String(untilMs)], { noTime: true });
    if (r === 0) continue; // warm-up: page cache and code cache
    s.cli.push(cli.seconds);
    if (noCache) s.noCache.push(noCache.seconds);
    // Without /usr/bin/time only the runner knows its peak RSS.
    s.peak.push(Number.isNaN(cli.peakMb) ? runner.peakMb : cli.peakMb);
    s.inProcess.push(JSON.parse(runner.stdout).ms / 1000);
    s.runs = JSON.parse(cli.stdout).runs.total;
  }
}

const [year, seven, fourteen] = stores;
const rows = stores.map((s) => [
  s.name,
  String(s.days),
  fmt.s(median(s.cli)),
  hasCache ? fmt.s(median(s.noCache)) : '—',
  fmt.s(median(s.inProcess)),
  fmt.mb(median(s.peak)),
  String(s.runs),
  s === year ? '—' : fmt.ratio(median(year.cli) / median(s.cli)),
  s === year || !hasCache ? '—' : fmt.ratio(median(year.noCache) / median(s.noCache)),
  s === year ? '—' : fmt.ratio(median(year.inProcess) / median(s.inProcess)),
]);
console.log(`\nreport --since 7d, median of ${REPEATS}; year store ${manifest.written.toLocaleString('en-US')} events, ${(manifest.bytes / 1e6).toFixed(0)} MB\n`);
console.log(table(['store', 'day folders', 'CLI s', 'CLI --no-cache s', 'computeReport s (in-process)', 'peak MB', 'runs in report', 'year / this (CLI)', 'year / this (--no-cache)', 'year / this (in-process)'], rows));
const ratio = median(year.cli) / median(seven.cli);
const ratio14 = median(year.cli) / median(fourteen.cli);
console.log(`\ntarget: year / last-7-days ≤ ${TARGET}×: ${ratio.toFixed(2)}× → ${verdict(ratio, TARGET)}; against the 14 days the report reads: ${ratio14.toFixed(2)}×` +
  (hasCache ? `; with --no-cache ${(median(year.noCache) / median(seven.noCache)).toFixed(2)}× and ${(median(year.noCache) / median(fourteen.noCache)).toFixed(2)}×` : ''));

saveResult('since', {
  year: { events: manifest.written, bytes: manifest.bytes, days: DAYS },
  otherLoadBeforeStart: busy,
  stores: stores.map((s) => ({ name: s.name, days: s.days, cliSeconds: median(s.cli), noCacheSeconds: hasCache ? median(s.noCache) : undefined, inProcessSeconds: median(s.inProcess), peakMb: median(s.peak), runs: s.runs })),
  target: {
    ratio: TARGET,
    measured: ratio,
    measured14: ratio14,
    measuredNoCache: hasCache ? median(year.noCache) / median(seven.noCache) : undefined,
    measuredInProcess: median(year.inProcess) / median(seven.inProcess),
  },
});

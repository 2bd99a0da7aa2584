// `agentmeter report` over 1,000,000 events (30 days) against DuckDB over the same files.
//
// Both run as child processes over the same segment files, page cache warm: each is run three
// or four times; the second run is the figure, with the best warm run beside it (the
// first, "cold-ish", is shown too; the files were just written or read, so even the first run
// rarely touches the disk). Seconds are wall time of the whole process (Node start-up
// included, for both); peak memory is the process's maximum RSS.
//
//   node bench/report.mjs                 (after npm run build)
//   node bench/report.mjs --no-profile    (skip the CPU profiles of the report)
import { existsSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateStore } from './generate.mjs';
import { CLI, dataDir, fmt, hasTimeBin, requireBuild, saveResult, table, timeNode, verdict, waitForQuiet } from './lib.mjs';

requireBuild();
const EVENTS = 1_000_000;
const DAYS = 30;
const SEGMENTS_PER_DAY = 4;
const TARGET_TIME_RATIO = 0.75;
const TARGET_PEAK_MB = 150;

// Generated once; later runs reuse it (the manifest pins the parameters and the end time, and
// reports pass --until so a store generated yesterday still covers the same 30 days).
const root = dataDir('report-1m');
const manifestPath = join(root, 'manifest.json');
const wanted = { events: EVENTS, days: DAYS, segmentsPerDay: SEGMENTS_PER_DAY, seed: 42, generator: 2 };
let manifest = existsSync(manifestPath) ? JSON.parse(readFileSync(manifestPath, 'utf8')) : undefined;
if (!manifest || Object.entries(wanted).some(([k, v]) => manifest[k] !== v)) {
  console.log(`report: generating ${EVENTS.toLocaleString('en-US')} events over ${DAYS} days …`);
  const g = generateStore({ root, events: EVENTS, days: DAYS, segmentsPerDay: SEGMENTS_PER_DAY, seed: 42 });
  manifest = { ...wanted, endMs: g.endMs, written: g.events, bytes: g.bytes };
  writeFileSync(manifestPath, JSON.stringify(manifest, null, 2) + '\n');
  console.log(`report: wrote ${g.events.toLocaleString('en-US')} events, ${(g.bytes / 1e6).toFixed(0)} MB, in ${g.seconds.toFixed(1)} s`);
}
const until = new Date(manifest.endMs).toISOString();
const glob = join(root, 'events', '*', '*.jsonl');
const files = readdirSync(join(root, 'events')).reduce((n, d) => n + readdirSync(join(root, 'events', d)).length, 0);
console.log(`report: store ${root}: ${manifest.written.toLocaleString('en-US')} events, ${(manifest.bytes / 1e6).toFixed(0)} MB, ${files} segments, ends ${until}`);
const busy = await waitForQuiet('report');

// The report keeps a span digest per segment under <dir>/cache/ (derived data): the first
// report over new segments parses them and writes digests, later ones replay the digests.
// Both paths are measured: the first run after the cache is removed, the warm runs, and
// --no-cache, which parses every event every time (what DuckDB does too).
const cacheDir = join(root, 'cache');
const help = timeNode([CLI, 'report', '--help'], { noTime: true }).stdout;
const hasCache = help.includes('--no-cache');
// Without /usr/bin/time the CLI's peak RSS is not observable from outside: run computeReport
// (what the CLI runs) in a runner that reports its own process.resourceUsage().maxRSS.
const runner = join('bench', 'runners', 'report-runner.mjs');
const reportArgs = hasTimeBin()
  ? [CLI, 'report', '--dir', root, '--since', '30d', '--until', until, '--json', '--env', 'all']
  : [runner, root, String(manifest.endMs - 30 * 86_400_000), String(manifest.endMs)];
const noCacheArgs = hasTimeBin() ? [...reportArgs, '--no-cache'] : [...reportArgs, 'no-cache'];
const reportOk = (out) => {
  const j = JSON.parse(out);
  return (j.runs?.total ?? j.runs) > 0;
};
const duckOk = (out) => JSON.parse(out).rows.length > 0;
const cases = [
  {
    name: hasCache ? 'agentmeter report (1st run builds the span cache)' : 'agentmeter report',
    args: reportArgs,
    ours: true,
    before: () => rmSync(cacheDir, { recursive: true, force: true }),
    check: reportOk,
  },
  ...(hasCache ? [{ name: 'agentmeter report --no-cache', args: noCacheArgs, ours: true, slow: true, check: reportOk }] : []),
  { name: 'DuckDB read_json_auto + GROUP BY', args: [join('bench', 'runners', 'duckdb-report.mjs'), glob, 'auto'], check: duckOk },
  { name: 'DuckDB read_json, declared columns', args: [join('bench', 'runners', 'duckdb-report.mjs'), glob, 'declared'], check: duckOk },
];

// Fixed costs: Node start-up and module loading, with no data read.
const startup = [
  { name: 'agentmeter --version', args: [CLI, '--version'] },
  { name: 'DuckDB runner with SELECT 1', args: [join('bench', 'runners', 'duckdb-report.mjs'), glob, 'noop'] },
];

// The first run of each is the cold-ish one; then WARM_RUNS more, interleaved across the cases
// so that load from other processes on a shared machine hits them alike. The figure is the
// second run, as planned, with the best warm run beside it (interference only adds time).
const WARM_RUNS = 3;
for (const c of cases) {
  c.before?.();
  c.first = timeNode(c.args);
  c.warm = [];
}
for (let r = 0; r < WARM_RUNS; r++) {
  for (const c of cases) {
    // --no-cache parses 500 MB every run: two warm runs of it keep the script under 3 minutes.
    if (c.slow && r >= 2) continue;
    const run = timeNode(c.args);
    if (!c.check(run.stdout)) throw new Error(`${c.name}: unexpected output`);
    const inner = /"ms":([\d.]+)/.exec(run.stdout);
    run.querySeconds = c.ours || !inner ? undefined : Number(inner[1]) / 1000;
    c.warm.push(run);
  }
}
for (const c of cases) {
  c.second = c.warm[0];
  c.best = c.warm.reduce((a, b) => (b.seconds < a.seconds ? b : a));
  c.warmPeakMb = Math.max(...c.warm.map((r) => r.peakMb));
  console.log(`  ${c.name}: ${[c.first, ...c.warm].map((r) => `${r.seconds.toFixed(2)} s/${r.peakMb.toFixed(0)} MB`).join(', ')}`);
}
for (const s of startup) {
  const runs = [timeNode(s.args), timeNode(s.args), timeNode(s.args)].map((r) => r.seconds).sort((a, b) => a - b);
  s.seconds = runs[1];
}

console.log(`\n${manifest.written.toLocaleString('en-US')} events, ${DAYS} days, ${(manifest.bytes / 1e6).toFixed(0)} MB in ${files} segments; ` +
  `wall seconds of the whole child process; peak RSS via ${hasTimeBin() ? '/usr/bin/time -v' : 'process.resourceUsage()'}\n`);
console.log(table(
  ['case', '1st run s', '1st run peak MB', '2nd run s', `best warm s (of ${WARM_RUNS}; --no-cache of 2)`, 'warm runs peak MB', 'DuckDB query only s'],
  cases.map((c) => [
    c.name,
    fmt.s(c.first.seconds),
    fmt.mb(c.first.peakMb),
    fmt.s(c.second.seconds),
    fmt.s(c.best.seconds),
    fmt.mb(c.warmPeakMb),
    c.best.querySeconds === undefined ? '—' : fmt.s(c.best.querySeconds),
  ]),
));
console.log(`\nfixed start-up costs (median of 3): ${startup.map((s) => `${s.name} ${fmt.s(s.seconds)} s`).join('; ')}`);

const duckAuto = cases.find((c) => c.name.includes('read_json_auto'));
const duckDeclared = cases.find((c) => c.name.includes('declared'));
const ratioRows = [];
const targets = [];
for (const c of cases.filter((x) => x.ours)) {
  const variant = c.name.includes('--no-cache') ? 'agentmeter --no-cache' : hasCache ? 'agentmeter, span cache warm' : 'agentmeter';
  const second = c.second.seconds / duckAuto.second.seconds;
  const best = c.best.seconds / duckAuto.best.seconds;
  const first = c.first.seconds / duckAuto.first.seconds;
  ratioRows.push([variant, fmt.ratio(first), fmt.ratio(second), fmt.ratio(best), fmt.ratio(c.best.seconds / duckDeclared.best.seconds), verdict(best, TARGET_TIME_RATIO)]);
  targets.push({ variant, firstRatio: first, secondRatio: second, bestRatio: best, vsDeclaredBest: c.best.seconds / duckDeclared.best.seconds });
}
console.log(`\ntime ratio agentmeter / DuckDB (target ≤ ${TARGET_TIME_RATIO}× read_json_auto)\n`);
console.log(table(['agentmeter', '1st runs', '2nd runs', 'best warm', 'best vs declared columns', `target ≤ ${TARGET_TIME_RATIO}× (best)`], ratioRows));
const peakRows = [];
for (const c of cases.filter((x) => x.ours)) {
  if (c.before) peakRows.push([`${c.name.replace(/ \(.*\)/, '')}, 1st run (builds the span cache)`, c.first.peakMb]);
  peakRows.push([c.before ? `${c.name.replace(/ \(.*\)/, '')}, span cache warm` : c.name, c.before ? c.warmPeakMb : Math.max(c.first.peakMb, c.warmPeakMb)]);
}
console.log(`\npeak memory (target < ${TARGET_PEAK_MB} MB)\n`);
console.log(table(['agentmeter', 'peak MB', `target < ${TARGET_PEAK_MB} MB`], peakRows.map(([n, mb]) => [n, fmt.mb(mb), mb < TARGET_PEAK_MB ? 'met' : `missed (${(mb / TARGET_PEAK_MB).toFixed(2)}× the limit)`])));
const peak = Math.max(...peakRows.map((r) => r[1]));

// Where the report's time goes: self time per function from a CPU profile of one run of each path.
function cpuProfile(args) {
  const dir = dataDir('report-profile');
  rmSync(dir, { recursive: true, force: true });
  timeNode(['--cpu-prof', `--cpu-prof-dir=${dir}`, ...args], { noTime: true });
  const p = JSON.parse(readFileSync(join(dir, readdirSync(dir).find((f) => f.endsWith('.cpuprofile'))), 'utf8'));
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const self = new Map();
  for (const id of p.samples) {
    const f = byId.get(id).callFrame;
    const where = f.url ? `${f.url.replace(/^.*\/(dist|node_modules)\//, '$1/')}:${f.lineNumber + 1}` : '';
    const name = f.functionName || '(anonymous)';
    const key = `${name.length > 48 ? `${name.slice(0, 45)}…` : name} ${where}`.trim();
    self.set(key, (self.get(key) ?? 0) + 1);
  }
  return [...self].sort((a, b) => b[1] - a[1]).slice(0, 12).map(([k, n]) => [k, `${((100 * n) / p.samples.length).toFixed(1)} %`]);
}
const profiles = {};
if (!process.argv.includes('--no-profile')) {
  for (const c of cases.filter((x) => x.ours)) {
    profiles[c.name] = cpuProfile(c.args);
    console.log(`\nCPU profile, ${c.name.replace(/ \(1st run.*\)/, ', cache warm')} (self time, top functions)\n`);
    console.log(table(['function', 'self'], profiles[c.name]));
  }
}

saveResult('report', {
  store: { events: manifest.written, bytes: manifest.bytes, days: DAYS, segments: files },
  otherLoadBeforeStart: busy,
  cases: cases.map((c) => ({
    name: c.name,
    firstSeconds: c.first.seconds,
    warmSeconds: c.warm.map((r) => r.seconds),
    duckdbQuerySeconds: c.warm.map((r) => r.querySeconds),
    peakMb: [c.first.peakMb, ...c.warm.map((r) => r.peakMb)],
  })),
  startup: startup.map((s) => ({ name: s.name, seconds: s.seconds })),
  targets: { timeRatio: TARGET_TIME_RATIO, peakMb: TARGET_PEAK_MB, measured: targets, peaks: peakRows, measuredPeakMb: peak },
  profiles,
});

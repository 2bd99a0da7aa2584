// `agentmeter report` over 1,000,000 events (30 days) against DuckDB over the same files:
// the first (cold) report, the one a new user sees, `--no-cache`, and the span cache warm;
// then `agents`, `report orchestrator` and `report automation` (cold and warm), the other
// reads a new user runs; and the first report and `--no-cache` over the same number of
// events as one busy writer leaves them, in segments of about 64 MiB, against DuckDB over those.
//
// Every case runs three times, interleaved round by round so that load from other processes
// hits them alike, and the figure is the median. A cold run reads a fresh copy of the
// segments whose modification times are set days back (a store imported, synced from
// another machine, or opened after an upgrade): no span cache, nothing recent. The run
// after it, on the same copy, shows whether one slow report was enough. Each case reports
// wall time of the whole child process (Node start-up included, for DuckDB too), CPU time
// (user + system, all threads) and peak RSS, both from `/usr/bin/time -v`.
//
//   node bench/report.mjs                          (after npm run build)
//   node bench/report.mjs --no-profile             (skip the CPU profile)
//   node bench/report.mjs --baseline /path/to/repo (also run that checkout's dist/ build,
//                                                   e.g. the previous release: "before")
import { cpSync, existsSync, readFileSync, readdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { generateStore } from './generate.mjs';
import { CLI, cpuBusy, dataDir, fmt, hasTimeBin, median, requireBuild, saveResult, table, timeNode, timeNodeThreads, verdict, waitForQuiet } from './lib.mjs';

requireBuild();
if (!hasTimeBin()) {
  console.error('bench/report.mjs needs /usr/bin/time (GNU time) for CPU time and peak memory: apt-get install time');
  process.exit(1);
}
const { values: flags } = parseArgs({ options: { 'no-profile': { type: 'boolean' }, baseline: { type: 'string' } } });
const EVENTS = 1_000_000;
const DAYS = 30;
const SEGMENTS_PER_DAY = 4;
const BIG_DAYS = 8;
const ROUNDS = 3;
const TARGET_COLD_RATIO = 1.0;
const STRETCH_COLD_RATIO = 0.75;
const TARGET_WARM_RATIO = 0.75;
const TARGET_PEAK_MB = 200;
const DAY_MS = 86_400_000;

// Generated once; later runs reuse it (the manifest pins the parameters and the end time, and
// reports pass --until so a store generated yesterday still covers the same 30 days).
function storeOf(name, days, segmentsPerDay) {
  const dir = dataDir(name);
  const manifestPath = join(dir, 'manifest.json');
  const wanted = { events: EVENTS, days, segmentsPerDay, seed: 42, generator: 2 };
  let m = existsSync(manifestPath) ? JSON.parse(readFileSync(manifestPath, 'utf8')) : undefined;
  if (!m || Object.entries(wanted).some(([k, v]) => m[k] !== v)) {
    console.log(`report: generating ${EVENTS.toLocaleString('en-US')} events over ${days} days, ${segmentsPerDay} segments a day …`);
    const g = generateStore({ root: dir, events: EVENTS, days, segmentsPerDay, seed: 42 });
    m = { ...wanted, endMs: g.endMs, written: g.events, bytes: g.bytes };
    writeFileSync(manifestPath, JSON.stringify(m, null, 2) + '\n');
    console.log(`report: wrote ${g.events.toLocaleString('en-US')} events, ${(g.bytes / 1e6).toFixed(0)} MB, in ${g.seconds.toFixed(1)} s`);
  }
  const segments = readdirSync(join(dir, 'events')).reduce((n, d) => n + readdirSync(join(dir, 'events', d)).length, 0);
  console.log(`report: store ${dir}: ${m.written.toLocaleString('en-US')} events, ${(m.bytes / 1e6).toFixed(0)} MB, ${segments} segments, ends ${new Date(m.endMs).toISOString()}`);
  return { root: dir, manifest: m, segments, until: new Date(m.endMs).toISOString(), glob: join(dir, 'events', '*', '*.jsonl') };
}
const main = storeOf('report-1m', DAYS, SEGMENTS_PER_DAY);
// The same events as one busy writer leaves them: a segment of about 64 MiB a day (the
// writer's rotation size), which a read folds in pieces (docs/architecture.md).
const big = storeOf('report-1m-64mib', BIG_DAYS, 1);
const { root, manifest, until, glob } = main;
const files = main.segments;
const busy = await waitForQuiet('report');

const baselineCli = flags.baseline ? join(flags.baseline, 'dist', 'cli', 'bin.js') : undefined;
if (baselineCli && !existsSync(baselineCli)) throw new Error(`--baseline: ${baselineCli} is missing; build that checkout first`);

/** A fresh copy of the segments, without a span cache, every file last modified ten days ago. */
const copies = dataDir('report-copies');
let copyNo = 0;
function freshCopy(store = main) {
  const dir = join(copies, `copy-${copyNo++}`);
  rmSync(dir, { recursive: true, force: true });
  cpSync(join(store.root, 'events'), join(dir, 'events'), { recursive: true });
  const old = (store.manifest.endMs - 10 * DAY_MS) / 1000;
  for (const d of readdirSync(join(dir, 'events'))) for (const f of readdirSync(join(dir, 'events', d))) utimesSync(join(dir, 'events', d, f), old, old);
  return dir;
}

/** `measure(dir)` on a fresh copy, which is removed afterwards. */
async function onFreshCopy(measure, store = main) {
  const dir = freshCopy(store);
  try {
    return await measure(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const report = (cli, dir, ...extra) => [cli, 'report', '--dir', dir, '--since', '30d', '--until', until, '--json', '--env', 'all', ...extra];
const bigReport = (cli, dir, ...extra) => [cli, 'report', '--dir', dir, '--since', '30d', '--until', big.until, '--json', '--env', 'all', ...extra];
const reportOk = (out) => JSON.parse(out).runs.total > 0;
// `agents` and `report orchestrator` over the same 30 days: the other reads a new user runs first.
const agents = (cli, dir, ...extra) => [cli, 'agents', '--dir', dir, '--since', '30d', '--until', until, '--json', '--env', 'all', ...extra];
const agentsOk = (out) => JSON.parse(out).total_invocations > 0;
const orchestrator = (cli, dir) => [cli, 'report', 'orchestrator', '--dir', dir, '--since', '30d', '--until', until, '--json', '--env', 'all'];
const orchestratorOk = (out) => JSON.parse(out).success_by_model.length > 0;
const automation = (cli, dir) => [cli, 'report', 'automation', '--dir', dir, '--since', '30d', '--until', until, '--json', '--env', 'all'];
const automationOk = (out) => JSON.parse(out).current.sessions > 0;
const duckOk = (out) => JSON.parse(out).rows.length > 0;
const duck = (variant) => [join('bench', 'runners', 'duckdb-report.mjs'), glob, variant];

/** A read measured on a fresh copy (cold: it builds the span cache) and on the main store (warm). */
function coldAndWarm(name, coldId, warmId, args, check) {
  return [
    { name: `${name}, cold (fresh copy, old mtimes)`, id: coldId, ours: true, run: () => onFreshCopy((dir) => timeNode(args(CLI, dir))), check },
    { name: `${name}, span cache warm`, id: warmId, ours: true, run: () => timeNode(args(CLI, root)), check },
  ];
}

// Each case: how to run one measurement in a round. Cold cases make their copy first (not timed).
const cases = [
  { name: 'DuckDB read_json_auto + GROUP BY', id: 'duckdb', run: () => timeNode(duck('auto')), check: duckOk },
  { name: 'DuckDB read_json, declared columns', id: 'duckdb-declared', run: () => timeNode(duck('declared')), check: duckOk },
  {
    name: 'report, cold (fresh copy, old mtimes)',
    id: 'cold',
    ours: true,
    run: (round) => {
      round.copy = freshCopy();
      return timeNodeThreads(report(CLI, round.copy));
    },
    check: reportOk,
  },
  // Right after the cold run, on the same copy: the span cache must already serve it.
  { name: 'report, the run after the cold one', id: 'second', ours: true, run: (round) => timeNode(report(CLI, round.copy)), check: reportOk },
  { name: 'report --no-cache', id: 'no-cache', ours: true, run: () => timeNodeThreads(report(CLI, root, '--no-cache')), check: reportOk },
  {
    name: 'report, cold, folding on one thread',
    id: 'cold-1-thread',
    ours: true,
    run: () => onFreshCopy((dir) => timeNodeThreads(report(CLI, dir), { env: { AGENTMETER_READ_THREADS: '0' } })),
    check: reportOk,
  },
  { name: 'report, span cache warm', id: 'warm', ours: true, run: () => timeNode(report(CLI, root)), check: reportOk },
  { name: 'DuckDB read_json_auto + GROUP BY, 64 MiB segments', id: 'duckdb-64mib', run: () => timeNode([join('bench', 'runners', 'duckdb-report.mjs'), big.glob, 'auto']), check: duckOk },
  {
    name: 'report, cold, 64 MiB segments (fresh copy, old mtimes)',
    id: 'cold-64mib',
    ours: true,
    run: () => onFreshCopy((dir) => timeNodeThreads(bigReport(CLI, dir)), big),
    check: reportOk,
  },
  { name: 'report --no-cache, 64 MiB segments', id: 'no-cache-64mib', ours: true, run: () => timeNodeThreads(bigReport(CLI, big.root, '--no-cache')), check: reportOk },
  ...coldAndWarm('agents', 'agents-cold', 'agents-warm', agents, agentsOk),
  ...coldAndWarm('report orchestrator', 'orchestrator-cold', 'orchestrator', orchestrator, orchestratorOk),
  ...coldAndWarm('report automation', 'automation-cold', 'automation', automation, automationOk),
  ...(baselineCli
    ? [
        {
          name: 'baseline build: report, cold (fresh copy, old mtimes)',
          id: 'baseline-cold',
          ours: true,
          run: () =>
            onFreshCopy((dir) => {
              const r = timeNode(report(baselineCli, dir));
              // The baseline needed a second slow report on a copy; measure that one too.
              r.again = timeNode(report(baselineCli, dir));
              return r;
            }),
          check: reportOk,
        },
        { name: 'baseline build: report --no-cache', id: 'baseline-no-cache', ours: true, run: () => timeNode(report(baselineCli, root, '--no-cache')), check: reportOk },
        // On a copy with a span cache of its own: a build with another digest format would
        // otherwise rebuild the store's cache on each run (and ours after it).
        { name: 'baseline build: agents', id: 'baseline-agents', ours: true, run: () => timeNode(agents(baselineCli, baselineRoot())), check: agentsOk },
        { name: 'baseline build: report orchestrator', id: 'baseline-orchestrator', ours: true, run: () => timeNode(orchestrator(baselineCli, baselineRoot())), check: orchestratorOk },
        { name: 'baseline build: report automation', id: 'baseline-automation', ours: true, run: () => timeNode(automation(baselineCli, baselineRoot())), check: automationOk },
      ]
    : []),
];

// The warm case needs the main store's cache built first (not measured).
timeNode(report(CLI, root), { noTime: true });

/** The baseline build's warm store: a copy, its cache built by the baseline on first use (not measured). */
let baselineCopy;
function baselineRoot() {
  if (baselineCopy === undefined) {
    baselineCopy = freshCopy();
    timeNode(agents(baselineCli, baselineCopy), { noTime: true });
  }
  return baselineCopy;
}
const loads = [];
for (const c of cases) c.runs = [];
for (let r = 0; r < ROUNDS; r++) {
  const round = {};
  const load = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  loads.push(load);
  for (const c of cases) {
    const run = await c.run(round);
    if (!c.check(run.stdout)) throw new Error(`${c.name}: unexpected output`);
    c.runs.push(run);
  }
  if (round.copy) rmSync(round.copy, { recursive: true, force: true });
  console.log(`  round ${r + 1} (load average at start ${load}): ${cases.map((c) => `${c.id} ${c.runs[r].seconds.toFixed(2)} s`).join(', ')}`);
}
const busyAfter = await cpuBusy(2000);
for (const c of cases) {
  c.wall = median(c.runs.map((x) => x.seconds));
  c.cpu = median(c.runs.map((x) => x.cpuSeconds));
  c.peak = Math.max(...c.runs.map((x) => x.peakMb));
  c.busiest = median(c.runs.map((x) => x.busiestThreadSeconds ?? NaN));
  if (c.id === 'baseline-cold') c.againWall = median(c.runs.map((x) => x.again.seconds));
}

console.log(
  `\n${manifest.written.toLocaleString('en-US')} events, ${DAYS} days, ${(manifest.bytes / 1e6).toFixed(0)} MB in ${files} segments; ` +
    `median of ${ROUNDS} interleaved rounds; wall and CPU (user + system) seconds of the whole child process, peak RSS, via /usr/bin/time -v\n` +
    `load average at the start of each round: ${loads.join('; ')}; other load after the run ${(busyAfter * 100).toFixed(0)} % of all cores\n`,
);
const duckAuto = cases.find((c) => c.id === 'duckdb');
console.log(
  table(
    ['case', 'wall s', 'CPU s', 'busiest thread CPU s', 'peak MB', 'wall / DuckDB auto', 'CPU / DuckDB auto', 'runs (wall s)'],
    cases.map((c) => [
      c.name, fmt.s(c.wall), fmt.s(c.cpu), Number.isNaN(c.busiest) ? '—' : fmt.s(c.busiest), fmt.mb(c.peak), fmt.ratio(c.wall / duckAuto.wall), fmt.ratio(c.cpu / duckAuto.cpu),
      c.runs.map((x) => x.seconds.toFixed(2)).join(', '),
    ]),
  ),
);
const byId = Object.fromEntries(cases.map((c) => [c.id, c]));
if (byId['baseline-cold']) console.log(`\nbaseline build, the run after its cold one (median): ${fmt.s(byId['baseline-cold'].againWall)} s`);

// On 2 idle cores a run takes about the larger of its busiest thread's CPU and half its CPU;
// DuckDB, which keeps both cores busy, about half its CPU. The loaded machine shows neither.
const idleEstimate = (c) => Math.max(Number.isNaN(c.busiest) ? c.cpu : c.busiest, c.cpu / 2);
console.log(
  `\nestimate for 2 idle cores (max of busiest thread and CPU / 2; DuckDB CPU / 2): ` +
    ['cold', 'no-cache', 'cold-1-thread'].map((id) => `${byId[id].name} ${fmt.s(idleEstimate(byId[id]))} s = ${fmt.ratio(idleEstimate(byId[id]) / (duckAuto.cpu / 2))}`).join('; '),
);
const targets = [
  ['cold (first) report ≤ 1.0× DuckDB (wall)', byId.cold.wall / duckAuto.wall, TARGET_COLD_RATIO],
  ['cold (first) report ≤ 0.75× DuckDB (stretch, wall)', byId.cold.wall / duckAuto.wall, STRETCH_COLD_RATIO],
  ['--no-cache ≤ 1.0× DuckDB (wall)', byId['no-cache'].wall / duckAuto.wall, TARGET_COLD_RATIO],
  ['cold (first) report, 64 MiB segments ≤ 1.0× DuckDB over them (wall)', byId['cold-64mib'].wall / byId['duckdb-64mib'].wall, TARGET_COLD_RATIO],
  ['--no-cache, 64 MiB segments ≤ 1.0× DuckDB over them (wall)', byId['no-cache-64mib'].wall / byId['duckdb-64mib'].wall, TARGET_COLD_RATIO],
  ['span cache warm ≤ 0.75× DuckDB (wall)', byId.warm.wall / duckAuto.wall, TARGET_WARM_RATIO],
  ['run after the cold one ≤ 0.75× DuckDB (wall): one slow report', byId.second.wall / duckAuto.wall, TARGET_WARM_RATIO],
];
console.log(`\n${table(['target', 'measured', 'status'], targets.map(([n, v, limit]) => [n, fmt.ratio(v), verdict(v, limit)]))}`);
const peaks = cases.filter((c) => c.ours && !c.id.startsWith('baseline'));
console.log(`\n${table(['peak memory', 'MB', `target < ${TARGET_PEAK_MB} MB`], peaks.map((c) => [c.name, fmt.mb(c.peak), c.peak < TARGET_PEAK_MB ? 'met' : `missed (${(c.peak / TARGET_PEAK_MB).toFixed(2)}× the limit)`]))}`);

// Where a cold report's time goes: self time per function from a CPU profile of one cold
// run folding on one thread (a profile is per thread; on workers the same functions run).
function cpuProfile(args, env) {
  const dir = dataDir('report-profile');
  rmSync(dir, { recursive: true, force: true });
  timeNode(['--cpu-prof', `--cpu-prof-dir=${dir}`, ...args], { noTime: true, env });
  const p = JSON.parse(readFileSync(join(dir, readdirSync(dir).find((f) => f.endsWith('.cpuprofile'))), 'utf8'));
  const byNode = new Map(p.nodes.map((n) => [n.id, n]));
  const self = new Map();
  for (const id of p.samples) {
    const f = byNode.get(id).callFrame;
    const where = f.url ? `${f.url.replace(/^.*\/(dist|node_modules)\//, '$1/')}:${f.lineNumber + 1}` : '';
    const name = f.functionName || '(anonymous)';
    const key = `${name.length > 48 ? `${name.slice(0, 45)}…` : name} ${where}`.trim();
    self.set(key, (self.get(key) ?? 0) + 1);
  }
  return [...self].sort((a, b) => b[1] - a[1]).slice(0, 14).map(([k, n]) => [k, `${((100 * n) / p.samples.length).toFixed(1)} %`]);
}
let profile;
if (!flags['no-profile']) {
  const dir = freshCopy();
  profile = cpuProfile(report(CLI, dir), { AGENTMETER_READ_THREADS: '0' });
  rmSync(dir, { recursive: true, force: true });
  console.log(`\nCPU profile, cold report folding on one thread (self time, top functions)\n\n${table(['function', 'self'], profile)}`);
}
rmSync(copies, { recursive: true, force: true });

saveResult('report', {
  store: { events: manifest.written, bytes: manifest.bytes, days: DAYS, segments: files },
  otherLoadBeforeStart: busy,
  otherLoadAfter: busyAfter,
  loadAverages: loads,
  cases: cases.map((c) => ({
    id: c.id, name: c.name, wallSeconds: c.runs.map((x) => x.seconds), cpuSeconds: c.runs.map((x) => x.cpuSeconds), busiestThreadSeconds: c.runs.map((x) => x.busiestThreadSeconds),
    peakMb: c.runs.map((x) => x.peakMb), medianWall: c.wall, medianCpu: c.cpu,
  })),
  targets: targets.map(([name, ratio, limit]) => ({ name, ratio, limit })),
  profile,
});

// The insight commands (compare, trends, anomalies, check) over 300,000 events (30 days),
// each against `agentmeter report --by model` over the same store in the same run: they read
// the same span cache, so the ratio is the cost of the statistics on top of the scan.
//
// Every command runs three times, page cache and span cache warm; the median is the figure.
//
//   node bench/insights.mjs               (after npm run build)
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateStore } from './generate.mjs';
import { CLI, dataDir, fmt, median, requireBuild, saveResult, table, timeNode, waitForQuiet } from './lib.mjs';

requireBuild();
const EVENTS = 300_000;
const DAYS = 30;
const root = dataDir('insights-300k');
const manifestPath = join(root, 'manifest.json');
const wanted = { events: EVENTS, days: DAYS, segmentsPerDay: 4, seed: 42, generator: 2 };
let manifest = existsSync(manifestPath) ? JSON.parse(readFileSync(manifestPath, 'utf8')) : undefined;
if (!manifest || Object.entries(wanted).some(([k, v]) => manifest[k] !== v)) {
  console.log(`insights: generating ${EVENTS.toLocaleString('en-US')} events over ${DAYS} days …`);
  const g = generateStore({ root, events: EVENTS, days: DAYS, segmentsPerDay: 4, seed: 42 });
  manifest = { ...wanted, endMs: g.endMs, written: g.events, bytes: g.bytes };
  writeFileSync(manifestPath, JSON.stringify(manifest, null, 2) + '\n');
}
const until = new Date(manifest.endMs).toISOString();
const common = ['--dir', root, '--until', until, '--env', 'all', '--json'];
await waitForQuiet('insights');

// Warm the span cache once, so every command below replays digests.
timeNode([CLI, 'report', '--since', '30d', ...common], { noTime: true });

const commands = [
  ['report --by model (baseline)', ['report', '--since', '30d', '--by', 'model']],
  ['compare --by model', ['compare', '--since', '30d', '--by', 'model']],
  ['compare --by agent --metric duration', ['compare', '--since', '30d', '--by', 'agent', '--metric', 'duration']],
  ['compare --by model --metric cost', ['compare', '--since', '30d', '--by', 'model', '--metric', 'cost']],
  // Feedback joined to agent spans by id: the span cache keeps agent span ids.
  ['compare --by model --metric quality', ['compare', '--since', '30d', '--by', 'model', '--metric', 'quality']],
  ['agents --since 30d', ['agents', '--since', '30d']],
  ['trends --by model', ['trends', '--since', '30d', '--by', 'model']],
  ['anomalies --since 30d', ['anomalies', '--since', '30d']],
  // Limits that pass, so the process exits 0 (a failed gate exits 5).
  ['check --max-failure-rate 100% --min-first-attempt-pass 0%', ['check', '--since', '7d', '--max-failure-rate', '100%', '--min-first-attempt-pass', '0%']],
];
const rows = [];
const results = {};
let baseline = NaN;
for (const [label, args] of commands) {
  const times = [];
  for (let i = 0; i < 3; i++) times.push(timeNode([CLI, ...args, ...common], { noTime: true }).seconds);
  const s = median(times);
  if (Number.isNaN(baseline)) baseline = s;
  results[label] = { seconds: s, ratio: s / baseline };
  rows.push([label, fmt.s(s), fmt.ratio(s / baseline)]);
}
console.log(`\n${manifest.written.toLocaleString('en-US')} events, ${(manifest.bytes / 1e6).toFixed(0)} MB, span cache warm; wall time of the whole process (Node start-up included)\n`);
console.log(table(['command', 'seconds', 'vs report'], rows));
saveResult('insights', { events: manifest.written, results });

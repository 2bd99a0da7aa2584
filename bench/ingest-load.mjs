// Loopback load test of `agentmeter serve` (bounded: a fixed number of events, 127.0.0.1
// only). The server runs as its own process, as users run it, with the default durability
// (200 only after write + fsync); the client posts JSON arrays with a few requests in
// flight. For scale, the same events go straight through the local sink in this process.
// Target: ≥ 100,000 events/s in batches.
//   node bench/ingest-load.mjs [--quick]
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLI, DIST_DIR, fmt, requireBuild, saveResult, table } from './lib.mjs';

requireBuild();
const quick = process.argv.includes('--quick');
const BATCH = 1000;
const BATCHES = quick ? 60 : 200;
const IN_FLIGHT = 4;
const dir = mkdtempSync(join(tmpdir(), 'am-ingest-bench-'));

function hex(n, w) {
  return n.toString(16).padStart(w, '0');
}
const t0 = Date.now();
function event(i) {
  const id = `${hex(Math.floor((t0 + i) / 0x10000), 8)}-${hex((t0 + i) & 0xffff, 4)}-7${hex(i & 0xfff, 3)}-8${hex((i >> 12) & 0xfff, 3)}-${hex(i, 12)}`;
  return {
    v: 1, id, ts: new Date(t0 + i).toISOString(), type: 'span', span_id: id, run_id: id, env: 'bench', kind: 'agent', name: 'coding',
    parent_id: null, start_ts: new Date(t0 + i - 1500).toISOString(), duration_ms: 1500, status: i % 7 === 0 ? 'failure' : 'success',
    attrs: { project: 'shop', 'gen_ai.agent.name': 'coding', 'agent.type': 'development', 'gen_ai.request.model': 'deepseek-chat', 'gen_ai.usage.input_tokens': 5200, 'gen_ai.usage.output_tokens': 800, cost_usd: 0.0031 },
  };
}
const batches = [];
for (let b = 0; b < BATCHES; b++) batches.push(JSON.stringify(Array.from({ length: BATCH }, (_, k) => event(b * BATCH + k))));
const bytes = batches.reduce((s, x) => s + x.length, 0);

// Baseline, same run: the least any JSON ingest does, parse the body and encode each event.
let t = performance.now();
for (const body of batches.slice(0, Math.min(BATCHES, 50))) {
  let out = '';
  for (const e of JSON.parse(body)) out += JSON.stringify(e) + '\n';
  if (out.length === 0) throw new Error('unreachable');
}
const baselineRate = (Math.min(BATCHES, 50) * BATCH) / ((performance.now() - t) / 1000);

// In-process: parse + check + local sink (sync), no HTTP.
const { createApp } = await import(join(DIST_DIR, 'server', 'index.js'));
const { createLocalSink } = await import(join(DIST_DIR, 'store', 'index.js'));
const localDir = join(dir, 'local');
const sink = createLocalSink({ root: localDir });
const app = createApp({ sink });
t = performance.now();
for (const body of batches.slice(0, Math.min(BATCHES, 50))) {
  const r = await app.fetch(new Request('http://127.0.0.1/v1/events', { method: 'POST', body, headers: { 'content-type': 'application/json' } }));
  if (r.status !== 200) throw new Error(`in-process ingest answered ${r.status}`);
}
const inProcessRate = (Math.min(BATCHES, 50) * BATCH) / ((performance.now() - t) / 1000);
await sink.shutdown();

// Over loopback HTTP, server in its own process.
async function overHttp(durability) {
const server = spawn(process.execPath, [CLI, 'serve', '--port', '0', '--durability', durability, '--dir', join(dir, durability)], { stdio: ['ignore', 'ignore', 'pipe'] });
const url = await new Promise((ok, fail) => {
  let err = '';
  server.stderr.on('data', (d) => {
    err += d;
    const m = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(err);
    if (m) ok(m[1]);
  });
  server.on('close', () => fail(new Error(err)));
});
let next = 0;
async function client() {
  while (next < BATCHES) {
    const body = batches[next++];
    const r = await fetch(`${url}/v1/events`, { method: 'POST', body, headers: { 'content-type': 'application/json' } });
    await r.arrayBuffer();
    if (r.status !== 200) failures++;
  }
}
const start = performance.now();
await Promise.all(Array.from({ length: IN_FLIGHT }, client));
const seconds = (performance.now() - start) / 1000;
server.kill('SIGTERM');
await new Promise((ok) => server.on('close', ok));
return seconds;
}
let failures = 0;
const seconds = await overHttp('sync');
const flushSeconds = await overHttp('flush');
rmSync(dir, { recursive: true, force: true });
if (failures > 0) throw new Error(`${failures} requests failed`);
const rate = (BATCHES * BATCH) / seconds;
const flushRate = (BATCHES * BATCH) / flushSeconds;
console.log(`ingest load: ${BATCHES} POST /v1/events of ${BATCH} events (${(bytes / BATCHES / 1024).toFixed(0)} KiB each), ${IN_FLIGHT} in flight\n`);
console.log(table(['path', 'events/s', 'MiB/s', 'vs target 100,000/s', 'vs baseline'], [
  ['baseline: JSON.parse body + JSON.stringify each event', fmt.ms(baselineRate), '', fmt.ratio(baselineRate / 100_000), fmt.ratio(1)],
  ['in-process app.fetch → local sink', fmt.ms(inProcessRate), '', fmt.ratio(inProcessRate / 100_000), fmt.ratio(inProcessRate / baselineRate)],
  ['loopback HTTP → serve (sync: fsync before each 200, group commit)', fmt.ms(rate), (bytes / seconds / 1048576).toFixed(1), fmt.ratio(rate / 100_000), fmt.ratio(rate / baselineRate)],
  ['loopback HTTP → serve --durability flush', fmt.ms(flushRate), (bytes / flushSeconds / 1048576).toFixed(1), fmt.ratio(flushRate / 100_000), fmt.ratio(flushRate / baselineRate)],
]));
saveResult('ingest-load', { batch: BATCH, batches: BATCHES, inFlight: IN_FLIGHT, eventsPerSecond: rate, flushEventsPerSecond: flushRate, inProcessEventsPerSecond: inProcessRate, baselineEventsPerSecond: baselineRate });

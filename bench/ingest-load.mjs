// Loopback load test of `agentmeter serve` (bounded: a fixed number of events, 127.0.0.1
// only). The server runs as its own process, as users run it, with the default durability
// (200 only after write + fsync); the client posts the same events as JSON arrays and as
// NDJSON, a few requests in flight. For scale, the same events go straight through the app
// and local sink in this process. Besides wall-clock events/s, the server process's CPU time
// is read from /proc (events per CPU-second: what a core would do on an idle machine).
// Target: ≥ 100,000 events/s in batches.
//   node bench/ingest-load.mjs [--quick]
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
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
const ndBatches = [];
for (let b = 0; b < BATCHES; b++) {
  const events = Array.from({ length: BATCH }, (_, k) => event(b * BATCH + k));
  batches.push(JSON.stringify(events));
  ndBatches.push(events.map((e) => JSON.stringify(e)).join('\n') + '\n');
}
const bytes = batches.reduce((s, x) => s + x.length, 0);
const ndBytes = ndBatches.reduce((s, x) => s + x.length, 0);
const loadBefore = loadavg()[0];
const IN_PROCESS = Math.min(BATCHES, 50);

/** Wall and CPU seconds of `fn` in this process. */
async function timed(fn) {
  const cpu = process.cpuUsage();
  const t = performance.now();
  await fn();
  const c = process.cpuUsage(cpu);
  return { seconds: (performance.now() - t) / 1000, cpuSeconds: (c.user + c.system) / 1e6 };
}

// Baseline, same run: the least any JSON ingest does, parse the body and encode each event.
const baseline = await timed(() => {
  for (const body of batches.slice(0, IN_PROCESS)) {
    let out = '';
    for (const e of JSON.parse(body)) out += JSON.stringify(e) + '\n';
    if (out.length === 0) throw new Error('unreachable');
  }
});

// In-process: parse + check + local sink (sync), no HTTP.
const { createApp } = await import(join(DIST_DIR, 'server', 'index.js'));
const { createLocalSink } = await import(join(DIST_DIR, 'store', 'index.js'));
async function inProcess(name, bodies) {
  const sink = createLocalSink({ root: join(dir, `local-${name}`) });
  const app = createApp({ sink });
  const r = await timed(async () => {
    for (const body of bodies.slice(0, IN_PROCESS)) {
      const res = await app.fetch(new Request('http://127.0.0.1/v1/events', { method: 'POST', body }));
      if (res.status !== 200) throw new Error(`in-process ingest answered ${res.status}`);
    }
  });
  await sink.shutdown();
  return r;
}
const inArray = await inProcess('array', batches);
const inNd = await inProcess('ndjson', ndBatches);

/** CPU seconds a process has used so far (Linux), or NaN. */
function cpuOf(pid) {
  try {
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(f[11]) + Number(f[12])) / 100;
  } catch {
    return NaN;
  }
}

// Over loopback HTTP, server in its own process.
let failures = 0;
async function overHttp(durability, bodies, contentType) {
  const server = spawn(process.execPath, [CLI, 'serve', '--port', '0', '--durability', durability, '--dir', join(dir, `${durability}-${contentType.length}`)], { stdio: ['ignore', 'ignore', 'pipe'] });
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
      const body = bodies[next++];
      const r = await fetch(`${url}/v1/events`, { method: 'POST', body, headers: { 'content-type': contentType } });
      await r.arrayBuffer();
      if (r.status !== 200) failures++;
    }
  }
  const cpu0 = cpuOf(server.pid);
  const start = performance.now();
  await Promise.all(Array.from({ length: IN_FLIGHT }, client));
  const seconds = (performance.now() - start) / 1000;
  const cpuSeconds = cpuOf(server.pid) - cpu0;
  server.kill('SIGTERM');
  await new Promise((ok) => server.on('close', ok));
  return { seconds, cpuSeconds };
}
// The client sends bytes it holds (as an exporter does), so it spends no CPU encoding the
// bodies again on every request: on 2 shared cores that CPU would be taken from the server.
const arrayBytes = batches.map((b) => Buffer.from(b));
const ndBytesBodies = ndBatches.map((b) => Buffer.from(b));
const runs = [
  ['loopback HTTP → serve, JSON array (sync: fsync before each 200)', await overHttp('sync', arrayBytes, 'application/json'), bytes],
  ['loopback HTTP → serve, NDJSON (sync: fsync before each 200)', await overHttp('sync', ndBytesBodies, 'application/x-ndjson'), ndBytes],
  ['loopback HTTP → serve --durability flush, JSON array', await overHttp('flush', arrayBytes, 'application/json'), bytes],
  ['loopback HTTP → serve --durability flush, NDJSON', await overHttp('flush', ndBytesBodies, 'application/x-ndjson'), ndBytes],
];
const loadAfter = loadavg()[0];
rmSync(dir, { recursive: true, force: true });
if (failures > 0) throw new Error(`${failures} requests failed`);

const per = (n, s) => n / s;
const baseRate = per(IN_PROCESS * BATCH, baseline.seconds);
const row = (name, r, n, b) => {
  const rate = per(n, r.seconds);
  const cpuRate = per(n, r.cpuSeconds);
  return [name, fmt.ms(rate), Number.isFinite(cpuRate) ? fmt.ms(cpuRate) : '', b ? (b / r.seconds / 1048576).toFixed(1) : '', fmt.ratio(rate / 100_000), fmt.ratio(rate / baseRate)];
};
console.log(`ingest load: ${BATCHES} POST /v1/events of ${BATCH} events (${(bytes / BATCHES / 1024).toFixed(0)} KiB each), ${IN_FLIGHT} in flight; load average ${loadBefore.toFixed(1)} before, ${loadAfter.toFixed(1)} after, ${cpus().length} cores\n`);
console.log('events/CPU-s: events per second of CPU time used by the server process (HTTP rows) or this process (in-process rows)\n');
console.log(table(['path', 'events/s', 'events/CPU-s', 'MiB/s', 'vs target 100,000/s', 'vs baseline'], [
  row('baseline: JSON.parse body + JSON.stringify each event', baseline, IN_PROCESS * BATCH, 0),
  row('in-process app.fetch → local sink (sync), JSON array', inArray, IN_PROCESS * BATCH, 0),
  row('in-process app.fetch → local sink (sync), NDJSON', inNd, IN_PROCESS * BATCH, 0),
  ...runs.map(([name, r, b]) => row(name, r, BATCHES * BATCH, b)),
]));
const rates = runs.map(([, r]) => per(BATCHES * BATCH, r.seconds));
const cpuRates = runs.map(([, r]) => per(BATCHES * BATCH, r.cpuSeconds));
saveResult('ingest-load', {
  batch: BATCH, batches: BATCHES, inFlight: IN_FLIGHT, loadBefore, loadAfter,
  eventsPerSecond: rates[0], ndjsonEventsPerSecond: rates[1], flushEventsPerSecond: rates[2], flushNdjsonEventsPerSecond: rates[3],
  eventsPerCpuSecond: cpuRates[0], ndjsonEventsPerCpuSecond: cpuRates[1], flushEventsPerCpuSecond: cpuRates[2], flushNdjsonEventsPerCpuSecond: cpuRates[3],
  inProcessEventsPerSecond: per(IN_PROCESS * BATCH, inArray.seconds), inProcessNdjsonEventsPerSecond: per(IN_PROCESS * BATCH, inNd.seconds),
  baselineEventsPerSecond: baseRate, baselineEventsPerCpuSecond: per(IN_PROCESS * BATCH, baseline.cpuSeconds),
});

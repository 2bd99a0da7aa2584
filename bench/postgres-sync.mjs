// `agentmeter sync` to PostgreSQL against a raw COPY of the same rows, measured in the same
// run on the same server: the sync reads the segments, parses and validates every line,
// creates day partitions and COPYs in batches with its duplicate check; the baseline only
// streams rows already encoded in memory into a migrated table with its partitions made.
// Target: sync ≥ 0.8× the raw COPY's events/s.
//
//   node bench/postgres-sync.mjs [--events 200000] [--url postgres://postgres@127.0.0.1:5432/test]
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { parseArgs } from 'node:util';
import pg from 'pg';
import copyStreams from 'pg-copy-streams';
import { generateStore } from './generate.mjs';
import { dataDir, fmt, machine, requireBuild, saveResult, table, waitForQuiet } from './lib.mjs';

requireBuild();
const { values } = parseArgs({
  options: { events: { type: 'string', default: '200000' }, threads: { type: 'string', default: '' }, url: { type: 'string', default: process.env['AGENTMETER_TEST_PG'] ?? 'postgres://postgres@127.0.0.1:5432/test' } },
});
const N = Number(values.events);
const URL_BASE = values.url;
const { defaultEncodeThreads } = await import('../dist/sinks/encode-pool.js');
// Encoding threads of the measured sync (default: what syncStore picks here), and of the
// same-run comparison row (the other choice).
const THREADS = values.threads === '' ? defaultEncodeThreads() : Number(values.threads);
const OTHER = THREADS > 0 ? 0 : 2;

const { PostgresSink, migrate, openPool, parsePostgresUrl } = await import('../dist/sinks/postgres/index.js');
const { copyLine, batchDays } = await import('../dist/sinks/postgres/copy-rows.js');
const { syncStore } = await import('../dist/sinks/index.js');
const { decodeLine, validateEvent } = await import('../dist/model/index.js');

const root = dataDir('pg-sync');
const gen = generateStore({ root, events: N, days: 7, segmentsPerDay: 4, endMs: Date.parse('2025-03-01T00:00:00Z') });
const events = [];
for (const day of readdirSync(join(root, 'events')).sort()) {
  for (const f of readdirSync(join(root, 'events', day)).sort()) {
    for (const line of readFileSync(join(root, 'events', day, f), 'utf8').split('\n')) {
      if (!line) continue;
      const d = decodeLine(line);
      const v = d.ok ? validateEvent(d.value) : undefined;
      if (v?.ok) events.push(v.event);
    }
  }
}
const rows = events.map((e) => copyLine(e) ?? '').join('');
console.log(`store: ${events.length} events, ${(gen.bytes / 1_048_576).toFixed(0)} MB of JSONL in ${readdirSync(join(root, 'events')).length} days; COPY text ${(rows.length / 1_048_576).toFixed(0)} MB`);

const admin = new pg.Client({ connectionString: URL_BASE });
await admin.connect();
let n = 0;
async function freshSchema() {
  const name = `am_bench_${process.pid}_${n++}`;
  await admin.query(`DROP SCHEMA IF EXISTS ${name} CASCADE; CREATE SCHEMA ${name}`);
  const url = `${URL_BASE}${URL_BASE.includes('?') ? '&' : '?'}schema=${name}`;
  const pool = await openPool(parsePostgresUrl(url));
  await migrate(pool);
  return { name, url, pool };
}
async function count(name) {
  return Number((await admin.query(`SELECT count(*) AS n FROM ${name}.am_events`)).rows[0].n);
}
const distinct = new Set(events.map((e) => `${e.id}|${e.ts}`)).size;

// CPU seconds a server backend has used (Linux /proc; the server runs on this machine).
// Wall time on a shared machine swings with other load; CPU time says what each path costs.
function backendCpu(pid) {
  const f = `/proc/${pid}/stat`;
  // Also `self/task/<tid>` for one thread of this process.
  if (!existsSync(f)) return NaN;
  const fields = readFileSync(f, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}
// CPU seconds of this process's main thread alone (worker threads are in process.cpuUsage).
function mainThreadCpu() {
  return backendCpu(`self/task/${process.pid}`);
}
function nodeCpu(since) {
  const u = process.cpuUsage(since);
  return (u.user + u.system) / 1e6;
}

async function rawCopy() {
  const s = await freshSchema();
  for (const day of batchDays(events)) await s.pool.query('SELECT am_ensure_partition($1::date)', [day]);
  const c = new pg.Client({ connectionString: s.url.replace(/\?schema=.*$/, ''), options: `-c search_path=${s.name}` });
  await c.connect();
  const pgBefore = backendCpu(c.processID);
  const cpu = process.cpuUsage();
  const t = performance.now();
  await pipeline(Readable.from([rows]), c.query(copyStreams.from(`COPY am_events FROM STDIN`)));
  const seconds = (performance.now() - t) / 1000;
  const nodeSeconds = nodeCpu(cpu);
  const pgSeconds = backendCpu(c.processID) - pgBefore;
  await c.end();
  const stored = await count(s.name);
  await s.pool.end();
  await admin.query(`DROP SCHEMA ${s.name} CASCADE`);
  return { seconds, stored, nodeSeconds, pgSeconds };
}

async function sync(threads = THREADS, resend = true) {
  const s = await freshSchema();
  await s.pool.end();
  const pool = await openPool(parsePostgresUrl(s.url));
  const pids = [];
  pool.on('connect', (c) => pids.push(c.processID));
  const sink = new PostgresSink(undefined, { pool });
  const id = `bench-${s.name}`;
  const cpu = process.cpuUsage();
  const main0 = mainThreadCpu();
  let t = performance.now();
  const first = await syncStore({ root, sink, sinkId: id, destination: id, batchSize: 5000, encodeThreads: threads });
  const seconds = (performance.now() - t) / 1000;
  const nodeSeconds = nodeCpu(cpu);
  const mainSeconds = mainThreadCpu() - main0;
  const pgSeconds = pids.reduce((a, pid) => a + backendCpu(pid), 0);
  if (!first.ok) throw first.error;
  // Everything again: every batch holds stored ids and takes the staging path.
  t = performance.now();
  if (!resend) {
    await sink.shutdown();
    await pool.end();
    const stored = await count(s.name);
    await admin.query(`DROP SCHEMA ${s.name} CASCADE`);
    return { seconds, stored, nodeSeconds, mainSeconds, pgSeconds, threads };
  }
  const again = await syncStore({ root, sink, sinkId: id, destination: id, batchSize: 5000, fromStart: true, encodeThreads: THREADS });
  const resendSeconds = (performance.now() - t) / 1000;
  if (!again.ok) throw again.error;
  await sink.shutdown();
  await pool.end();
  const stored = await count(s.name);
  await admin.query(`DROP SCHEMA ${s.name} CASCADE`);
  return { seconds, resendSeconds, stored, sent: first.events, nodeSeconds, mainSeconds, pgSeconds };
}

const busy = await waitForQuiet('postgres-sync');
const raw = [];
const syn = [];
const inline = [];
for (let round = 0; round < 2; round++) {
  raw.push(await rawCopy());
  syn.push(await sync());
  inline.push(await sync(OTHER, false));
}
await admin.end();
for (const r of [...raw, ...syn, ...inline]) if (r.stored !== distinct) throw new Error(`stored ${r.stored} rows, expected ${distinct}`);
const best = (xs, k) => Math.min(...xs.map((x) => x[k]));
const rawEps = events.length / best(raw, 'seconds');
const syncEps = events.length / best(syn, 'seconds');
const resendEps = events.length / best(syn, 'resendSeconds');
const ratio = syncEps / rawEps;
// What an otherwise idle machine of CORES cores would reach: each path is bound by its busiest
// thread (the server backend, Node's main thread, an encoding worker: the workers share their
// CPU evenly, chunks going round-robin) or by all of its CPU spread over the cores, whichever
// is slower. The raw COPY's Node side (streaming) overlaps its backend's parsing in the same way.
const CORES = machine().cores;
const bound = (r) => {
  const workers = r.mainSeconds === undefined ? 0 : (r.nodeSeconds - r.mainSeconds) / Math.max(1, r.threads ?? THREADS);
  const main = r.mainSeconds ?? r.nodeSeconds;
  return events.length / Math.max(r.pgSeconds, main, workers, (r.pgSeconds + r.nodeSeconds) / CORES);
};
const rawCpuBound = Math.max(...raw.map(bound));
const syncCpuBound = Math.max(...syn.map(bound));
const cpuRatio = syncCpuBound / rawCpuBound;
const us = (sec) => ((sec / events.length) * 1e6).toFixed(1);
const m = machine();
const load = existsSync('/proc/loadavg') ? readFileSync('/proc/loadavg', 'utf8').split(' ')[0] : '?';
console.log(`\n${m.cores} × ${m.model}, Node ${m.node}, ${events.length} events, best of 2, ${THREADS} encoding threads, load average ${load}\n`);
console.log(
  table(
    ['path', 'wall s', 'events/s (wall)', 'vs raw', 'Node CPU µs/event (main)', 'server CPU µs/event', 'events/s (CPU bound)', 'vs raw'],
    [
      ['raw COPY of encoded rows (baseline)', fmt.s(best(raw, 'seconds')), Math.round(rawEps).toLocaleString('en'), fmt.ratio(1), us(best(raw, 'nodeSeconds')), us(best(raw, 'pgSeconds')), Math.round(rawCpuBound).toLocaleString('en'), fmt.ratio(1)],
      ['agentmeter sync (files → PostgreSQL)', fmt.s(best(syn, 'seconds')), Math.round(syncEps).toLocaleString('en'), fmt.ratio(ratio), `${us(best(syn, 'nodeSeconds'))} (${us(best(syn, 'mainSeconds'))})`, us(best(syn, 'pgSeconds')), Math.round(syncCpuBound).toLocaleString('en'), fmt.ratio(cpuRatio)],
      ...(inline.length
        ? [[OTHER ? `the same sync, ${OTHER} encoding worker threads` : 'the same sync, encoding on the main thread', fmt.s(best(inline, 'seconds')), Math.round(events.length / best(inline, 'seconds')).toLocaleString('en'), fmt.ratio(events.length / best(inline, 'seconds') / rawEps), `${us(best(inline, 'nodeSeconds'))} (${us(best(inline, 'mainSeconds'))})`, us(best(inline, 'pgSeconds')), Math.round(Math.max(...inline.map(bound))).toLocaleString('en'), fmt.ratio(Math.max(...inline.map(bound)) / rawCpuBound)]]
        : []),
      ['sync again from the start (all duplicates)', fmt.s(best(syn, 'resendSeconds')), Math.round(resendEps).toLocaleString('en'), fmt.ratio(resendEps / rawEps), '', '', '', ''],
    ],
  ),
);
console.log(`\ntarget sync ≥ 0.80× raw COPY: wall clock ${ratio >= 0.8 ? 'met' : 'missed'} (${ratio.toFixed(2)}×), CPU bound ${cpuRatio >= 0.8 ? 'met' : 'missed'} (${cpuRatio.toFixed(2)}×)`);
saveResult('postgres-sync', { events: events.length, threads: THREADS, load, busyBefore: busy, rawEps, syncEps, resendEps, ratio, rawCpuBound, syncCpuBound, cpuRatio });

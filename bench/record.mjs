// Cost of recording one event: the SDK in each durability mode against a bare JSON.stringify
// of the same event objects, pino, and naive per-event appends.
//
// One iteration is an agent invocation, `task.startAgent({...}).end({...})`: two events (a
// span.start of ~530 bytes and a span.end of ~510). Every case is timed in rounds of N
// iterations, including the flush at the end of the round; rounds of all cases are
// interleaved so drift hits them alike, and the median round is reported.
//
//   node bench/record.mjs            (after npm run build)
//   node bench/record.mjs --quick    (fewer rounds, for a smoke test)
import { appendFileSync, closeSync, openSync, readdirSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { dataDir, fmt, median, requireBuild, saveResult, table, verdict, waitForQuiet, mainThreadNs } from './lib.mjs';

requireBuild();
const { createMeter } = await import('../dist/sdk/index.js');
const { uuidv7 } = await import('../dist/model/ids.js');
const time = await import('../dist/model/time.js');
// The SDK formats timestamps through a one-entry cache (isoMs) when the build has it.
const isoMs = time.isoMs ?? ((ms) => new Date(ms).toISOString());
const { createRedactor } = await import('../dist/model/redact.js');
const { SegmentWriter } = await import('../dist/store/index.js');
const { default: pino } = await import('pino');

const QUICK = process.argv.includes('--quick');
const PROFILE_CHILD = process.argv.includes('--profile-child');
const ROUNDS = QUICK ? 3 : 9;
const WARMUP = QUICK ? 1 : 2;
const N = QUICK ? 5_000 : 20_000; // iterations (2 events each) per round
const N_SLOW = QUICK ? 1_000 : 4_000; // per-event writes: appendFileSync, writeSync, pino sync
const N_SYNC = QUICK ? 100 : 300; // fsync per event (≈140 µs each, docs/durability.md)
const TARGET_BUFFERED = 1.3;

const root = dataDir('record');
rmSync(root, { recursive: true, force: true });
dataDir('record');

// User code as it would call the SDK: fresh option objects per call.
function agentOnce(task) {
  task.startAgent({ name: 'coding', type: 'development' }).end({
    status: 'success',
    tokens: { input: 5200, output: 800 },
    costUsd: 0.0031,
    filesModified: ['src/cart/total.ts', 'test/cart.test.ts'],
    toolsUsed: ['read_file', 'edit_file', 'run_tests'],
  });
}

function openMeter(durability) {
  const diagnostics = [];
  const meter = createMeter({ dir: join(root, durability), env: 'prod', durability, onDiagnostic: (d) => diagnostics.push(d) });
  const run = meter.startRun({ project: 'web-shop', llm: { provider: 'openai', model: 'gpt-4.1', temperature: 0.2 }, mode: 'implement_all' });
  const task = run.startTask({ key: 4242, type: 'feature_development' });
  return { meter, run, task, diagnostics };
}

// The exact objects the SDK writes for one agent invocation: read back from a probe store.
function sampleEvents() {
  const probe = createMeter({ dir: join(root, 'probe'), env: 'prod', durability: 'flush' });
  const run = probe.startRun({ project: 'web-shop', llm: { provider: 'openai', model: 'gpt-4.1', temperature: 0.2 }, mode: 'implement_all' });
  const task = run.startTask({ key: 4242, type: 'feature_development' });
  agentOnce(task);
  probe.close();
  const dayDir = join(root, 'probe', 'events', readdirSync(join(root, 'probe', 'events'))[0]);
  const lines = readFileSync(join(dayDir, readdirSync(dayDir)[0]), 'utf8').trim().split('\n');
  return lines.filter((l) => l.includes('"kind":"agent"')).map((l) => JSON.parse(l));
}

const [startEvent, endEvent] = sampleEvents();
const lineBytes = (JSON.stringify(startEvent).length + JSON.stringify(endEvent).length + 2) / 2;

let sink = 0; // keeps results alive so nothing is optimised away

const cases = [];
function addCase(name, n, setup) {
  cases.push({ name, n, setup, samples: [], cpuSamples: [], mainSamples: [] });
}

addCase('JSON.stringify (baseline)', N, () => ({
  run(n) {
    for (let i = 0; i < n; i++) sink += JSON.stringify(startEvent).length + JSON.stringify(endEvent).length;
  },
}));

for (const durability of ['buffered', 'flush', 'sync']) {
  addCase(`agentmeter ${durability}`, durability === 'sync' ? N_SYNC : durability === 'flush' ? N_SLOW : N, () => {
    const m = openMeter(durability);
    return {
      run(n) {
        for (let i = 0; i < n; i++) agentOnce(m.task);
        m.meter.flush();
      },
      close() {
        m.meter.close();
        if (m.diagnostics.length > 0) console.error(`${durability}: diagnostics: ${m.diagnostics.map((d) => d.code).join(', ')}`);
        const s = m.meter.stats();
        if (s.dropped > 0) console.error(`${durability}: ${s.dropped} events dropped`);
      },
    };
  });
}

addCase('pino (sonic-boom, sync:false)', N, () => {
  const dest = pino.destination({ dest: join(root, 'pino-async.log'), sync: false });
  const logger = pino(dest);
  return {
    async ready() {
      await new Promise((r) => dest.once('ready', r));
    },
    run(n) {
      for (let i = 0; i < n; i++) {
        logger.info(startEvent);
        logger.info(endEvent);
      }
      dest.flushSync();
    },
    close() {
      dest.flushSync();
      dest.end();
    },
  };
});

addCase('pino (sync:true)', N_SLOW, () => {
  const dest = pino.destination({ dest: join(root, 'pino-sync.log'), sync: true });
  const logger = pino(dest);
  return {
    run(n) {
      for (let i = 0; i < n; i++) {
        logger.info(startEvent);
        logger.info(endEvent);
      }
    },
    close() {
      dest.end();
    },
  };
});

addCase('JSON.stringify + writeSync per event', N_SLOW, () => {
  const fd = openSync(join(root, 'write-sync.jsonl'), 'a');
  return {
    run(n) {
      for (let i = 0; i < n; i++) {
        writeSync(fd, JSON.stringify(startEvent) + '\n');
        writeSync(fd, JSON.stringify(endEvent) + '\n');
      }
    },
    close() {
      closeSync(fd);
    },
  };
});

addCase('JSON.stringify + appendFileSync per event', N_SLOW, () => {
  const path = join(root, 'append-file-sync.jsonl');
  return {
    run(n) {
      for (let i = 0; i < n; i++) {
        appendFileSync(path, JSON.stringify(startEvent) + '\n');
        appendFileSync(path, JSON.stringify(endEvent) + '\n');
      }
    },
  };
});

const pause = () => new Promise((r) => setTimeout(r, 5));


async function measure(list) {
  for (const c of list) {
    c.impl = c.setup();
    if (c.impl.ready) await c.impl.ready();
  }
  for (let round = 0; round < WARMUP + ROUNDS; round++) {
    for (const c of list) {
      // Let async writers (pino's sonic-boom) drain between rounds, outside the timed part.
      await pause();
      c.impl.before?.();
      const cpu = process.cpuUsage();
      const main = mainThreadNs();
      const t = process.hrtime.bigint();
      c.impl.run(c.n);
      const ns = Number(process.hrtime.bigint() - t) / (2 * c.n);
      const mainNs = (mainThreadNs() - main) / (2 * c.n);
      const used = process.cpuUsage(cpu);
      if (round >= WARMUP) {
        c.samples.push(ns);
        c.mainSamples.push(mainNs);
        // CPU of every thread of the process: includes the writes done by the writer thread.
        c.cpuSamples.push(((used.user + used.system) * 1000) / (2 * c.n));
      }
    }
  }
  for (const c of list) c.impl.close?.();
}

// Where the buffered path spends its time: the pieces of one recorded event, timed alone.
function pieces() {
  const redact = createRedactor({ homeDirs: [] });
  const ownStart = { 'gen_ai.agent.name': 'coding', 'agent.type': 'development', 'agent.attempt': 1 };
  const ownEnd = endEvent.attrs;
  const writer = new SegmentWriter({ root: join(root, 'writer-only'), durability: 'buffered', handleSignals: false });
  const startLine = JSON.stringify(startEvent) + '\n';
  const endLine = JSON.stringify(endEvent) + '\n';
  const now = Date.now();
  const list = [
    ['uuidv7(Date.now()) (1 per event, +0.5 for the span id)', () => sink += uuidv7(Date.now()).length],
    [`${time.isoMs ? 'isoMs' : 'toISOString'}(Date.now()) (1.5 per event)`, () => sink += isoMs(Date.now()).length],
    ['new Date(ms).toISOString(), uncached', () => sink += new Date(now).toISOString().length],
    ['JSON.stringify(own attrs) (avg of start/end)', (i) => sink += JSON.stringify(i & 1 ? ownEnd : ownStart).length],
    ['redact(one file path) (1 per event here)', () => sink += redact('src/cart/total.ts').length],
    ['Date.now() + performance.now()', () => sink += Date.now() + performance.now()],
    ['SegmentWriter.append, buffered (prebuilt line; a loop that outruns the writer thread, so the host writes most batches)', (i) => writer.append(i & 1 ? endLine : startLine, now)],
    ['whole line via JSON.stringify(event) (baseline)', (i) => sink += JSON.stringify(i & 1 ? endEvent : startEvent).length],
  ];
  const rows = [];
  for (const [name, fn] of list) {
    const samples = [];
    for (let round = 0; round < WARMUP + ROUNDS; round++) {
      const n = 2 * N;
      const t = process.hrtime.bigint();
      for (let i = 0; i < n; i++) fn(i);
      if (round >= WARMUP) samples.push(Number(process.hrtime.bigint() - t) / n);
    }
    rows.push([name, median(samples)]);
  }
  writer.close();
  return rows;
}

// CPU profile of the buffered SDK loop in a child: self time per function. Inlining is off so
// each function keeps its own samples (it costs some speed, not the proportions' order).
function profile() {
  const dir = dataDir('record-profile');
  rmSync(dir, { recursive: true, force: true });
  const r = spawnSync(
    process.execPath,
    ['--cpu-prof', `--cpu-prof-dir=${dir}`, '--max-inlined-bytecode-size=0', fileURLToPath(import.meta.url), '--profile-child'],
    { encoding: 'utf8' },
  );
  if (r.status !== 0) throw new Error(`profile child failed: ${r.stderr}`);
  const file = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'));
  const p = JSON.parse(readFileSync(join(dir, file), 'utf8'));
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const self = new Map();
  for (const id of p.samples) {
    const f = byId.get(id).callFrame;
    const where = f.url ? `${f.url.replace(/^.*\/(dist|bench|node_modules)\//, '$1/')}:${f.lineNumber + 1}` : '';
    const name = f.functionName || '(anonymous)';
    const key = `${name.length > 48 ? `${name.slice(0, 45)}…` : name} ${where}`.trim();
    self.set(key, (self.get(key) ?? 0) + 1);
  }
  const total = p.samples.length;
  return [...self].sort((a, b) => b[1] - a[1]).slice(0, 12).map(([k, c]) => [k, `${((100 * c) / total).toFixed(1)} %`]);
}

if (PROFILE_CHILD) {
  const m = openMeter('buffered');
  for (let r = 0; r < 10; r++) {
    for (let i = 0; i < N; i++) agentOnce(m.task);
    m.meter.flush();
  }
  m.meter.close();
  process.exit(0);
}

console.log(`record: ${ROUNDS} rounds (median), ${N.toLocaleString('en-US')} agent invocations = ${(2 * N).toLocaleString('en-US')} events per round ` +
  `(fewer for per-event writes: ${2 * N_SLOW}, fsync: ${2 * N_SYNC}); events average ${lineBytes.toFixed(0)} bytes`);
const busy = await waitForQuiet('record');
await measure(cases);
const base = median(cases[0].samples);
const baseCpu = median(cases[0].cpuSamples);
const baseMain = median(cases[0].mainSamples);
const rows = cases.map((c) => {
  const ns = median(c.samples);
  const cpu = median(c.cpuSamples);
  const main = median(c.mainSamples);
  return [c.name, fmt.ns(ns), fmt.ratio(ns / base), `${fmt.ns(Math.min(...c.samples))}–${fmt.ns(Math.max(...c.samples))}`,
    fmt.ns(main), fmt.ratio(main / baseMain), fmt.ns(cpu), fmt.ratio(cpu / baseCpu)];
});
console.log('\nns per recorded event (lower is better): wall time; CPU of the main thread; CPU of all threads (the writer thread included)\n');
console.log(table(['case', 'wall ns/event', 'vs JSON.stringify', 'range', 'main-thread CPU ns', 'vs JSON.stringify', 'all-threads CPU ns', 'vs JSON.stringify'], rows));
const buffered = median(cases[1].samples) / base;
const bufferedMain = median(cases[1].mainSamples) / baseMain;
const pinoAsync = median(cases.find((c) => c.name.startsWith('pino (sonic')).samples) / base;
console.log(`\ntarget: buffered ≤ ${TARGET_BUFFERED}× JSON.stringify: ${buffered.toFixed(2)}× wall → ${verdict(buffered, TARGET_BUFFERED)}; ` +
  `main-thread CPU ${bufferedMain.toFixed(2)}× → ${verdict(bufferedMain, TARGET_BUFFERED)}; pino (async) ${pinoAsync.toFixed(2)}× wall`);

const pieceRows = pieces();
console.log('\nwhere the time goes: pieces of the buffered path, timed alone (ns per call)\n');
console.log(table(['piece', 'ns/call'], pieceRows.map(([k, v]) => [k, fmt.ns(v)])));
const prof = profile();
console.log('\nCPU profile of the buffered SDK loop, 200,000 invocations (self time, top functions, inlining off)\n');
console.log(table(['function', 'self'], prof));

saveResult('record', {
  lineBytes,
  otherLoadBeforeStart: busy,
  rounds: ROUNDS,
  cases: cases.map((c) => ({
    name: c.name,
    nsPerEvent: median(c.samples),
    ratio: median(c.samples) / base,
    samples: c.samples,
    cpuNsPerEvent: median(c.cpuSamples),
    mainThreadCpuNsPerEvent: median(c.mainSamples),
    mainThreadCpuRatio: median(c.mainSamples) / baseMain,
    cpuRatio: median(c.cpuSamples) / baseCpu,
  })),
  pieces: pieceRows,
  profile: prof,
  target: { buffered: TARGET_BUFFERED, measured: buffered, measuredMainThreadCpu: bufferedMain, pinoAsync },
  sink: sink % 2,
});
rmSync(root, { recursive: true, force: true });

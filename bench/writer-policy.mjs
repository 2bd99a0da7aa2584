// Who writes when the writer thread is behind? The buffered writer's ring (four slots) is full
// when the host produces batches faster than the thread appends them. Two policies:
//
//   host-writes   (agentmeter's design): the batch keeps gathering up to 3 × maxBufferBytes;
//                 past that the host takes back the queued batches and writes them itself,
//                 oldest first, then queues its own (waiting at most for the one write the
//                 thread is in).
//   thread-only   (pino's thread-stream): the thread is the only writer; past the same
//                 gathering limit (and while the thread starts) the host waits for a free
//                 slot (with a deadline; never reached here), checking every 20 µs.
//
// Both run on the same ring, writer thread and thread script (dist/store/write-ring.js), with
// the same batch size, slot size and gathering limit as SegmentWriter, so only the policy
// differs; the real SegmentWriter (host-writes) runs beside them as the reference that the
// harness is faithful. Each round appends N events of ~510 bytes as fast as the host can
// build them (the case where the ring fills: in steady state the thread keeps up and the two
// policies do the same thing), then flushes. Rounds of all cases are interleaved; medians.
//
//   node bench/writer-policy.mjs            (after npm run build)
//   node bench/writer-policy.mjs --quick
import { closeSync, constants, openSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { dataDir, fmt, median, requireBuild, saveResult, table, waitForQuiet, mainThreadNs } from './lib.mjs';

requireBuild();
const { WriteRing } = await import('../dist/store/write-ring.js');
const { writeAll } = await import('../dist/store/write-all.js');
const { SegmentWriter } = await import('../dist/store/index.js');

const QUICK = process.argv.includes('--quick');
const ROUNDS = QUICK ? 3 : 9;
const WARMUP = QUICK ? 1 : 2;
const N = QUICK ? 20_000 : 100_000; // events per round

// SegmentWriter's constants (src/store/segment-writer.ts).
const MAX_BUFFER = 64 * 1024;
const OVERFLOW_BATCHES = 3;
const SLOT_BYTES = Math.min(4 * 1024 * 1024, MAX_BUFFER * OVERFLOW_BATCHES + 64 * 1024);
const WAIT_DEADLINE_MS = 10_000;
const POLL_MS = 0.02;

const root = dataDir('writer-policy');
rmSync(root, { recursive: true, force: true });
dataDir('writer-policy');

const T0 = Date.parse('2026-12-05T10:00:00.000Z');
/** One event line as the SDK writes an agent end (~510 bytes); fresh per call, as a host builds it. */
function line(i) {
  const ts = new Date(T0 + (i % 1000)).toISOString();
  return (
    JSON.stringify({
      v: 1,
      id: `0193a0b4-${String(i).padStart(4, '0').slice(-4)}-7000-8000-${String(i).padStart(12, '0').slice(-12)}`,
      ts,
      type: 'span.end',
      span_id: `0193a0b4-0000-7000-8000-${String(i).padStart(12, '0').slice(-12)}`,
      kind: 'agent',
      name: 'coding',
      run_id: '0193a0b4-0000-7000-8000-000000000001',
      env: 'prod',
      status: 'success',
      duration_ms: 1234.5,
      attrs: {
        'gen_ai.usage.input_tokens': 5200,
        'gen_ai.usage.output_tokens': 800,
        cost_usd: 0.0031,
        files_modified: ['src/cart/total.ts', 'test/cart.test.ts'],
        tools_used: ['read_file', 'edit_file', 'run_tests'],
        seq: i,
      },
    }) + '\n'
  );
}


const tick = new Int32Array(new SharedArrayBuffer(4));
const nowMs = () => performance.now();

/** A writer of one segment over the ring with the given policy; counts what the host did. */
function ringWriter(path, policy) {
  const fd = openSync(path, constants.O_WRONLY | constants.O_CREAT | constants.O_APPEND, 0o644);
  const ring = WriteRing.start(SLOT_BYTES, 10_000);
  if (!ring) throw new Error('no writer thread: run npm run build');
  const s = { takeovers: 0, waits: 0, waitMs: 0, maxStallMs: 0, failed: 0 };
  const done = (o) => {
    if (o.errno !== 0) s.failed++;
  };
  let buf = '';
  let events = 0;
  const spill = () => {
    const t = nowMs();
    ring.collect(done);
    if (ring.offer(fd, 1, buf, events) < 0) {
      // Keep gathering (SegmentWriter gathers only once the thread runs its loop).
      if (buf.length < MAX_BUFFER * OVERFLOW_BATCHES && (ring.started || policy === 'thread-only')) return;
      if (policy === 'host-writes') {
        // Take back what is queued and write it here, oldest first; then queue this batch.
        s.takeovers++;
        ring.drain(done, true);
        if (ring.offer(fd, 1, buf, events) < 0) {
          const bytes = Buffer.from(buf);
          writeAll(fd, bytes, 0, bytes.length);
        }
        s.waitMs += nowMs() - t;
      } else {
        s.waits++;
        const deadline = t + WAIT_DEADLINE_MS;
        for (;;) {
          Atomics.wait(tick, 0, 0, POLL_MS);
          ring.collect(done);
          if (ring.offer(fd, 1, buf, events) >= 0) break;
          if (nowMs() > deadline) throw new Error('deadline passed (a stuck disk): not expected here');
        }
        s.waitMs += nowMs() - t;
      }
    }
    buf = '';
    events = 0;
    const stall = nowMs() - t;
    if (stall > s.maxStallMs) s.maxStallMs = stall;
  };
  return {
    stats: s,
    append(text) {
      buf += text;
      events++;
      if (buf.length >= MAX_BUFFER) spill();
    },
    close() {
      ring.drain(done);
      if (buf.length > 0) {
        const bytes = Buffer.from(buf);
        writeAll(fd, bytes, 0, bytes.length);
      }
      ring.close();
      closeSync(fd);
    },
  };
}

const cases = [
  { name: 'SegmentWriter (production: host writes when behind)', kind: 'segment-writer' },
  { name: 'ring harness: host writes when behind', kind: 'host-writes' },
  { name: 'ring harness: writer thread only, host waits', kind: 'thread-only' },
].map((c) => ({ ...c, wall: [], main: [], cpu: [], host: [], waitShare: [], stall: [] }));

function runCase(c, round) {
  const dir = join(root, `${c.kind}-${round}`);
  rmSync(dir, { recursive: true, force: true });
  const cpu = process.cpuUsage();
  const main = mainThreadNs();
  const t = process.hrtime.bigint();
  let stats;
  if (c.kind === 'segment-writer') {
    const w = new SegmentWriter({ root: dir, durability: 'buffered', handleSignals: false, flushIntervalMs: 60_000 });
    for (let i = 0; i < N; i++) w.append(line(i), T0);
    w.close();
    if (w.stats.written !== N) throw new Error(`SegmentWriter wrote ${w.stats.written} of ${N}`);
  } else {
    dataDir('writer-policy', `${c.kind}-${round}`);
    const w = ringWriter(join(dir, 'segment.jsonl'), c.kind);
    for (let i = 0; i < N; i++) w.append(line(i));
    w.close();
    stats = w.stats;
    if (stats.failed > 0) throw new Error(`${c.kind}: ${stats.failed} failed batches`);
  }
  const wallNs = Number(process.hrtime.bigint() - t) / N;
  const mainNs = (mainThreadNs() - main) / N;
  const used = process.cpuUsage(cpu);
  rmSync(dir, { recursive: true, force: true });
  return { wallNs, mainNs, cpuNs: ((used.user + used.system) * 1000) / N, stats };
}

await waitForQuiet('writer-policy');
const batchesPerRound = Math.ceil((N * line(0).length) / MAX_BUFFER);
for (let round = 0; round < WARMUP + ROUNDS; round++) {
  // Rotate the order so each case runs first, second and last equally often.
  const order = cases.map((_, i) => cases[(i + round) % cases.length]);
  for (const c of order) {
    const r = runCase(c, round);
    if (round < WARMUP) continue;
    c.wall.push(r.wallNs);
    c.main.push(r.mainNs);
    c.cpu.push(r.cpuNs);
    if (r.stats) {
      c.host.push(r.stats.takeovers / batchesPerRound);
      c.waitShare.push(r.stats.waitMs / ((r.wallNs * N) / 1e6));
      c.stall.push(r.stats.maxStallMs);
    }
  }
}

const ref = cases[1];
const rows = cases.map((c) => [
  c.name,
  fmt.ns(median(c.wall)),
  fmt.ratio(median(c.wall) / median(ref.wall)),
  fmt.ns(median(c.main)),
  fmt.ratio(median(c.main) / median(ref.main)),
  fmt.ns(median(c.cpu)),
  c.host.length ? `${(median(c.host) * 100).toFixed(1)} %` : '–',
  c.waitShare.length ? `${(median(c.waitShare) * 100).toFixed(1)} %` : '–',
  c.stall.length ? `${median(c.stall).toFixed(2)} / ${Math.max(...c.stall).toFixed(2)}` : '–',
]);
console.log(`\n${N.toLocaleString('en')} events of ${line(0).length} bytes per round, ${ROUNDS} rounds (after ${WARMUP} warm-up), medians; ns per event\n`);
console.log(
  table(['case', 'wall ns/event', 'vs host-writes', 'host thread CPU ns/event', 'vs host-writes', 'all threads CPU ns/event', 'host took over (per batch)', 'host time taking over / waiting', 'longest append ms (median / max)'], rows),
);
saveResult('writer-policy', {
  n: N,
  rounds: ROUNDS,
  cases: cases.map((c) => ({ name: c.name, wallNs: median(c.wall), mainNs: median(c.main), cpuNs: median(c.cpu), hostShare: c.host.length ? median(c.host) : null, waitShare: c.waitShare.length ? median(c.waitShare) : null, stallMs: c.stall })),
});

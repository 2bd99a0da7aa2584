// Overhead of automation metrics on a simulated autotuning pipeline, against the seed's
// budget of 5 % of wall-clock.
//
// The pipeline: S sessions; each generates V kernel variants, validates each against a
// reference (a 48×48 float matmul in JS, ~0.1 ms), autotunes the valid ones over a few
// samples, and promotes the fastest. It runs without metrics (baseline) and with
// `createAutomationMetrics()` recording one record per session (buffered and flush
// durability), rounds interleaved, median round reported. The CLI form (`agentmeter record
// optimization`, for non-Node hosts) is one process per session: its cost is measured and
// set against the seed's example session (340 s) and against the simulated session.
//
//   node bench/automation-overhead.mjs          (after npm run build)
//   node bench/automation-overhead.mjs --quick
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { CLI, dataDir, fmt, median, requireBuild, saveResult, table, verdict } from './lib.mjs';
import { spawnSync } from 'node:child_process';

requireBuild();
const { createAutomationMetrics } = await import('../dist/integrations/compat.js');

const QUICK = process.argv.includes('--quick');
const ROUNDS = QUICK ? 3 : 5;
const SESSIONS = QUICK ? 5 : 12;
const VARIANTS = 12;
const SAMPLES = 40;
const N = 48;
const BUDGET = 0.05;

function matmul(a, b, n) {
  const c = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let k = 0; k < n; k++) {
    const x = a[i * n + k];
    for (let j = 0; j < n; j++) c[i * n + j] += x * b[k * n + j];
  }
  return c;
}

let seed = 7;
const rand = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32);
const A = Float64Array.from({ length: N * N }, rand);
const B = Float64Array.from({ length: N * N }, rand);
const REF = matmul(A, B, N);

/** One optimisation session; returns its record in the seed's field names. */
function session(op) {
  const t0 = performance.now();
  let validated = 0;
  let failures = 0;
  let samples = 0;
  let best = Infinity;
  const baseStart = performance.now();
  matmul(A, B, N);
  const baseline = performance.now() - baseStart;
  for (let v = 0; v < VARIANTS; v++) {
    const out = matmul(A, B, N);
    // A third of the variants are "wrong": validation compares against the reference.
    if (v % 3 === 2) out[0] += 1;
    if (Math.abs(out[0] - REF[0]) > 1e-9) {
      failures++;
      continue;
    }
    validated++;
    for (let s = 0; s < SAMPLES; s++) {
      const st = performance.now();
      matmul(A, B, N);
      best = Math.min(best, performance.now() - st);
      samples++;
    }
  }
  return {
    operation: op, variants_generated: VARIANTS, validated, validation_failures: failures, promoted: 1,
    baseline_latency_ms: baseline, optimized_latency_ms: best, wallclock_seconds: (performance.now() - t0) / 1000,
    autotune_samples: samples, search_depth: 2,
  };
}

const root = dataDir('automation-overhead');
// Time inside record() itself: the end-to-end ratio above is within run-to-run noise, so
// this is the precise figure of what recording adds to each session.
const inRecord = [];
function pipeline(metrics) {
  const cpu0 = process.cpuUsage();
  const t = performance.now();
  for (let i = 0; i < SESSIONS; i++) {
    const rec = session(i % 2 ? 'matmul' : 'conv2d');
    if (metrics) {
      const r = performance.now();
      metrics.record(rec);
      inRecord.push(performance.now() - r);
    }
  }
  const cpu = process.cpuUsage(cpu0);
  return { wall: performance.now() - t, cpu: (cpu.user + cpu.system) / 1000 };
}

async function withMetrics(durability) {
  const m = createAutomationMetrics({ meterOptions: { dir: join(root, durability), env: 'bench', durability, onDiagnostic: () => {} } });
  const cpu0 = process.cpuUsage();
  const t = performance.now();
  const r = pipeline(m);
  await m.close();
  const cpu = process.cpuUsage(cpu0);
  return { wall: performance.now() - t, cpu: (cpu.user + cpu.system) / 1000, inner: r };
}

const cases = {
  'no metrics (baseline)': () => pipeline(undefined),
  'metrics, buffered (default)': () => withMetrics('buffered'),
  'metrics, flush (write per session)': () => withMetrics('flush'),
};

const times = Object.fromEntries(Object.keys(cases).map((k) => [k, []]));
// Warm every path up once, then rotate the order each round so drift and GC hit all alike.
for (const run of Object.values(cases)) await run();
const names = Object.keys(cases);
for (let r = 0; r < ROUNDS; r++) {
  for (let k = 0; k < names.length; k++) {
    const name = names[(r + k) % names.length];
    times[name].push(await cases[name]());
  }
}
rmSync(root, { recursive: true, force: true });

const base = median(times['no metrics (baseline)'].map((t) => t.wall));
const baseCpu = median(times['no metrics (baseline)'].map((t) => t.cpu));
const rows = Object.entries(times).map(([name, ts]) => {
  const m = median(ts.map((t) => t.wall));
  const c = median(ts.map((t) => t.cpu));
  const overhead = m / base - 1;
  const cpuOverhead = c / baseCpu - 1;
  return [name, fmt.ms(m), `${(overhead * 100).toFixed(2)} %`, fmt.ms(c), `${(cpuOverhead * 100).toFixed(2)} %`, name.startsWith('no') ? '' : verdict(Math.max(0, cpuOverhead), BUDGET)];
});
console.log(`Simulated pipeline: ${SESSIONS} sessions × ${VARIANTS} variants, ${SAMPLES} autotune samples per valid variant; median of ${ROUNDS} rounds\n`);
console.log(table(['case', 'wall ms', 'wall overhead', 'CPU ms', 'CPU overhead', `CPU vs ${BUDGET * 100} % budget`], rows));
console.log('(wall time swings by several % between rounds on a loaded machine; process CPU time is steadier)');

const recordUs = median(inRecord) * 1000;
console.log(`\nrecord() itself: median ${recordUs.toFixed(1)} µs per session = ${((recordUs / 1000 / (base / SESSIONS)) * 100).toFixed(4)} % of a ${fmt.ms(base / SESSIONS)} ms simulated session, ${((recordUs / 1e6 / 340) * 100).toExponential(1)} % of the seed's 340 s session`);

// The CLI form: one process per session.
const cliDir = dataDir('automation-overhead-cli');
const cliRuns = [];
for (let i = 0; i < (QUICK ? 3 : 7); i++) {
  const t = performance.now();
  const r = spawnSync(process.execPath, [CLI, 'record', 'optimization', '--dir', cliDir, '--env', 'bench', '--operation', 'matmul', '--variants-generated', '12',
    '--validated', '8', '--promoted', '1', '--baseline-latency-ms', '4.1', '--optimized-latency-ms', '2.6', '--wallclock-seconds', '340'], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`record failed: ${r.stderr}`);
  cliRuns.push(performance.now() - t);
}
rmSync(cliDir, { recursive: true, force: true });
const cliMs = median(cliRuns);
const simSession = base / SESSIONS;
console.log(`\nCLI form (\`agentmeter record optimization\`, one process per session): ${fmt.ms(cliMs)} ms per session`);
console.log(table(['session length', 'overhead of one CLI call', `vs ${BUDGET * 100} % budget`], [
  ['340 s (the seed\'s example session)', `${((cliMs / 340_000) * 100).toFixed(3)} %`, verdict(cliMs / 340_000, BUDGET)],
  [`${fmt.ms(simSession)} ms (this simulated session)`, `${((cliMs / simSession) * 100).toFixed(1)} %`, verdict(cliMs / simSession, BUDGET)],
]));
saveResult('automation-overhead', {
  sessions: SESSIONS, rounds: ROUNDS, baselineMs: base,
  wallOverhead: Object.fromEntries(Object.entries(times).map(([k, ts]) => [k, median(ts.map((t) => t.wall)) / base - 1])),
  cpuOverhead: Object.fromEntries(Object.entries(times).map(([k, ts]) => [k, median(ts.map((t) => t.cpu)) / baseCpu - 1])),
  cliMsPerSession: cliMs, recordUsPerSession: recordUs, simulatedSessionMs: simSession,
});

// Helpers shared by the benchmarks: paths, statistics, tables, timed child processes.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const BENCH_DIR = dirname(fileURLToPath(import.meta.url));
export const REPO_DIR = join(BENCH_DIR, '..');
export const DATA_DIR = join(BENCH_DIR, '.data');
export const DIST_DIR = join(REPO_DIR, 'dist');
export const CLI = join(DIST_DIR, 'cli', 'bin.js');

/** Fail early, with the fix, when the benchmarks would import a missing build. */
export function requireBuild() {
  if (!existsSync(join(DIST_DIR, 'sdk', 'index.js')) || !existsSync(CLI)) {
    console.error('bench: dist/ is missing; run `npm run build` first (or `npm run bench`).');
    process.exit(1);
  }
}

export function dataDir(...parts) {
  const p = join(DATA_DIR, ...parts);
  mkdirSync(p, { recursive: true });
  return p;
}

export function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Markdown table; numbers are printed as given (format them first). */
export function table(head, rows) {
  const cells = [head, ...rows].map((r) => r.map(String));
  const widths = head.map((_, i) => Math.max(...cells.map((r) => r[i].length)));
  const line = (r) => `| ${r.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join(' | ')} |`;
  return [line(cells[0]), `|${widths.map((w, i) => (i === 0 ? '-'.repeat(w + 2) : '-'.repeat(w + 1) + ':')).join('|')}|`, ...cells.slice(1).map(line)].join('\n');
}

export const fmt = {
  ns: (x) => x.toFixed(0),
  s: (x) => x.toFixed(2),
  ms: (x) => x.toFixed(0),
  mb: (x) => x.toFixed(0),
  ratio: (x) => `${x.toFixed(2)}×`,
};

/** Met/missed with the measured ratio, for the tables. */
export function verdict(value, limit) {
  return value <= limit ? 'met' : `missed (${(value / limit).toFixed(2)}× the limit)`;
}

export function machine() {
  let model = cpus()[0]?.model ?? 'unknown';
  try {
    const m = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'));
    if (m) model = m[1];
  } catch {
    // Not Linux: os.cpus() has the model too.
  }
  return { cores: cpus().length, model, node: process.version, date: new Date().toISOString().slice(0, 10) };
}

// BENCH_NO_TIME=1 exercises the fallback on machines that have /usr/bin/time.
const TIME_BIN = process.env['BENCH_NO_TIME'] === '1' ? undefined : ['/usr/bin/time'].find((p) => existsSync(p));

/**
 * Run `node <args>` to completion and measure its wall time (around the spawn) and peak RSS
 * (from `/usr/bin/time -v`, else from a JSON line `{"maxRssKb":…}` the child prints on stderr).
 * Returns { seconds, cpuSeconds, peakMb, stdout, stderr }; throws when the child fails.
 */
export function timeNode(args, opts = {}) {
  const useTime = TIME_BIN !== undefined && !opts.noTime;
  const cmd = useTime ? TIME_BIN : process.execPath;
  const argv = useTime ? ['-v', process.execPath, ...args] : args;
  const t = process.hrtime.bigint();
  const r = spawnSync(cmd, argv, { encoding: 'utf8', maxBuffer: 256 << 20, cwd: REPO_DIR, env: { ...process.env, ...opts.env } });
  const seconds = Number(process.hrtime.bigint() - t) / 1e9;
  if (r.status !== 0) throw new Error(`node ${args.join(' ')} exited ${r.status}: ${r.stderr.slice(-2000)}`);
  let peakKb;
  const m = /Maximum resident set size \(kbytes\): (\d+)/.exec(r.stderr);
  if (m) peakKb = Number(m[1]);
  else {
    const j = /\{"maxRssKb":(\d+)\}/.exec(r.stderr);
    if (j) peakKb = Number(j[1]);
  }
  // CPU time (user + system, every thread and child) when /usr/bin/time measured the run.
  const user = /User time \(seconds\): ([\d.]+)/.exec(r.stderr);
  const sys = /System time \(seconds\): ([\d.]+)/.exec(r.stderr);
  const cpuSeconds = user && sys ? Number(user[1]) + Number(sys[1]) : NaN;
  return { seconds, cpuSeconds, peakMb: peakKb === undefined ? NaN : peakKb / 1024, stdout: r.stdout, stderr: r.stderr };
}

/** Whether peak RSS comes from `/usr/bin/time -v` (else from the child's own report). */
export function hasTimeBin() {
  return TIME_BIN !== undefined;
}

/** Keep the figures of a run for docs/performance.md. */
export function saveResult(name, result) {
  writeFileSync(join(dataDir('results'), `${name}.json`), JSON.stringify({ ...machine(), ...result }, null, 2) + '\n');
}

function cpuTimes() {
  const [cpu] = readFileSync('/proc/stat', 'utf8').split('\n');
  const v = cpu.trim().split(/\s+/).slice(1).map(Number);
  const idle = v[3] + (v[4] ?? 0);
  return { idle, total: v.reduce((a, b) => a + b, 0) };
}

/** Fraction of all cores busy over `ms` (Linux; NaN elsewhere). */
export async function cpuBusy(ms = 1000) {
  try {
    const a = cpuTimes();
    await new Promise((r) => setTimeout(r, ms));
    const b = cpuTimes();
    return 1 - (b.idle - a.idle) / (b.total - a.total);
  } catch {
    return NaN;
  }
}

/**
 * Timings on a shared 2-core machine are only worth something when nothing else runs: wait
 * (up to `maxWaitS`, env BENCH_MAX_WAIT_S) until other processes leave the cores idle, and say
 * what the machine looked like either way.
 */
export async function waitForQuiet(label, maxWaitS = Number(process.env['BENCH_MAX_WAIT_S'] ?? 30)) {
  const t = Date.now();
  let busy = await cpuBusy();
  while (busy > 0.15 && Date.now() - t < maxWaitS * 1000) busy = await cpuBusy(2000);
  const waited = Math.round((Date.now() - t) / 1000);
  const note = Number.isNaN(busy) ? 'cpu load unknown' : `other load before start ${(busy * 100).toFixed(0)} % of all cores${waited > 2 ? ` (waited ${waited} s)` : ''}`;
  console.log(`${label}: ${note}${busy > 0.15 ? ' — machine busy, figures are noisy' : ''}`);
  return busy;
}

/**
 * Like `timeNode`, but asynchronous, sampling the CPU time of each thread of the child every
 * 50 ms from /proc (Linux): `busiestThreadSeconds` is the CPU of its busiest thread, what the
 * wall time tends to on idle cores when the threads run in parallel. On a loaded machine the
 * wall time cannot show what threads gain; the per-thread CPU can.
 */
export async function timeNodeThreads(args, opts = {}) {
  const { spawn } = await import('node:child_process');
  const { readdirSync } = await import('node:fs');
  const useTime = TIME_BIN !== undefined;
  const cmd = useTime ? TIME_BIN : process.execPath;
  const argv = useTime ? ['-v', process.execPath, ...args] : args;
  const t = process.hrtime.bigint();
  const child = spawn(cmd, argv, { cwd: REPO_DIR, env: { ...process.env, ...opts.env } });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  const perThread = new Map();
  const sample = () => {
    // With /usr/bin/time the node process is its child: find it once.
    for (const pid of [child.pid, ...childPids(child.pid)]) {
      let tids = [];
      try {
        tids = readdirSync(`/proc/${pid}/task`);
      } catch {
        continue;
      }
      for (const tid of tids) {
        try {
          const f = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
          const rest = f.slice(f.lastIndexOf(')') + 2).split(' ');
          // utime and stime are fields 14 and 15 (1-based) of stat, 11 and 12 after the name.
          perThread.set(`${pid}/${tid}`, (Number(rest[11]) + Number(rest[12])) / 100);
        } catch {
          // The thread ended between listing and reading.
        }
      }
    }
  };
  const timer = setInterval(sample, 50);
  const code = await new Promise((resolve) => child.on('close', resolve));
  clearInterval(timer);
  const seconds = Number(process.hrtime.bigint() - t) / 1e9;
  if (code !== 0) throw new Error(`node ${args.join(' ')} exited ${code}: ${stderr.slice(-2000)}`);
  const m = /Maximum resident set size \(kbytes\): (\d+)/.exec(stderr);
  const user = /User time \(seconds\): ([\d.]+)/.exec(stderr);
  const sys = /System time \(seconds\): ([\d.]+)/.exec(stderr);
  const node = [...perThread].filter(([k]) => !k.startsWith(`${child.pid}/`)).map(([, v]) => v);
  return {
    seconds,
    cpuSeconds: user && sys ? Number(user[1]) + Number(sys[1]) : NaN,
    busiestThreadSeconds: node.length > 0 ? Math.max(...node) : NaN,
    peakMb: m ? Number(m[1]) / 1024 : NaN,
    stdout,
    stderr,
  };
}

function childPids(pid) {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

/**
 * CPU time of the main thread alone (Linux: /proc schedstat, ns): what the work costs the
 * host's own thread, without worker threads' time and without time lost to other processes
 * on a shared machine. NaN where unavailable.
 */
export function mainThreadNs() {
  try {
    return Number(readFileSync(`/proc/self/task/${process.pid}/schedstat`, 'utf8').split(' ')[0]);
  } catch {
    return NaN;
  }
}

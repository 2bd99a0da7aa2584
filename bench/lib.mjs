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
 * Returns { seconds, peakMb, stdout, stderr }; throws when the child fails.
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
  return { seconds, peakMb: peakKb === undefined ? NaN : peakKb / 1024, stdout: r.stdout, stderr: r.stderr };
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

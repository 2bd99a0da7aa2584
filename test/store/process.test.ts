// Process tests: real writer processes using the built code, killed with SIGKILL at seeded
// moments, stopped with SIGTERM/SIGINT, or left to exit on their own; then the store is read
// back and every acknowledged event must be there exactly once, with no damaged line other
// than a torn tail at the very end of a killed writer's segment.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import type { AgentmeterEvent } from '../../src/model/index.js';
import type { SkippedLine } from '../../src/store/index.js';
import { killAfterTest, tempDir } from '../helpers.js';
import { readAll } from './helpers.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const REPO = resolve(HERE, '..', '..');
const CHILD = join(HERE, 'fixtures', 'writer-child.mjs');
const TORN = 'torn tail (no newline)';

function newestMtime(dir: string): number {
  let newest = 0;
  for (const e of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (e.isFile() && /\.(ts|js)$/.test(e.name)) newest = Math.max(newest, statSync(join(e.parentPath, e.name)).mtimeMs);
  }
  return newest;
}

function oldestMtime(dir: string): number {
  let oldest = Infinity;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (e.isFile() && e.name.endsWith('.js')) oldest = Math.min(oldest, statSync(join(dir, e.name)).mtimeMs);
  }
  return oldest;
}

/** Build dist/ when it is missing or older than the store or model sources. */
function ensureBuilt(): void {
  const out = join(REPO, 'dist', 'store', 'index.js');
  const validator = join(REPO, 'dist', 'model', 'generated', 'validate-event.js');
  const sources = Math.max(newestMtime(join(REPO, 'src', 'store')), newestMtime(join(REPO, 'src', 'model')));
  const built = existsSync(out) ? Math.min(oldestMtime(join(REPO, 'dist', 'store')), oldestMtime(join(REPO, 'dist', 'model'))) : 0;
  if (built < sources) {
    // tsc emits even when other layers have type errors; only the output matters here.
    spawnSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: REPO, stdio: 'ignore', timeout: 300_000 });
  }
  if (!existsSync(validator)) spawnSync(process.execPath, ['scripts/copy-generated.mjs'], { cwd: REPO, stdio: 'ignore', timeout: 60_000 });
  expect(existsSync(out), 'dist/store/index.js was not built').toBe(true);
  expect(existsSync(validator), 'dist/model/generated/validate-event.js missing').toBe(true);
}

interface ChildConfig {
  root: string;
  mode: 'sync' | 'flush' | 'buffered';
  count: number;
  writer: string;
  seed?: number;
  paceEvery?: number;
  paceMs?: number;
  maxPad?: number;
  maxBufferBytes?: number;
  flushIntervalMs?: number;
  finish: 'close' | 'natural' | 'hold' | 'throw';
  hostSigterm?: boolean;
}

interface ChildRun {
  pid: number;
  acked: string[];
  lines: string[];
  stderr: string;
  /** Resolves with how the process ended. */
  done: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Call `fn` on every stdout line (also for lines already seen). */
  onLine(fn: (line: string) => void): void;
  kill(sig: NodeJS.Signals): void;
}

function startChild(cfg: ChildConfig): ChildRun {
  const child = killAfterTest(spawn(process.execPath, [CHILD, JSON.stringify(cfg)], { stdio: ['ignore', 'pipe', 'pipe'] }));
  const listeners: ((line: string) => void)[] = [];
  const run: ChildRun = {
    pid: child.pid ?? -1,
    acked: [],
    lines: [],
    stderr: '',
    done: new Promise((res) => child.on('close', (code, signal) => res({ code, signal }))),
    onLine(fn) {
      listeners.push(fn);
      for (const l of run.lines) fn(l);
    },
    kill(sig) {
      child.kill(sig);
    },
  };
  let partial = '';
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (chunk: string) => {
    const parts = (partial + chunk).split('\n');
    partial = parts.pop() ?? '';
    for (const line of parts) {
      run.lines.push(line);
      if (line.startsWith('ack ')) run.acked.push(line.slice(4));
      for (const fn of listeners) fn(line);
    }
  });
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk: string) => (run.stderr += chunk));
  return run;
}

function waitForLine(run: ChildRun, prefix: string): Promise<string> {
  return new Promise((res, rej) => {
    let settled = false;
    run.onLine((l) => {
      if (!settled && l.startsWith(prefix)) {
        settled = true;
        res(l);
      }
    });
    void run.done.then((how) => {
      if (!settled) rej(new Error(`child ended (${JSON.stringify(how)}) before printing "${prefix}": ${run.stderr}`));
    });
  });
}

// mulberry32, so the kill plan is the same on every run.
function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const pidOf = (file: string): number => Number(/-(\d+)-[0-9a-f]{6}\.jsonl$/.exec(file)?.[1]);
const lineCount = (file: string): number => {
  const text = readFileSync(file, 'utf8');
  return text.split('\n').length - (text.endsWith('\n') ? 1 : 0);
};

/** Every skip must be a torn tail on the last line of a segment belonging to one of `pids`. */
function expectOnlyTornTails(skips: SkippedLine[], pids: Set<number>): void {
  for (const s of skips) {
    expect(s.reason, `${s.file}:${s.line}`).toBe(TORN);
    expect(pids.has(pidOf(s.file)), `torn tail in a segment of pid ${pidOf(s.file)}, which was not killed`).toBe(true);
    expect(s.line, `${s.file}: torn line is not the last`).toBe(lineCount(s.file));
  }
}

function seqsOf(events: AgentmeterEvent[], writer: string): number[] {
  return events.filter((e) => e.attrs['writer'] === writer).map((e) => e.attrs['seq'] as number).sort((a, b) => a - b);
}

beforeAll(() => {
  ensureBuilt();
});

describe('concurrent writer processes killed with SIGKILL', () => {
  it('6 writers x 3,000 events, 3 killed at seeded moments: every acknowledged event once, no damaged line', async () => {
    const root = tempDir();
    const rand = prng(20250104);
    const N = 3000;
    const modes = ['sync', 'flush', 'buffered', 'sync', 'flush', 'buffered'] as const;
    const victims = new Set<number>();
    while (victims.size < 3) victims.add(Math.floor(rand() * modes.length));
    const runs = modes.map((mode, i) =>
      startChild({ root, mode, count: N, writer: `w${i}`, seed: i + 1, paceEvery: 25, paceMs: 2, finish: 'close', maxBufferBytes: 32 * 1024 }),
    );
    runs.forEach((run, i) => {
      if (!victims.has(i)) return;
      const killAt = 200 + Math.floor(rand() * 2400);
      let sent = false;
      run.onLine(() => {
        if (!sent && run.acked.length >= killAt) {
          sent = true;
          run.kill('SIGKILL');
        }
      });
    });
    const ends = await Promise.all(runs.map((r) => r.done));

    const killedPids = new Set(runs.filter((_, i) => ends[i]!.signal === 'SIGKILL').map((r) => r.pid));
    const { events, skips, stats } = await readAll(root);
    expectOnlyTornTails(skips, killedPids);

    const seen = new Map<string, number>();
    for (const e of events) seen.set(e.id, (seen.get(e.id) ?? 0) + 1);
    expect([...seen.values()].every((n) => n === 1), 'an event id appears twice').toBe(true);

    runs.forEach((run, i) => {
      const w = `w${i}`;
      const missing = run.acked.filter((id) => !seen.has(id));
      expect(missing, `${w} (${modes[i]}): acknowledged but not on disk`).toEqual([]);
      const seqs = seqsOf(events, w);
      // Writes go out in order, so what survives is a prefix with no holes.
      expect(seqs, `${w}: events on disk are not a prefix`).toEqual([...Array(seqs.length).keys()]);
      if (killedPids.has(run.pid)) {
        expect(seqs.length).toBeGreaterThanOrEqual(run.acked.length);
      } else {
        expect(ends[i], `${w} exit: ${run.stderr}`).toEqual({ code: 0, signal: null });
        expect(seqs.length).toBe(N);
        expect(run.acked.length).toBe(N);
      }
      expect(run.stderr).not.toContain('diagnostic');
    });
    expect(killedPids.size).toBeGreaterThan(0);
    expect(stats.segments).toBe(modes.length);
  });
});

describe('buffered writer and process exits', () => {
  for (const sig of ['SIGTERM', 'SIGINT'] as const) {
    it(`${sig}: flushes everything buffered, then terminates by the signal as before`, async () => {
      const root = tempDir();
      const run = startChild({ root, mode: 'buffered', count: 2000, writer: 'w', maxBufferBytes: 16 * 1024 * 1024, flushIntervalMs: 600_000, finish: 'hold' });
      const state = await waitForLine(run, 'state ');
      expect(state).toBe('state 2000 0'); // all 2000 only in memory
      await waitForLine(run, 'holding');
      run.kill(sig);
      expect(await run.done).toEqual({ code: null, signal: sig });
      const { events, skips } = await readAll(root);
      expect(skips).toEqual([]);
      expect(seqsOf(events, 'w')).toEqual([...Array(2000).keys()]);
    });
  }

  // With 4 KiB batches the writer thread is running and has batches queued at the end.
  for (const finish of ['natural', 'throw', 'SIGTERM'] as const) {
    it(`writer thread running, ${finish}: every event is written, in order`, async () => {
      const root = tempDir();
      const hold = finish === 'SIGTERM';
      const run = startChild({ root, mode: 'buffered', count: 3000, writer: 'w', maxBufferBytes: 4 * 1024, flushIntervalMs: 600_000, finish: hold ? 'hold' : finish });
      if (hold) {
        await waitForLine(run, 'holding');
        run.kill('SIGTERM');
      }
      const end = await run.done;
      expect(end).toEqual(finish === 'natural' ? { code: 0, signal: null } : finish === 'throw' ? { code: 1, signal: null } : { code: null, signal: 'SIGTERM' });
      const { events, skips } = await readAll(root);
      expect(skips).toEqual([]);
      expect(seqsOf(events, 'w')).toEqual([...Array(3000).keys()]);
      expect(run.stderr).not.toContain('diagnostic');
    });
  }

  it('SIGTERM with the host’s own handler: flushes and leaves termination to the host', async () => {
    const root = tempDir();
    const run = startChild({ root, mode: 'buffered', count: 500, writer: 'w', flushIntervalMs: 600_000, finish: 'hold', hostSigterm: true });
    await waitForLine(run, 'holding');
    run.kill('SIGTERM');
    expect(await run.done).toEqual({ code: 7, signal: null });
    expect(run.lines).toContain('host handler');
    const { events, skips } = await readAll(root);
    expect(skips).toEqual([]);
    expect(events).toHaveLength(500);
  });

  it('normal exit without close(): the exit hook writes the buffer', async () => {
    const root = tempDir();
    const run = startChild({ root, mode: 'buffered', count: 2000, writer: 'w', maxBufferBytes: 16 * 1024 * 1024, flushIntervalMs: 600_000, finish: 'natural' });
    expect(await run.done).toEqual({ code: 0, signal: null });
    expect(run.lines).toContain('state 2000 0');
    const { events, skips } = await readAll(root);
    expect(skips).toEqual([]);
    expect(seqsOf(events, 'w')).toEqual([...Array(2000).keys()]);
  });

  it('uncaught exception in the host: the exit hook writes the buffer before the process dies', async () => {
    const root = tempDir();
    const run = startChild({ root, mode: 'buffered', count: 800, writer: 'w', maxBufferBytes: 16 * 1024 * 1024, flushIntervalMs: 600_000, finish: 'throw' });
    expect(await run.done).toEqual({ code: 1, signal: null });
    expect(run.stderr).toContain('host crashed');
    expect(run.lines).toContain('state 800 0');
    const { events, skips } = await readAll(root);
    expect(skips).toEqual([]);
    expect(seqsOf(events, 'w')).toEqual([...Array(800).keys()]);
  });

  it('SIGKILL: loses at most the unflushed buffer, corrupts nothing', async () => {
    const root = tempDir();
    const maxBufferBytes = 64 * 1024;
    const maxPad = 1500;
    const run = startChild({ root, mode: 'buffered', count: 1000, writer: 'w', maxPad, maxBufferBytes, flushIntervalMs: 600_000, finish: 'hold' });
    const state = await waitForLine(run, 'state ');
    await waitForLine(run, 'holding');
    run.kill('SIGKILL');
    expect(await run.done).toEqual({ code: null, signal: 'SIGKILL' });
    const [, appended, written] = state.split(' ').map(Number);
    const { events, skips } = await readAll(root);
    expect(skips).toEqual([]);
    const seqs = seqsOf(events, 'w');
    // A batch queued for the writer thread may land after `written` was printed: what is on
    // disk is a prefix holding at least everything counted as written.
    expect(seqs).toEqual([...Array(seqs.length).keys()]);
    expect(seqs.length).toBeGreaterThanOrEqual(written!);
    expect(run.acked).toHaveLength(written!);
    const lost = appended! - seqs.length;
    expect(lost).toBeGreaterThan(0);
    // Every line is at least ~250 bytes. Unwritten at any time (docs/durability.md): at most
    // three batches' worth gathering while the writer thread is behind, plus its four slots
    // of at most that much each.
    expect(lost).toBeLessThanOrEqual(Math.ceil((15 * maxBufferBytes) / 250));
  });

  it('SIGKILL mid-stream at a seeded moment: what is on disk is whole and a prefix', async () => {
    const root = tempDir();
    const killAt = 300 + Math.floor(prng(7)() * 1500);
    const run = startChild({ root, mode: 'buffered', count: 3000, writer: 'w', paceEvery: 20, paceMs: 2, maxBufferBytes: 16 * 1024, finish: 'close' });
    let sent = false;
    run.onLine(() => {
      if (!sent && run.acked.length >= killAt) {
        sent = true;
        run.kill('SIGKILL');
      }
    });
    const end = await run.done;
    const { events, skips } = await readAll(root);
    expectOnlyTornTails(skips, new Set(end.signal === 'SIGKILL' ? [run.pid] : []));
    const seqs = seqsOf(events, 'w');
    expect(seqs).toEqual([...Array(seqs.length).keys()]);
    expect(seqs.length).toBeGreaterThanOrEqual(run.acked.length);
    expect(run.acked.every((id) => events.some((e) => e.id === id))).toBe(true);
  });
});

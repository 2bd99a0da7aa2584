/**
 * The writer thread of buffered `SegmentWriter`s, run from the sources as everywhere in the
 * tests: the thread itself is the build's `dist/store/writer-thread.js` (`npm test` builds
 * first), started by the ring exactly as in production. Tests that need the thread inside a
 * write wait for the ring to say so, never for a time.
 */
import { execFileSync, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { constants, mkdirSync, openSync, readFileSync, readSync, utimesSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import type { Diagnostic } from '../../src/model/index.js';
import { SegmentWriter } from '../../src/store/index.js';
import type { Durability } from '../../src/store/index.js';
import { threadScriptUrl } from '../../src/store/write-ring.js';
import type { WriteRing } from '../../src/store/write-ring.js';
import { nodeWriterFs } from '../../src/store/writer-fs.js';
import type { WriterFs } from '../../src/store/writer-fs.js';
import { tempDir } from '../helpers.js';
import { readAll, sampleLine, segmentFiles, testWriter, waitFor } from './helpers.js';

const T0 = Date.parse('2025-03-04T10:00:00.000Z');

const writer = (root: string, durability: Durability, extra: Parameters<typeof testWriter>[2] = {}): ReturnType<typeof testWriter> =>
  testWriter(root, durability, extra, SegmentWriter);

/** A writer fs that hands over the writer thread's ring when it starts. */
function observed(fs: WriterFs): { fs: WriterFs; ring: () => WriteRing } {
  let ring: WriteRing | undefined;
  return {
    fs: { ...fs, onRing: (r) => (ring = r) },
    ring: () => {
      if (!ring) throw new Error('the writer started no writer thread');
      return ring;
    },
  };
}

// Nothing in this file may stay stuck in a write to a full pipe. Each pipe gets a watchdog
// process that drains it if a test has not finished with it within WATCHDOG_S (a last-resort
// bound: tests wait for events, never for it). A writer whose test failed before closing it
// is closed here while the watchdog still runs (else the exit hook could write into the full
// pipe and wait forever). Drainers read the pipe through a descriptor they inherit, so they
// work whatever happens to its path.
const WATCHDOG_S = 120;
const drainers: ChildProcess[] = [];
const pipeWriters: SegmentWriter[] = [];
afterEach(() => {
  for (const w of pipeWriters.splice(0)) w.close();
  // Each drainer leads its own process group (its shell and the `sleep` or `cat` in it).
  for (const d of drainers.splice(0)) {
    try {
      if (d.pid !== undefined) process.kill(-d.pid, 'SIGKILL');
    } catch {
      // The group has already ended.
    }
  }
});

describe('SegmentWriter writer thread (buffered mode)', () => {
  it('hands full batches to the writer thread, which writes them while the host does nothing', async () => {
    const root = tempDir();
    const line = sampleLine(T0, 0);
    let hostWrites = 0;
    const { fs, ring } = observed({ ...nodeWriterFs, writeString: (fd, text) => (hostWrites++, nodeWriterFs.writeString(fd, text)) });
    const { w, diags } = writer(root, 'buffered', { maxBufferBytes: line.length * 4, flushIntervalMs: 60_000, fs, backgroundWrites: true });
    for (let i = 0; i < 4; i++) w.append(sampleLine(T0, i), T0);
    // The batch is queued, not written by the host: the file fills while this test only waits.
    const [file] = await segmentFiles(root);
    await waitFor(() => readFileSync(file!).length === line.length * 4, 'the writer thread to write the queued batch');
    expect(hostWrites).toBe(0);
    expect(ring().started).toBe(true);
    expect(w.stats.written).toBe(4);
    for (let i = 4; i < 400; i++) w.append(sampleLine(T0, i), T0);
    w.close();
    expect(w.stats).toMatchObject({ appended: 400, written: 400, dropped: 0, segments: 1 });
    const { events, skips } = await readAll(root);
    expect(skips).toEqual([]);
    // In order, whoever wrote each batch (the thread, or the host when the thread was behind).
    expect(events.map((e) => e.attrs['seq'])).toEqual([...Array(400).keys()]);
    expect(diags).toEqual([]);
  });

  it('writes queued batches itself, in order, when the thread is behind or not started', async () => {
    const root = tempDir();
    const line = sampleLine(T0, 0);
    const { w } = writer(root, 'buffered', { maxBufferBytes: line.length, flushIntervalMs: 60_000 });
    // One batch per event: far more than the ring's four slots, in one synchronous burst.
    for (let i = 0; i < 3000; i++) w.append(sampleLine(T0, i), T0);
    w.flushSync();
    expect(w.stats).toMatchObject({ appended: 3000, written: 3000, dropped: 0 });
    const { events, skips } = await readAll(root);
    expect(skips).toEqual([]);
    expect(events.map((e) => e.attrs['seq'])).toEqual([...Array(3000).keys()]);
    w.close();
  });

  it('drops and counts a batch the thread fails to write; queued batches of that segment go to a new one', async () => {
    const root = tempDir();
    const line = sampleLine(T0, 0);
    let opened = 0;
    // The first segment is /dev/full: every write to it fails with ENOSPC.
    const fs: WriterFs = {
      ...nodeWriterFs,
      openNew: (path) => (opened++ === 0 ? openSync('/dev/full', 'w') : nodeWriterFs.openNew(path)),
    };
    const diags: Diagnostic[] = [];
    const { w } = writer(root, 'buffered', { maxBufferBytes: line.length * 2, flushIntervalMs: 60_000, fs, backgroundWrites: true, onDiagnostic: (d: Diagnostic) => diags.push(d) });
    // Two batches queued for the failing segment before anyone learns of the failure.
    for (let i = 0; i < 4; i++) w.append(sampleLine(T0, i), T0);
    w.flushSync();
    expect(w.stats).toMatchObject({ appended: 4, written: 2, dropped: 2, segments: 2 });
    expect(diags.map((d) => d.code)).toEqual(['E_STORE_WRITE_FAILED']);
    expect(diags[0]!.message).toContain('ENOSPC');
    for (let i = 4; i < 7; i++) w.append(sampleLine(T0, i), T0);
    w.close();
    expect(w.stats).toMatchObject({ appended: 7, written: 5, dropped: 2, segments: 2 });
    const { events } = await readAll(root);
    expect(events.map((e) => e.attrs['seq'])).toEqual([2, 3, 4, 5, 6]);
  });

  it('evicting a day writes its queued batches before its buffered lines', async () => {
    const root = tempDir();
    const line = sampleLine(T0, 0);
    const { w } = writer(root, 'buffered', { maxBufferBytes: line.length * 4, flushIntervalMs: 60_000 });
    for (let i = 0; i < 4; i++) w.append(sampleLine(T0, i), T0); // a batch queued (the thread still starting)
    w.append(sampleLine(T0, 4), T0); // and one line buffered, for the same day
    for (let d = 1; d <= 3; d++) w.append(sampleLine(T0 + d * DAY, 4 + d), T0 + d * DAY); // the 4th day evicts the 1st
    w.close();
    const { events } = await readAll(root);
    expect(events.filter((e) => e.ts.startsWith('2025-03-04')).map((e) => e.attrs['seq'])).toEqual([0, 1, 2, 3, 4]);
  });

  it('writes the batches a failed segment skipped before newer ones, also while the thread is held up', async () => {
    const root = tempDir();
    const line = sampleLine(T0, 0);
    const { fs, pipe } = fullThenBlocked(root);
    const seen = observed(fs);
    // The host may wait for day 2's write as long as the watchdog lets it last: however slowly
    // a loaded machine starts the drainer below, the write returns and is never given up.
    const stuckWriteMs = (WATCHDOG_S + 30) * 1000;
    const { w, diags } = writer(root, 'buffered', { maxBufferBytes: line.length * 2, flushIntervalMs: 60_000, fs: seen.fs, backgroundWrites: true, stuckWriteMs });
    pipeWriters.push(w);
    w.append(sampleLine(T0, 0), T0);
    w.append(sampleLine(T0 + DAY, 1), T0 + DAY); // queued: day 1 [0], day 2 [1]
    w.append(sampleLine(T0, 2), T0);
    w.append(sampleLine(T0, 3), T0); // queued: day 1 [2, 3]
    // The thread: [0] fails, then waits in day 2's write; [2, 3] stay queued behind it.
    await waitFor(() => seen.ring().writing, 'the writer thread to be inside the write to the blocked pipe');
    // Another process drains the pipe: the host waits for that one write, whether it learns
    // of the failure below before or after the write returns.
    drain(pipe());
    w.append(sampleLine(T0, 4), T0);
    w.append(sampleLine(T0, 5), T0); // the host learns of the failure here
    w.close();
    expect(w.stats).toMatchObject({ appended: 6, written: 5, dropped: 1 });
    expect(diags.map((d) => d.code)).toEqual(['E_STORE_WRITE_FAILED']);
    const { events } = await readAll(root);
    expect(events.filter((e) => e.ts.startsWith('2025-03-04')).map((e) => e.attrs['seq'])).toEqual([2, 3, 4, 5]);
  });

  it('keeps the skipped batches ahead of newer ones when the thread finishes them just after the host looked', async () => {
    const root = tempDir();
    const line = sampleLine(T0, 0);
    const { fs, pipe } = fullThenBlocked(root);
    let ring: WriteRing | undefined;
    let late = false;
    const seen: WriterFs = {
      ...fs,
      onRing: (r) => {
        ring = r;
        const collect = r.collect.bind(r);
        // The window under test: the host collects the failed batch, and before it asks
        // whether anything is still queued, the thread writes day 2 and returns day 1's
        // queued batch unwritten. Drained and waited for here, the window is always hit.
        r.collect = (done) => {
          collect(done);
          if (!late) return;
          late = false;
          drain(pipe());
          while (r.busy()) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1);
        };
      },
    };
    const { w } = writer(root, 'buffered', { maxBufferBytes: line.length * 2, flushIntervalMs: 60_000, fs: seen, backgroundWrites: true, stuckWriteMs: (WATCHDOG_S + 30) * 1000 });
    pipeWriters.push(w);
    w.append(sampleLine(T0, 0), T0);
    w.append(sampleLine(T0 + DAY, 1), T0 + DAY); // queued: day 1 [0], day 2 [1]
    w.append(sampleLine(T0, 2), T0);
    w.append(sampleLine(T0, 3), T0); // queued: day 1 [2, 3]
    // Day 1's first segment (number 1) has failed and the thread is in day 2's write.
    await waitFor(() => ring !== undefined && ring.failed(1) && ring.writing, 'the thread to fail day 1 and wait in day 2\'s write');
    late = true;
    w.append(sampleLine(T0, 4), T0);
    w.append(sampleLine(T0, 5), T0); // the host learns of the failure here
    expect(late).toBe(false);
    w.close();
    expect(w.stats).toMatchObject({ appended: 6, written: 5, dropped: 1 });
    const { events } = await readAll(root);
    expect(events.filter((e) => e.ts.startsWith('2025-03-04')).map((e) => e.attrs['seq'])).toEqual([2, 3, 4, 5]);
  });

  it('counts a failed batch once when the diagnostic listener calls back in', () => {
    const root = tempDir();
    const line = sampleLine(T0, 0);
    let opened = 0;
    const fs: WriterFs = { ...nodeWriterFs, openNew: (path) => (opened++ === 0 ? openSync('/dev/full', 'w') : nodeWriterFs.openNew(path)) };
    const holder: { w?: SegmentWriter } = {};
    const { w } = writer(root, 'buffered', { maxBufferBytes: line.length * 2, flushIntervalMs: 60_000, fs, backgroundWrites: true, onDiagnostic: () => holder.w?.flushSync() });
    holder.w = w;
    for (let i = 0; i < 4; i++) w.append(sampleLine(T0, i), T0);
    w.flushSync();
    for (let i = 4; i < 8; i++) w.append(sampleLine(T0, i), T0);
    w.close();
    expect(w.stats).toMatchObject({ appended: 8, written: 6, dropped: 2 });
  });

  it('gives up on a write stuck past stuckWriteMs: counted dropped once, its descriptor left to the thread, later events in a new segment', async () => {
    const root = tempDir();
    const line = sampleLine(T0, 0);
    let opened = 0;
    let fifo = -1;
    const fs: WriterFs = { ...nodeWriterFs, openNew: (path) => (opened++ === 0 ? (fifo = blockedFifo(root)) : nodeWriterFs.openNew(path)) };
    const seen = observed(fs);
    const { w, diags } = writer(root, 'buffered', { maxBufferBytes: line.length * 2, flushIntervalMs: 60_000, fs: seen.fs, backgroundWrites: true, stuckWriteMs: 1000 });
    pipeWriters.push(w);
    w.append(sampleLine(T0, 0), T0);
    w.append(sampleLine(T0, 1), T0);
    await waitFor(() => seen.ring().writing, 'the writer thread to be inside the write to the blocked pipe');
    w.flushSync(); // waits 1 s for the write, then gives up on it
    expect(w.stats).toMatchObject({ appended: 2, written: 0, dropped: 2 });
    expect(diags[0]?.message).toContain('ETIMEDOUT');
    // The thread is still inside write() on the pipe: its descriptor must not be closed.
    const reader = openSync(join(root, 'fifo'), constants.O_RDWR | constants.O_NONBLOCK);
    expect(readSync(reader, Buffer.alloc(65536))).toBe(65536); // the filler: the write can return now
    expect(() => writeSync(fifo, '')).not.toThrow();
    // The given-up batch still reaches the pipe once its write returns.
    let late = '';
    await waitFor(() => (late += readAvailable(reader)).length >= line.length * 2, 'the given-up write to return');
    expect(late.trimEnd().split('\n').map((l) => (JSON.parse(l) as { span_id: string }).span_id)).toEqual(['w0-0', 'w0-1']);
    w.append(sampleLine(T0, 2), T0);
    w.append(sampleLine(T0, 3), T0);
    w.close();
    expect(w.stats).toMatchObject({ appended: 4, written: 2, dropped: 2 });
    const { events } = await readAll(root);
    expect(events.map((e) => e.attrs['seq'])).toEqual([2, 3]);
  });
});

describe('the writer thread run from the sources', () => {
  it('runs the build\'s thread script, and says to build when it is missing or older than the sources', () => {
    const here = pathToFileURL(join(import.meta.dirname, '../../src/store/write-ring.ts')).href;
    expect(threadScriptUrl(here)?.pathname).toMatch(/\/dist\/store\/writer-thread\.js$/);
    // A copy of the layout in a temp dir: sources, and a build of them or none.
    const root = tempDir();
    mkdirSync(join(root, 'src/store'), { recursive: true });
    mkdirSync(join(root, 'dist/store'), { recursive: true });
    const ring = pathToFileURL(join(root, 'src/store/write-ring.ts')).href;
    expect(() => threadScriptUrl(ring)).toThrow(/does not exist: run `npm run build` first/);
    writeFileSync(join(root, 'dist/store/writer-thread.js'), '');
    writeFileSync(join(root, 'src/store/write-ring.ts'), '');
    const past = new Date('2000-01-01T00:00:00Z');
    utimesSync(join(root, 'dist/store/writer-thread.js'), past, past);
    expect(() => threadScriptUrl(ring)).toThrow(/is older than .*write-ring\.ts: run `npm run build`/);
    utimesSync(join(root, 'src/store/write-ring.ts'), past, past);
    utimesSync(join(root, 'dist/store/writer-thread.js'), new Date(), new Date());
    expect(threadScriptUrl(ring)?.pathname).toBe(join(root, 'dist/store/writer-thread.js'));
    // Compiled, the script beside the ring, or none (writes stay synchronous).
    expect(threadScriptUrl(pathToFileURL(join(root, 'dist/store/write-ring.js')).href)?.pathname).toBe(join(root, 'dist/store/writer-thread.js'));
    expect(threadScriptUrl(pathToFileURL(join(root, 'src/elsewhere/write-ring.js')).href)).toBeUndefined();
  });

  it('a buffered writer run from the sources starts the thread, which runs its loop', async () => {
    const root = tempDir();
    const line = sampleLine(T0, 0);
    const { fs, ring } = observed(nodeWriterFs);
    const { w } = writer(root, 'buffered', { maxBufferBytes: line.length * 2, flushIntervalMs: 60_000, fs, backgroundWrites: true });
    w.append(line, T0);
    w.append(sampleLine(T0, 1), T0);
    await waitFor(() => ring().started, 'the writer thread to start');
    w.close();
    expect(w.stats).toMatchObject({ appended: 2, written: 2, dropped: 0 });
  });
});

const DAY = 86_400_000;

/** Start a process that reads the pipe `fd` to its end: any write blocked on it returns. */
function drain(fd: number, afterS = 0): void {
  const script = afterS > 0 ? `sleep ${afterS}; exec cat > /dev/null` : 'exec cat > /dev/null';
  const child = spawn('sh', ['-c', script], { stdio: [fd, 'ignore', 'ignore'], detached: true });
  child.unref();
  drainers.push(child);
}

/** What a non-blocking pipe descriptor holds now, as text ('' when empty). */
function readAvailable(fd: number): string {
  const buf = Buffer.alloc(65536);
  try {
    return buf.toString('utf8', 0, readSync(fd, buf));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EAGAIN') return '';
    throw e;
  }
}

/**
 * A writer fs whose first segment is /dev/full (day 1: every write fails with ENOSPC) and
 * whose second is a full pipe (day 2: the thread's write waits for a reader); `pipe()` is
 * that pipe's descriptor once opened.
 */
function fullThenBlocked(root: string): { fs: WriterFs; pipe: () => number } {
  let opened = 0;
  let pipe = -1;
  const fs: WriterFs = {
    ...nodeWriterFs,
    openNew: (path) => {
      const n = opened++;
      if (n === 0) return openSync('/dev/full', 'w');
      if (n === 1) return (pipe = blockedFifo(root));
      return nodeWriterFs.openNew(path);
    },
  };
  return { fs, pipe: () => pipe };
}

/** A named pipe whose buffer is full, opened for writing: the next write to it waits for a reader. */
function blockedFifo(dir: string): number {
  const path = join(dir, 'fifo');
  execFileSync('mkfifo', [path]);
  const fd = openSync(path, 'r+');
  writeSync(fd, Buffer.alloc(65536, 120));
  drain(fd, WATCHDOG_S);
  return fd;
}

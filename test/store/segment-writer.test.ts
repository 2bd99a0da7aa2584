import { appendFileSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SegmentWriter, listPartitions, listSegments } from '../../src/store/index.js';
import { nodeWriterFs } from '../../src/store/writer-fs.js';
import type { WriterFs } from '../../src/store/writer-fs.js';
import { tempDir } from '../helpers.js';
import { readAll, sampleLine, segmentFiles, testWriter, waitFor } from './helpers.js';

const T0 = Date.parse('2025-03-04T10:00:00.000Z');
const SEGMENT_NAME_RE = new RegExp(`^\\d{8}T\\d{9}Z-${process.pid}-[0-9a-f]{6}\\.jsonl$`);

const writer = testWriter;

describe('SegmentWriter modes', () => {
  for (const mode of ['sync', 'flush', 'buffered'] as const) {
    it(`${mode}: writes whole, readable lines into its own named segment`, async () => {
      const root = tempDir();
      const { w, diags } = writer(root, mode, { flushIntervalMs: 60_000 });
      for (let i = 0; i < 50; i++) expect(w.append(sampleLine(T0 + i, i), T0 + i)).toBe(true);
      expect(w.stats.written).toBe(mode === 'buffered' ? 0 : 50);
      w.close();
      expect(w.stats).toEqual({ appended: 50, written: 50, dropped: 0, bytes: expect.any(Number), segments: 1 });
      const files = await segmentFiles(root);
      expect(files).toHaveLength(1);
      expect(files[0]!.split('/').at(-1)).toMatch(SEGMENT_NAME_RE);
      expect(files[0]).toContain(join('events', '2025-03-04'));
      expect(readFileSync(files[0]!).length).toBe(w.stats.bytes);
      const { events, skips } = await readAll(root);
      expect(skips).toEqual([]);
      expect(events.map((e) => e.attrs['seq'])).toEqual([...Array(50).keys()]);
      expect(diags).toEqual([]);
    });
  }

  it('files each event under the UTC day of its tsMs, switching back and forth', async () => {
    const root = tempDir();
    const { w } = writer(root, 'flush');
    const day1 = Date.parse('2025-03-04T23:59:59.999Z');
    const day2 = day1 + 1;
    w.append(sampleLine(day1, 0), day1);
    w.append(sampleLine(day2, 1), day2);
    w.append(sampleLine(day1, 2), day1);
    w.append(sampleLine(day2, 3), day2);
    w.close();
    const parts = await listPartitions(root);
    expect(parts.map((p) => p.day)).toEqual(['2025-03-04', '2025-03-05']);
    const seqs = (f: string): unknown[] => readFileSync(f, 'utf8').trim().split('\n').map((l) => (JSON.parse(l) as { attrs: { seq: number } }).attrs.seq);
    expect(seqs((await listSegments(parts[0]!.path))[0]!)).toEqual([0, 2]);
    expect(seqs((await listSegments(parts[1]!.path))[0]!)).toEqual([1, 3]);
    expect(w.stats.segments).toBe(2);
  });

  it('files an event with an unusable timestamp under today instead of throwing', async () => {
    const root = tempDir();
    const { w } = writer(root, 'flush');
    for (const ts of [NaN, Infinity, 1e300]) expect(w.append(sampleLine(T0, 0), ts)).toBe(true);
    w.close();
    const today = new Date().toISOString().slice(0, 10);
    expect((await listPartitions(root)).map((p) => p.day)).toEqual([today]);
    expect(w.stats.written).toBe(3);
  });

  it('keeps at most a few day partitions open and reopens an evicted one in a new segment', async () => {
    const root = tempDir();
    const { w } = writer(root, 'buffered', { flushIntervalMs: 60_000 });
    const days = [0, 1, 2, 3, 0].map((d) => T0 + d * 86_400_000);
    days.forEach((ts, i) => w.append(sampleLine(ts, i), ts));
    w.close();
    expect((await listPartitions(root)).map((p) => p.day)).toEqual(['2025-03-04', '2025-03-05', '2025-03-06', '2025-03-07']);
    expect(w.stats.segments).toBe(5);
    const { events, skips } = await readAll(root);
    expect(skips).toEqual([]);
    expect(events.map((e) => e.attrs['seq']).sort()).toEqual([0, 1, 2, 3, 4]);
  });
});

describe('SegmentWriter buffered flushing', () => {
  it('without the writer thread, flushes synchronously once the buffer reaches maxBufferBytes', () => {
    const root = tempDir();
    const line = sampleLine(T0, 0);
    const { w } = writer(root, 'buffered', { maxBufferBytes: line.length * 4, flushIntervalMs: 60_000, fs: nodeWriterFs });
    for (let i = 0; i < 3; i++) w.append(sampleLine(T0, i), T0);
    expect(w.stats.written).toBe(0);
    w.append(sampleLine(T0, 3), T0);
    expect(w.stats.written).toBe(4);
    w.append(sampleLine(T0, 4), T0);
    expect(w.stats.written).toBe(4);
    w.close();
    expect(w.stats.written).toBe(5);
  });

  it('flushes on the interval timer', async () => {
    const root = tempDir();
    const { w } = writer(root, 'buffered', { flushIntervalMs: 10 });
    for (let i = 0; i < 3; i++) w.append(sampleLine(T0, i), T0);
    expect(w.stats.written).toBe(0);
    await waitFor(() => w.stats.written === 3, 'the interval timer to write the batch');
    const { events } = await readAll(root);
    expect(events).toHaveLength(3);
    w.close();
  });

  it('flushes on flushSync() and on close(); close is idempotent; appends after close are dropped', () => {
    const root = tempDir();
    const { w, diags } = writer(root, 'buffered', { flushIntervalMs: 60_000 });
    w.append(sampleLine(T0, 0), T0);
    w.flushSync();
    expect(w.stats.written).toBe(1);
    w.append(sampleLine(T0, 1), T0);
    w.close();
    w.close();
    expect(w.stats.written).toBe(2);
    expect(w.append(sampleLine(T0, 2), T0)).toBe(false);
    expect(w.append(sampleLine(T0, 3), T0)).toBe(false);
    expect(w.stats).toMatchObject({ appended: 4, written: 2, dropped: 2 });
    expect(diags.map((d) => d.code)).toEqual(['E_STORE_CLOSED']);
  });

  it('writes each flush as one write per partition file', () => {
    const root = tempDir();
    let writes = 0;
    const fs: WriterFs = { ...nodeWriterFs, writeString: (fd, text) => (writes++, nodeWriterFs.writeString(fd, text)) };
    const { w } = writer(root, 'buffered', { flushIntervalMs: 60_000, fs });
    for (let i = 0; i < 100; i++) w.append(sampleLine(T0 + (i % 2) * 86_400_000, i), T0 + (i % 2) * 86_400_000);
    w.flushSync();
    expect(writes).toBe(2);
    expect(w.stats.written).toBe(100);
    w.close();
  });
});

describe('SegmentWriter rotation and input checks', () => {
  it('starts a new segment once the current one reaches maxSegmentBytes', async () => {
    const root = tempDir();
    const line = sampleLine(T0, 0);
    const { w } = writer(root, 'flush', { maxSegmentBytes: line.length * 3 });
    for (let i = 0; i < 10; i++) w.append(sampleLine(T0, i), T0);
    w.close();
    const files = await segmentFiles(root);
    expect(files.length).toBe(4);
    expect(w.stats.segments).toBe(4);
    const { events, skips } = await readAll(root);
    expect(skips).toEqual([]);
    expect(events).toHaveLength(10);
  });

  it('drops a line that is not one encoded event, without throwing', () => {
    const root = tempDir();
    const { w, diags } = writer(root, 'flush');
    expect(w.append('{"no":"newline"}', T0)).toBe(false);
    expect(w.append('', T0)).toBe(false);
    expect(w.append(undefined as unknown as string, T0)).toBe(false);
    expect(w.stats).toMatchObject({ appended: 3, dropped: 3, written: 0, segments: 0 });
    expect(diags.map((d) => d.code)).toEqual(['E_STORE_BAD_LINE']);
    w.close();
  });

  it.each([
    [{ durability: 'fast' }],
    [{ maxBufferBytes: 0 }],
    [{ maxSegmentBytes: -1 }],
    [{ flushIntervalMs: Infinity }],
    [{ flushIntervalMs: NaN }],
    [{ root: '' }],
  ])('throws E_STORE_BAD_OPTION at once for %j', (bad) => {
    const opts = { root: tempDir(), handleSignals: false, ...bad } as ConstructorParameters<typeof SegmentWriter>[0];
    expect(() => new SegmentWriter(opts)).toThrow(expect.objectContaining({ code: 'E_STORE_BAD_OPTION' }));
  });

  it('creates no folder before the first write', () => {
    const root = tempDir();
    const { w } = writer(root, 'buffered');
    w.close();
    expect(readdirSync(root)).toEqual([]);
  });
});

describe('SegmentWriter process hooks', () => {
  it('shares one exit and one signal listener among buffered writers and removes them on close', () => {
    const base = { exit: process.listenerCount('exit'), term: process.listenerCount('SIGTERM'), int: process.listenerCount('SIGINT') };
    const a = new SegmentWriter({ root: tempDir(), durability: 'buffered' });
    const b = new SegmentWriter({ root: tempDir(), durability: 'buffered' });
    const c = new SegmentWriter({ root: tempDir(), durability: 'flush' });
    const d = new SegmentWriter({ root: tempDir(), durability: 'buffered', handleSignals: false });
    expect(process.listenerCount('exit')).toBe(base.exit + 1);
    expect(process.listenerCount('SIGTERM')).toBe(base.term + 1);
    expect(process.listenerCount('SIGINT')).toBe(base.int + 1);
    a.close();
    expect(process.listenerCount('SIGTERM')).toBe(base.term + 1);
    b.close();
    expect(process.listenerCount('SIGTERM')).toBe(base.term);
    expect(process.listenerCount('SIGINT')).toBe(base.int);
    expect(process.listenerCount('exit')).toBe(base.exit + 1);
    d.close();
    c.close();
    expect(process.listenerCount('exit')).toBe(base.exit);
  });
});

describe('SegmentWriter with a shared segment', () => {
  const T1 = Date.parse('2025-03-04T10:00:00.000Z');

  it('many short-lived writers append to one file per day; a torn line left by one of them costs no other line', async () => {
    const root = tempDir();
    for (let i = 0; i < 40; i++) {
      const w = new SegmentWriter({ root, durability: 'flush', sharedSegment: 'cli', handleSignals: false });
      w.append(sampleLine(T1, i), T1);
      if (i === 20) {
        // A writer killed in the middle of its line.
        const day = (await listPartitions(root))[0]!.path;
        appendFileSync(join(day, 'cli.jsonl'), '{"v":1,"id":"torn');
      }
      w.close();
    }
    const day = (await listPartitions(root))[0]!.path;
    expect((await listSegments(day)).map((f) => f.split('/').pop())).toEqual(['cli.jsonl']);
    const { events, skips } = await readAll(root);
    expect(events.map((e) => e.attrs['seq'])).toEqual(Array.from({ length: 40 }, (_, i) => i));
    expect(skips.map((s) => s.reason)).toEqual([expect.stringMatching(/invalid JSON/)]);
  });

  it('is refused with buffered durability or a name that is not a plain file name', () => {
    expect(() => new SegmentWriter({ root: tempDir(), durability: 'buffered', sharedSegment: 'cli', handleSignals: false })).toThrow(/sharedSegment/);
    expect(() => new SegmentWriter({ root: tempDir(), durability: 'flush', sharedSegment: '../x', handleSignals: false })).toThrow(/sharedSegment/);
  });

  it('a symlink planted at the shared segment path is not followed', () => {
    const root = tempDir();
    const day = join(root, 'events', '2025-03-04');
    mkdirSync(day, { recursive: true });
    const target = join(tempDir(), 'target');
    writeFileSync(target, 'keep');
    symlinkSync(target, join(day, 'cli.jsonl'));
    const diags: string[] = [];
    const w = new SegmentWriter({ root, durability: 'flush', sharedSegment: 'cli', handleSignals: false, onDiagnostic: (d) => diags.push(d.message) });
    expect(w.append(sampleLine(T1, 0), T1)).toBe(false);
    w.close();
    expect(readFileSync(target, 'utf8')).toBe('keep');
    expect(diags[0]).toMatch(/ELOOP/);
  });
});

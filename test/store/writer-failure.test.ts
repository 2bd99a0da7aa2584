import { mkdirSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Diagnostic } from '../../src/model/index.js';
import { SegmentWriter, listPartitions, listSegments } from '../../src/store/index.js';
import type { Durability } from '../../src/store/index.js';
import { nodeWriterFs } from '../../src/store/writer-fs.js';
import type { WriterFs } from '../../src/store/writer-fs.js';
import { tempDir } from '../helpers.js';
import { readAll, sampleLine } from './helpers.js';

// Tests run as root, where a read-only folder does not stop a write; failures are made real
// by putting a file where a folder must go, or injected through the writer's fs seam.
const T0 = Date.parse('2025-03-04T10:00:00.000Z');
const DAY = '2025-03-04';

function enospc(): Error {
  return Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC', errno: -28, syscall: 'write' });
}

function open(root: string, durability: Durability, fs?: WriterFs): { w: SegmentWriter; diags: Diagnostic[] } {
  const diags: Diagnostic[] = [];
  const w = new SegmentWriter({
    root,
    durability,
    handleSignals: false,
    flushIntervalMs: 60_000,
    onDiagnostic: (d) => diags.push(d),
    ...(fs ? { fs } : {}),
  });
  return { w, diags };
}

describe('SegmentWriter when the partition cannot be created', () => {
  for (const mode of ['sync', 'flush', 'buffered'] as const) {
    it(`${mode}: drops and counts, reports once, never throws, and recovers once the path is usable`, async () => {
      const root = tempDir();
      mkdirSync(join(root, 'events'));
      writeFileSync(join(root, 'events', DAY), 'squatter');
      const { w, diags } = open(root, mode);
      for (let i = 0; i < 5; i++) {
        const ok = w.append(sampleLine(T0, i), T0);
        expect(ok).toBe(mode === 'buffered');
      }
      expect(() => w.flushSync()).not.toThrow();
      expect(w.stats).toMatchObject({ appended: 5, written: 0, dropped: 5, segments: 0 });
      expect(diags).toHaveLength(1);
      expect(diags[0]!.code).toBe('E_STORE_WRITE_FAILED');
      expect(diags[0]!.message).toContain(join(root, 'events', DAY));
      expect(diags[0]!.message).toMatch(/EEXIST|ENOTDIR/);

      rmSync(join(root, 'events', DAY));
      expect(w.append(sampleLine(T0, 5), T0)).toBe(true);
      w.close();
      expect(w.stats).toMatchObject({ appended: 6, written: 1, dropped: 5, segments: 1 });
      const { events, skips } = await readAll(root);
      expect(skips).toEqual([]);
      expect(events.map((e) => e.attrs['seq'])).toEqual([5]);
    });
  }

  it('treats a store root that is a file the same way', () => {
    const root = join(tempDir(), 'file-root');
    writeFileSync(root, '');
    const { w, diags } = open(root, 'flush');
    expect(w.append(sampleLine(T0, 0), T0)).toBe(false);
    expect(w.append(sampleLine(T0, 1), T0)).toBe(false);
    w.close();
    expect(w.stats.dropped).toBe(2);
    expect(diags.map((d) => d.code)).toEqual(['E_STORE_WRITE_FAILED']);
  });

  it('survives an onDiagnostic listener that throws', () => {
    const root = join(tempDir(), 'file-root');
    writeFileSync(root, '');
    const w = new SegmentWriter({ root, durability: 'flush', handleSignals: false, onDiagnostic: () => { throw new Error('listener bug'); } });
    expect(w.append(sampleLine(T0, 0), T0)).toBe(false);
    w.close();
  });
});

describe('SegmentWriter when writes fail', () => {
  it('ENOSPC: drops the failed batch, reports once, and continues in the same segment (nothing of the batch reached it)', async () => {
    const root = tempDir();
    let failNext = false;
    let opens = 0;
    const fs: WriterFs = {
      ...nodeWriterFs,
      openNew: (p) => (opens++, nodeWriterFs.openNew(p)),
      writeString: (fd, text) => {
        if (failNext) throw enospc();
        return nodeWriterFs.writeString(fd, text);
      },
    };
    const { w, diags } = open(root, 'buffered', fs);
    for (let i = 0; i < 3; i++) w.append(sampleLine(T0, i), T0);
    w.flushSync();
    failNext = true;
    for (let i = 3; i < 7; i++) w.append(sampleLine(T0, i), T0);
    expect(() => w.flushSync()).not.toThrow();
    w.append(sampleLine(T0, 7), T0);
    w.flushSync();
    failNext = false;
    w.append(sampleLine(T0, 8), T0);
    w.close();
    expect(w.stats).toMatchObject({ appended: 9, written: 4, dropped: 5 });
    expect(diags.map((d) => d.code)).toEqual(['E_STORE_WRITE_FAILED']);
    expect(diags[0]!.message).toContain('ENOSPC');
    expect(diags[0]!.message).toContain(join(root, 'events', DAY));
    // A write that put no byte in the file leaves its tail whole: no new segment is needed.
    expect(opens).toBe(1);
    expect(await listSegments((await listPartitions(root))[0]!.path)).toHaveLength(1);
    const { events, skips } = await readAll(root);
    expect(skips).toEqual([]);
    expect(events.map((e) => e.attrs['seq'])).toEqual([0, 1, 2, 8]);
  });

  it('short write then ENOSPC: whole lines count as written, the torn tail stays at the end of its own segment', async () => {
    const root = tempDir();
    const lines = [0, 1, 2, 3].map((i) => sampleLine(T0, i));
    const cut = lines[0]!.length + lines[1]!.length + 10; // two whole lines and 10 bytes of the third
    let mode: 'short' | 'ok' = 'short';
    const fs: WriterFs = {
      ...nodeWriterFs,
      writeString: (fd, text) => (mode === 'short' ? writeSync(fd, Buffer.from(text).subarray(0, cut)) : nodeWriterFs.writeString(fd, text)),
      writeBytes: () => {
        throw enospc();
      },
    };
    const { w, diags } = open(root, 'buffered', fs);
    for (const l of lines) w.append(l, T0);
    expect(w.flushSync()).toBeUndefined();
    expect(w.stats).toMatchObject({ appended: 4, written: 2, dropped: 2, bytes: cut });
    mode = 'ok';
    w.append(sampleLine(T0, 4), T0);
    w.close();
    expect(w.stats).toMatchObject({ appended: 5, written: 3, dropped: 2, segments: 2 });
    expect(diags).toHaveLength(1);

    const segs = await listSegments((await listPartitions(root))[0]!.path);
    expect(segs).toHaveLength(2);
    const { events, skips } = await readAll(root);
    expect(events.map((e) => e.attrs['seq'])).toEqual([0, 1, 4]);
    expect(skips).toHaveLength(1);
    expect(skips[0]).toMatchObject({ line: 3, reason: 'torn tail (no newline)' });
    expect(segs).toContain(skips[0]!.file);
  });

  it('short writes that complete: everything written, the next write goes to a fresh segment', async () => {
    const root = tempDir();
    let chunked = true;
    const fs: WriterFs = {
      ...nodeWriterFs,
      writeString: (fd, text) => (chunked ? writeSync(fd, Buffer.from(text).subarray(0, 7)) : nodeWriterFs.writeString(fd, text)),
      writeBytes: (fd, bytes, offset, length) => writeSync(fd, bytes, offset, Math.min(length, 100)),
    };
    const { w, diags } = open(root, 'flush', fs);
    expect(w.append(sampleLine(T0, 0), T0)).toBe(true);
    chunked = false;
    expect(w.append(sampleLine(T0, 1), T0)).toBe(true);
    w.close();
    expect(w.stats).toMatchObject({ written: 2, dropped: 0, segments: 2 });
    expect(diags).toEqual([]);
    const { events, skips } = await readAll(root);
    expect(skips).toEqual([]);
    expect(events.map((e) => e.attrs['seq'])).toEqual([0, 1]);
  });

  it('a write that makes no progress is a failure, not an endless loop', () => {
    const root = tempDir();
    const fs: WriterFs = { ...nodeWriterFs, writeString: () => 0, writeBytes: () => 0 };
    const { w, diags } = open(root, 'flush', fs);
    expect(w.append(sampleLine(T0, 0), T0)).toBe(false);
    w.close();
    expect(w.stats).toMatchObject({ written: 0, dropped: 1 });
    expect(diags[0]!.message).toContain('no progress');
  });

  it('sync: a failed fsync confirms nothing, so the event counts as dropped', () => {
    const root = tempDir();
    const fs: WriterFs = {
      ...nodeWriterFs,
      fsync: () => {
        throw Object.assign(new Error('EIO: i/o error, fsync'), { code: 'EIO', syscall: 'fsync' });
      },
    };
    const { w, diags } = open(root, 'sync', fs);
    expect(w.append(sampleLine(T0, 0), T0)).toBe(false);
    w.close();
    expect(w.stats).toMatchObject({ written: 0, dropped: 1 });
    expect(diags[0]!.message).toContain('EIO');
  });
});

describe('SegmentWriter on a full disk', () => {
  // A full disk lets a file be created (inodes remain) and refuses every byte written to it.
  for (const mode of ['sync', 'flush', 'buffered'] as const) {
    it(`${mode}: thousands of dropped events leave no empty segment files, and every drop is counted`, async () => {
      const root = tempDir();
      let full = true;
      const fs: WriterFs = {
        ...nodeWriterFs,
        writeString: (fd, text) => {
          if (full) throw enospc();
          return nodeWriterFs.writeString(fd, text);
        },
        writeBytes: (fd, b, o, l) => {
          if (full) throw enospc();
          return nodeWriterFs.writeBytes(fd, b, o, l);
        },
      };
      const { w, diags } = open(root, mode, fs);
      for (let i = 0; i < 2000; i++) {
        w.append(sampleLine(T0, i), T0);
        if (mode === 'buffered' && i % 10 === 9) w.flushSync();
      }
      w.flushSync();
      expect(w.stats).toMatchObject({ appended: 2000, written: 0, dropped: 2000 });
      expect(diags.map((d) => d.code)).toEqual(['E_STORE_WRITE_FAILED']);
      const day = (await listPartitions(root))[0]!.path;
      expect((await listSegments(day)).length).toBeLessThanOrEqual(1);
      full = false;
      w.append(sampleLine(T0, 2000), T0);
      w.close();
      const segs = await listSegments(day);
      expect(segs).toHaveLength(1);
      const { events, skips } = await readAll(root);
      expect(skips).toEqual([]);
      expect(events.map((e) => e.attrs['seq'])).toEqual([2000]);
    });
  }

  it('a writer that never wrote a byte leaves no empty file when closed', async () => {
    const root = tempDir();
    const fs: WriterFs = { ...nodeWriterFs, writeString: () => { throw enospc(); } };
    const { w } = open(root, 'flush', fs);
    expect(w.append(sampleLine(T0, 0), T0)).toBe(false);
    w.close();
    expect(await listSegments(join(root, 'events', DAY))).toEqual([]);
  });
});

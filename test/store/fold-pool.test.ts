/**
 * `FoldPool.recycle`: a digest's buffer, handed back by the reading thread once replayed,
 * is what a worker encodes a later digest into, and the digest is the same as in a fresh
 * buffer. `startFoldPoolEarly`: the next read takes the pool started early. Fold workers run
 * the compiled script, so this drives `dist/` (built before the tests).
 */
import { statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import type * as PoolApi from '../../src/store/fold-pool.js';
import type * as SegmentApi from '../../src/store/fold-segment.js';
import type * as DigestApi from '../../src/store/span-digest.js';
import { tempDir } from '../helpers.js';
import { sampleLine } from './helpers.js';

const DIST = resolve(import.meta.dirname, '../../dist/store');
const load = async <T>(file: string): Promise<T> => (await import(pathToFileURL(join(DIST, file)).href)) as T;
const { FoldPool, foldPool, startFoldPoolEarly } = await load<typeof PoolApi>('fold-pool.js');
const { foldSegmentLines } = await load<typeof SegmentApi>('fold-segment.js');
const { encodeDigest } = await load<typeof DigestApi>('span-digest.js');

const T0 = Date.UTC(2026, 0, 5, 9);

/** A segment of `n` complete spans. */
function segment(dir: string, name: string, n: number): string {
  const file = join(dir, `${name}.jsonl`);
  writeFileSync(file, Array.from({ length: n }, (_, j) => sampleLine(T0 + j * 1000, j, name)).join(''));
  return file;
}

const view = (b: Uint8Array): Buffer => Buffer.from(b.buffer, b.byteOffset, b.byteLength);

let pool: InstanceType<typeof FoldPool> | undefined;
afterEach(async () => {
  await pool?.close();
  pool = undefined;
});

describe('FoldPool.recycle', () => {
  it('encodes the next digest into the buffer handed back, padding zeroed: the same bytes as a fresh buffer', async () => {
    const dir = tempDir();
    const files = [segment(dir, 'a', 40), segment(dir, 'b', 300), segment(dir, 'c', 20)];
    pool = new FoldPool(1);
    const fresh = (f: string): Buffer => {
      const st = statSync(f);
      return Buffer.from(encodeDigest(foldSegmentLines(f, st.size, st.mtimeMs)));
    };
    const fold = async (f: string): Promise<Uint8Array> => {
      const st = statSync(f);
      return (await (pool as InstanceType<typeof FoldPool>).fold(f, st.size, st.mtimeMs, undefined)).bytes as Uint8Array;
    };
    const first = await fold(files[0] as string);
    expect(view(first).equals(fresh(files[0] as string))).toBe(true);
    // A buffer of garbage, larger than any of these digests: the next one is written into it.
    const given = new ArrayBuffer(1 << 20);
    new Uint8Array(given).fill(0xff);
    pool.recycle(given);
    expect(given.byteLength).toBe(1 << 20);
    const second = await fold(files[1] as string);
    // Moved to the worker (detached here) and back, holding the digest.
    expect(given.byteLength).toBe(0);
    expect(second.buffer.byteLength).toBe(1 << 20);
    expect(view(second).equals(fresh(files[1] as string))).toBe(true);
    // Too small a buffer is not used: the worker allocates one.
    pool.recycle(new ArrayBuffer(16));
    const third = await fold(files[2] as string);
    expect(third.buffer.byteLength).toBeGreaterThan(16);
    expect(view(third).equals(fresh(files[2] as string))).toBe(true);
  });
});

describe('startFoldPoolEarly', () => {
  const folded = async (p: InstanceType<typeof FoldPool>, f: string): Promise<Buffer> => {
    const st = statSync(f);
    return view((await p.fold(f, st.size, st.mtimeMs, undefined)).bytes as Uint8Array);
  };

  it('hands its pool to the next read that folds, once, and that pool folds as a new one does', async () => {
    const dir = tempDir();
    const file = segment(dir, 'a', 60);
    const early = startFoldPoolEarly(2) as InstanceType<typeof FoldPool>;
    pool = early;
    expect(early.threads).toBe(2);
    // Started again before a read took it: still the one pool.
    expect(startFoldPoolEarly(2)).toBe(early);
    expect(foldPool(2)).toBe(early);
    const later = foldPool(2);
    expect(later).not.toBe(early);
    try {
      const st = statSync(file);
      expect((await folded(early, file)).equals(Buffer.from(encodeDigest(foldSegmentLines(file, st.size, st.mtimeMs))))).toBe(true);
      expect((await folded(later, file)).equals(await folded(early, file))).toBe(true);
    } finally {
      await later.close();
    }
  });

  it('gives a read that wants another number of workers a pool of its own', async () => {
    const early = startFoldPoolEarly(2);
    pool = foldPool(1);
    expect(pool).not.toBe(early);
    expect(pool.threads).toBe(1);
    const file = segment(tempDir(), 'b', 30);
    const st = statSync(file);
    expect((await folded(pool, file)).equals(Buffer.from(encodeDigest(foldSegmentLines(file, st.size, st.mtimeMs))))).toBe(true);
    // The early pool was closed, not kept for a later read.
    const next = foldPool(2);
    expect(next).not.toBe(early);
    expect(next.threads).toBe(2);
    await next.close();
  });
});

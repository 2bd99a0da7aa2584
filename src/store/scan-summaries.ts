import { open, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { Feedback, Span, SpanSummary } from '../model/span.js';
import { SpanFolder } from '../model/fold.js';
import type { FoldStats } from '../model/fold.js';
import { SEGMENT_READ_FLAGS, listPartitions, listSegments, storeExists } from './layout.js';
import { scanSegmentFile } from './reader.js';
import type { ReadStats, SkippedLine } from './reader.js';
import { writeFileAtomic } from './atomic-file.js';
import { FeedbackTable } from './feedback-table.js';
import { DigestBuilder, decodeDigest, encodeDigest, replayDigest } from './span-digest.js';
import type { SpanDigest } from './span-digest.js';

/** Where digests live, beside the events they are derived from. */
export const CACHE_DIR = join('cache', 'spans-v1');

/** A segment modified this recently may still grow: fold it, but do not cache it yet. */
const QUIET_MS = 5_000;

/** Options of `scanSummaries`. */
export interface ScanSummariesOptions {
  root: string;
  sinceMs?: number;
  untilMs?: number;
  onSpan: (span: SpanSummary) => void;
  onFeedback?: (feedback: Feedback) => void;
  onSkip?: (s: SkippedLine) => void;
  nowMs?: number;
  /** Default true. False folds every segment from its events and writes no cache. */
  cache?: boolean;
}

/** What `scanSummaries` read. */
export interface ScanSummariesStats {
  read: ReadStats;
  fold: FoldStats;
  /** Segments answered from a digest, and digests written. */
  cache: { hits: number; writes: number; errors: number };
}

/**
 * Stream span summaries (what reports need) for the partitions overlapping the window.
 * Each segment is folded once into a digest under `<root>/cache/` (derived, rebuildable,
 * written atomically); later scans replay digests instead of parsing events, and only
 * segments that changed are read again. The fold across segments (spans whose start and
 * end are in different segments, duplicates, open vs abandoned) is the same as `scanSpans`.
 *
 * @example
 * await scanSummaries({ root, sinceMs, untilMs, onSpan: (s) => builder.addSpan(s) })
 */
export async function scanSummaries(o: ScanSummariesOptions): Promise<ScanSummariesStats> {
  const read: ReadStats = { partitions: 0, segments: 0, bytes: 0, lines: 0, events: 0, skipped: 0, samples: [] };
  const cache = { hits: 0, writes: 0, errors: 0 };
  const folder = new SpanFolder({ onSpan: o.onSpan, ...(o.nowMs !== undefined ? { nowMs: o.nowMs } : {}) });
  // Feedback waits for the end of the scan (the last per span wins) in compact columns.
  const feedback = new FeedbackTable(folder.stats);
  const accept = (h: number): boolean => folder.markFinished(h);
  const useCache = o.cache !== false;
  const nowMs = Date.now();
  if (await storeExists(o.root)) {
    const parts = await listPartitions(o.root, { sinceMs: o.sinceMs, untilMs: o.untilMs });
    read.partitions = parts.length;
    const lists = await Promise.all(parts.map(async (part) => (await listSegments(part.path)).map((file) => ({ day: part.day, file }))));
    const files = lists.flat();
    // The stat and cached digest of the next few segments are read while the current one
    // replays; decoding and folding stay one at a time, so memory does not grow with them.
    const ahead: Promise<Probe>[] = [];
    const pool: Buffer[] = [];
    let next = 0;
    for (let i = 0; i < files.length; i++) {
      for (; next < files.length && next <= i + PREFETCH; next++) {
        const f = files[next] as { day: string; file: string };
        ahead.push(probe(o.root, f.day, f.file, useCache, pool));
      }
      const pr = await (ahead.shift() as Promise<Probe>);
      const digest = await loadOrBuild(pr, useCache, nowMs, cache, o.onSkip);
      if (!digest) {
        if (pr.backing) pool.push(pr.backing);
        continue;
      }
      read.segments++;
      read.bytes += digest.size;
      read.lines += digest.lines;
      read.events += digest.events;
      read.skipped += digest.skipped;
      for (const s of digest.samples) if (read.samples.length < 20) read.samples.push(s);
      replayDigest(digest, accept, o.onSpan);
      if (digest.feedback) feedback.addColumns(digest.feedback);
      for (const e of digest.pending) {
        if (e.type === 'feedback') feedback.add(e);
        else folder.add(e);
      }
      // The digest's columns are views of this buffer; nothing refers to them any more.
      if (pr.backing) pool.push(pr.backing);
    }
  }
  folder.finish();
  if (o.onFeedback) feedback.emit(o.onFeedback);
  return { read, fold: folder.stats, cache };
}

/** Segments whose stat and cached digest are read ahead of the one being replayed. */
const PREFETCH = 2;

/** A segment's stat and the bytes of its cached digest, read ahead; never rejects. */
interface Probe {
  file: string;
  cachePath: string;
  st: { size: number; mtimeMs: number } | undefined;
  bytes: Buffer | undefined;
  /** The pooled buffer `bytes` is read into, returned to the pool once the digest is replayed. */
  backing: Buffer | undefined;
}

async function probe(root: string, day: string, file: string, useCache: boolean, pool: Buffer[]): Promise<Probe> {
  const cachePath = join(root, CACHE_DIR, day, `${basename(file, '.jsonl')}.digest`);
  const [st, read] = await Promise.all([
    // Missing: deleted by retention between listing and reading.
    stat(file).catch(() => undefined),
    useCache ? readPooled(cachePath, pool).catch(() => undefined) : undefined,
  ]);
  return { file, cachePath, st, bytes: read?.bytes, backing: read?.backing };
}

/**
 * Read a whole file into a buffer of the pool (grown when too small). Digests are read again
 * and again; fresh buffers each time sit outside the heap until a full collection, which the
 * heap itself rarely needs: with them, the peak memory of a report grew by tens of MB.
 */
async function readPooled(path: string, pool: Buffer[]): Promise<{ bytes: Buffer; backing: Buffer }> {
  const fh = await open(path, SEGMENT_READ_FLAGS);
  let backing: Buffer | undefined;
  try {
    const { size } = await fh.stat();
    backing = pool.pop();
    // Unpooled (allocUnsafeSlow) so the typed columns of a digest are 8-byte aligned.
    if (backing === undefined || backing.length < size) backing = Buffer.allocUnsafeSlow(size + 0xffff - ((size + 0xffff) % 0x10000));
    let done = 0;
    while (done < size) {
      const { bytesRead } = await fh.read(backing, done, size - done, done);
      if (bytesRead === 0) break;
      done += bytesRead;
    }
    return { bytes: backing.subarray(0, done), backing };
  } catch (e: unknown) {
    if (backing) pool.push(backing);
    throw e;
  } finally {
    await fh.close();
  }
}

async function loadOrBuild(
  p: Probe,
  useCache: boolean,
  nowMs: number,
  cache: ScanSummariesStats['cache'],
  onSkip: ((s: SkippedLine) => void) | undefined,
): Promise<SpanDigest | undefined> {
  const st = p.st;
  if (st === undefined) return undefined;
  if (p.bytes !== undefined) {
    const d = decodeDigest(p.bytes);
    if (d && d.size === st.size && d.mtimeMs === st.mtimeMs) {
      cache.hits++;
      if (onSkip) for (const s of d.samples) onSkip(s);
      return d;
    }
  }
  const d = await foldSegment(p.file, st.size, st.mtimeMs, onSkip);
  if (useCache && nowMs - st.mtimeMs > QUIET_MS) {
    try {
      await writeFileAtomic(p.cachePath, encodeDigest(d));
      cache.writes++;
    } catch {
      // A read-only store still reports; it just cannot remember the work.
      cache.errors++;
    }
  }
  return d;
}

async function foldSegment(file: string, size: number, mtimeMs: number, onSkip: ((s: SkippedLine) => void) | undefined): Promise<SpanDigest> {
  const builder = new DigestBuilder(size, mtimeMs);
  // Folded alone: nothing here decides open or abandoned; leftovers go to the global fold.
  const folder = new SpanFolder({ onSpan: (s: Span) => builder.add(s) });
  const stats = await scanSegmentFile(file, { onEvent: (e) => folder.add(e), ...(onSkip ? { onSkip } : {}) });
  return builder.finish(stats, folder.drain());
}


import { open, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { SpanKind } from '../model/events.js';
import type { DetailedSummary, Feedback, FeedbackSummary } from '../model/span.js';
import { SpanFolder } from '../model/fold.js';
import type { FoldStats } from '../model/fold.js';
import { CACHE_DIR, SEGMENT_READ_FLAGS, listPartitions, listSegments, storeExists } from './layout.js';
import type { ReadStats, SkippedLine } from './reader.js';
import { writeFileAtomic } from './atomic-file.js';
import { FeedbackTable } from './feedback-table.js';
import { defaultFoldThreads, foldPool, foldPoolWaiting, foldThreadsUsable } from './fold-pool.js';
import type { FoldPool } from './fold-pool.js';
import { PIECE_BYTES, pieceCount } from './pieces.js';
import type { Piece } from './pieces.js';
import { SPAN_BYTES, decodeDigest, digestBufferSize, encodeDigest, parseDetail, replayDigest } from './span-digest.js';
import type { SpanDigest } from './span-digest.js';

/** Options of `scanSummaries`. */
export interface ScanSummariesOptions {
  root: string;
  sinceMs?: number;
  untilMs?: number;
  /** Objects may be reused between calls: copy what you keep. */
  onSpan: (span: DetailedSummary) => void;
  onFeedback?: (feedback: Feedback) => void;
  /**
   * In place of `onFeedback`, for a reader that joins feedback to nothing (a report): the same
   * feedback without its ids, which are kept packed and were most of what handing it over
   * cost (tens of milliseconds for 80,000 of them).
   */
  onFeedbackSummary?: (feedback: FeedbackSummary) => void;
  /**
   * Hand over the detail of spans of `DETAIL_KINDS` (id, name, end, their kind's detail keys,
   * `DETAIL_KEYS_OF`): true for every such kind, or the kinds the read uses (the others
   * replay faster without).
   */
  detail?: boolean | readonly SpanKind[];
  /** With `detail`, also each such span's parent and run ids (the orchestrator's records group by them). */
  links?: boolean;
  onSkip?: (s: SkippedLine) => void;
  nowMs?: number;
  /** Default true. False folds every segment from its events and writes no cache. */
  cache?: boolean;
  /** Worker threads folding segments that have no digest (default `defaultFoldThreads()`; 0: none). */
  threads?: number;
  /**
   * Fold on the reading thread until this many bytes of segments needed folding, then start
   * the workers (default 8 MiB): a small store is folded before a worker would have started.
   * A fold with four times this many bytes from its segment to the end starts them at once.
   */
  threadsAfterBytes?: number;
  /** After each segment (or piece of one): how many done and in all, and how many of them were folded from events. */
  onProgress?: (p: ScanProgress) => void;
  /** Segments of twice this or more fold, cache and replay in pieces of this many bytes (default `PIECE_BYTES`, 4 MiB; pieces.ts). */
  pieceBytes?: number;
}

/** Where a scan is, for progress reports: in segments, a large one counted by its pieces (pieces.ts). */
export interface ScanProgress {
  done: number;
  total: number;
  /** Segments folded from their events so far (not answered from a digest). */
  folded: number;
}

/** What `scanSummaries` read. */
export interface ScanSummariesStats {
  read: ReadStats;
  fold: FoldStats;
  /** Segments answered from a digest, and digests written. */
  cache: { hits: number; writes: number; errors: number };
  /** Segments folded from their events, on the reading thread and on fold workers. */
  folds: { here: number; workers: number };
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
  // Feedback waits for the end of the scan (the last per span wins) in compact columns, made
  // once the segments are listed; a read that takes none keeps none.
  let feedback: FeedbackTable | undefined;
  // Each digest's spans are marked finished in one pass before it replays (`markAllFinished`).
  let fresh = new Uint8Array(4096);
  const useCache = o.cache !== false;
  const detail = o.detail ?? false;
  // What is folded keeps its detail when the read asks for it or the digest goes to the
  // cache; a read of neither (`report --no-cache`) folds without (`DigestBuilder.detail`).
  const foldDetail = useCache || detail !== false;
  const folds = { here: 0, workers: 0 };
  let pool: FoldPool | undefined;
  const writes = new CacheWrites(cache);
  try {
    if (await storeExists(o.root)) {
      const parts = await listPartitions(o.root, { sinceMs: o.sinceMs, untilMs: o.untilMs });
      read.partitions = parts.length;
      const lists = await Promise.all(parts.map(async (part) => (await listSegments(part.path)).map((file) => ({ day: part.day, file }))));
      const files = await units(lists.flat(), o.pieceBytes !== undefined && o.pieceBytes >= 1 ? Math.floor(o.pieceBytes) : PIECE_BYTES);
      // About a span per kilobyte of events (span-digest.ts sizes its columns so too), and a
      // kept feedback per span at most.
      const spans = files.length > 0 ? (files[0] as Unit).rest / SPAN_BYTES : 0;
      if (o.onFeedback || o.onFeedbackSummary) feedback = new FeedbackTable(folder.stats, { ids: o.onFeedback !== undefined, rows: spans });
      // Fold workers start only once enough bytes turned out to need folding, never for one
      // segment; workers started ahead of the read fold from its first segment that needs it.
      const threads = files.length > 1 && foldThreadsUsable() ? (o.threads ?? defaultFoldThreads()) : 0;
      const threadsAfter = o.threadsAfterBytes ?? THREADS_AFTER_BYTES;
      let toFold = 0;
      const fold = (f: Probe): Promise<SpanDigest | Buffer> => {
        toFold += unitBytes(f);
        // A cold read folds everything: its first fold already has plenty after it, and the
        // reading thread would fold its first segments line by line, with its code not yet
        // compiled, while the workers wait. Only the newest segments change in a store being
        // written, so a warm read's folds are at its end.
        if (threads > 0 && (toFold >= threadsAfter || f.rest >= COLD_AFTER * threadsAfter || foldPoolWaiting())) pool ??= foldPool(threads);
        return pool ? foldOnPool(pool, f, useCache, foldDetail, writes, folds) : foldHere(f, useCache, foldDetail, writes, folds);
      };
      // The stat and cached digest of the next segments are read ahead (and the segments
      // without one folded ahead, on the workers) while the current one replays; replaying
      // and the fold across segments stay in segment order, one at a time.
      const window = PREFETCH + 2 * threads;
      const ahead: Promise<Loaded>[] = [];
      const buffers: Buffer[] = [];
      let next = 0;
      let folded = 0;
      // Lines of the pieces of this segment replayed so far: a piece numbers its lines from its start.
      let lineBase = 0;
      for (let i = 0; i < files.length; i++) {
        for (; next < files.length && next <= i + window; next++) {
          ahead.push(load(o.root, files[next] as Unit, { useCache, detail }, buffers, cache, fold));
        }
        const { probe: pr, digest: loaded, wasFolded } = await (ahead.shift() as Promise<Loaded>);
        // Made once the first segments are on their way to the workers: filling a table of
        // megabytes took 10-15 ms, which the first fold waited for.
        if (i === 0) folder.reserveFinished(spans);
        const digest = loaded instanceof Uint8Array ? decodeFolded(loaded, pr.file) : loaded;
        if (wasFolded) folded++;
        o.onProgress?.({ done: i + 1, total: files.length, folded });
        if (pr.piece.k === 0) {
          lineBase = 0;
          read.segments++;
          read.bytes += pr.st.size;
        }
        read.lines += digest.lines;
        read.events += digest.events;
        read.skipped += digest.skipped;
        const samples = lineBase === 0 ? digest.samples : digest.samples.map((s) => (s.line > 0 ? { ...s, line: s.line + lineBase } : s));
        lineBase += digest.lines;
        for (const s of samples) if (read.samples.length < 20) read.samples.push(s);
        if (o.onSkip) for (const s of samples) o.onSkip(s);
        if (fresh.length < digest.hash.length) fresh = new Uint8Array(2 * digest.hash.length);
        folder.markAllFinished(digest.hash, fresh);
        replayDigest(digest, fresh, o.onSpan, detail, o.links === true);
        // A read that takes no feedback counts it without keeping it, as the fold does.
        if (digest.feedback) {
          if (feedback) feedback.addColumns(digest.feedback);
          else folder.stats.events += digest.feedback.n;
        }
        for (const e of digest.pending) {
          if (e.type !== 'feedback') folder.add(e);
          else if (feedback) feedback.add(e);
          else folder.stats.events++;
        }
        // The digest's columns are views of this buffer; nothing refers to them any more.
        if (pr.backing) buffers.push(pr.backing);
        if (pr.fromWorker) pool?.recycle(pr.fromWorker);
      }
    }
    await writes.settle();
  } finally {
    await pool?.close();
  }
  folder.finish();
  if (o.onFeedback) feedback?.emit(o.onFeedback);
  else if (o.onFeedbackSummary) feedback?.emitSummaries(o.onFeedbackSummary);
  return { read, fold: folder.stats, cache, folds };
}

/** A worker starts in 30–60 ms and folds about 4 MB in a few hundred; below this, fold here. */
const THREADS_AFTER_BYTES = 8 * 1024 * 1024;

/** A fold with this many times `threadsAfterBytes` from its segment to the end starts the workers at once. */
const COLD_AFTER = 4;

/** Segments whose stat and cached digest are read ahead of the one being replayed (more with fold workers). */
const PREFETCH = 2;

/** A segment, or a piece of one, to read: its stat, taken once for all its pieces. */
interface Unit {
  day: string;
  file: string;
  st: { size: number; mtimeMs: number };
  piece: Piece;
  /** Bytes of this unit and of all after it. */
  rest: number;
}

/** The segments that still exist, each as its pieces (one, for all but large segments). */
async function units(files: { day: string; file: string }[], pieceBytes: number): Promise<Unit[]> {
  // Missing: deleted by retention between listing and reading.
  const stats = await Promise.all(files.map((f) => stat(f.file).catch(() => undefined)));
  const out: Unit[] = [];
  files.forEach((f, i) => {
    const st = stats[i];
    if (st === undefined) return;
    const n = pieceCount(st.size, pieceBytes);
    for (let k = 0; k < n; k++) out.push({ ...f, st: { size: st.size, mtimeMs: st.mtimeMs }, piece: { k, n, bytes: pieceBytes }, rest: 0 });
  });
  let rest = 0;
  for (let i = out.length - 1; i >= 0; i--) {
    const u = out[i] as Unit;
    rest += unitBytes(u);
    u.rest = rest;
  }
  return out;
}

/** The bytes of a segment, or of a piece of one. */
function unitBytes(u: { st: { size: number }; piece: Piece }): number {
  return u.piece.n === 1 ? u.st.size : Math.min(u.piece.bytes, u.st.size - u.piece.k * u.piece.bytes);
}

/** A unit and the bytes of its cached digest, read ahead; never rejects. */
interface Probe {
  file: string;
  piece: Piece;
  cachePath: string;
  st: { size: number; mtimeMs: number };
  /** Bytes of this unit and of all after it. */
  rest: number;
  bytes: Buffer | undefined;
  /** The pooled buffer `bytes` is read into, returned to the pool once the digest is replayed. */
  backing: Buffer | undefined;
  /** The buffer of a digest folded on a worker, handed back to the workers once it is replayed. */
  fromWorker?: ArrayBuffer;
}

/**
 * A segment's (or piece's) digest, from the cache or folded. A worker's stays encoded until
 * its turn to replay: decoded as it came, the digests waiting ahead (six with two workers)
 * kept their parsed parts alive through the reading thread's young-generation collections,
 * which copied them each time.
 */
interface Loaded {
  probe: Probe;
  digest: SpanDigest | Buffer;
  wasFolded: boolean;
}

async function probe(root: string, u: Unit, useCache: boolean, pool: Buffer[]): Promise<Probe> {
  // A segment whole, and the pieces of a large one (of a given size), have digests apart.
  const name = u.piece.n === 1 ? basename(u.file, '.jsonl') : `${basename(u.file, '.jsonl')}.${u.piece.bytes}-${u.piece.k}`;
  const cachePath = join(root, CACHE_DIR, u.day, `${name}.digest`);
  const read = useCache ? await readPooled(cachePath, pool).catch(() => undefined) : undefined;
  return { file: u.file, piece: u.piece, cachePath, st: u.st, rest: u.rest, bytes: read?.bytes, backing: read?.backing };
}

/**
 * The digest of a segment (or piece): the cached one when it describes the segment as it is
 * (same size and mtime) or still holds for it (`stillHolds`), else the segment folded
 * afresh. The digest is written whatever the segment's mtime: segments only grow, so a
 * digest of a segment still being written no longer matches after the next append and is
 * rebuilt then, while a copied or imported store (all mtimes recent) is cached by its first
 * report instead of its second.
 */
async function load(
  root: string,
  u: Unit,
  { useCache, detail }: { useCache: boolean; detail: boolean | readonly SpanKind[] },
  pool: Buffer[],
  cache: ScanSummariesStats['cache'],
  fold: (p: Probe) => Promise<SpanDigest | Buffer>,
): Promise<Loaded> {
  const p = await probe(root, u, useCache, pool);
  const st = p.st;
  if (p.bytes !== undefined) {
    const d = decodeDigest(p.bytes);
    // A read that asks for detail checks it too: a damaged detail is folded again. A digest
    // without detail is never written; one found is folded again too.
    if (d && d.detail !== false && (describes(d, st) || stillHolds(d, st)) && parseDetail(d, detail)) {
      cache.hits++;
      return { probe: p, digest: d, wasFolded: false };
    }
  }
  return { probe: p, digest: await fold(p), wasFolded: true };
}

/** Whether a digest was made of the segment as it is. */
function describes(d: SpanDigest, st: { size: number; mtimeMs: number }): boolean {
  return d.size === st.size && d.mtimeMs === st.mtimeMs;
}

/**
 * Whether a digest of a piece still holds for its segment grown since: a piece whose end a
 * newline fixed (never the last) has the same bytes while the segment is only appended to,
 * and a segment that grew has at least as many pieces, so it is still not the last; a segment
 * being written refolds its last pieces only, not all of them.
 */
function stillHolds(d: SpanDigest, st: { size: number }): boolean {
  return d.fixed === true && st.size >= d.size;
}

/** Fold a segment (or piece) on the pool; `detail`: the digest keeps its detail (`DigestBuilder.detail`). */
async function foldOnPool(pool: FoldPool, p: Probe, useCache: boolean, detail: boolean, writes: CacheWrites, folds: ScanSummariesStats['folds']): Promise<SpanDigest | Buffer> {
  const st = p.st;
  let reply;
  try {
    reply = await pool.fold(p.file, st.size, st.mtimeMs, useCache ? p.cachePath : undefined, p.piece, detail);
  } catch {
    // A worker that failed (out of memory, killed): the segment is folded here instead.
    return foldHere(p, useCache, detail, writes, folds);
  }
  folds.workers++;
  if (reply.written) writes.track(reply.written);
  const b = reply.bytes as Uint8Array;
  p.fromWorker = b.buffer as ArrayBuffer;
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength);
}

/** A digest a fold worker encoded, decoded when it replays. */
function decodeFolded(bytes: Buffer, file: string): SpanDigest {
  const d = decodeDigest(bytes);
  if (!d) throw new Error(`span digest of ${file} did not decode`);
  return d;
}

async function foldHere(p: Probe, useCache: boolean, detail: boolean, writes: CacheWrites, folds: ScanSummariesStats['folds']): Promise<SpanDigest> {
  const st = p.st;
  folds.here++;
  // Loaded when a segment first needs it: with the reader and the event validator it brings,
  // it was a third of what a report loaded before its first read, and a cold read folds on
  // the workers, a warm one replays digests.
  const { foldSegment } = await import('./fold-segment.js');
  const d = await foldSegment(p.file, st.size, st.mtimeMs, p.piece, detail);
  if (useCache) await writes.add(p.cachePath, encodeDigest(d));
  return d;
}

const MAX_CACHE_WRITES = 4;

/**
 * Digests being written, off the path of the report: each waits for its fsync while the next
 * segments fold. A few at a time, so their bytes do not pile up in memory.
 */
class CacheWrites {
  readonly #cache: ScanSummariesStats['cache'];
  readonly #inFlight = new Set<Promise<void>>();
  /** Writes of fold workers: their bytes are in the page cache already, so they do not count against `MAX_CACHE_WRITES`. */
  readonly #elsewhere = new Set<Promise<void>>();

  constructor(cache: ScanSummariesStats['cache']) {
    this.#cache = cache;
  }

  async add(path: string, bytes: Uint8Array): Promise<void> {
    while (this.#inFlight.size >= MAX_CACHE_WRITES) await Promise.race(this.#inFlight);
    // A digest is a cache: its folder is not synced after the rename (`AtomicWriteOptions.syncFolder`).
    const w = writeFileAtomic(path, bytes, { syncFolder: false }).then(
      () => {
        this.#cache.writes++;
      },
      () => {
        // A read-only store still reports; it just cannot remember the work.
        this.#cache.errors++;
      },
    );
    const tracked = w.finally(() => this.#inFlight.delete(tracked));
    this.#inFlight.add(tracked);
  }

  /** Count a write under way elsewhere (a fold worker's) when it settles. */
  track(written: Promise<'written' | 'failed'>): void {
    const tracked = written.then((c) => {
      if (c === 'written') this.#cache.writes++;
      else this.#cache.errors++;
    });
    const done = tracked.finally(() => this.#elsewhere.delete(done));
    this.#elsewhere.add(done);
  }

  /** Wait for every write. */
  async settle(): Promise<void> {
    while (this.#inFlight.size > 0 || this.#elsewhere.size > 0) await Promise.all([...this.#inFlight, ...this.#elsewhere]);
  }
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
    if (backing === undefined || backing.length < size) backing = Buffer.allocUnsafeSlow(digestBufferSize(size));
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

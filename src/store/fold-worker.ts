/**
 * Worker thread of `FoldPool`: folds one segment at a time into an encoded span digest,
 * hands the bytes back to the reading thread, and writes them to the span cache when asked.
 */
import { parentPort } from 'node:worker_threads';
import { writeFileAtomicSoon } from './atomic-file.js';
import type { FoldJob, FoldReply } from './fold-pool.js';
import { digestBufferSize, encodeDigest } from './span-digest.js';
import type { SpanDigest } from './span-digest.js';
import { foldSegmentFileSync } from './tape-fold.js';

/**
 * The fold line by line, and `collectStore`'s, loaded when a job first needs one: a segment
 * the line scanner does not take is rare, and the reader and the event validator they bring
 * were a third of what a worker loaded before its first fold (docs/performance.md, "Cold
 * reads, ninth pass").
 */
let lineFolds: Promise<typeof import('./fold-segment.js')> | undefined;
const byLines = (): Promise<typeof import('./fold-segment.js')> => (lineFolds ??= import('./fold-segment.js'));

/** A digest is a cache: its folder is not synced after the rename (`AtomicWriteOptions.syncFolder`). */
const CACHE_WRITE = { syncFolder: false };

const port = parentPort;
port?.on('message', (job: FoldJob) => {
  void run(job).catch((e: unknown) => port.postMessage({ id: job.id, error: e instanceof Error ? e.message : String(e) } satisfies FoldReply));
});

async function run(job: FoldJob): Promise<void> {
  const p = port as NonNullable<typeof port>;
  if (job.collect !== undefined) {
    const spans = (await byLines()).collectSegmentSync(job.file, job.collect);
    p.postMessage({ id: job.id, spans } satisfies FoldReply, [spans.hashes.buffer as ArrayBuffer, spans.keptAt.buffer as ArrayBuffer]);
    return;
  }
  // A digest written to the cache keeps its detail, whatever the read asked.
  const detail = job.detail || job.cachePath !== undefined;
  const digest =
    foldSegmentFileSync(job.file, job.size, job.mtimeMs, job.piece, detail) ?? (await byLines()).foldSegmentLines(job.file, job.size, job.mtimeMs, job.piece, detail);
  const bytes = encoded(digest, job.buffer);
  // The digest goes back at once; its write to the cache is synced and renamed while the next
  // segment folds, and reported in a second message (fold-pool.ts).
  const write = job.cachePath !== undefined ? writeFileAtomicSoon(job.cachePath, bytes, CACHE_WRITE) : undefined;
  p.postMessage({ id: job.id, bytes, cached: write ? 'pending' : 'no' } satisfies FoldReply, [bytes.buffer as ArrayBuffer]);
  write?.then(
    () => p.postMessage({ id: job.id, cached: 'written' } satisfies FoldReply),
    () => p.postMessage({ id: job.id, cached: 'failed' } satisfies FoldReply),
  );
}

/** The digest encoded into `given`, a buffer the reading thread handed back, when it is large enough. */
function encoded(digest: SpanDigest, given: ArrayBuffer | undefined): Buffer {
  return encodeDigest(digest, (size) => (given !== undefined && given.byteLength >= size ? Buffer.from(given) : Buffer.alloc(digestBufferSize(size))));
}

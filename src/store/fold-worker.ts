/**
 * Worker thread of `FoldPool`: folds one segment at a time into an encoded span digest,
 * hands the bytes back to the reading thread, and writes them to the span cache when asked.
 */
import { parentPort } from 'node:worker_threads';
import { writeFileAtomicSoon } from './atomic-file.js';
import { collectSegmentSync, foldSegmentSync } from './fold-segment.js';
import type { FoldJob, FoldReply } from './fold-pool.js';
import { digestBufferSize, encodeDigest } from './span-digest.js';

const port = parentPort;
port?.on('message', (job: FoldJob) => {
  if (job.collect !== undefined) {
    try {
      const spans = collectSegmentSync(job.file, job.collect);
      port.postMessage({ id: job.id, spans } satisfies FoldReply, [spans.hashes.buffer as ArrayBuffer, spans.keptAt.buffer as ArrayBuffer]);
    } catch (e: unknown) {
      port.postMessage({ id: job.id, error: e instanceof Error ? e.message : String(e) } satisfies FoldReply);
    }
    return;
  }
  let bytes: Buffer;
  try {
    bytes = digestOf(job);
  } catch (e: unknown) {
    port.postMessage({ id: job.id, error: e instanceof Error ? e.message : String(e) } satisfies FoldReply);
    return;
  }
  // The digest goes back at once; its write to the cache is synced and renamed while the next
  // segment folds, and reported in a second message (fold-pool.ts).
  const write = job.cachePath !== undefined ? writeFileAtomicSoon(job.cachePath, bytes) : undefined;
  port.postMessage({ id: job.id, bytes, cached: write ? 'pending' : 'no' } satisfies FoldReply, [bytes.buffer as ArrayBuffer]);
  write?.then(
    () => port.postMessage({ id: job.id, cached: 'written' } satisfies FoldReply),
    () => port.postMessage({ id: job.id, cached: 'failed' } satisfies FoldReply),
  );
});

function digestOf(job: FoldJob): Buffer {
  // Into the buffer the reading thread handed back, when it has one large enough.
  const given = job.buffer;
  return encodeDigest(foldSegmentSync(job.file, job.size, job.mtimeMs, job.piece), (size) =>
    given !== undefined && given.byteLength >= size ? Buffer.from(given) : Buffer.alloc(digestBufferSize(size)),
  );
}

/**
 * Worker thread of `FoldPool`: folds one segment at a time into an encoded span digest,
 * writes it to the span cache when asked, and hands the bytes back to the reading thread.
 */
import { parentPort } from 'node:worker_threads';
import { writeFileAtomic } from './atomic-file.js';
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
  void run(job).then((reply) => port.postMessage(reply, [reply.bytes.buffer as ArrayBuffer]), (e: unknown) => {
    port.postMessage({ id: job.id, error: e instanceof Error ? e.message : String(e) });
  });
});

async function run(job: FoldJob): Promise<FoldReply & { bytes: Uint8Array }> {
  // Into the buffer the reading thread handed back, when it has one large enough.
  const given = job.buffer;
  const bytes = encodeDigest(foldSegmentSync(job.file, job.size, job.mtimeMs, job.piece), (size) =>
    given !== undefined && given.byteLength >= size ? Buffer.from(given) : Buffer.alloc(digestBufferSize(size)),
  );
  let cached: FoldReply['cached'] = 'no';
  if (job.cachePath !== undefined) {
    try {
      await writeFileAtomic(job.cachePath, bytes);
      cached = 'written';
    } catch {
      cached = 'failed';
    }
  }
  return { id: job.id, bytes, cached };
}

/**
 * One segment folded alone into a span digest (span-digest.ts): the unit of work of the span
 * cache, run on the calling thread or on a fold worker (fold-pool.ts).
 */
import type { Span } from '../model/span.js';
import { SpanFolder } from '../model/fold.js';
import { scanSegmentFile, scanSegmentFileSync } from './reader.js';
import type { SkippedLine } from './reader.js';
import { DigestBuilder } from './span-digest.js';
import type { SpanDigest } from './span-digest.js';

/**
 * Fold the events of one segment. Nothing here decides open or abandoned: what did not finish
 * inside the segment is left in the digest's `pending` for the fold across segments.
 *
 * @example
 * const digest = await foldSegment(file, st.size, st.mtimeMs);
 */
export async function foldSegment(file: string, size: number, mtimeMs: number, onSkip?: (s: SkippedLine) => void): Promise<SpanDigest> {
  const builder = new DigestBuilder(size, mtimeMs);
  const folder = new SpanFolder({ onSpan: (s: Span, h: number) => builder.add(s, h), drains: true });
  const stats = await scanSegmentFile(file, { onEvent: (e) => folder.add(e), ...(onSkip ? { onSkip } : {}) });
  return builder.finish(stats, folder.drain());
}

/** `foldSegment` with blocking reads, for a fold worker (fold-pool.ts), which does nothing else meanwhile. */
export function foldSegmentSync(file: string, size: number, mtimeMs: number): SpanDigest {
  const builder = new DigestBuilder(size, mtimeMs);
  const folder = new SpanFolder({ onSpan: (s: Span, h: number) => builder.add(s, h), drains: true });
  const stats = scanSegmentFileSync(file, { onEvent: (e) => folder.add(e) });
  return builder.finish(stats, folder.drain());
}

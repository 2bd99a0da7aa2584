/**
 * One segment folded alone: into a span digest (span-digest.ts), the unit of work of the span
 * cache, or into whole spans for `collectStore`; run on the calling thread or on a fold
 * worker (fold-pool.ts).
 */
import type { AgentmeterEvent } from '../model/events.js';
import { spanSelected } from './span-filter.js';
import type { SpanFilter } from './span-filter.js';
import type { Span } from '../model/span.js';
import { SpanFolder } from '../model/fold.js';
import { scanSegmentFile, scanSegmentFileSync } from './reader.js';
import type { ReadStats } from './reader.js';
import { DigestBuilder } from './span-digest.js';
import type { SpanDigest } from './span-digest.js';
import type { Piece } from './pieces.js';

/**
 * Fold the events of one segment, or of piece `piece` of it (pieces.ts). Nothing here decides
 * open or abandoned: what did not finish inside it is left in the digest's `pending` for the
 * fold across segments. `detail` false: a digest without detail (`DigestBuilder.detail`).
 *
 * @example
 * const digest = await foldSegment(file, st.size, st.mtimeMs);
 */
export async function foldSegment(file: string, size: number, mtimeMs: number, piece?: Piece, detail = true): Promise<SpanDigest> {
  const builder = new DigestBuilder(size, mtimeMs, undefined, detail);
  const folder = new SpanFolder({ onSpan: (s: Span, h: number) => builder.add(s, h), drains: true });
  let fixed = false;
  const stats = await scanSegmentFile(file, { onEvent: (e) => folder.add(e), piece, onRange: (r) => (fixed = r.fixed) });
  return withFixed(builder.finish(stats, folder.drain()), fixed);
}

/**
 * `foldSegment` with blocking reads, line by line through the reader: the ordinary fold of
 * every line, for a fold worker (fold-worker.ts) when the line scanner's records
 * (`foldSegmentFileSync`) do not take the segment. The reading thread folds line by line
 * (`foldSegment`): the scanner's memory would stay with it for the whole read.
 */
export function foldSegmentLines(file: string, size: number, mtimeMs: number, piece?: Piece, detail = true): SpanDigest {
  const builder = new DigestBuilder(size, mtimeMs, undefined, detail);
  const folder = new SpanFolder({ onSpan: (s: Span, h: number) => builder.add(s, h), drains: true });
  let fixed = false;
  const stats = scanSegmentFileSync(file, { onEvent: (e) => folder.add(e), piece, onRange: (r) => (fixed = r.fixed) });
  return withFixed(builder.finish(stats, folder.drain()), fixed);
}

/** A digest marked as a piece whose bytes do not change as its segment grows (`SpanDigest.fixed`). */
function withFixed(d: SpanDigest, fixed: boolean): SpanDigest {
  if (fixed) d.fixed = true;
  return d;
}

/**
 * One segment folded alone, keeping whole spans (a fold worker's part of `collectStore`):
 * the id hash of every span that finished inside it, in order, the spans among them that
 * `filter` keeps, and what did not finish, for the fold across segments (as in a digest).
 */
export interface SegmentSpans {
  hashes: Float64Array;
  /** `kept[i]` is the span of `hashes[keptAt[i]]`. */
  kept: Span[];
  keptAt: Uint32Array;
  pending: AgentmeterEvent[];
  stats: ReadStats;
}

/** Fold one segment for `collectStore` on a fold worker (blocking reads). */
export function collectSegmentSync(file: string, filter: SpanFilter): SegmentSpans {
  const c = new SegmentCollector(filter);
  return c.finish(scanSegmentFileSync(file, { onEvent: (e) => c.folder.add(e) }));
}

/** `collectSegmentSync` on the calling thread, where a fold worker failed. */
export async function collectSegment(file: string, filter: SpanFilter): Promise<SegmentSpans> {
  const c = new SegmentCollector(filter);
  return c.finish(await scanSegmentFile(file, { onEvent: (e) => c.folder.add(e) }));
}

class SegmentCollector {
  readonly #hashes: number[] = [];
  readonly #kept: Span[] = [];
  readonly #keptAt: number[] = [];
  readonly folder: SpanFolder;

  constructor(filter: SpanFilter) {
    this.folder = new SpanFolder({
      drains: true,
      onSpan: (s: Span, h: number) => {
        if (spanSelected(s, filter)) {
          this.#keptAt.push(this.#hashes.length);
          this.#kept.push(s);
        }
        this.#hashes.push(h);
      },
    });
  }

  finish(stats: ReadStats): SegmentSpans {
    return { hashes: Float64Array.from(this.#hashes), kept: this.#kept, keptAt: Uint32Array.from(this.#keptAt), pending: this.folder.drain(), stats };
  }
}

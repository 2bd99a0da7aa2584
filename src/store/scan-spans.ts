/**
 * Read a store straight into spans: `scanEvents` feeding the model's `SpanFolder`, which
 * dedupes by id (delivery is at-least-once) and pairs starts with ends across segments. This
 * is the one path from files to spans that every report uses; memory stays bounded by what
 * is unmatched (see `SpanFolder`).
 */
import { SpanFolder } from '../model/fold.js';
import type { Feedback, FoldStats, Span } from '../model/index.js';
import { scanEvents } from './reader.js';
import type { ReadStats, SkippedLine } from './reader.js';

/** Options of `scanSpans`. */
export interface ScanSpansOptions {
  root: string;
  /** Partition window, as in `scanEvents`; spans are not filtered here. Widen it for spans that cross days. */
  sinceMs?: number | undefined;
  untilMs?: number | undefined;
  /** "Now" for open vs abandoned. Default `Date.now()`. */
  nowMs?: number | undefined;
  /** An unended span older than this is abandoned. Default 24 h. */
  openTimeoutMs?: number | undefined;
  onSpan: (span: Span) => void;
  onFeedback?: ((feedback: Feedback) => void) | undefined;
  onSkip?: ((s: SkippedLine) => void) | undefined;
  signal?: AbortSignal | undefined;
  /** After each day partition: partitions read and in all (a progress line). */
  onPartition?: ((done: number, total: number) => void) | undefined;
}

/** What `scanSpans` read and folded. */
export interface ScanSpansStats {
  read: ReadStats;
  fold: FoldStats;
}

/**
 * Stream the spans (and the last feedback of each span) folded from the partitions overlapping
 * the window. Unended spans are emitted at the end as `open` or `abandoned`.
 *
 * @example
 * const { read } = await scanSpans({ root: '.agentmeter', sinceMs: Date.now() - 7 * 86_400_000, onSpan: (s) => builder.addSpan(s) });
 * if (read.skipped > 0) warn(`${read.skipped} corrupt or torn lines skipped`);
 */
export async function scanSpans(opts: ScanSpansOptions): Promise<ScanSpansStats> {
  const folder = new SpanFolder({
    onSpan: opts.onSpan,
    ...(opts.onFeedback !== undefined ? { onFeedback: opts.onFeedback } : {}),
    ...(opts.nowMs !== undefined ? { nowMs: opts.nowMs } : {}),
    ...(opts.openTimeoutMs !== undefined ? { openTimeoutMs: opts.openTimeoutMs } : {}),
  });
  const read = await scanEvents({
    root: opts.root,
    sinceMs: opts.sinceMs,
    untilMs: opts.untilMs,
    onEvent: (e) => folder.add(e),
    onSkip: opts.onSkip,
    signal: opts.signal,
    onPartition: opts.onPartition,
  });
  folder.finish();
  return { read, fold: folder.stats };
}

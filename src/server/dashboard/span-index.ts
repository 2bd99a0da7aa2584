/**
 * Span summaries of the whole store, kept in memory so that every dashboard answer is
 * computed from memory instead of re-reading the store. Loaded through the query layer's
 * `ReportSource.scan` (for a directory: the span cache, whose per-segment digests mean a
 * refresh re-reads only the segments that changed; the fold across segments is redone each
 * time), so the dashboard sees exactly the spans every report sees.
 */
import type { Feedback, SpanSummary } from '../../model/index.js';
import type { ReportSource, Skipped } from '../../query/index.js';

/** An immutable view of the store at one moment. */
export interface SpanSnapshot {
  /** Sorted by `startMs`. */
  spans: readonly SpanSummary[];
  /** Sorted by `tsMs`. */
  feedback: readonly Feedback[];
  skippedLines: number;
  skippedSamples: Skipped['skipped_samples'];
  /** Distinct values seen, with span counts, for the filter bar. */
  values: Record<DimensionKey, Record<string, number>>;
  firstMs: number | null;
  lastMs: number | null;
  loadMs: number;
}

/** Dimensions the filter bar can filter on, and the attribute each reads. */
export const FILTER_ATTRS = {
  model: 'gen_ai.request.model',
  agent: 'gen_ai.agent.name',
  task_type: 'task.type',
  project: 'project',
} as const;

/** A filterable dimension, `env` included. */
export type DimensionKey = keyof typeof FILTER_ATTRS | 'env';

/** Read every span summary and feedback of the store into a snapshot. */
export async function loadSnapshot(source: ReportSource, nowMs: number): Promise<SpanSnapshot> {
  const t0 = Date.now();
  const spans: SpanSummary[] = [];
  const feedback: Feedback[] = [];
  const values: SpanSnapshot['values'] = { model: {}, agent: {}, task_type: {}, project: {}, env: {} };
  const skipped = await source.scan({ nowMs }, {
    // The digest replay reuses one object and one attrs object per profile: copy both.
    onSpan: (s) => {
      const attrs = { ...s.attrs };
      spans.push({ kind: s.kind, env: s.env, startMs: s.startMs, durationMs: s.durationMs, status: s.status, state: s.state, attrs, pointEvents: s.pointEvents });
      count(values.env, s.env);
      for (const [dim, attr] of FILTERS) {
        const v = attrs[attr];
        if (typeof v === 'string') count(values[dim], v);
      }
    },
    onFeedback: (f) => feedback.push(f),
  });
  spans.sort((a, b) => a.startMs - b.startMs);
  feedback.sort((a, b) => a.tsMs - b.tsMs);
  return {
    spans,
    feedback,
    skippedLines: skipped.skipped_lines,
    skippedSamples: skipped.skipped_samples,
    values,
    firstMs: spans.length > 0 ? (spans[0] as SpanSummary).startMs : null,
    lastMs: spans.length > 0 ? (spans[spans.length - 1] as SpanSummary).startMs : null,
    loadMs: Date.now() - t0,
  };
}

const FILTERS = Object.entries(FILTER_ATTRS) as [keyof typeof FILTER_ATTRS, string][];

function count(m: Record<string, number>, key: string): void {
  m[key] = (m[key] ?? 0) + 1;
}

/** Index of the first element whose key is ≥ `ms` in an array sorted by that key. */
export function lowerBound<T>(xs: readonly T[], ms: number, key: (x: T) => number): number {
  let lo = 0;
  let hi = xs.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (key(xs[mid] as T) < ms) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

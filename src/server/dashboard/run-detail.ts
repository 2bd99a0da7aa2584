/**
 * Everything recorded for one run, for its timeline: spans with ids and parents, point
 * events (debugging attempts) and feedback. Only the day partitions the run overlaps are
 * read, and only lines that name the run are parsed.
 */
import { SpanFolder, utcDay } from '../../model/index.js';
import type { BaseAttributes, Feedback, Span } from '../../model/index.js';
import { readMatchingLines } from './segment-lines.js';
import type { SegmentState } from './store-state.js';

/** A point event on a span (e.g. `debug.attempt`). */
export interface RunPoint {
  spanId: string;
  name: string;
  tsMs: number;
  attrs: BaseAttributes;
}

/** One run's spans, points and feedback. */
export interface RunDetail {
  spans: Span[];
  points: RunPoint[];
  feedback: Feedback[];
}

/** Load one run, given the run span (for its time range) and the store's segments. */
export async function loadRunDetail(run: Span, segments: readonly SegmentState[], nowMs: number): Promise<RunDetail> {
  const firstDay = utcDay(run.startMs);
  // Children of an unfinished run may be written until now; an ended run's events can still
  // land in the next partition (ends are partitioned by their own timestamp).
  const lastDay = utcDay((run.endMs ?? nowMs) + 86_400_000);
  const spans: Span[] = [];
  const feedback: Feedback[] = [];
  const points: RunPoint[] = [];
  const folder = new SpanFolder({ onSpan: (s) => spans.push(s), onFeedback: (f) => feedback.push(f), nowMs });
  const needle = `"run_id":${JSON.stringify(run.runId)}`;
  for (const seg of segments) {
    if (seg.day < firstDay || seg.day > lastDay) continue;
    const { events } = await readMatchingLines(seg.path, 0, needle);
    for (const e of events) {
      if (e.type === 'span.event') points.push({ spanId: e.span_id, name: e.name, tsMs: Date.parse(e.ts), attrs: e.attrs });
      folder.add(e);
    }
  }
  folder.finish();
  spans.sort((a, b) => a.startMs - b.startMs || (a.kind === 'run' ? -1 : b.kind === 'run' ? 1 : 0));
  points.sort((a, b) => a.tsMs - b.tsMs);
  return { spans, points, feedback };
}

/**
 * One pass over a store for the exporters and seed reports: folded spans, the last feedback
 * of each span, and the point events whose attributes a seed file needs (handoffs, errors).
 * Holds the window's spans in memory, which the seed layouts need anyway (a run's final
 * report is written from all of its issues).
 */
import type { AgentmeterEvent, SpanKind, SpanPointEvent } from '../model/events.js';
import { envSelected } from '../model/envs.js';
import type { EnvSelection } from '../model/envs.js';
import { SpanFolder } from '../model/fold.js';
import type { Feedback, Span } from '../model/span.js';
import { scanEvents } from './reader.js';
import type { SkippedLine } from './reader.js';

/** Options of `collectStore`. */
export interface CollectOptions {
  dir: string;
  /** Spans started before this are left out (default: all history). */
  sinceMs?: number | undefined;
  untilMs?: number | undefined;
  /**
   * Which time of a span `sinceMs`/`untilMs` select on: its start (default), or its end (an
   * open span: its start), as the automation seed's `--since` filters on a session's `timestamp`.
   */
  windowOn?: 'start' | 'end';
  /** A list, `all`, or by default every env but test and demo. */
  envs?: EnvSelection;
  /** Only spans of these kinds (default: all); the rest are folded but not kept. */
  kinds?: readonly SpanKind[];
  /** Names of point events to keep whole. */
  points?: readonly string[];
  nowMs?: number;
}

/** What `collectStore` found. */
export interface Collected {
  spans: Span[];
  feedback: Feedback[];
  points: SpanPointEvent[];
  skipped: number;
  samples: SkippedLine[];
}

/**
 * Read spans, feedback and chosen point events of a store.
 *
 * @example
 * const { spans } = await collectStore({ dir: '.agentmeter', envs: ['prod'] });
 */
export async function collectStore(o: CollectOptions): Promise<Collected> {
  const spans: Span[] = [];
  const feedback: Feedback[] = [];
  const points: SpanPointEvent[] = [];
  const samples: SkippedLine[] = [];
  const keep = new Set(o.points ?? []);
  const kinds = o.kinds ? new Set<SpanKind>(o.kinds) : undefined;
  const seenPoints = new Set<string>();
  const since = o.sinceMs ?? -Infinity;
  const until = o.untilMs ?? Infinity;
  const folder = new SpanFolder({
    nowMs: o.nowMs ?? Date.now(),
    onSpan: (s) => {
      const at = o.windowOn === 'end' && s.state === 'ended' && s.durationMs !== null && Number.isFinite(s.durationMs) ? Math.round(s.startMs + s.durationMs) : s.startMs;
      if (at >= since && at < until && (kinds === undefined || kinds.has(s.kind)) && envSelected(s.env, o.envs)) spans.push(s);
    },
    onFeedback: (f) => {
      if (envSelected(f.env, o.envs)) feedback.push(f);
    },
  });
  const read = await scanEvents({
    root: o.dir,
    // Spans started in the window may end days later; partitions before it hold nothing of it.
    ...(o.sinceMs !== undefined ? { sinceMs: o.sinceMs } : {}),
    onEvent: (e: AgentmeterEvent) => {
      folder.add(e);
      if (e.type === 'span.event' && keep.has(e.name) && !seenPoints.has(e.id) && envSelected(e.env, o.envs)) {
        seenPoints.add(e.id);
        points.push(e);
      }
    },
    onSkip: (s) => {
      if (samples.length < 20) samples.push(s);
    },
  });
  folder.finish();
  spans.sort((a, b) => a.startMs - b.startMs || (a.spanId < b.spanId ? -1 : 1));
  points.sort((a, b) => Date.parse(a.ts) - Date.parse(b.ts));
  return { spans, feedback, points, skipped: read.skipped, samples };
}

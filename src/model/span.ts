import type { BaseAttributes, SpanKind, SpanStatus } from './events.js';

/**
 * Lifecycle state of a folded span:
 * - `ended`: its end (or a complete `span` event) was read;
 * - `open`: started, no end yet, and its run is still live;
 * - `abandoned`: started, no end, and its run ended or the open timeout passed.
 */
export type SpanState = 'ended' | 'open' | 'abandoned';

/** A span folded from its events: start merged with end, attempts and feedback attached. */
export interface Span {
  spanId: string;
  runId: string;
  parentId: string | null;
  kind: SpanKind;
  name: string;
  env: string;
  /** Unix ms. */
  startMs: number;
  /** Unix ms, or null while open/abandoned. */
  endMs: number | null;
  durationMs: number | null;
  /** Canonical status once ended; null while open or abandoned. */
  status: SpanStatus | null;
  state: SpanState;
  /** Start attributes with end attributes merged over them. */
  attrs: BaseAttributes;
  /** Number of `span.event` point events (e.g. debug attempts) seen for the span. */
  pointEvents: number;
}

/** What a report reads of a piece of feedback: all but its ids (a `Feedback` is one). */
export interface FeedbackSummary {
  env: string;
  tsMs: number;
  success: boolean | null;
  rating: number | null;
  source: string;
  attrs: BaseAttributes;
}

/** Feedback as read, after dedupe; the last one per span wins. */
export interface Feedback extends FeedbackSummary {
  id: string;
  spanId: string;
  runId: string | null;
}

/**
 * What reports need of a span: no ids or names, and only the attributes listed in
 * `SUMMARY_PROFILE_KEYS` and `SUMMARY_NUMBER_KEYS`. A `Span` is a `SpanSummary`; the span
 * cache stores summaries so a report does not re-parse every event.
 */
export interface SpanSummary {
  kind: Span['kind'];
  env: string;
  startMs: number;
  durationMs: number | null;
  status: Span['status'];
  state: Span['state'];
  attrs: Span['attrs'];
  pointEvents: number;
}

/**
 * A summary as the span cache hands it over when asked for detail: for a span of a
 * `DETAIL_KINDS` kind, also its id, name and end (its parent and run when asked for those
 * too), and its kind's detail keys among its attributes (undefined for other kinds). A
 * `Span` is one.
 */
export type DetailedSummary = SpanSummary & {
  spanId?: string | undefined;
  parentId?: string | null | undefined;
  runId?: string | undefined;
  name?: string | undefined;
  endMs?: number | null | undefined;
};

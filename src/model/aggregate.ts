/**
 * Partial aggregates of spans and feedback: the data a store that computes reports itself
 * (PostgreSQL, in SQL) hands to the analytics layer instead of the spans. Plain numbers,
 * bounded by the number of groups, never by the number of spans; `ReportBuilder` merges
 * them exactly as if it had been fed the spans one by one.
 */
import type { BaseAttributes, SpanKind, SpanStatus } from './events.js';

/** Count, sum, min and max of finite values (a `Summary` in parts). */
export interface SummaryParts {
  count: number;
  sum: number;
  min: number | null;
  max: number | null;
}

/**
 * Positive values of a quantile sketch, in groups that each fall into one sketch bucket:
 * `count` values between `min` and `max` inclusive. `zeros` counts values below the
 * sketch's smallest indexable magnitude.
 */
export interface SketchParts {
  zeros: number;
  buckets: { count: number; min: number; max: number }[];
}

/** Which report window a partial aggregate belongs to. */
export type AggregateWindow = 'current' | 'previous';

/** Sums over optimisation sessions, as the database or a fold produce them. */
export interface OptimizationParts {
  /** The declared sums (docs/architecture.md, "Adding a metric"), keyed by their id. */
  sums: Record<string, number>;
  speedupCount: number;
  /** Σ ln(baseline / optimized) over the speedup sessions. */
  speedupSumLn: number;
  withoutBaseline: number;
  latencySavedMs: number;
  wallclock: SummaryParts;
}

/**
 * The spans of one kind, env and group in one window, pre-aggregated. Fields that do not
 * apply to `kind` are zero.
 */
export interface SpanAggregate extends OptimizationParts {
  window: AggregateWindow;
  env: string;
  kind: SpanKind;
  /** The grouping attribute (only that one) of the spans, read like a span's own attributes. */
  groupAttrs: BaseAttributes;
  /** Any Unix ms inside the UTC day the spans started on (for grouping by day). */
  dayMs: number;
  count: number;
  open: number;
  abandoned: number;
  /** Ended spans by status. */
  statuses: Record<SpanStatus, number>;
  /** Durations of ended spans (run, task, agent) or time to resolve of resolved cycles (debug). */
  durations: SketchParts;
  retries: number;
  /** Ended pipeline attempts numbered 1, and how many of them passed. */
  firstAttempts: number;
  firstAttemptsPassed: number;
  /** Ended debugging cycles resolved and not. */
  resolved: number;
  unresolved: number;
  attempts: SummaryParts;
}

/** Feedback (the last per span) of one env and group in one window, pre-aggregated. */
export interface FeedbackAggregate {
  window: AggregateWindow;
  env: string;
  groupAttrs: BaseAttributes;
  dayMs: number;
  /** Whether this feedback is about agent invocations. */
  agent: boolean;
  count: number;
  success: number;
  failure: number;
  ratings: SummaryParts;
}

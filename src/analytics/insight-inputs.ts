/**
 * From spans to the inputs of the insight statistics: observations of a metric grouped by a
 * dimension (for `compareGroups` and `trendSeries`) and agent invocations per series (for
 * `detectAnomalies`). One definition for every reader: the CLI feeds these from a scan of
 * its source, the dashboard from its in-memory snapshot, so `compare`, `trends` and
 * `anomalies` agree with the dashboard's Attention and Compare views to the digit.
 */
import type { BaseAttributes, SpanKind } from '../model/events.js';
import type { Feedback, SpanSummary } from '../model/span.js';
import { detectAnomalies, rollUpSeries } from './anomalies.js';
import type { AnomalyObservation, AnomalyReport } from './anomalies.js';
import { METRIC_SPECS, dimensionValue, observe, observeFeedback } from './metrics.js';
import type { Dimension, Metric } from './metrics.js';
import { trendSeries } from './trends.js';
import type { TrendSeries } from './trends.js';

const DAY_MS = 86_400_000;

/** An observation: when, in which group, what value. */
export interface Observation {
  ms: number;
  key: string;
  value: number;
}

/** The group of a span or feedback, or `undefined` to leave it out. */
export type GroupKeyOf = (attrs: BaseAttributes, ms: number, env: string) => string | undefined;

/**
 * Group key function for a dimension, or one group named `all`. Observations without a
 * value are left out (an A/B comparison by variant is about the spans that have one);
 * `missing.count` counts them.
 *
 * @example
 * const keyOf = groupKeyOf('model'); keyOf(span.attrs, span.startMs, span.env) // 'gpt-4.1'
 */
export function groupKeyOf(by: Dimension | undefined, missing: { count: number } = { count: 0 }): GroupKeyOf {
  if (by === undefined) return () => 'all';
  return (attrs, ms, env) => {
    const v = dimensionValue(by, attrs, ms, env);
    if (v === undefined) missing.count++;
    return v;
  };
}

/**
 * The observation of `metric` (not `quality`, which joins feedback: `QualityObservations`)
 * one span yields, grouped by `keyOf`, or `undefined`.
 *
 * @example
 * observationOf('success_rate', undefined, groupKeyOf('model'), span) // { ms, key: 'gpt-4.1', value: 1 }
 */
export function observationOf(metric: Exclude<Metric, 'quality'>, kind: SpanKind | undefined, keyOf: GroupKeyOf, s: SpanSummary): Observation | undefined {
  const v = observe(metric, s, kind ?? METRIC_SPECS[metric].kind);
  if (v === undefined) return undefined;
  const key = keyOf(s.attrs, s.startMs, s.env);
  return key === undefined ? undefined : { ms: s.startMs, key, value: v };
}

/** Feedback may come a while after its span: spans this long before the window still join. */
export const QUALITY_JOIN_LOOKBACK_MS = DAY_MS;

/**
 * Quality observations: each rating joined to its agent span by id, grouped by the span's
 * own attributes (a variant too). Feed it spans with ids started from
 * `sinceMs - QUALITY_JOIN_LOOKBACK_MS`, and the feedback of the window.
 *
 * @example
 * const q = new QualityObservations(groupKeyOf('variant'), sinceMs);
 * q.addSpan(span); q.addFeedback(feedback); q.observations
 */
export class QualityObservations {
  readonly observations: Observation[] = [];
  readonly #agents = new Map<string, string>();
  readonly #keyOf: GroupKeyOf;
  readonly #sinceMs: number;

  constructor(keyOf: GroupKeyOf, sinceMs: number) {
    this.#keyOf = keyOf;
    this.#sinceMs = sinceMs;
  }

  addSpan(s: SpanSummary & { spanId?: string | undefined }): void {
    if (s.kind !== 'agent' || s.spanId === undefined) return;
    const key = this.#keyOf(s.attrs, s.startMs, s.env);
    if (key !== undefined) this.#agents.set(s.spanId, key);
  }

  addFeedback(f: Feedback): void {
    const v = observeFeedback(f);
    if (v === undefined || f.tsMs < this.#sinceMs) return;
    const key = this.#agents.get(f.spanId);
    if (key !== undefined) this.observations.push({ ms: f.tsMs, key, value: v });
  }
}

/**
 * Observations as the samples `compareGroups` takes, each sorted ascending: the bootstrap
 * resamples by position and sums are rounded in order, so sorting makes the answer the
 * same whatever order a source hands the spans over in (segments, PostgreSQL rows, the
 * dashboard's snapshot sorted by start).
 *
 * @example
 * compareGroups(samplesOf(observations), 'success_rate')
 */
export function samplesOf(observations: readonly Observation[], samples: Map<string, number[]> = new Map()): Map<string, number[]> {
  for (const o of observations) {
    let list = samples.get(o.key);
    if (!list) samples.set(o.key, (list = []));
    list.push(o.value);
  }
  for (const list of samples.values()) list.sort((a, b) => a - b);
  return samples;
}

/**
 * One trend series per group, the group with the most observations first (ties by key).
 * Each group's observations are ordered by time, then value, before bucketing, so a
 * bucket's mean does not depend on the order a source hands the spans over in.
 *
 * @example
 * trendsOf(observations, 'duration', { sinceMs, untilMs, bucket: 'day' })
 */
export function trendsOf(observations: readonly Observation[], metric: Metric, o: { sinceMs: number; untilMs: number; bucket: 'day' | 'week' }): TrendSeries[] {
  const groups = new Map<string, [number, number][]>();
  for (const x of observations) {
    let g = groups.get(x.key);
    if (!g) groups.set(x.key, (g = []));
    g.push([x.ms, x.value]);
  }
  for (const g of groups.values()) g.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  return [...groups].sort((a, b) => b[1].length - a[1].length || (a[0] < b[0] ? -1 : 1)).map(([key, obs]) => trendSeries(key, obs, metric, o));
}

/** What the anomaly search examines. */
export interface AnomalySettings {
  /** Dimensions of a series; thin series roll up from the right. */
  series: readonly Dimension[];
  /** Days before each point that form its baseline. */
  baselineDays: number;
  /** Agent invocations a day needs to be examined. */
  minCount: number;
}

/** The defaults of `agentmeter anomalies` (docs/statistics.md). */
export const DEFAULT_ANOMALY_SETTINGS: Readonly<AnomalySettings> = { series: ['model', 'agent', 'task_type'], baselineDays: 28, minCount: 5 };

/**
 * Ended agent invocations per series, for `detectAnomalies`. Feed it every span started
 * from `scanSince(sinceMs)` (the window plus its baseline) to the window's end.
 *
 * @example
 * const a = new AnomalyCollector(DEFAULT_ANOMALY_SETTINGS);
 * for (const s of spans) a.add(s);
 * a.detect({ sinceMs, untilMs }).anomalies
 */
export class AnomalyCollector {
  readonly settings: Readonly<AnomalySettings>;
  readonly #items: { dims: string[]; ms: number; item: AnomalyObservation }[] = [];

  constructor(settings: Readonly<AnomalySettings> = DEFAULT_ANOMALY_SETTINGS) {
    this.settings = settings;
  }

  /** Where the spans fed must start: the window's start less the baseline. */
  scanSince(sinceMs: number): number {
    return sinceMs - this.settings.baselineDays * DAY_MS;
  }

  add(s: SpanSummary): void {
    if (s.kind !== 'agent' || s.state !== 'ended') return;
    const o: AnomalyObservation = { ms: s.startMs };
    if (s.status === 'success') o.failed = 0;
    else if (s.status === 'failure') o.failed = 1;
    if (s.durationMs !== null && Number.isFinite(s.durationMs)) o.durationMs = s.durationMs;
    this.#items.push({ dims: this.settings.series.map((d) => dimensionValue(d, s.attrs, s.startMs, s.env) ?? '(none)'), ms: s.startMs, item: o });
  }

  /** The anomalous days of [sinceMs, untilMs). */
  detect(w: { sinceMs: number; untilMs: number }): AnomalyReport {
    const { baselineDays, minCount } = this.settings;
    return detectAnomalies(rollUpSeries(this.#items, minCount), { sinceMs: w.sinceMs, untilMs: w.untilMs, baselineDays, minCount });
  }
}

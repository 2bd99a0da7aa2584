/**
 * The dashboard's Attention and Compare answers: anomalies, trend verdicts and A/B
 * comparisons computed from the in-memory snapshot with the insight inputs and statistics
 * `agentmeter anomalies`, `trends` and `compare` use (src/analytics/insight-inputs.ts), so
 * the API's numbers equal the commands' `--json` on the same store and window.
 */
import { AnomalyCollector, DEFAULT_ANOMALY_SETTINGS, DIMENSIONS, METRICS, METRIC_SPECS, compareGroups, groupKeyOf, isDimension, observationOf, samplesOf, trendsOf } from '../../analytics/index.js';
import type { AnomalyReport, AnomalySettings, ComparisonReport, Dimension, Metric, Observation, TrendSeries } from '../../analytics/index.js';
import type { SpanKind, SpanSummary } from '../../model/index.js';
import { includesEnv, matches, QueryError } from './query.js';
import type { DashboardQuery } from './query.js';
import { lowerBound } from './span-index.js';
import type { SpanSnapshot } from './span-index.js';

const DAY_MS = 86_400_000;

/** Visit the spans started in [fromMs, q.untilMs) of the query's envs that pass its filters. */
function eachSpan(snap: SpanSnapshot, q: DashboardQuery, fromMs: number, visit: (s: SpanSummary) => void): void {
  const spans = snap.spans;
  for (let i = lowerBound(spans, fromMs, (s) => s.startMs); i < spans.length; i++) {
    const s = spans[i] as SpanSummary;
    if (s.startMs >= q.untilMs) break;
    if (!includesEnv(q, s.env) || (q.where.length > 0 && !matches(q, s))) continue;
    visit(s);
  }
}

/** A metric the Attention panel watches for a trend the wrong way. */
export interface WatchedMetric {
  metric: Exclude<Metric, 'quality'>;
  kind: SpanKind;
}

/**
 * What the panel watches: outcomes of runs and agents, the first-attempt pass rate, agent
 * duration and cost, the optimisation speedup. One series each over the filtered spans (the
 * filter bar narrows it to a model or an agent); quality is left to `agentmeter trends
 * --metric quality`, which joins ratings to spans by id (the snapshot keeps no span ids).
 */
export const WATCHED_METRICS: readonly WatchedMetric[] = [
  { metric: 'success_rate', kind: 'run' },
  { metric: 'success_rate', kind: 'agent' },
  { metric: 'first_attempt_pass_rate', kind: METRIC_SPECS.first_attempt_pass_rate.kind },
  { metric: 'duration', kind: 'agent' },
  { metric: 'cost', kind: 'agent' },
  { metric: 'speedup', kind: METRIC_SPECS.speedup.kind },
];

/** The Attention answer. */
export interface AttentionAnswer {
  window: { since: string; until: string };
  /** `agentmeter anomalies --json` for the window (its fields but the window). */
  anomalies: AnomalyReport & { series_dimensions: readonly Dimension[]; baseline_days: number; min_count: number };
  /** One trend per watched metric: `agentmeter trends --metric <m> --kind <k> --json`'s series, null without data. */
  trends: { metric: Metric; kind: SpanKind; bucket: 'day' | 'week'; trend: TrendSeries | null }[];
}

/** Days by default; weeks for windows over 92 days (a day series that long is mostly noise to the eye). */
function bucketOf(params: URLSearchParams, q: DashboardQuery): 'day' | 'week' {
  const b = params.get('bucket') ?? '';
  if (b === 'day' || b === 'week') return b;
  if (b !== '') throw new QueryError('bucket must be day or week');
  return q.untilMs - q.sinceMs > 92 * DAY_MS ? 'week' : 'day';
}

function wholeNumber(params: URLSearchParams, name: string, fallback: number, max: number): number {
  const text = params.get(name);
  if (text === null || text === '') return fallback;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1 || n > max) throw new QueryError(`${name} must be a whole number from 1 to ${max}, got ${JSON.stringify(text)}`);
  return n;
}

/** `series`, `baseline_days`, `min_count`: the parameters of `agentmeter anomalies`. */
export function anomalySettings(params: URLSearchParams): AnomalySettings {
  const text = params.get('series') ?? '';
  const series = text === '' ? DEFAULT_ANOMALY_SETTINGS.series : text.split(',').map((s) => s.trim()).filter((s) => s !== '');
  const bad = series.filter((d) => !isDimension(d));
  if (series.length === 0 || bad.length > 0) throw new QueryError(`series takes dimensions like ${DEFAULT_ANOMALY_SETTINGS.series.join(',')}; unknown: ${bad.join(', ') || '(none given)'}`);
  return {
    series: series as Dimension[],
    baselineDays: wholeNumber(params, 'baseline_days', DEFAULT_ANOMALY_SETTINGS.baselineDays, 365),
    minCount: wholeNumber(params, 'min_count', DEFAULT_ANOMALY_SETTINGS.minCount, 1_000_000),
  };
}

/**
 * Anomalous days of the window (against each day's baseline before it) and the watched
 * metrics' trend verdicts.
 */
export function attention(snap: SpanSnapshot, q: DashboardQuery, params: URLSearchParams): AttentionAnswer {
  const settings = anomalySettings(params);
  const bucket = bucketOf(params, q);
  const collector = new AnomalyCollector(settings);
  eachSpan(snap, q, collector.scanSince(q.sinceMs), (s) => collector.add(s));
  const report = collector.detect(q);
  const observations: Observation[][] = WATCHED_METRICS.map(() => []);
  const all = groupKeyOf(undefined);
  eachSpan(snap, q, q.sinceMs, (s) => {
    WATCHED_METRICS.forEach((w, i) => {
      const o = observationOf(w.metric, w.kind, all, s);
      if (o) (observations[i] as Observation[]).push(o);
    });
  });
  return {
    window: { since: new Date(q.sinceMs).toISOString(), until: new Date(q.untilMs).toISOString() },
    anomalies: { series_dimensions: settings.series, baseline_days: settings.baselineDays, min_count: settings.minCount, ...report },
    trends: WATCHED_METRICS.map((w, i) => ({ ...w, bucket, trend: trendsOf(observations[i] as Observation[], w.metric, { sinceMs: q.sinceMs, untilMs: q.untilMs, bucket })[0] ?? null })),
  };
}

/** Metrics the Compare view offers (quality needs span ids: `agentmeter compare --metric quality`). */
export const COMPARE_METRICS = METRICS.filter((m): m is Exclude<Metric, 'quality'> => m !== 'quality');

/** The Compare answer: `agentmeter compare --by <by> --metric <m> --json` for the window. */
export type CompareAnswer = { window: { since: string; until: string }; by: Dimension; kind: SpanKind; without_group: number } & ComparisonReport;

const OUTCOME_METRICS: readonly Metric[] = ['success_rate', 'duration', 'cost'];
const COMPARE_KINDS: readonly SpanKind[] = ['run', 'task', 'agent', 'pipeline', 'debug', 'optimization'];

/** Groups of the window by `by`, compared on `metric` (parameters `by`, `metric`, `kind`, `alpha`). */
export function comparison(snap: SpanSnapshot, q: DashboardQuery, params: URLSearchParams): CompareAnswer {
  const by = params.get('by') ?? 'model';
  if (!isDimension(by)) throw new QueryError(`by must be one of ${DIMENSIONS.join(', ')}`);
  const metricText = params.get('metric') ?? 'success_rate';
  if (metricText === 'quality') throw new QueryError('metric=quality joins ratings to spans by id, which the dashboard does not keep: use `agentmeter compare --metric quality`');
  const metric = COMPARE_METRICS.find((m) => m === metricText);
  if (metric === undefined) throw new QueryError(`metric must be one of ${COMPARE_METRICS.join(', ')}`);
  const kindText = params.get('kind') ?? '';
  let kind: SpanKind = METRIC_SPECS[metric].kind;
  if (kindText !== '') {
    const k = COMPARE_KINDS.find((x) => x === kindText);
    if (k === undefined) throw new QueryError(`kind must be one of ${COMPARE_KINDS.join(', ')}`);
    if (!OUTCOME_METRICS.includes(metric)) throw new QueryError(`kind applies to success_rate, duration and cost; ${metric} reads ${METRIC_SPECS[metric].kind} spans`);
    kind = k;
  }
  const alphaText = params.get('alpha') ?? '';
  const alpha = alphaText === '' ? 0.05 : Number(alphaText);
  if (!(alpha > 0 && alpha < 0.5)) throw new QueryError(`alpha must be a number between 0 and 0.5, got ${JSON.stringify(alphaText)}`);
  const missing = { count: 0 };
  const keyOf = groupKeyOf(by, missing);
  const observations: Observation[] = [];
  eachSpan(snap, q, q.sinceMs, (s) => {
    const o = observationOf(metric, kind, keyOf, s);
    if (o) observations.push(o);
  });
  const report = compareGroups(samplesOf(observations), metric, { alpha });
  return {
    window: { since: new Date(q.sinceMs).toISOString(), until: new Date(q.untilMs).toISOString() },
    by,
    kind,
    without_group: missing.count,
    ...report,
  };
}

/**
 * `trends`: a metric per day or week, smoothed, and a direction judged against the noise
 * of the series itself: the Mann–Kendall test for a monotonic trend (Mann 1945, Kendall
 * 1975) and the Theil–Sen slope with its distribution-free interval (Sen 1968). A series
 * "changed" only when the test says its ups and downs are unlikely to be chance, never
 * because two numbers differ by more than a fixed threshold.
 */
import { normalQuantile, normalTwoSided } from './distributions.js';
import { METRIC_SPECS } from './metrics.js';
import type { Metric } from './metrics.js';

/** Result of `mannKendall`. */
export interface MannKendallResult {
  /** S = Σ sign(xⱼ − xᵢ) over i < j. */
  s: number;
  /** Variance of S under no trend, corrected for ties. */
  variance: number;
  z: number;
  pValue: number;
}

/**
 * Mann–Kendall test for a monotonic trend in a series in time order (normal approximation
 * with the tie-corrected variance and a continuity correction; Gilbert 1987, §16.4).
 *
 * @example
 * mannKendall([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]) // s 45, variance 125, z 3.936, p 8.3e-5
 */
export function mannKendall(xs: readonly number[]): MannKendallResult | null {
  const n = xs.length;
  if (n < 3) return null;
  let s = 0;
  for (let i = 0; i < n - 1; i++) for (let j = i + 1; j < n; j++) s += Math.sign((xs[j] as number) - (xs[i] as number));
  const counts = new Map<number, number>();
  for (const v of xs) counts.set(v, (counts.get(v) ?? 0) + 1);
  let tie = 0;
  for (const t of counts.values()) if (t > 1) tie += t * (t - 1) * (2 * t + 5);
  const variance = (n * (n - 1) * (2 * n + 5) - tie) / 18;
  const z = variance > 0 ? (s - Math.sign(s)) / Math.sqrt(variance) : 0;
  return { s, variance, z, pValue: variance > 0 ? normalTwoSided(z) : 1 };
}

/** Result of `theilSen`: y change per unit of x. */
export interface SlopeEstimate {
  slope: number;
  intercept: number;
  ci: [number, number];
}

/**
 * Theil–Sen slope: the median of all pairwise slopes, robust to outliers (up to 29 % of the
 * points), with the interval of Sen (1968) from the Mann–Kendall variance.
 *
 * @example
 * theilSen([0, 1, 2, 3], [1, 3, 5, 7]).slope // 2
 */
export function theilSen(x: readonly number[], y: readonly number[], level = 0.95): SlopeEstimate | null {
  const n = Math.min(x.length, y.length);
  if (n < 2) return null;
  const slopes: number[] = [];
  for (let i = 0; i < n - 1; i++) {
    for (let j = i + 1; j < n; j++) {
      const dx = (x[j] as number) - (x[i] as number);
      if (dx !== 0) slopes.push(((y[j] as number) - (y[i] as number)) / dx);
    }
  }
  if (slopes.length === 0) return null;
  slopes.sort((a, b) => a - b);
  const m = slopes.length;
  const mid = m >> 1;
  const slope = m % 2 === 1 ? (slopes[mid] as number) : ((slopes[mid - 1] as number) + (slopes[mid] as number)) / 2;
  const intercepts = Array.from({ length: n }, (_, i) => (y[i] as number) - slope * (x[i] as number)).sort((a, b) => a - b);
  const h = n >> 1;
  const intercept = n % 2 === 1 ? (intercepts[h] as number) : ((intercepts[h - 1] as number) + (intercepts[h] as number)) / 2;
  const mk = mannKendall(y.slice(0, n));
  const c = normalQuantile(1 - (1 - level) / 2) * Math.sqrt(mk?.variance ?? 0);
  const lo = Math.max(0, Math.floor((m - c) / 2) - 1);
  const hi = Math.min(m - 1, Math.ceil((m + c) / 2));
  return { slope, intercept, ci: [slopes[lo] as number, slopes[hi] as number] };
}

/** One bucket of a series. */
export interface TrendPoint {
  /** `YYYY-MM-DD` of the bucket's first day (weeks start on Monday, UTC). */
  bucket: string;
  n: number;
  /** Rate, median, mean rating or geometric mean of the bucket. */
  value: number | null;
  /** The same over this bucket and its neighbours (a centred window of three). */
  smoothed: number | null;
}

/** Direction of a series, judged by the Mann–Kendall test at `alpha`. */
export type TrendDirection = 'improving' | 'worsening' | 'no_trend' | 'not_enough_data';

/** One series' trend. */
export interface TrendSeries {
  key: string;
  points: TrendPoint[];
  direction: TrendDirection;
  /** Theil–Sen slope per bucket, with its interval; null below the minimum of points. */
  slope_per_bucket: number | null;
  slope_ci: [number, number] | null;
  mann_kendall: { s: number; z: number; p_value: number } | null;
  /** The direction in a sentence. */
  summary: string;
}

const NOT_ENOUGH = 'not_enough_data';

/** Buckets without at least this many observations are shown but not tested. */
export const TREND_MIN_PER_BUCKET = 3;
/** Fewer tested buckets than this give `not_enough_data`. */
export const TREND_MIN_BUCKETS = 5;

/**
 * Start of the UTC day or ISO week (Monday) containing `ms`.
 *
 * @example
 * bucketStart(Date.UTC(2025, 0, 8, 13), 'week') // Date.UTC(2025, 0, 6): Monday
 */
export function bucketStart(ms: number, bucket: 'day' | 'week'): number {
  const day = Math.floor(ms / 86_400_000);
  if (bucket === 'day') return day * 86_400_000;
  // 1970-01-01 was a Thursday: day 0 is weekday 4 (Monday = 1).
  const weekday = (day + 3) % 7; // 0 = Monday
  return (day - weekday) * 86_400_000;
}

/** The value of a bucket of observations for a metric (rate, median, mean or geometric mean). */
export function aggregate(values: readonly number[], metric: Metric): number | null {
  if (values.length === 0) return null;
  const test = METRIC_SPECS[metric].test;
  if (test === 'rank') {
    const s = [...values].sort((a, b) => a - b);
    const m = s.length >> 1;
    return s.length % 2 === 1 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
  }
  let sum = 0;
  for (const v of values) sum += test === 'logmean' ? Math.log(v) : v;
  return test === 'logmean' ? Math.exp(sum / values.length) : sum / values.length;
}

/**
 * Turn observations `[startMs, value]` of one series into buckets over [sinceMs, untilMs),
 * every bucket listed even when empty, and judge its direction.
 *
 * @example
 * trendSeries('all', observations, 'success_rate', { sinceMs, untilMs, bucket: 'day' })
 */
export function trendSeries(
  key: string,
  observations: readonly (readonly [number, number])[],
  metric: Metric,
  o: { sinceMs: number; untilMs: number; bucket: 'day' | 'week'; alpha?: number },
): TrendSeries {
  const alpha = o.alpha ?? 0.05;
  const step = o.bucket === 'day' ? 86_400_000 : 7 * 86_400_000;
  const first = bucketStart(o.sinceMs, o.bucket);
  const count = Math.max(1, Math.ceil((o.untilMs - first) / step));
  const buckets: number[][] = Array.from({ length: count }, () => []);
  for (const [ms, v] of observations) {
    if (ms < o.sinceMs || ms >= o.untilMs) continue;
    const i = Math.floor((ms - first) / step);
    if (i >= 0 && i < count) (buckets[i] as number[]).push(v);
  }
  const points: TrendPoint[] = buckets.map((vals, i) => {
    const window = [...(buckets[i - 1] ?? []), ...vals, ...(buckets[i + 1] ?? [])];
    return {
      bucket: new Date(first + i * step).toISOString().slice(0, 10),
      n: vals.length,
      value: aggregate(vals, metric),
      smoothed: aggregate(window, metric),
    };
  });
  const tested = points.map((p, i) => [i, p] as const).filter(([, p]) => p.n >= TREND_MIN_PER_BUCKET && p.value !== null);
  const spec = METRIC_SPECS[metric];
  if (tested.length < TREND_MIN_BUCKETS) {
    return {
      key,
      points,
      direction: NOT_ENOUGH,
      slope_per_bucket: null,
      slope_ci: null,
      mann_kendall: null,
      summary: `${key}: not enough data (${tested.length} of ${TREND_MIN_BUCKETS} ${o.bucket}s with at least ${TREND_MIN_PER_BUCKET} ${spec.noun})`,
    };
  }
  const xs = tested.map(([i]) => i);
  const ys = tested.map(([, p]) => p.value as number);
  const mk = mannKendall(ys) as MannKendallResult;
  const ts = theilSen(xs, ys) as SlopeEstimate;
  let direction: TrendDirection = 'no_trend';
  if (mk.pValue < alpha && ts.slope !== 0) direction = ts.slope > 0 === (spec.better === 'higher') ? 'improving' : 'worsening';
  const slope = formatSlope(ts.slope, spec.unit);
  const p = `Mann–Kendall ${mk.pValue < 0.0001 ? 'p < 0.0001' : `p = ${mk.pValue.toFixed(4)}`}`;
  const summary =
    direction === 'no_trend'
      ? `${key}: no trend beyond noise (slope ${slope}/${o.bucket}, ${p})`
      : `${key}: ${direction} by ${slope}/${o.bucket} [${formatSlope(ts.ci[0], spec.unit)}, ${formatSlope(ts.ci[1], spec.unit)}], ${p}`;
  return { key, points, direction, slope_per_bucket: ts.slope, slope_ci: ts.ci, mann_kendall: { s: mk.s, z: mk.z, p_value: mk.pValue }, summary };
}

function formatSlope(v: number, unit: string): string {
  const sign = v >= 0 ? '+' : '−';
  const a = Math.abs(v);
  if (unit === 'rate') return `${sign}${(a * 100).toFixed(2)} pts`;
  if (unit === 'ms') return `${sign}${a < 10 ? a.toFixed(1) : Math.round(a)} ms`;
  if (unit === 'usd') return `${sign}$${Number(a.toPrecision(2))}`;
  if (unit === 'ratio') return `${sign}${a.toFixed(3)}×`;
  return `${sign}${a.toFixed(3)}`;
}

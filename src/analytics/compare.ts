/**
 * `compare`: every pair of groups, the difference with its interval, a p-value from a test
 * that fits the metric, Holm's correction across the pairs, and a verdict in words. The
 * methods and how to read them: docs/statistics.md.
 */
import { sampleSizeTwoMeans, sampleSizeTwoProportions } from './power.js';
import { holmAdjust } from './multiple-comparisons.js';
import { METRIC_SPECS } from './metrics.js';
import type { Metric, MetricSpec } from './metrics.js';
import { wilsonInterval } from './stats.js';
import { studentTQuantile } from './distributions.js';
import { compareProportions } from './tests-proportions.js';
import { hodgesLehmann, mannWhitney } from './tests-ranks.js';
import { meanVariance, welchTest } from './tests-means.js';
import { bootstrapMeanRatio } from './bootstrap.js';

/** Options of `compareGroups`. */
export interface CompareOptions {
  /** Family-wise significance level. Default 0.05. */
  alpha?: number;
  /** Power for "about N more per group". Default 0.8. */
  power?: number;
  /** At most this many groups (the largest) are compared pairwise. Default 8 (28 pairs). */
  maxGroups?: number;
  /** Override the metric's smallest difference worth finding. */
  minEffect?: number;
  /** Group order (A before B), e.g. `['after', 'before']`; default: largest group first. */
  order?: readonly string[];
}

/** One group's estimate. */
export interface GroupEstimate {
  key: string;
  n: number;
  /** Rate, median, mean (cost, rating) or geometric mean, by metric. */
  estimate: number;
  /** 95 % interval of the estimate (Wilson for rates, t for means; null for medians and costs). */
  ci: [number, number] | null;
  /** For rates: the successes. */
  successes?: number;
}

/** `no_difference`: the interval excludes any difference as large as the minimum effect. */
export type Verdict = 'a_better' | 'b_better' | 'no_difference' | 'not_enough_data';

/** One pair. The effect is A relative to B: a difference (rates, ratings) or a ratio. */
export interface PairComparison {
  a: string;
  b: string;
  effect: { scale: 'difference' | 'ratio'; value: number; ci: [number, number] };
  p_value: number;
  /** Holm-adjusted across all pairs of this comparison. */
  p_adjusted: number;
  test: string;
  verdict: Verdict;
  /** The verdict in a sentence. */
  summary: string;
  /** When the verdict is `not_enough_data`: more observations needed in each group. */
  more_per_group: number | null;
}

/** What `compareGroups` returns. */
export interface ComparisonReport {
  metric: Metric;
  better: MetricSpec['better'];
  unit: MetricSpec['unit'];
  alpha: number;
  power: number;
  min_effect: number;
  correction: 'holm';
  groups: GroupEstimate[];
  /** Groups too small to test (fewer than 2 values for means, none for rates). */
  untested: string[];
  comparisons: PairComparison[];
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}

/** Robust spread: 1.4826·MAD, falling back to the standard deviation when MAD is 0. */
function robustSd(xs: readonly number[]): number {
  if (xs.length < 2) return 0;
  const med = median(xs);
  const mad = median(xs.map((v) => Math.abs(v - med))) * 1.4826;
  if (mad > 0) return mad;
  const { variance } = meanVariance(xs);
  return Math.sqrt(variance);
}

/**
 * The estimate of one group, by metric: a rate with its Wilson interval, a median, a mean
 * cost, a mean rating or a geometric mean with a t interval.
 *
 * @example
 * estimateGroup('gpt-4.1', [1, 1, 0, 1], 'success_rate') // { estimate: 0.75, ci: [0.30, 0.95], … }
 */
export function estimateGroup(key: string, values: readonly number[], metric: Metric): GroupEstimate {
  const spec = METRIC_SPECS[metric];
  const n = values.length;
  if (spec.test === 'proportion') {
    let x = 0;
    for (const v of values) x += v;
    return { key, n, estimate: n > 0 ? x / n : NaN, ci: wilsonInterval(x, n), successes: x };
  }
  if (spec.test === 'rank') return { key, n, estimate: n > 0 ? median(values) : NaN, ci: null };
  if (spec.test === 'bootstrap') return { key, n, estimate: n > 0 ? meanVariance(values).mean : NaN, ci: null };
  const xs = spec.test === 'logmean' ? values.map(Math.log) : values;
  const { mean, variance } = meanVariance(xs);
  let ci: [number, number] | null = null;
  if (n >= 2) {
    const half = studentTQuantile(0.975, n - 1) * Math.sqrt(variance / n);
    ci = [mean - half, mean + half];
  }
  if (spec.test === 'logmean') return { key, n, estimate: Math.exp(mean), ci: ci ? [Math.exp(ci[0]), Math.exp(ci[1])] : null };
  return { key, n, estimate: mean, ci };
}

interface RawPair {
  effect: PairComparison['effect'];
  p: number;
  test: string;
  /** Effect and min effect on the scale the test works on (log for ratios). */
  testScale: { value: number; ci: [number, number]; min: number };
  /** Per-group n needed to detect the larger of the observed and the minimum effect. */
  needed: number;
}

function comparePair(x: readonly number[], y: readonly number[], spec: MetricSpec, minEffect: number, alphaEach: number, power: number): RawPair | null {
  if (spec.test === 'proportion') {
    let sx = 0;
    let sy = 0;
    for (const v of x) sx += v;
    for (const v of y) sy += v;
    const r = compareProportions(sx, x.length, sy, y.length);
    if (!r) return null;
    const e = Math.max(Math.abs(r.difference), minEffect);
    const centre = Math.min(1 - e / 2, Math.max(e / 2, (sx + sy) / (x.length + y.length)));
    return {
      effect: { scale: 'difference', value: r.difference, ci: r.ci },
      p: r.pValue,
      test: r.test,
      testScale: { value: r.difference, ci: r.ci, min: minEffect },
      needed: sampleSizeTwoProportions(centre - e / 2, centre + e / 2, alphaEach, power),
    };
  }
  if (x.length < 2 || y.length < 2) return null;
  if (spec.test === 'rank') {
    // Durations and costs are positive and skewed: the shift of logs is a ratio of medians,
    // and the rank test is unchanged by taking logs. Zero costs force the plain scale.
    const positive = x.every((v) => v > 0) && y.every((v) => v > 0);
    const tx = positive ? x.map(Math.log) : x;
    const ty = positive ? y.map(Math.log) : y;
    const mw = mannWhitney(tx, ty);
    const hl = hodgesLehmann(tx, ty);
    if (!mw || !hl) return null;
    const min = positive ? Math.log(1 + minEffect) : minEffect * Math.abs(median([...x, ...y]));
    const sd = Math.sqrt((robustSd(tx) ** 2 + robustSd(ty) ** 2) / 2);
    return {
      effect: positive
        ? { scale: 'ratio', value: Math.exp(hl.shift), ci: [Math.exp(hl.ci[0]), Math.exp(hl.ci[1])] }
        : { scale: 'difference', value: hl.shift, ci: hl.ci },
      p: mw.pValue,
      test: `Mann–Whitney U (${mw.method})${positive ? ', Hodges–Lehmann ratio' : ', Hodges–Lehmann shift'}`,
      testScale: { value: hl.shift, ci: hl.ci, min },
      needed: sampleSizeTwoMeans(Math.max(Math.abs(hl.shift), min), sd, alphaEach, power, 3 / Math.PI),
    };
  }
  if (spec.test === 'bootstrap') {
    const b = bootstrapMeanRatio(x, y);
    if (!b) return null;
    const min = Math.log(1 + minEffect);
    // Var(log mean) ≈ CV²/n: plan with the pooled coefficient of variation.
    const cv = (xs: readonly number[]): number => {
      const { mean, variance } = meanVariance(xs);
      return Math.sqrt(variance) / mean;
    };
    const sd = Math.sqrt((cv(x) ** 2 + cv(y) ** 2) / 2);
    const logRatio = Math.log(b.ratio);
    return {
      effect: { scale: 'ratio', value: b.ratio, ci: b.ci },
      p: b.pValue,
      test: b.method === 'bootstrap' ? `bootstrap ratio of means (${b.resamples} seeded resamples)` : 'ratio of means (delta method)',
      testScale: { value: logRatio, ci: [Math.log(b.ci[0]), Math.log(b.ci[1])], min },
      needed: sampleSizeTwoMeans(Math.max(Math.abs(logRatio), min), sd, alphaEach, power),
    };
  }
  const log = spec.test === 'logmean';
  const tx = log ? x.map(Math.log) : x;
  const ty = log ? y.map(Math.log) : y;
  const w = welchTest(tx, ty);
  if (!w) return null;
  const min = log ? Math.log(1 + minEffect) : minEffect;
  const sd = Math.sqrt((meanVariance(tx).variance + meanVariance(ty).variance) / 2);
  return {
    effect: log
      ? { scale: 'ratio', value: Math.exp(w.difference), ci: [Math.exp(w.ci[0]), Math.exp(w.ci[1])] }
      : { scale: 'difference', value: w.difference, ci: w.ci },
    p: w.pValue,
    test: log ? 'Welch t on log ratios' : 'Welch t',
    testScale: { value: w.difference, ci: w.ci, min },
    needed: sampleSizeTwoMeans(Math.max(Math.abs(w.difference), min), sd, alphaEach, power),
  };
}

/**
 * A figure for the verdict sentence: `+8.1 pts`, `1.32×`, `+0.4 stars`.
 *
 * @example
 * formatEffect({ scale: 'difference', value: 0.081, ci: [0.02, 0.14] }, 'rate') // '+8.1 pts'
 */
export function formatEffect(effect: PairComparison['effect'], unit: MetricSpec['unit']): string {
  if (effect.scale === 'ratio') return `${effect.value.toFixed(2)}×`;
  const sign = effect.value >= 0 ? '+' : '−';
  const v = Math.abs(effect.value);
  if (unit === 'rate') return `${sign}${(v * 100).toFixed(1)} pts`;
  if (unit === 'rating') return `${sign}${v.toFixed(2)} stars`;
  if (unit === 'usd') return `${sign}$${Number(v.toPrecision(2))}`;
  if (unit === 'ms') return `${sign}${Math.round(v)} ms`;
  return `${sign}${Number(v.toPrecision(3))}`;
}

/**
 * Compare every pair of groups of observations (values from `observe`). Pairs are A vs B
 * with A the larger group (or the earlier in `order`); the verdict uses Holm-adjusted p-values at `alpha`.
 *
 * @example
 * const r = compareGroups(new Map([['gpt-4.1', outcomesA], ['qwen', outcomesB]]), 'success_rate');
 * r.comparisons[0].summary // "gpt-4.1 is better than qwen: +12.0 pts [6.1, 17.8], p = 0.0003"
 */
export function compareGroups(samples: ReadonlyMap<string, readonly number[]>, metric: Metric, o: CompareOptions = {}): ComparisonReport {
  const spec = METRIC_SPECS[metric];
  const alpha = o.alpha ?? 0.05;
  const power = o.power ?? 0.8;
  const minEffect = o.minEffect ?? spec.minEffect;
  const minN = spec.test === 'proportion' ? 1 : 2;
  const rank = (k: string): number => (o.order ? o.order.indexOf(k) : -1);
  const sorted = [...samples].sort((a, b) => rank(a[0]) - rank(b[0]) || b[1].length - a[1].length || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  const groups = sorted.map(([key, values]) => estimateGroup(key, values, metric));
  const testable = sorted.filter(([, v]) => v.length >= minN).slice(0, o.maxGroups ?? 8);
  const untested = sorted.filter(([key]) => !testable.some(([k]) => k === key)).map(([key]) => key);
  const raw: { a: string; b: string; na: number; nb: number; r: RawPair }[] = [];
  const pairCount = (testable.length * (testable.length - 1)) / 2;
  // Sample sizes are planned at α / (number of pairs): Holm's first step, the strictest.
  const alphaEach = pairCount > 0 ? alpha / pairCount : alpha;
  for (let i = 0; i < testable.length; i++) {
    for (let j = i + 1; j < testable.length; j++) {
      const [a, x] = testable[i] as [string, readonly number[]];
      const [b, y] = testable[j] as [string, readonly number[]];
      const r = comparePair(x, y, spec, minEffect, alphaEach, power);
      if (r) raw.push({ a, b, na: x.length, nb: y.length, r });
    }
  }
  const adjusted = holmAdjust(raw.map((p) => p.r.p));
  const comparisons = raw.map((p, i): PairComparison => {
    const pAdj = adjusted[i] as number;
    const { value, ci, min } = p.r.testScale;
    let verdict: Verdict;
    let more: number | null = null;
    if (pAdj < alpha) {
      const aHigher = value > 0;
      verdict = aHigher === (spec.better === 'higher') ? 'a_better' : 'b_better';
    } else if (ci[0] > -min && ci[1] < min) verdict = 'no_difference';
    else {
      const needed = Math.ceil(p.r.needed) - Math.min(p.na, p.nb);
      if (Number.isFinite(needed) && needed > 0) {
        verdict = 'not_enough_data';
        more = needed;
      } else verdict = 'no_difference';
    }
    return {
      a: p.a,
      b: p.b,
      effect: p.r.effect,
      p_value: p.r.p,
      p_adjusted: pAdj,
      test: p.r.test,
      verdict,
      summary: verdictText(p.a, p.b, verdict, p.r.effect, spec, pAdj, more),
      more_per_group: more,
    };
  });
  return { metric, better: spec.better, unit: spec.unit, alpha, power, min_effect: minEffect, correction: 'holm', groups, untested, comparisons };
}

function formatP(p: number): string {
  if (p < 0.0001) return 'p < 0.0001';
  return `p = ${p < 0.001 ? p.toExponential(1) : p.toFixed(p < 0.01 ? 4 : 3)}`;
}

function verdictText(a: string, b: string, v: Verdict, effect: PairComparison['effect'], spec: MetricSpec, p: number, more: number | null): string {
  // When B wins, say it from B's side: "B is faster than A: 0.60× the median duration".
  const e: PairComparison['effect'] =
    v !== 'b_better'
      ? effect
      : effect.scale === 'ratio'
        ? { scale: 'ratio', value: 1 / effect.value, ci: [1 / effect.ci[1], 1 / effect.ci[0]] }
        : { scale: 'difference', value: -effect.value, ci: [-effect.ci[1], -effect.ci[0]] };
  const fig = (x: number): string => formatEffect({ ...e, value: x }, spec.unit);
  const of = e.scale === 'ratio' && spec.ratioOf ? ` ${spec.ratioOf}` : '';
  const range = `${formatEffect(e, spec.unit)}${of} [${fig(e.ci[0])}, ${fig(e.ci[1])}], ${formatP(p)}`;
  if (v === 'a_better') return `${a} is ${spec.betterWord} than ${b}: ${range}`;
  if (v === 'b_better') return `${b} is ${spec.betterWord} than ${a}: ${range}`;
  if (v === 'no_difference') return `no detectable difference between ${a} and ${b}: ${range}`;
  return `not enough data: about ${more ?? '?'} more ${spec.noun} per group needed to tell ${a} from ${b} (${range})`;
}

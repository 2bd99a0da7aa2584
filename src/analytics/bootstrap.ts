/**
 * A seeded bootstrap for the ratio of two means. Costs are what a budget sees as totals,
 * so their mean matters, yet they are skewed enough that a t interval on means is poor at
 * the sample sizes teams have; resampling makes no shape assumption. Seeded: the same data
 * gives the same interval on every run and machine.
 */
import { normalQuantile, normalTwoSided } from './distributions.js';
import { mulberry32 } from './random.js';

/**
 * Groups larger than this (both) use the delta method instead of resampling: the work of a
 * bootstrap grows with resamples × n, and at this size the normal approximation of the log
 * ratio of means is as good (a test compares the two).
 */
export const BOOTSTRAP_MAX_N = 2000;

/** Result of `bootstrapMeanRatio`: mean(x) / mean(y). */
export interface BootstrapRatio {
  ratio: number;
  /** Percentile interval of the resampled ratios. */
  ci: [number, number];
  /** Two-sided p-value of "ratio = 1" by inverting the percentile interval. */
  pValue: number;
  /** Resamples drawn; 0 when the delta method was used. */
  resamples: number;
  method: 'bootstrap' | 'delta';
}

function mean(xs: readonly number[]): number {
  let s = 0;
  for (const v of xs) s += v;
  return s / xs.length;
}

function resampledMean(xs: readonly number[], rand: () => number): number {
  let s = 0;
  const n = xs.length;
  for (let i = 0; i < n; i++) s += xs[Math.floor(rand() * n)] as number;
  return s / n;
}

/**
 * Percentile bootstrap (Efron & Tibshirani 1993, §13.3) of mean(x)/mean(y), resampling each
 * group independently; the delta method when both groups exceed `BOOTSTRAP_MAX_N`. The p-value is twice the smaller share of resampled ratios on either
 * side of 1 (with a +1 correction so it is never 0). Returns `null` when a group is empty or
 * a mean is not positive.
 *
 * @example
 * bootstrapMeanRatio(costsA, costsB).ratio // 1.32: A costs 32 % more per invocation
 */
export function bootstrapMeanRatio(x: readonly number[], y: readonly number[], resamples = 2000, seed = 1, level = 0.95): BootstrapRatio | null {
  if (x.length === 0 || y.length === 0) return null;
  const mx = mean(x);
  const my = mean(y);
  if (!(mx > 0 && my > 0)) return null;
  if (x.length > BOOTSTRAP_MAX_N && y.length > BOOTSTRAP_MAX_N) return deltaMethod(x, y, mx, my, level);
  const rand = mulberry32(seed);
  const ratios = new Float64Array(resamples);
  let below = 0;
  let above = 0;
  for (let b = 0; b < resamples; b++) {
    const r = resampledMean(x, rand) / resampledMean(y, rand);
    ratios[b] = r;
    if (r <= 1) below++;
    if (r >= 1) above++;
  }
  ratios.sort();
  const lo = ratios[Math.floor(((1 - level) / 2) * (resamples - 1))] as number;
  const hi = ratios[Math.ceil((1 - (1 - level) / 2) * (resamples - 1))] as number;
  const pValue = Math.min(1, (2 * (Math.min(below, above) + 1)) / (resamples + 1));
  return { ratio: mx / my, ci: [lo, hi], pValue, resamples, method: 'bootstrap' };
}

// Var(log mean) ≈ CV²/n (the delta method), so log(mx/my) ± z·√(CVx²/nx + CVy²/ny).
function deltaMethod(x: readonly number[], y: readonly number[], mx: number, my: number, level: number): BootstrapRatio {
  const relVar = (xs: readonly number[], m: number): number => {
    let ss = 0;
    for (const v of xs) ss += (v - m) ** 2;
    return ss / (xs.length - 1) / (m * m) / xs.length;
  };
  const se = Math.sqrt(relVar(x, mx) + relVar(y, my));
  const logRatio = Math.log(mx / my);
  const z = normalQuantile(1 - (1 - level) / 2);
  const pValue = se > 0 ? normalTwoSided(logRatio / se) : logRatio === 0 ? 1 : 0;
  return { ratio: mx / my, ci: [Math.exp(logRatio - z * se), Math.exp(logRatio + z * se)], pValue, resamples: 0, method: 'delta' };
}

/**
 * Welch's t test for a difference of means with unequal variances (Welch 1947). Used for
 * quality ratings (bounded 1–5, so the central limit theorem applies at modest n) and for
 * speedups on the log scale, where a difference of mean logs is a ratio of geometric means.
 */
import { studentTQuantile, studentTTwoSided } from './distributions.js';

/** Result of `welchTest`: mean of x minus mean of y. */
export interface WelchResult {
  difference: number;
  ci: [number, number];
  t: number;
  /** Welch–Satterthwaite degrees of freedom. */
  df: number;
  pValue: number;
}

/** Mean and unbiased variance. */
export function meanVariance(xs: readonly number[]): { mean: number; variance: number } {
  let mean = 0;
  for (const v of xs) mean += v;
  mean /= xs.length;
  let ss = 0;
  for (const v of xs) ss += (v - mean) ** 2;
  return { mean, variance: xs.length > 1 ? ss / (xs.length - 1) : NaN };
}

/**
 * Two-sided Welch t test and interval. Needs at least two values per sample; returns
 * `null` otherwise. When both samples are constant the difference is exact (interval of
 * zero width, p = 1 for equal means and 0 otherwise).
 *
 * @example
 * // Student's sleep data (Cushny & Peebles 1905): t = −1.8608, df = 17.776, p = 0.0794
 * welchTest([0.7, -1.6, -0.2, -1.2, -0.1, 3.4, 3.7, 0.8, 0, 2], [1.9, 0.8, 1.1, 0.1, -0.1, 4.4, 5.5, 1.6, 4.6, 3.4])
 */
export function welchTest(x: readonly number[], y: readonly number[], level = 0.95): WelchResult | null {
  if (x.length < 2 || y.length < 2) return null;
  const a = meanVariance(x);
  const b = meanVariance(y);
  const difference = a.mean - b.mean;
  const va = a.variance / x.length;
  const vb = b.variance / y.length;
  const se = Math.sqrt(va + vb);
  if (!(se > 0)) {
    return { difference, ci: [difference, difference], t: difference === 0 ? 0 : Math.sign(difference) * Infinity, df: x.length + y.length - 2, pValue: difference === 0 ? 1 : 0 };
  }
  const df = (va + vb) ** 2 / (va ** 2 / (x.length - 1) + vb ** 2 / (y.length - 1));
  const t = difference / se;
  const q = studentTQuantile(1 - (1 - level) / 2, df);
  return { difference, ci: [difference - q * se, difference + q * se], t, df, pValue: studentTTwoSided(t, df) };
}

/**
 * Comparing two success rates: the difference with Newcombe's hybrid score interval and a
 * p-value from the pooled two-proportion z test, or from Fisher's exact test when a cell's
 * expected count is below 5 (Cochran's rule), where the normal approximation is poor.
 */
import { logChoose, normalQuantile, normalTwoSided } from './distributions.js';
import { wilsonInterval } from './stats.js';

/** Result of `compareProportions`: group A minus group B. */
export interface ProportionComparison {
  /** p_A − p_B. */
  difference: number;
  /** 95 % (or the asked level) interval for the difference. */
  ci: [number, number];
  pValue: number;
  /** Which test gave the p-value. */
  test: 'two-proportion z' | 'Fisher exact';
  /** z statistic of the pooled test (also reported when Fisher's p-value is used). */
  z: number;
}

/**
 * Newcombe's hybrid score interval for p₁ − p₂ ("method 10" in Newcombe 1998, Stat. Med.
 * 17:873): built from the two Wilson intervals, so it keeps its coverage at small n and at
 * rates near 0 or 1, where the Wald interval fails.
 *
 * @example
 * newcombeInterval(56, 70, 48, 80) // [0.0524, 0.3339] (Newcombe 1998, Table II)
 */
export function newcombeInterval(x1: number, n1: number, x2: number, n2: number, level = 0.95): [number, number] | null {
  const z = normalQuantile(1 - (1 - level) / 2);
  const w1 = wilsonInterval(x1, n1, z);
  const w2 = wilsonInterval(x2, n2, z);
  if (!w1 || !w2) return null;
  const p1 = x1 / n1;
  const p2 = x2 / n2;
  const d = p1 - p2;
  const [l1, u1] = w1;
  const [l2, u2] = w2;
  const lower = d - Math.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2);
  const upper = d + Math.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2);
  return [Math.max(-1, lower), Math.min(1, upper)];
}

/**
 * Two-sided Fisher exact test of a 2×2 table [[a, b], [c, d]]: the probability, under fixed
 * margins, of every table at most as likely as the one seen.
 *
 * @example
 * fisherExact(3, 1, 1, 3) // 0.4857 (Fisher's tea-tasting table; Agresti 2002, §3.5.2)
 */
export function fisherExact(a: number, b: number, c: number, d: number): number {
  const row1 = a + b;
  const col1 = a + c;
  const n = a + b + c + d;
  const lnDenom = logChoose(n, col1);
  const lnP = (k: number): number => logChoose(row1, k) + logChoose(n - row1, col1 - k) - lnDenom;
  const observed = lnP(a);
  const lo = Math.max(0, col1 - (n - row1));
  const hi = Math.min(row1, col1);
  let p = 0;
  // Relative tolerance so tables equally likely as the observed one are not lost to rounding.
  for (let k = lo; k <= hi; k++) {
    const lk = lnP(k);
    if (lk <= observed + 1e-7) p += Math.exp(lk);
  }
  return Math.min(1, p);
}

/**
 * Pooled two-proportion z statistic (equal to the signed root of Pearson's χ² for the 2×2
 * table). 0 when both rates are 0 or both are 1.
 */
export function twoProportionZ(x1: number, n1: number, x2: number, n2: number): number {
  const pooled = (x1 + x2) / (n1 + n2);
  const se = Math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2));
  return se > 0 ? (x1 / n1 - x2 / n2) / se : 0;
}

/**
 * Compare two rates x₁/n₁ and x₂/n₂: difference, Newcombe interval and a two-sided p-value.
 * Returns `null` when a group has no trials.
 *
 * @example
 * compareProportions(189, 11034, 104, 11037) // difference 0.0077, z² ≈ 25.0 (Agresti 2002, Table 2.3)
 */
export function compareProportions(x1: number, n1: number, x2: number, n2: number, level = 0.95): ProportionComparison | null {
  const ci = newcombeInterval(x1, n1, x2, n2, level);
  if (!ci) return null;
  const z = twoProportionZ(x1, n1, x2, n2);
  const n = n1 + n2;
  const successes = x1 + x2;
  const minExpected = Math.min(n1, n2) * Math.min(successes, n - successes) / n;
  if (minExpected < 5) {
    return { difference: x1 / n1 - x2 / n2, ci, pValue: fisherExact(x1, n1 - x1, x2, n2 - x2), test: 'Fisher exact', z };
  }
  return { difference: x1 / n1 - x2 / n2, ci, pValue: normalTwoSided(z), test: 'two-proportion z', z };
}

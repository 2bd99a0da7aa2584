/**
 * Sample sizes for "not enough data: about N more runs per group": how many observations
 * per group a two-sided test at level α needs to detect a given difference with the given
 * power. Normal approximations, as in the textbooks; they are estimates, shown rounded up.
 */
import { normalQuantile } from './distributions.js';

/**
 * Per-group n to tell rates p₁ and p₂ apart (Fleiss, Levin & Paik 2003, eq. 4.14, without
 * continuity correction; R's power.prop.test uses the same formula). `Infinity` when the
 * rates are equal.
 *
 * @example
 * sampleSizeTwoProportions(0.5, 0.75, 0.05, 0.9) // 76.7 (R power.prop.test: 76.65)
 */
export function sampleSizeTwoProportions(p1: number, p2: number, alpha = 0.05, power = 0.8): number {
  const d = Math.abs(p1 - p2);
  if (!(d > 0)) return Infinity;
  const za = normalQuantile(1 - alpha / 2);
  const zb = normalQuantile(power);
  const pbar = (p1 + p2) / 2;
  const root = za * Math.sqrt(2 * pbar * (1 - pbar)) + zb * Math.sqrt(p1 * (1 - p1) + p2 * (1 - p2));
  return (root * root) / (d * d);
}

/**
 * Per-group n to detect a difference of means `delta` with common standard deviation `sd`
 * (two-sample z approximation, 2(z₁₋α/₂ + z₁₋β)²σ²/δ²). Divide by the asymptotic relative
 * efficiency 3/π ≈ 0.955 for the Mann–Whitney test (`efficiency`).
 *
 * @example
 * sampleSizeTwoMeans(1, 2) // 62.8 per group (power 0.8, α 0.05)
 */
export function sampleSizeTwoMeans(delta: number, sd: number, alpha = 0.05, power = 0.8, efficiency = 1): number {
  const d = Math.abs(delta);
  if (!(d > 0)) return Infinity;
  if (!(sd > 0)) return 2;
  const za = normalQuantile(1 - alpha / 2);
  const zb = normalQuantile(power);
  return (2 * (za + zb) ** 2 * sd * sd) / (d * d) / efficiency;
}

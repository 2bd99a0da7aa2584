/**
 * Correction for many comparisons at once: with five groups there are ten pairs, and at
 * α = 5 % each, the chance of at least one false "difference" is up to 40 %.
 */

/**
 * Holm's step-down adjustment (Holm 1979, Scand. J. Statist. 6:65): controls the
 * family-wise error rate like Bonferroni under any dependence, and is uniformly more
 * powerful. Returns adjusted p-values in the input order; compare each with α.
 *
 * @example
 * holmAdjust([0.01, 0.04, 0.03, 0.005]) // [0.03, 0.06, 0.06, 0.02] (as R's p.adjust)
 */
export function holmAdjust(pValues: readonly number[]): number[] {
  const m = pValues.length;
  const order = pValues.map((p, i) => [p, i] as const).sort((a, b) => a[0] - b[0]);
  const out = new Array<number>(m);
  let running = 0;
  order.forEach(([p, i], rank) => {
    running = Math.max(running, Math.min(1, (m - rank) * p));
    out[i] = running;
  });
  return out;
}

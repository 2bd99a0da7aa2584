/**
 * Rank tests for durations and costs: skewed, heavy-tailed values where a t test on means
 * is dominated by a few slow runs. Mann–Whitney U (Wilcoxon rank-sum) for the p-value and
 * the Hodges–Lehmann estimate of the shift with its distribution-free interval.
 */
import { normalQuantile, normalTwoSided } from './distributions.js';
import { mulberry32, sampleWithoutReplacement } from './random.js';

/** Result of `mannWhitney`. */
export interface MannWhitneyResult {
  /** U of the first sample: pairs (x, y) with x > y, ties counting one half. */
  u: number;
  /** U / (n₁·n₂): the probability that a random x exceeds a random y (ties half). */
  probabilityOfSuperiority: number;
  /** Normal-approximation statistic, tie- and continuity-corrected (0 for the exact test). */
  z: number;
  pValue: number;
  /** Exact permutation distribution (small samples without ties) or normal approximation. */
  method: 'exact' | 'normal';
}

/** Samples up to this size, without ties, get the exact distribution of U. */
const EXACT_MAX = 50;

// Number of arrangements giving each U: the coefficients of the Gaussian binomial
// [m+n choose m]_q = Π_{k=1..m} (1 − q^(n+k)) / (1 − q^k) (Andrews 1976, Theory of
// Partitions, §3.3), O(m·mn) instead of the O(m·n·mn) Mann–Whitney recurrence. Every
// partial product is itself a polynomial, so each division is exact.
function exactUDistribution(m: number, n: number): Float64Array {
  const c = new Float64Array(m * n + m + 1);
  c[0] = 1;
  let deg = 0;
  for (let k = 1; k <= m; k++) {
    const a = n + k;
    for (let u = deg + a; u >= a; u--) c[u] = (c[u] as number) - (c[u - a] as number);
    deg += a;
    for (let u = k; u <= deg; u++) c[u] = (c[u] as number) + (c[u - k] as number);
    deg -= k;
  }
  return c.subarray(0, m * n + 1);
}

function ranks(values: readonly number[]): { ranks: Float64Array; tieTerm: number; ties: boolean } {
  const order = values.map((v, i) => [v, i] as const).sort((p, q) => p[0] - q[0]);
  const r = new Float64Array(values.length);
  let tieTerm = 0;
  let ties = false;
  for (let i = 0; i < order.length; ) {
    let j = i;
    while (j + 1 < order.length && (order[j + 1] as readonly [number, number])[0] === (order[i] as readonly [number, number])[0]) j++;
    const t = j - i + 1;
    if (t > 1) {
      ties = true;
      tieTerm += t * t * t - t;
    }
    const avg = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) r[(order[k] as readonly [number, number])[1]] = avg;
    i = j + 1;
  }
  return { ranks: r, tieTerm, ties };
}

/**
 * Two-sided Mann–Whitney U test. Exact for samples of at most 50 each without ties;
 * otherwise the normal approximation with the tie correction of the variance and a
 * continuity correction (Lehmann 1975, Nonparametrics, §1.4).
 *
 * @example
 * // Hollander & Wolfe (1973), p. 69 (also R's wilcox.test example): U = 35, p = 0.2544
 * mannWhitney([0.8, 0.83, 1.89, 1.04, 1.45, 1.38, 1.91, 1.64, 0.73, 1.46], [1.15, 0.88, 0.9, 0.74, 1.21])
 */
export function mannWhitney(x: readonly number[], y: readonly number[]): MannWhitneyResult | null {
  const n1 = x.length;
  const n2 = y.length;
  if (n1 === 0 || n2 === 0) return null;
  const all = [...x, ...y];
  const { ranks: r, tieTerm, ties } = ranks(all);
  let r1 = 0;
  for (let i = 0; i < n1; i++) r1 += r[i] as number;
  const u = r1 - (n1 * (n1 + 1)) / 2;
  const mean = (n1 * n2) / 2;
  const ps = u / (n1 * n2);
  if (!ties && n1 <= EXACT_MAX && n2 <= EXACT_MAX) {
    const counts = exactUDistribution(n1, n2);
    let total = 0;
    for (const c of counts) total += c;
    const lowU = Math.min(u, n1 * n2 - u);
    let tail = 0;
    for (let k = 0; k <= lowU; k++) tail += counts[k] ?? 0;
    return { u, probabilityOfSuperiority: ps, z: 0, pValue: Math.min(1, (2 * tail) / total), method: 'exact' };
  }
  const n = n1 + n2;
  const variance = ((n1 * n2) / 12) * (n + 1 - tieTerm / (n * (n - 1)));
  if (!(variance > 0)) return { u, probabilityOfSuperiority: ps, z: 0, pValue: 1, method: 'normal' };
  const dev = u - mean;
  const z = (dev - Math.sign(dev) * 0.5) / Math.sqrt(variance);
  return { u, probabilityOfSuperiority: ps, z, pValue: normalTwoSided(z), method: 'normal' };
}

/** Above this many pairwise differences, both samples are subsampled (seeded) first. */
export const HODGES_LEHMANN_MAX_PAIRS = 1_000_000;

/** Result of `hodgesLehmann`: the shift of x relative to y. */
export interface ShiftEstimate {
  /** Median of all differences xᵢ − yⱼ. */
  shift: number;
  ci: [number, number];
  /** True when the samples were subsampled to bound the work. */
  subsampled: boolean;
}

function kthSmallest(a: Float64Array, k: number): number {
  // Quickselect (Hoare), in place; a is a scratch copy.
  let lo = 0;
  let hi = a.length - 1;
  while (lo < hi) {
    const pivot = a[(lo + hi) >> 1] as number;
    let i = lo;
    let j = hi;
    while (i <= j) {
      while ((a[i] as number) < pivot) i++;
      while ((a[j] as number) > pivot) j--;
      if (i <= j) {
        const t = a[i] as number;
        a[i] = a[j] as number;
        a[j] = t;
        i++;
        j--;
      }
    }
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else return a[k] as number;
  }
  return a[k] as number;
}

/**
 * Hodges–Lehmann estimate of the location shift between x and y, with the interval from the
 * order statistics of the pairwise differences (Hollander & Wolfe 1999, §4.3; normal
 * approximation for the critical value). Returns `null` for an empty sample.
 *
 * @example
 * hodgesLehmann([5, 6, 7], [1, 2, 3]).shift // 4
 */
export function hodgesLehmann(x: readonly number[], y: readonly number[], level = 0.95, seed = 1): ShiftEstimate | null {
  if (x.length === 0 || y.length === 0) return null;
  let xs = x;
  let ys = y;
  let subsampled = false;
  if (x.length * y.length > HODGES_LEHMANN_MAX_PAIRS) {
    const cap = Math.floor(Math.sqrt(HODGES_LEHMANN_MAX_PAIRS));
    const rand = mulberry32(seed);
    if (xs.length > cap) xs = sampleWithoutReplacement(xs, cap, rand);
    if (ys.length > cap) ys = sampleWithoutReplacement(ys, Math.min(ys.length, Math.floor(HODGES_LEHMANN_MAX_PAIRS / xs.length)), rand);
    subsampled = true;
  }
  const m = xs.length;
  const n = ys.length;
  const diffs = new Float64Array(m * n);
  let k = 0;
  for (const a of xs) for (const b of ys) diffs[k++] = a - b;
  const total = m * n;
  const median =
    total % 2 === 1
      ? kthSmallest(diffs.slice(), (total - 1) / 2)
      : (kthSmallest(diffs.slice(), total / 2 - 1) + kthSmallest(diffs.slice(), total / 2)) / 2;
  const z = normalQuantile(1 - (1 - level) / 2);
  const c = Math.max(0, Math.floor(total / 2 - z * Math.sqrt((m * n * (m + n + 1)) / 12)));
  const lo = kthSmallest(diffs.slice(), Math.min(total - 1, c));
  const hi = kthSmallest(diffs.slice(), Math.max(0, total - 1 - c));
  return { shift: median, ci: [lo, hi], subsampled };
}

/**
 * Mergeable statistics with bounded memory: rates with Wilson intervals, a relative-error
 * quantile sketch, a geometric-mean accumulator and a plain summary. Every accumulator has
 * `merge`, so partial aggregates (per segment, per worker, per day) combine into the same
 * answer as one pass over everything. Definitions: docs/metrics.md.
 */

/**
 * Wilson score interval for a binomial proportion (Wilson 1927; "method 3" in Newcombe
 * 1998, Stat. Med. 17:857). Unlike the Wald interval p ± z·√(p(1−p)/n) it stays inside
 * [0, 1] and does not collapse to a zero-width interval at 0/n or n/n, which is what lets
 * a report say that 1/1 is far less certain than 95/100.
 *
 * Returns `null` for zero trials (no information).
 *
 * @example
 * wilsonInterval(81, 263) // [0.2553…, 0.3662…] (Newcombe 1998, Table I)
 */
export function wilsonInterval(successes: number, trials: number, z = 1.96): [number, number] | null {
  if (!(trials > 0) || !Number.isFinite(trials)) return null;
  const p = Math.min(1, Math.max(0, successes / trials));
  const z2 = z * z;
  const denom = 1 + z2 / trials;
  const centre = (p + z2 / (2 * trials)) / denom;
  const half = (z / denom) * Math.sqrt((p * (1 - p)) / trials + z2 / (4 * trials * trials));
  return [Math.max(0, centre - half), Math.min(1, centre + half)];
}

/**
 * successes / (successes + failures), or `null` when both are zero. Outcomes that are
 * neither (partial, unknown, skipped, still open) are deliberately not passed in: the
 * sub-agent seed's analyser defines success rate this way and we keep its meaning.
 *
 * @example
 * rate(3, 1) // 0.75
 */
export function rate(successes: number, failures: number): number | null {
  const n = successes + failures;
  return n > 0 ? successes / n : null;
}

/** The sketch's relative accuracy α: every quantile is within ±1 % of a true sample value. */
export const SKETCH_RELATIVE_ACCURACY = 0.01;
/** Buckets kept per sign before the lowest ones are collapsed (DDSketch "collapsing lowest"). */
export const SKETCH_MAX_BUCKETS = 2048;
/** Magnitudes below this are counted as zero: far below a microsecond in ms units. */
export const SKETCH_MIN_INDEXABLE = 1e-9;
const MIN_INDEXABLE = SKETCH_MIN_INDEXABLE;

/**
 * Bucket counts of one sign. Once more than `max` buckets are occupied the lowest ones are
 * folded into the lowest kept bucket (`floor`), and later values below it land there too,
 * so a saturated store costs one map lookup per value. The kept set is always the `max`
 * highest indexes seen, which is what makes merging exact.
 */
class BucketStore {
  readonly counts = new Map<number, number>();
  readonly max: number;
  floor = -Infinity;

  constructor(max: number) {
    this.max = max;
  }

  add(index: number, weight: number): void {
    const i = Math.max(index, this.floor);
    this.counts.set(i, (this.counts.get(i) ?? 0) + weight);
    if (this.counts.size > this.max) this.collapse();
  }

  merge(other: BucketStore): void {
    this.floor = Math.max(this.floor, other.floor);
    for (const [i, c] of other.counts) this.counts.set(i, (this.counts.get(i) ?? 0) + c);
    // Keys below the raised floor can only exist here when the union exceeds `max`.
    if (this.counts.size > this.max) this.collapse();
  }

  // Collapsing the buckets nearest zero keeps the relative error of the high quantiles
  // (p95, p99: the ones reports show) intact, as in DDSketch's "collapsing lowest" store.
  collapse(): void {
    const keys = [...this.counts.keys()].sort((a, b) => a - b);
    const cut = keys.length - this.max;
    const floor = keys[cut] as number;
    let folded = 0;
    for (let k = 0; k < cut; k++) {
      const key = keys[k] as number;
      folded += this.counts.get(key) ?? 0;
      this.counts.delete(key);
    }
    this.counts.set(floor, (this.counts.get(floor) ?? 0) + folded);
    this.floor = floor;
  }

  /** Indexes in ascending order. */
  sortedKeys(): number[] {
    return [...this.counts.keys()].sort((a, b) => a - b);
  }
}

/**
 * Log-bucket quantile sketch after DDSketch (Masson, Rim & Lee, VLDB 2019). A positive
 * value x goes to bucket ⌈log_γ x⌉ with γ = (1+α)/(1−α); the bucket's estimate
 * 2γ^i/(γ+1) is within relative error α of every value in it. Memory is bounded by the
 * number of occupied buckets (at most `maxBuckets` per sign; γ^2048 ≈ 6·10^17, so with
 * α = 1 % the cap is only reached by data spanning 17 orders of magnitude, and then only
 * the lowest quantiles lose accuracy). Bucket counts add, so `merge` is exact: merging
 * sketches of parts gives the sketch of the whole.
 *
 * Quantile q returns an estimate of the sample of rank ⌊q·(n−1)⌋ (0-based, lower
 * quantile), clamped to the exact min and max, which are tracked as well.
 *
 * @example
 * const s = new QuantileSketch();
 * for (const ms of durations) s.add(ms);
 * s.quantile(0.5); s.quantile(0.95);
 */
export class QuantileSketch {
  readonly relativeAccuracy: number;
  readonly maxBuckets: number;
  readonly #gamma: number;
  readonly #lnGamma: number;
  readonly #positive: BucketStore;
  readonly #negative: BucketStore;
  #zeros = 0;
  #count = 0;
  #min = Infinity;
  #max = -Infinity;

  constructor(relativeAccuracy: number = SKETCH_RELATIVE_ACCURACY, maxBuckets: number = SKETCH_MAX_BUCKETS) {
    if (!(relativeAccuracy > 0 && relativeAccuracy < 1)) throw new RangeError('relativeAccuracy must be in (0, 1)');
    if (!(maxBuckets >= 2) || !Number.isInteger(maxBuckets)) throw new RangeError('maxBuckets must be an integer >= 2');
    this.relativeAccuracy = relativeAccuracy;
    this.maxBuckets = maxBuckets;
    this.#gamma = (1 + relativeAccuracy) / (1 - relativeAccuracy);
    this.#lnGamma = Math.log(this.#gamma);
    this.#positive = new BucketStore(maxBuckets);
    this.#negative = new BucketStore(maxBuckets);
  }

  /** Values added. */
  get count(): number {
    return this.#count;
  }

  /** Occupied buckets (the memory in use), zero bucket excluded. */
  get bucketCount(): number {
    return this.#positive.counts.size + this.#negative.counts.size;
  }

  /** Add one value, `weight` times. Non-finite values are ignored; returns whether it was kept. */
  add(x: number, weight = 1): boolean {
    if (!Number.isFinite(x) || !(weight > 0)) return false;
    if (Math.abs(x) < MIN_INDEXABLE) this.#zeros += weight;
    else (x > 0 ? this.#positive : this.#negative).add(this.#index(Math.abs(x)), weight);
    this.#count += weight;
    if (x < this.#min) this.#min = x;
    if (x > this.#max) this.#max = x;
    return true;
  }

  /** Fold another sketch (same accuracy) into this one. */
  merge(other: QuantileSketch): this {
    if (other.relativeAccuracy !== this.relativeAccuracy) throw new RangeError('cannot merge sketches of different accuracy');
    if (other.maxBuckets !== this.maxBuckets) throw new RangeError('cannot merge sketches of different bucket limits');
    this.#positive.merge(other.#positive);
    this.#negative.merge(other.#negative);
    this.#zeros += other.#zeros;
    this.#count += other.#count;
    if (other.#min < this.#min) this.#min = other.#min;
    if (other.#max > this.#max) this.#max = other.#max;
    return this;
  }

  /** Estimate of the q-quantile (0 ≤ q ≤ 1), or `null` when empty. */
  quantile(q: number): number | null {
    if (this.#count === 0 || !(q >= 0 && q <= 1)) return null;
    if (q === 0) return this.#min;
    if (q === 1) return this.#max;
    const rank = Math.floor(q * (this.#count - 1));
    let seen = 0;
    // Ascending value order: large negatives first, then zeros, then positives.
    for (const i of this.#negative.sortedKeys().reverse()) {
      seen += this.#negative.counts.get(i) ?? 0;
      if (seen > rank) return this.#clamp(-this.#value(i));
    }
    seen += this.#zeros;
    if (seen > rank) return this.#clamp(0);
    for (const i of this.#positive.sortedKeys()) {
      seen += this.#positive.counts.get(i) ?? 0;
      if (seen > rank) return this.#clamp(this.#value(i));
    }
    return this.#max;
  }

  /** Exact smallest value added, or `null` when empty. */
  get min(): number | null {
    return this.#count > 0 ? this.#min : null;
  }

  /** Exact largest value added, or `null` when empty. */
  get max(): number | null {
    return this.#count > 0 ? this.#max : null;
  }

  #index(abs: number): number {
    return Math.ceil(Math.log(abs) / this.#lnGamma);
  }

  #value(i: number): number {
    return (2 * Math.pow(this.#gamma, i)) / (this.#gamma + 1);
  }

  #clamp(v: number): number {
    return Math.min(this.#max, Math.max(this.#min, v));
  }
}

/**
 * Geometric mean of positive ratios, kept as Σ ln(r) and n so it merges by addition.
 * Speedups are ratios: a 2× gain and a 2× loss must cancel to 1×, which the geometric mean
 * does and the arithmetic mean (1.25×) does not (Fleming & Wallace 1986, "How not to lie
 * with statistics: the correct way to summarize benchmark results").
 *
 * @example
 * const g = new GeoMean(); g.add(2); g.add(0.5); g.value // 1
 */
export class GeoMean {
  #sumLn = 0;
  #count = 0;

  /** Ratios added. */
  get count(): number {
    return this.#count;
  }

  /** Σ ln(ratio), for callers that persist partial aggregates. */
  get sumLn(): number {
    return this.#sumLn;
  }

  /** Geometric mean, or `null` when no ratio was added. */
  get value(): number | null {
    return this.#count > 0 ? Math.exp(this.#sumLn / this.#count) : null;
  }

  /** Add a ratio; anything not finite and > 0 is refused (returns false). */
  add(ratio: number): boolean {
    if (!(ratio > 0) || !Number.isFinite(ratio)) return false;
    this.#sumLn += Math.log(ratio);
    this.#count++;
    return true;
  }

  /** Add `count` ratios whose logarithms sum to `sumLn` (a partial aggregate computed elsewhere). */
  addParts(count: number, sumLn: number): this {
    if (count > 0 && Number.isFinite(sumLn)) {
      this.#sumLn += sumLn;
      this.#count += count;
    }
    return this;
  }

  merge(other: GeoMean): this {
    this.#sumLn += other.#sumLn;
    this.#count += other.#count;
    return this;
  }
}

/**
 * Count, sum, min, max and mean of finite values.
 *
 * @example
 * const s = new Summary(); s.add(1); s.add(3); s.mean // 2
 */
export class Summary {
  count = 0;
  sum = 0;
  min: number | null = null;
  max: number | null = null;

  get mean(): number | null {
    return this.count > 0 ? this.sum / this.count : null;
  }

  /** Add a value; non-finite values are ignored (returns false). */
  add(x: number): boolean {
    if (!Number.isFinite(x)) return false;
    this.count++;
    this.sum += x;
    if (this.min === null || x < this.min) this.min = x;
    if (this.max === null || x > this.max) this.max = x;
    return true;
  }

  merge(other: Summary): this {
    this.count += other.count;
    this.sum += other.sum;
    if (other.min !== null && (this.min === null || other.min < this.min)) this.min = other.min;
    if (other.max !== null && (this.max === null || other.max > this.max)) this.max = other.max;
    return this;
  }
}

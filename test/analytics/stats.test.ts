import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { GeoMean, QuantileSketch, Summary, rate, wilsonInterval } from '../../src/analytics/stats.js';
import { prng } from './fixtures.js';

describe('wilsonInterval', () => {
  // Newcombe 1998 (Stat. Med. 17:857), Table I, method 3 (Wilson score without continuity correction).
  it.each([
    [81, 263, 0.2553, 0.3662],
    [15, 148, 0.0624, 0.1605],
    [0, 20, 0, 0.1611],
    [1, 29, 0.0061, 0.1718],
  ])('%i/%i matches the published interval', (s, n, lo, hi) => {
    const ci = wilsonInterval(s, n);
    expect(ci).not.toBeNull();
    expect(ci![0]).toBeCloseTo(lo, 4);
    expect(ci![1]).toBeCloseTo(hi, 4);
  });

  it('is not degenerate at 0/n and n/n (z²/(n+z²) = 0.2775 for n = 10)', () => {
    const zero = wilsonInterval(0, 10)!;
    const all = wilsonInterval(10, 10)!;
    expect(zero[0]).toBe(0);
    expect(zero[1]).toBeCloseTo(0.2775, 4);
    expect(all[0]).toBeCloseTo(0.7225, 4);
    expect(all[1]).toBe(1);
  });

  it('is null without trials and narrows with more of them', () => {
    expect(wilsonInterval(0, 0)).toBeNull();
    const small = wilsonInterval(1, 1)!;
    const large = wilsonInterval(95, 100)!;
    expect(small[1] - small[0]).toBeGreaterThan(large[1] - large[0]);
    // The point of the interval: 1/1 does not beat 95/100 on its lower bound.
    expect(small[0]).toBeLessThan(large[0]);
  });

  it('always contains the observed proportion and stays in [0, 1]', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 10_000 }), fc.double({ min: 0, max: 1, noNaN: true }), (n, f) => {
        const s = Math.round(f * n);
        const [lo, hi] = wilsonInterval(s, n)!;
        expect(lo).toBeGreaterThanOrEqual(0);
        expect(hi).toBeLessThanOrEqual(1);
        expect(lo).toBeLessThanOrEqual(s / n + 1e-12);
        expect(hi).toBeGreaterThanOrEqual(s / n - 1e-12);
      }),
    );
  });
});

describe('rate', () => {
  it('is successes over decided outcomes, null without any', () => {
    expect(rate(3, 1)).toBe(0.75);
    expect(rate(0, 2)).toBe(0);
    expect(rate(0, 0)).toBeNull();
  });
});

function exactQuantile(sorted: readonly number[], q: number): number {
  return sorted[Math.floor(q * (sorted.length - 1))]!;
}

const QS = [0.01, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99];

describe('QuantileSketch', () => {
  const distributions: Array<[string, (r: () => number) => number]> = [
    ['uniform ms', (r) => r() * 10_000],
    // Latencies are roughly log-normal: a long right tail over several decades.
    ['log-normal', (r) => Math.exp(3 + 2 * Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r()))],
    ['exponential', (r) => -Math.log(1 - r()) * 500],
  ];

  it.each(distributions)('is within 1 %% of the exact quantile on %s data', (_name, draw) => {
    const r = prng(42);
    const values = Array.from({ length: 20_000 }, () => draw(r));
    const sketch = new QuantileSketch();
    for (const v of values) sketch.add(v);
    const sorted = [...values].sort((a, b) => a - b);
    expect(sketch.count).toBe(values.length);
    for (const q of QS) {
      const exact = exactQuantile(sorted, q);
      expect(Math.abs(sketch.quantile(q)! - exact) / exact).toBeLessThanOrEqual(0.01 + 1e-12);
    }
    expect(sketch.quantile(0)).toBe(sorted[0]);
    expect(sketch.quantile(1)).toBe(sorted[sorted.length - 1]);
  });

  it('handles zeros, negatives, huge values and ignores non-finite ones', () => {
    const s = new QuantileSketch();
    for (const v of [0, 0, 0, -5, 1e300, 7]) s.add(v);
    expect(s.add(Infinity)).toBe(false);
    expect(s.add(NaN)).toBe(false);
    expect(s.count).toBe(6);
    expect(s.quantile(0)).toBe(-5);
    expect(s.quantile(0.4)).toBe(0);
    expect(Math.abs(s.quantile(0.8)! - 7) / 7).toBeLessThanOrEqual(0.01);
    expect(s.quantile(1)).toBe(1e300);
    expect(new QuantileSketch().quantile(0.5)).toBeNull();
  });

  it('bounds memory by buckets, not values, and keeps high quantiles accurate when collapsing', () => {
    // 128 buckets at α = 1 % keep the top 1.1 decades exact: p95 and p99 of 12 decades fit.
    const s = new QuantileSketch(0.01, 128);
    const values: number[] = [];
    const r = prng(7);
    for (let i = 0; i < 100_000; i++) {
      const v = Math.pow(10, r() * 12); // 12 decades: ~1,400 buckets at α = 1 %
      values.push(v);
      s.add(v);
    }
    expect(s.bucketCount).toBeLessThanOrEqual(128);
    const sorted = values.sort((a, b) => a - b);
    for (const q of [0.95, 0.99]) {
      const exact = exactQuantile(sorted, q);
      expect(Math.abs(s.quantile(q)! - exact) / exact).toBeLessThanOrEqual(0.01 + 1e-12);
    }
    const dense = new QuantileSketch();
    for (let i = 0; i < 100_000; i++) dense.add(1000 + (i % 1000));
    // 1000..1999 ms spans log_γ(2) ≈ 35 buckets, whatever the number of values.
    expect(dense.bucketCount).toBeLessThan(40);
  });

  const valuesArb = fc.array(
    fc.oneof(
      fc.double({ min: 0, max: 1e6, noNaN: true }),
      fc.double({ min: -1e3, max: 0, noNaN: true }),
      fc.constant(0),
      fc.integer({ min: 0, max: 100_000 }),
    ),
    { maxLength: 300 },
  );

  it.each([2048, 8])('merging sketches of parts equals the sketch of the whole (maxBuckets %i)', (maxBuckets) => {
    fc.assert(
      fc.property(fc.array(valuesArb, { minLength: 1, maxLength: 5 }), (parts) => {
        const whole = new QuantileSketch(0.01, maxBuckets);
        for (const v of parts.flat()) whole.add(v);
        const merged = new QuantileSketch(0.01, maxBuckets);
        for (const part of parts) {
          const s = new QuantileSketch(0.01, maxBuckets);
          for (const v of part) s.add(v);
          merged.merge(s);
        }
        expect(merged.count).toBe(whole.count);
        for (const q of [0, ...QS, 1]) expect(merged.quantile(q)).toBe(whole.quantile(q));
      }),
    );
  });

  it('refuses to merge sketches of different accuracy', () => {
    expect(() => new QuantileSketch(0.01).merge(new QuantileSketch(0.02))).toThrow(RangeError);
  });
});

describe('GeoMean', () => {
  it('cancels a 2× gain and a 2× loss and refuses non-positive or non-finite ratios', () => {
    const g = new GeoMean();
    expect(g.value).toBeNull();
    g.add(2);
    g.add(0.5);
    expect(g.add(0)).toBe(false);
    expect(g.add(Infinity)).toBe(false);
    expect(g.add(-1)).toBe(false);
    expect(g.count).toBe(2);
    expect(g.value).toBeCloseTo(1, 12);
  });

  it('merging parts equals the whole', () => {
    fc.assert(
      fc.property(
        fc.array(fc.array(fc.double({ min: 1e-3, max: 1e3, noNaN: true }), { maxLength: 50 }), { maxLength: 5 }),
        (parts) => {
          const whole = new GeoMean();
          for (const v of parts.flat()) whole.add(v);
          const merged = new GeoMean();
          for (const part of parts) {
            const g = new GeoMean();
            for (const v of part) g.add(v);
            merged.merge(g);
          }
          expect(merged.count).toBe(whole.count);
          if (whole.value === null) expect(merged.value).toBeNull();
          else expect(merged.value! / whole.value).toBeCloseTo(1, 9);
        },
      ),
    );
  });
});

describe('Summary', () => {
  it('tracks count, sum, min, max and mean and merges', () => {
    fc.assert(
      fc.property(fc.array(fc.array(fc.integer({ min: -1e6, max: 1e6 }), { maxLength: 30 }), { maxLength: 4 }), (parts) => {
        const whole = new Summary();
        for (const v of parts.flat()) whole.add(v);
        const merged = new Summary();
        for (const part of parts) {
          const s = new Summary();
          for (const v of part) s.add(v);
          merged.merge(s);
        }
        expect({ ...merged, mean: merged.mean }).toEqual({ ...whole, mean: whole.mean });
      }),
    );
    const s = new Summary();
    s.add(1);
    s.add(3);
    expect(s.add(NaN)).toBe(false);
    expect([s.count, s.sum, s.min, s.max, s.mean]).toEqual([2, 4, 1, 3, 2]);
  });
});

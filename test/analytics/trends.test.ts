import { describe, expect, it } from 'vitest';
import { bucketStart, mannKendall, mulberry32, theilSen, trendSeries } from '../../src/analytics/index.js';
import { normalDeviate } from '../../src/analytics/random.js';

const DAY = 86_400_000;
const SINCE = Date.UTC(2025, 0, 6); // a Monday

describe('Mann–Kendall and Theil–Sen', () => {
  it('Mann–Kendall on a strictly increasing series of 10: S = 45, Var(S) = n(n−1)(2n+5)/18 = 125', () => {
    const r = mannKendall([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(r?.s).toBe(45);
    expect(r?.variance).toBe(125);
    expect(r?.z).toBeCloseTo(44 / Math.sqrt(125), 12);
    expect(r?.pValue).toBeCloseTo(8.3e-5, 6);
  });

  it('Mann–Kendall corrects the variance for ties (Gilbert 1987, eq. 16.4)', () => {
    // One tie group of 3: Var = [n(n−1)(2n+5) − t(t−1)(2t+5)]/18 = (6·5·17 − 3·2·11)/18.
    const r = mannKendall([1, 2, 2, 2, 3, 4]);
    expect(r?.variance).toBeCloseTo((6 * 5 * 17 - 3 * 2 * 11) / 18, 12);
    expect(r?.s).toBe(12);
  });

  it('Theil–Sen is the median pairwise slope and ignores an outlier', () => {
    expect(theilSen([0, 1, 2, 3], [1, 3, 5, 7])?.slope).toBe(2);
    const x = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
    const y = x.map((v) => 3 * v + 1);
    y[4] = 500;
    const r = theilSen(x, y);
    expect(r?.slope).toBe(3);
    expect(r?.intercept).toBe(1);
    expect(r?.ci[0]).toBeLessThanOrEqual(3);
    expect(r?.ci[1]).toBeGreaterThanOrEqual(3);
  });
});

describe('trendSeries', () => {
  function series(slopePerDay: number, noise: number, rand: () => number, days = 30, perDay = 40): [number, number][] {
    const out: [number, number][] = [];
    for (let d = 0; d < days; d++) for (let k = 0; k < perDay; k++) out.push([SINCE + d * DAY + k * 1000, 1000 * Math.exp(slopePerDay * d + noise * normalDeviate(rand))]);
    return out;
  }

  it('buckets by UTC day or ISO week and smooths over neighbours', () => {
    expect(bucketStart(Date.UTC(2025, 0, 8, 13), 'week')).toBe(SINCE);
    expect(bucketStart(Date.UTC(2025, 0, 8, 13), 'day')).toBe(Date.UTC(2025, 0, 8));
    const obs: [number, number][] = [[SINCE, 1], [SINCE + DAY, 0], [SINCE + 2 * DAY, 1]];
    const t = trendSeries('x', obs, 'success_rate', { sinceMs: SINCE, untilMs: SINCE + 3 * DAY, bucket: 'day' });
    expect(t.points.map((p) => p.value)).toEqual([1, 0, 1]);
    expect(t.points[1]?.smoothed).toBeCloseTo(2 / 3, 12);
    expect(t.direction).toBe('not_enough_data');
  });

  it('finds a real trend and calls its direction by the metric (durations rising = worsening)', () => {
    const rand = mulberry32(4);
    const t = trendSeries('all', series(0.02, 0.3, rand), 'duration', { sinceMs: SINCE, untilMs: SINCE + 30 * DAY, bucket: 'day' });
    expect(t.direction).toBe('worsening');
    // True daily slope of the median ≈ 1000·0.02·e^(0.02·d): about 20–36 ms/day over the month.
    expect(t.slope_per_bucket).toBeGreaterThan(15);
    expect(t.slope_per_bucket).toBeLessThan(40);
    expect(t.summary).toMatch(/^all: worsening by \+\d+ ms\/day/);
  });

  it('keeps the false-trend rate near 5 % on pure noise (seeded, 300 series)', () => {
    const rand = mulberry32(8);
    let called = 0;
    const reps = 300;
    for (let i = 0; i < reps; i++) {
      const t = trendSeries('n', series(0, 0.5, rand, 20, 5), 'duration', { sinceMs: SINCE, untilMs: SINCE + 20 * DAY, bucket: 'day' });
      if (t.direction === 'improving' || t.direction === 'worsening') called++;
    }
    expect(called / reps).toBeGreaterThan(0.015);
    expect(called / reps).toBeLessThan(0.09);
  });
});

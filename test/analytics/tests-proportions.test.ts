import { describe, expect, it } from 'vitest';
import { compareProportions, fisherExact, mulberry32, newcombeInterval, sampleSizeTwoProportions } from '../../src/analytics/index.js';

function binomial(n: number, p: number, rand: () => number): number {
  let x = 0;
  for (let i = 0; i < n; i++) if (rand() < p) x++;
  return x;
}

describe('difference of two proportions', () => {
  it("Newcombe's hybrid score interval matches Newcombe (1998) Table II, method 10", () => {
    const cases: [number, number, number, number, number, number][] = [
      [56, 70, 48, 80, 0.0524, 0.3339],
      [9, 10, 3, 10, 0.1705, 0.809],
      [6, 7, 2, 7, 0.0582, 0.8062],
    ];
    for (const [x1, n1, x2, n2, lo, hi] of cases) {
      const ci = newcombeInterval(x1, n1, x2, n2);
      expect(ci?.[0]).toBeCloseTo(lo, 4);
      expect(ci?.[1]).toBeCloseTo(hi, 4);
    }
    expect(newcombeInterval(1, 0, 1, 2)).toBeNull();
  });

  it("Fisher's exact test: the tea-tasting table (Agresti 2002, §3.5.2) and a symmetric check", () => {
    expect(fisherExact(3, 1, 1, 3)).toBeCloseTo(0.4857, 4);
    // R: fisher.test(matrix(c(10, 2, 3, 15), 2)) p = 0.0005367
    expect(fisherExact(10, 3, 2, 15)).toBeCloseTo(0.0005367, 6);
    expect(fisherExact(2, 15, 10, 3)).toBeCloseTo(fisherExact(10, 3, 2, 15), 12);
    expect(fisherExact(5, 5, 5, 5)).toBeCloseTo(1, 12);
  });

  it('two-proportion z: the Physicians’ Health Study aspirin table (Agresti 2002, Table 2.3: X² = 25.01)', () => {
    const r = compareProportions(189, 11034, 104, 11037);
    expect(r?.test).toBe('two-proportion z');
    expect(r?.difference).toBeCloseTo(0.0077, 4);
    expect((r?.z ?? 0) ** 2).toBeCloseTo(25.01, 1);
    expect(r?.pValue).toBeLessThan(1e-6);
  });

  it('switches to Fisher for small expected counts', () => {
    expect(compareProportions(3, 4, 1, 4)?.test).toBe('Fisher exact');
    expect(compareProportions(3, 4, 1, 4)?.pValue).toBeCloseTo(0.4857, 4);
  });

  // Simulation, seeded: 2,000 tables are enough to bound the rate within about ±1.5 points.
  it('keeps the false-positive rate near 5 % when there is no difference', () => {
    const rand = mulberry32(7);
    let rejected = 0;
    const reps = 2000;
    for (let i = 0; i < reps; i++) {
      const r = compareProportions(binomial(200, 0.3, rand), 200, binomial(200, 0.3, rand), 200);
      if ((r?.pValue ?? 1) < 0.05) rejected++;
    }
    expect(rejected / reps).toBeGreaterThan(0.03);
    expect(rejected / reps).toBeLessThan(0.07);
  });

  it('finds a true difference with the power its sample size was planned for', () => {
    const n = Math.ceil(sampleSizeTwoProportions(0.6, 0.75, 0.05, 0.8));
    expect(n).toBeGreaterThan(140);
    expect(n).toBeLessThan(160);
    const rand = mulberry32(11);
    let found = 0;
    let covered = 0;
    const reps = 1000;
    for (let i = 0; i < reps; i++) {
      const r = compareProportions(binomial(n, 0.75, rand), n, binomial(n, 0.6, rand), n);
      if (r && r.pValue < 0.05 && r.difference > 0) found++;
      if (r && r.ci[0] <= 0.15 && 0.15 <= r.ci[1]) covered++;
    }
    expect(found / reps).toBeGreaterThan(0.75);
    expect(found / reps).toBeLessThan(0.86);
    // The interval covers the true difference about 95 % of the time.
    expect(covered / reps).toBeGreaterThan(0.93);
  });
});

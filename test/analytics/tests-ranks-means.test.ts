import { describe, expect, it } from 'vitest';
import { hodgesLehmann, holmAdjust, mannWhitney, mulberry32, sampleSizeTwoMeans, sampleSizeTwoProportions, welchTest } from '../../src/analytics/index.js';
import { normalDeviate } from '../../src/analytics/random.js';

// Hollander & Wolfe (1973), Nonparametric Statistical Methods, p. 69; the example of R's
// wilcox.test: W = 35, exact two-sided p = 0.2544, Hodges–Lehmann "difference in location" 0.305.
const HW_X = [0.8, 0.83, 1.89, 1.04, 1.45, 1.38, 1.91, 1.64, 0.73, 1.46];
const HW_Y = [1.15, 0.88, 0.9, 0.74, 1.21];

// Student (1908) / Cushny & Peebles sleep data; R: t.test(extra ~ group, data = sleep).
const SLEEP_1 = [0.7, -1.6, -0.2, -1.2, -0.1, 3.4, 3.7, 0.8, 0.0, 2.0];
const SLEEP_2 = [1.9, 0.8, 1.1, 0.1, -0.1, 4.4, 5.5, 1.6, 4.6, 3.4];

describe('Mann–Whitney U and Hodges–Lehmann', () => {
  it('reproduces the Hollander & Wolfe example exactly', () => {
    const r = mannWhitney(HW_X, HW_Y);
    expect(r?.u).toBe(35);
    expect(r?.method).toBe('exact');
    expect(r?.pValue).toBeCloseTo(0.2544, 4);
    expect(hodgesLehmann(HW_X, HW_Y)?.shift).toBeCloseTo(0.305, 10);
  });

  it('with ties: the normal approximation with the tie-corrected variance', () => {
    // x = 1,2,2,3 vs y = 2,3,3,4: ranks 1, 3, 3, 6 / 3, 6, 6, 8 (ties 2×3 and 3×3 values).
    const r = mannWhitney([1, 2, 2, 3], [2, 3, 3, 4]);
    expect(r?.method).toBe('normal');
    expect(r?.u).toBe(3);
    // Var = n1·n2/12 · (N + 1 − Σ(t³ − t)/(N(N − 1))) = 16/12 · (9 − 48/56) = 10.857
    const z = (3 - 8 + 0.5) / Math.sqrt((16 / 12) * (9 - 48 / 56));
    expect(r?.z).toBeCloseTo(z, 12);
    expect(mannWhitney([], [1])).toBeNull();
  });

  it('Hodges–Lehmann: the median pairwise difference and an interval that covers it', () => {
    expect(hodgesLehmann([5, 6, 7], [1, 2, 3])?.shift).toBe(4);
    const h = hodgesLehmann(HW_X, HW_Y);
    expect(h?.ci[0]).toBeLessThan(0.305);
    expect(h?.ci[1]).toBeGreaterThan(0.305);
  });

  // Seeded simulation on skewed (log-normal) data, the shape of durations.
  it('false positives near 5 % under no difference; planned power under a true shift', () => {
    const rand = mulberry32(3);
    const sample = (n: number, shift: number): number[] => Array.from({ length: n }, () => Math.exp(shift + normalDeviate(rand)));
    let fp = 0;
    const reps = 600;
    for (let i = 0; i < reps; i++) if ((mannWhitney(sample(60, 0), sample(60, 0))?.pValue ?? 1) < 0.05) fp++;
    expect(fp / reps).toBeGreaterThan(0.025);
    expect(fp / reps).toBeLessThan(0.08);
    // Shift of 0.5 on the log scale (a 1.65× ratio of medians), sd 1: n from the ARE-adjusted formula.
    const n = Math.ceil(sampleSizeTwoMeans(0.5, 1, 0.05, 0.8, 3 / Math.PI));
    let found = 0;
    for (let i = 0; i < reps; i++) if ((mannWhitney(sample(n, 0.5), sample(n, 0))?.pValue ?? 1) < 0.05) found++;
    expect(found / reps).toBeGreaterThan(0.72);
    expect(found / reps).toBeLessThan(0.88);
  });
});

describe("Welch's t test", () => {
  it('reproduces R on the sleep data: t = −1.8608, df = 17.776, p = 0.07939', () => {
    const r = welchTest(SLEEP_1, SLEEP_2);
    expect(r?.difference).toBeCloseTo(-1.58, 10);
    expect(r?.t).toBeCloseTo(-1.860813, 5);
    expect(r?.df).toBeCloseTo(17.77647, 4);
    expect(r?.pValue).toBeCloseTo(0.07939414, 6);
    expect(r?.ci[0]).toBeCloseTo(-3.3654832, 6);
    expect(r?.ci[1]).toBeCloseTo(0.2054832, 6);
    expect(welchTest([1], [2, 3])).toBeNull();
  });
});

describe('Holm and sample sizes', () => {
  it("Holm's step-down adjustment equals R's p.adjust(method = 'holm')", () => {
    const adj = holmAdjust([0.01, 0.04, 0.03, 0.005]);
    expect(adj.map((p) => Number(p.toFixed(10)))).toEqual([0.03, 0.06, 0.06, 0.02]);
    expect(holmAdjust([0.5, 0.9])).toEqual([1, 1]);
    expect(holmAdjust([0.9, 0.01])).toEqual([0.9, 0.02]);
  });

  it('two-proportion sample size (R power.prop.test(p1 = .5, p2 = .75, power = .9): n = 76.65)', () => {
    expect(sampleSizeTwoProportions(0.5, 0.75, 0.05, 0.9)).toBeCloseTo(76.65, 0);
    expect(sampleSizeTwoProportions(0.5, 0.5)).toBe(Infinity);
    // 2(z₀.₉₇₅ + z₀.₈)²σ²/δ² with σ = 2, δ = 1.
    expect(sampleSizeTwoMeans(1, 2)).toBeCloseTo(2 * (1.959963984540054 + 0.8416212335729143) ** 2 * 4, 10);
  });
});

describe('exact Mann–Whitney distribution', () => {
  // Brute force: every way to choose which m of the m + n ranks belong to x.
  function bruteP(x: number[], y: number[]): number {
    const all = [...x, ...y].sort((a, b) => a - b);
    const m = x.length;
    const n = y.length;
    const u = (xs: number[], ys: number[]): number => xs.reduce((s, a) => s + ys.filter((b) => a > b).length, 0);
    const observed = Math.min(u(x, y), m * n - u(x, y));
    let total = 0;
    let tail = 0;
    const pick = (start: number, chosen: number[]): void => {
      if (chosen.length === m) {
        const xs = chosen.map((i) => all[i] as number);
        const ys = all.filter((_, i) => !chosen.includes(i));
        total++;
        if (u(xs, ys) <= observed) tail++;
        return;
      }
      for (let i = start; i < all.length; i++) pick(i + 1, [...chosen, i]);
    };
    pick(0, []);
    return Math.min(1, (2 * tail) / total);
  }

  it('equals full enumeration on small samples', () => {
    const rand = mulberry32(17);
    for (const [m, n] of [[3, 4], [5, 5], [4, 7], [1, 6]] as const) {
      const x = Array.from({ length: m }, () => rand());
      const y = Array.from({ length: n }, () => rand() + 0.2);
      expect(mannWhitney(x, y)?.pValue).toBeCloseTo(bruteP(x, y), 12);
    }
  });
});

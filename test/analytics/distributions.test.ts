import { describe, expect, it } from 'vitest';
import {
  binomialUpperTail,
  incompleteBeta,
  logGamma,
  normalCdf,
  normalQuantile,
  studentTCdf,
  studentTQuantile,
} from '../../src/analytics/index.js';

// Reference values: Abramowitz & Stegun (1964) Tables 26.1 (normal) and 26.10 (t), and the
// same figures from R (pnorm, qnorm, pt, qt, pbinom) to the digits shown.
describe('distributions against published tables', () => {
  it('normal cdf and quantile (A&S Table 26.1)', () => {
    expect(normalCdf(1.96)).toBeCloseTo(0.9750021048517795, 12);
    expect(normalCdf(0)).toBeCloseTo(0.5, 15);
    expect(normalCdf(-3)).toBeCloseTo(0.0013498980316301, 14);
    expect(normalCdf(-5)).toBeCloseTo(2.866515718791939e-7, 18);
    expect(normalQuantile(0.975)).toBeCloseTo(1.959963984540054, 10);
    expect(normalQuantile(0.995)).toBeCloseTo(2.575829303548901, 10);
    expect(normalQuantile(0.8)).toBeCloseTo(0.8416212335729143, 10);
    expect(normalQuantile(1e-10)).toBeCloseTo(-6.361340902404056, 8);
    for (const p of [0.001, 0.03, 0.5, 0.77, 0.999]) expect(normalCdf(normalQuantile(p))).toBeCloseTo(p, 12);
  });

  it("Student's t quantiles (A&S Table 26.10: t₀.₉₇₅ for 1, 10, 30 df)", () => {
    expect(studentTQuantile(0.975, 1)).toBeCloseTo(12.7062047361747, 8);
    expect(studentTQuantile(0.975, 10)).toBeCloseTo(2.228138851986274, 9);
    expect(studentTQuantile(0.975, 30)).toBeCloseTo(2.042272456301238, 9);
    expect(studentTCdf(2, 5)).toBeCloseTo(0.9490302605850709, 10);
    expect(studentTCdf(-2, 5)).toBeCloseTo(1 - 0.9490302605850709, 10);
    // Fractional df, as Welch's test produces.
    expect(studentTCdf(studentTQuantile(0.9, 17.776), 17.776)).toBeCloseTo(0.9, 10);
  });

  it('log-gamma, incomplete beta and the binomial tail', () => {
    expect(logGamma(0.5)).toBeCloseTo(Math.log(Math.sqrt(Math.PI)), 13);
    expect(logGamma(10)).toBeCloseTo(Math.log(362880), 11);
    // I_0.5(2, 3) = P(Binomial(4, 0.5) ≥ 2) = 11/16.
    expect(incompleteBeta(0.5, 2, 3)).toBeCloseTo(11 / 16, 13);
    expect(binomialUpperTail(8, 10, 0.5)).toBeCloseTo(56 / 1024, 13);
    expect(binomialUpperTail(0, 10, 0.3)).toBe(1);
    expect(binomialUpperTail(11, 10, 0.3)).toBe(0);
    // 1 − Σₖ₌₀⁴ C(50, k)·0.2ᵏ·0.8⁵⁰⁻ᵏ, summed exactly.
    expect(binomialUpperTail(5, 50, 0.2)).toBeCloseTo(0.98150398493979, 12);
  });
});

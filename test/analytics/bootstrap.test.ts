import { describe, expect, it } from 'vitest';
import { bootstrapMeanRatio, compareGroups, mulberry32 } from '../../src/analytics/index.js';
import { normalDeviate } from '../../src/analytics/random.js';

describe('seeded bootstrap of a ratio of means', () => {
  it('is reproducible, centred on the observed ratio, and refuses what has no ratio', () => {
    const x = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
    const y = [2, 4, 6, 8, 10, 12, 14, 16, 18, 20];
    const a = bootstrapMeanRatio(x, y);
    expect(a?.ratio).toBeCloseTo(0.5, 12);
    expect(a?.ci[0]).toBeLessThan(0.5);
    expect(a?.ci[1]).toBeGreaterThan(0.5);
    expect(bootstrapMeanRatio(x, y)).toEqual(a);
    expect(bootstrapMeanRatio(x, y, 2000, 2)).not.toEqual(a);
    expect(bootstrapMeanRatio([], y)).toBeNull();
    expect(bootstrapMeanRatio([0, 0], y)).toBeNull();
  });

  // Log-normal costs (σ = 1: skewed like real token bills), 250 seeded repetitions.
  it('false positives near 5 % with equal means; finds a 1.5× ratio of mean costs', () => {
    const rand = mulberry32(23);
    const costs = (n: number, scale: number): number[] => Array.from({ length: n }, () => scale * Math.exp(normalDeviate(rand)));
    const reps = 250;
    let fp = 0;
    let found = 0;
    let covered = 0;
    for (let i = 0; i < reps; i++) {
      if ((bootstrapMeanRatio(costs(120, 1), costs(120, 1), 400, i)?.pValue ?? 1) < 0.05) fp++;
      const b = bootstrapMeanRatio(costs(120, 1.5), costs(120, 1), 400, i);
      if (b && b.pValue < 0.05 && b.ratio > 1) found++;
      if (b && b.ci[0] <= 1.5 && 1.5 <= b.ci[1]) covered++;
    }
    expect(fp / reps).toBeGreaterThan(0.015);
    expect(fp / reps).toBeLessThan(0.1);
    expect(found / reps).toBeGreaterThan(0.7);
    expect(covered / reps).toBeGreaterThan(0.88);
  });

  it('large groups use the delta method, which agrees with the bootstrap at that size', () => {
    const rand = mulberry32(31);
    const costs = (n: number, scale: number): number[] => Array.from({ length: n }, () => scale * Math.exp(0.8 * normalDeviate(rand)));
    const x = costs(2001, 1.1);
    const y = costs(2001, 1);
    const delta = bootstrapMeanRatio(x, y);
    expect(delta?.method).toBe('delta');
    const boot = bootstrapMeanRatio(x.slice(0, 2000), y.slice(0, 2000), 2000, 1);
    expect(boot?.method).toBe('bootstrap');
    expect(delta?.ci[0]).toBeCloseTo(boot?.ci[0] ?? 0, 1);
    expect(delta?.ci[1]).toBeCloseTo(boot?.ci[1] ?? 0, 1);
    expect(Math.abs(Math.log((delta?.ci[1] ?? 1) / (delta?.ci[0] ?? 1)) / Math.log((boot?.ci[1] ?? 1) / (boot?.ci[0] ?? 1)) - 1)).toBeLessThan(0.1);
  });

  it('compare --metric cost reads a ratio of mean costs, lower is better', () => {
    const r = compareGroups(new Map([['dear', [3, 3.2, 2.8, 3.1, 2.9, 3, 3.3, 2.7]], ['cheap', [1, 1.1, 0.9, 1, 1.05, 0.95, 1, 1]]]), 'cost', { order: ['dear', 'cheap'] });
    const c = r.comparisons[0];
    expect(c?.effect.value).toBeCloseTo(3, 1);
    expect(c?.verdict).toBe('b_better');
    expect(c?.summary).toMatch(/^cheap is cheaper than dear: 0\.33× the mean cost/);
  });
});

import { describe, expect, it } from 'vitest';
import { compareGroups, mulberry32, observe, sampleSizeTwoProportions } from '../../src/analytics/index.js';
import type { SpanSummary } from '../../src/model/span.js';
import { normalDeviate } from '../../src/analytics/random.js';

const outcomes = (n: number, p: number, rand: () => number): number[] => Array.from({ length: n }, () => (rand() < p ? 1 : 0));

function span(over: Partial<SpanSummary>): SpanSummary {
  return { kind: 'agent', env: 'prod', startMs: 0, durationMs: 1000, status: 'success', state: 'ended', attrs: {}, pointEvents: 0, ...over };
}

describe('observe', () => {
  it('reads each metric as report does', () => {
    expect(observe('success_rate', span({}))).toBe(1);
    expect(observe('success_rate', span({ status: 'failure' }))).toBe(0);
    expect(observe('success_rate', span({ status: 'partial' }))).toBeUndefined();
    expect(observe('success_rate', span({ state: 'open', status: null }))).toBeUndefined();
    expect(observe('success_rate', span({ kind: 'task' }))).toBeUndefined();
    expect(observe('success_rate', span({ kind: 'task' }), 'task')).toBe(1);
    expect(observe('first_attempt_pass_rate', span({ kind: 'pipeline', status: 'cancelled', attrs: { 'pipeline.attempt': 1 } }))).toBe(0);
    expect(observe('first_attempt_pass_rate', span({ kind: 'pipeline', attrs: { 'pipeline.attempt': 2 } }))).toBeUndefined();
    expect(observe('duration', span({ durationMs: 250 }))).toBe(250);
    expect(observe('cost', span({ attrs: { cost_usd: 0.01 } }))).toBe(0.01);
    expect(observe('speedup', span({ kind: 'optimization', attrs: { baseline_latency_ms: 4, optimized_latency_ms: 2 } }))).toBe(2);
    expect(observe('speedup', span({ kind: 'optimization', attrs: { baseline_latency_ms: 0, optimized_latency_ms: 0 } }))).toBeUndefined();
  });
});

describe('compareGroups', () => {
  it('says which group is better, with the difference, interval and Holm-adjusted p', () => {
    const rand = mulberry32(1);
    const r = compareGroups(new Map([['a', outcomes(800, 0.7, rand)], ['b', outcomes(800, 0.85, rand)], ['c', outcomes(800, 0.7, rand)]]), 'success_rate');
    const ab = r.comparisons.find((c) => (c.a === 'a' && c.b === 'b') || (c.a === 'b' && c.b === 'a'));
    expect(ab?.verdict === 'b_better' ? ab.a : ab?.b).toBe('a');
    expect(ab?.summary).toMatch(/^b is better than a: \+1\d\.\d pts \[/);
    const ac = r.comparisons.find((c) => [c.a, c.b].sort().join() === 'a,c');
    expect(['no_difference', 'not_enough_data']).toContain(ac?.verdict);
    for (const c of r.comparisons) expect(c.p_adjusted).toBeGreaterThanOrEqual(c.p_value);
    expect(r.correction).toBe('holm');
  });

  it('"not enough data: about N more per group" for a small sample, "no detectable difference" for a large equal one', () => {
    const rand = mulberry32(2);
    const small = compareGroups(new Map([['a', outcomes(30, 0.6, rand)], ['b', outcomes(30, 0.7, rand)]]), 'success_rate');
    const c = small.comparisons[0];
    expect(c?.verdict).toBe('not_enough_data');
    expect(c?.more_per_group).toBeGreaterThan(100);
    expect(c?.summary).toMatch(/^not enough data: about \d+ more invocations per group needed/);
    const ones = (n: number, k: number): number[] => Array.from({ length: n }, (_, i) => (i < k ? 1 : 0));
    const equal = compareGroups(new Map([['a', ones(20_000, 15_000)], ['b', ones(20_000, 15_050)]]), 'success_rate');
    expect(equal.comparisons[0]?.verdict).toBe('no_difference');
  });

  it('durations: a ratio of medians, lower is better', () => {
    const rand = mulberry32(5);
    const slow = Array.from({ length: 200 }, () => 1000 * Math.exp(0.5 + 0.5 * normalDeviate(rand)));
    const fast = Array.from({ length: 200 }, () => 1000 * Math.exp(0.5 * normalDeviate(rand)));
    const r = compareGroups(new Map([['slow', slow], ['fast', fast]]), 'duration', { order: ['slow', 'fast'] });
    const c = r.comparisons[0];
    expect(c?.effect.scale).toBe('ratio');
    expect(c?.effect.value).toBeGreaterThan(1.4);
    expect(c?.effect.value).toBeLessThan(1.95);
    expect(c?.verdict).toBe('b_better');
    expect(c?.summary).toMatch(/^fast is faster than slow: 0\.\d\d× the median duration/);
  });

  it('speedups on the log scale: a ratio of geometric means', () => {
    const a = [2, 2, 2, 2.2, 1.8, 2.1, 1.9, 2, 2.05, 1.95];
    const b = [1, 1.1, 0.9, 1, 1.05, 0.95, 1, 1, 1.02, 0.98];
    const r = compareGroups(new Map([['a', a], ['b', b]]), 'speedup');
    expect(r.comparisons[0]?.effect.value).toBeCloseTo(2, 1);
    expect(r.comparisons[0]?.verdict).toBe('a_better');
    expect(r.groups[0]?.estimate).toBeCloseTo(Math.exp(a.reduce((s, v) => s + Math.log(v), 0) / a.length), 12);
  });

  // Five groups with no true difference: ten pairs. Without correction about 30 % of such
  // comparisons would show at least one "difference"; Holm keeps it near or below 5 %.
  it('under no difference, the family-wise false-positive rate stays near 5 % (seeded, 400 repetitions)', () => {
    const rand = mulberry32(9);
    let anyFalse = 0;
    const reps = 400;
    for (let i = 0; i < reps; i++) {
      const groups = new Map(['a', 'b', 'c', 'd', 'e'].map((k) => [k, outcomes(150, 0.8, rand)] as const));
      const r = compareGroups(groups, 'success_rate');
      if (r.comparisons.some((c) => c.verdict === 'a_better' || c.verdict === 'b_better')) anyFalse++;
    }
    expect(anyFalse / reps).toBeLessThan(0.08);
  });

  it('with a true difference, the verdict finds it at about the planned power', () => {
    // The n that "about N more per group" plans for: 80 % power for 70 % vs 80 % at α = 0.05.
    const rand = mulberry32(13);
    const n = Math.ceil(sampleSizeTwoProportions(0.7, 0.8));
    // Fleiss (2003) eq. 4.14: (1.96·√(2·0.75·0.25) + 0.8416·√(0.21 + 0.16))² / 0.1² = 293.15.
    expect(n).toBe(294);
    const probe = compareGroups(new Map([['a', outcomes(100, 0.7, rand)], ['b', outcomes(100, 0.8, rand)]]), 'success_rate', { minEffect: 0.1 });
    if (probe.comparisons[0]?.verdict === 'not_enough_data') expect(probe.comparisons[0].more_per_group).toBeGreaterThan(0);
    let found = 0;
    const reps = 400;
    for (let i = 0; i < reps; i++) {
      const r = compareGroups(new Map([['a', outcomes(n, 0.7, rand)], ['b', outcomes(n, 0.8, rand)]]), 'success_rate');
      if (r.comparisons[0]?.verdict === 'b_better') found++;
    }
    expect(found / reps).toBeGreaterThan(0.7);
    expect(found / reps).toBeLessThan(0.92);
  });
});

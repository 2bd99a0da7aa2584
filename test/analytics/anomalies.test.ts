import { describe, expect, it } from 'vitest';
import { detectAnomalies, mulberry32, rollUpSeries } from '../../src/analytics/index.js';
import type { AnomalyObservation } from '../../src/analytics/index.js';
import { normalDeviate } from '../../src/analytics/random.js';

const DAY = 86_400_000;
const START = Date.UTC(2025, 0, 1);

function day(d: number, n: number, failP: number, medianMs: number, rand: () => number): AnomalyObservation[] {
  return Array.from({ length: n }, (_, k) => ({
    ms: START + d * DAY + k * 60_000,
    failed: rand() < failP ? 1 : 0,
    durationMs: medianMs * Math.exp(0.4 * normalDeviate(rand)),
  }));
}

describe('detectAnomalies', () => {
  it('flags an incident day (failures and slowness) with its evidence, and nothing else', () => {
    const rand = mulberry32(21);
    const obs: AnomalyObservation[] = [];
    for (let d = 0; d < 45; d++) obs.push(...day(d, 20, d === 40 ? 0.6 : 0.1, d === 40 ? 180_000 : 60_000, rand));
    const r = detectAnomalies(new Map([['coding · gpt', obs]]), { sinceMs: START + 30 * DAY, untilMs: START + 45 * DAY });
    expect(r.points_examined).toBe(30);
    expect(r.anomalies.map((a) => `${a.day} ${a.metric}`).sort()).toEqual(['2025-02-10 duration', '2025-02-10 failure_rate']);
    const f = r.anomalies.find((a) => a.metric === 'failure_rate');
    expect(f?.evidence).toMatch(/^\d+\/20 failed \(\d+ %\) against \d+\.\d % over 28 baseline days; binomial tail p = /);
    expect(f?.p_value).toBeLessThan(r.point_alpha);
  });

  it('raises few false alarms on stable series (seeded, 40 series × 30 days)', () => {
    const rand = mulberry32(5);
    const series = new Map<string, AnomalyObservation[]>();
    for (let s = 0; s < 40; s++) {
      const obs: AnomalyObservation[] = [];
      for (let d = 0; d < 58; d++) obs.push(...day(d, 5 + Math.floor(rand() * 20), 0.15, 60_000, rand));
      series.set(`s${s}`, obs);
    }
    const r = detectAnomalies(series, { sinceMs: START + 28 * DAY, untilMs: START + 58 * DAY });
    expect(r.points_examined).toBe(2400);
    expect(r.anomalies.length).toBeLessThanOrEqual(1);
  });

  it('uses the same weekday as baseline when the series has a weekly pattern', () => {
    const rand = mulberry32(6);
    const obs: AnomalyObservation[] = [];
    // 2025-01-04 is a Saturday: weekends run three times longer, every week.
    const isWeekend = (d: number): boolean => [3, 4].includes(d % 7);
    for (let d = 0; d < 63; d++) obs.push(...day(d, 15, 0.1, isWeekend(d) ? 180_000 : 60_000, rand));
    const seasonal = detectAnomalies(new Map([['s', obs]]), { sinceMs: START + 35 * DAY, untilMs: START + 63 * DAY });
    expect(seasonal.anomalies).toEqual([]);
    // The same data without its history of weekends would flag them: here the weekday test
    // has too few days (fewer than 3 per weekday) and falls back to the plain baseline.
    const plain = detectAnomalies(new Map([['s', obs]]), { sinceMs: START + 35 * DAY, untilMs: START + 63 * DAY, baselineDays: 14 });
    expect(plain.anomalies.length).toBeGreaterThan(0);
    expect(plain.anomalies.every((a) => a.metric === 'duration' && !a.seasonal)).toBe(true);
    // A spike on a weekday is still found against the same weekday's baseline.
    const spiked = obs.map((o) => (Math.floor((o.ms - START) / DAY) === 50 ? { ...o, durationMs: (o.durationMs ?? 0) * 4 } : o));
    const found = detectAnomalies(new Map([['s', spiked]]), { sinceMs: START + 35 * DAY, untilMs: START + 63 * DAY });
    expect(found.anomalies.map((a) => a.day)).toEqual(['2025-02-20']);
    expect(found.anomalies[0]?.seasonal).toBe(true);
  });
});

describe('rollUpSeries', () => {
  it('keeps dense series and rolls thin ones into their parent', () => {
    const items = [
      ...Array.from({ length: 10 }, (_, i) => ({ dims: ['gpt', 'coding', 'bug_fix'], ms: START + i * 1000, item: i })),
      ...Array.from({ length: 3 }, (_, i) => ({ dims: ['gpt', 'coding', 'docs'], ms: START + i * 1000, item: 100 + i })),
      ...Array.from({ length: 2 }, (_, i) => ({ dims: ['gpt', 'coding', 'refactor'], ms: START + i * 1000, item: 200 + i })),
      { dims: ['qwen', 'review', 'docs'], ms: START, item: 300 },
    ];
    const out = rollUpSeries(items, 5);
    expect([...out.keys()].sort()).toEqual(['(all)', 'gpt · coding · *', 'gpt · coding · bug_fix']);
    expect(out.get('gpt · coding · *')).toEqual([100, 101, 102, 200, 201]);
    expect(out.get('(all)')).toEqual([300]);
  });
});

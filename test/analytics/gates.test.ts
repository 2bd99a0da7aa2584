import { describe, expect, it } from 'vitest';
import { buildReport, evaluateGates } from '../../src/analytics/index.js';
import type { AnomalyReport } from '../../src/analytics/index.js';
import { SINCE, UNTIL, span } from './fixtures.js';

const agents = (ok: number, failed: number) => [
  ...Array.from({ length: ok }, () => span('agent')),
  ...Array.from({ length: failed }, () => span('agent', { status: 'failure' })),
];
const firstAttempts = (passed: number, failed: number) => [
  ...Array.from({ length: passed }, () => span('pipeline', { attrs: { 'pipeline.attempt': 1 } })),
  ...Array.from({ length: failed }, () => span('pipeline', { status: 'failure', attrs: { 'pipeline.attempt': 1 } })),
];

describe('evaluateGates', () => {
  it('fails the failure-rate gate with the rate, its interval and the counts in the reason', () => {
    const report = buildReport(agents(70, 30), [], { sinceMs: SINCE, untilMs: UNTIL });
    const r = evaluateGates({ maxFailureRate: 0.2 }, report);
    expect(r.ok).toBe(false);
    const g = r.gates[0];
    expect(g?.value).toBeCloseTo(0.3, 12);
    expect(g?.ci?.[0]).toBeGreaterThan(0.2);
    expect(g?.reason).toBe('agents failure rate 30.0 % [21.9 %–39.6 %] (30 of 100) exceeds the limit of 20.0 %; the whole interval is above the limit');
    expect(evaluateGates({ maxFailureRate: 0.35 }, report).ok).toBe(true);
  });

  it('says when a failed rate gate could still be noise', () => {
    const report = buildReport(agents(7, 3), [], { sinceMs: SINCE, untilMs: UNTIL });
    expect(evaluateGates({ maxFailureRate: 0.2 }, report).gates[0]?.reason).toMatch(/the interval still reaches the limit, so more runs would tell$/);
  });

  it('first-attempt pass rate, anomalies, and gates without data fail', () => {
    const report = buildReport(firstAttempts(4, 6), [], { sinceMs: SINCE, untilMs: UNTIL });
    const found: AnomalyReport = {
      series: 1,
      points_examined: 10,
      point_alpha: 0.005,
      anomalies: [{ series: 'gpt · coding · *', day: '2025-01-10', metric: 'failure_rate', n: 12, value: 0.7, expected: 0.1, p_value: 1e-6, z: 7, seasonal: false, baseline_days: 20, evidence: '8/12 failed' }],
    };
    const r = evaluateGates({ minFirstAttemptPass: 0.5, noAnomalies: true, maxFailureRate: 0.2 }, report, found);
    expect(r.gates.map((g) => [g.gate, g.ok])).toEqual([
      ['max_failure_rate', false],
      ['min_first_attempt_pass', false],
      ['no_anomalies', false],
    ]);
    expect(r.gates[0]?.reason).toMatch(/^no data/);
    expect(r.gates[1]?.reason).toMatch(/^first-attempt pipeline pass rate 40\.0 % \[.*\] \(4 of 10\) is below the minimum of 50\.0 %$/);
    expect(r.gates[2]?.reason).toBe('1 anomaly; first: 2025-01-10 gpt · coding · * failure rate: 8/12 failed');
    expect(evaluateGates({ noAnomalies: true }, report, { ...found, anomalies: [] }).ok).toBe(true);
  });
});

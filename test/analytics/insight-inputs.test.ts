import { describe, expect, it } from 'vitest';
import { AnomalyCollector, QualityObservations, compareGroups, groupKeyOf, mulberry32, observationOf, samplesOf, trendsOf } from '../../src/analytics/index.js';
import type { Observation } from '../../src/analytics/index.js';
import type { SpanSummary } from '../../src/model/index.js';

const DAY = 86_400_000;
const T0 = Date.UTC(2026, 0, 1);

function agent(ms: number, model: string, status: 'success' | 'failure', cost: number, durationMs = 1000): SpanSummary {
  return { kind: 'agent', env: 'prod', startMs: ms, durationMs, status, state: 'ended', attrs: { 'gen_ai.request.model': model, cost_usd: cost }, pointEvents: 0 };
}

function shuffled<T>(xs: readonly T[], seed: number): T[] {
  const rand = mulberry32(seed);
  const out = [...xs];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

describe('insight inputs', () => {
  const rand = mulberry32(3);
  const spans: SpanSummary[] = [];
  for (let i = 0; i < 600; i++) spans.push(agent(T0 + Math.floor(rand() * 20 * DAY), i % 3 === 0 ? 'a' : 'b', rand() < 0.8 ? 'success' : 'failure', rand() ** 3 * (i % 3 === 0 ? 0.02 : 0.03)));
  const observe = (xs: readonly SpanSummary[], metric: 'cost' | 'success_rate', keyOf = groupKeyOf('model')): Observation[] =>
    xs.flatMap((s) => observationOf(metric, undefined, keyOf, s) ?? []);

  it('compare and trends give the same answer whatever order the spans come in (the bootstrap resamples by position)', () => {
    const inOrder = observe(spans, 'cost');
    const other = observe(shuffled(spans, 9), 'cost');
    expect(inOrder).toHaveLength(600);
    expect(compareGroups(samplesOf(other), 'cost')).toEqual(compareGroups(samplesOf(inOrder), 'cost'));
    const w = { sinceMs: T0, untilMs: T0 + 20 * DAY, bucket: 'day' as const };
    expect(trendsOf(observe(shuffled(spans, 4), 'cost', groupKeyOf(undefined)), 'cost', w)).toEqual(trendsOf(observe(spans, 'cost', groupKeyOf(undefined)), 'cost', w));
  });

  it('groupKeyOf counts spans without the dimension; observationOf skips other kinds and open spans', () => {
    const missing = { count: 0 };
    const keyOf = groupKeyOf('variant', missing);
    expect(observationOf('success_rate', undefined, keyOf, spans[0] as SpanSummary)).toBeUndefined();
    expect(missing.count).toBe(1);
    expect(observationOf('success_rate', undefined, groupKeyOf(undefined), { ...(spans[0] as SpanSummary), state: 'open' })).toBeUndefined();
    expect(observationOf('success_rate', undefined, groupKeyOf(undefined), { ...(spans[0] as SpanSummary), kind: 'task' })).toBeUndefined();
    expect(observationOf('success_rate', 'task', groupKeyOf(undefined), { ...(spans[0] as SpanSummary), kind: 'task' })?.key).toBe('all');
  });

  it('quality joins a rating to its agent span by id, and leaves out feedback before the window', () => {
    const q = new QualityObservations(groupKeyOf('model'), T0);
    q.addSpan({ ...agent(T0 - 3_600_000, 'a', 'success', 0), spanId: 's1' });
    q.addSpan({ ...agent(T0, 'b', 'success', 0) });
    const fb = { spanId: 's1', traceId: 't', env: 'prod', tsMs: T0 + 60_000, rating: 4, success: true, source: 'human', attrs: {} } as unknown as Parameters<QualityObservations['addFeedback']>[0];
    q.addFeedback(fb);
    q.addFeedback({ ...fb, tsMs: T0 - 1 });
    q.addFeedback({ ...fb, spanId: 'unknown' });
    expect(q.observations).toEqual([{ ms: T0 + 60_000, key: 'a', value: 4 }]);
  });

  it('the anomaly collector finds a day that failed far more often than its baseline', () => {
    const c = new AnomalyCollector({ series: ['model'], baselineDays: 14, minCount: 5 });
    const since = T0 + 14 * DAY;
    expect(c.scanSince(since)).toBe(T0);
    for (let d = 0; d < 15; d++) for (let i = 0; i < 10; i++) c.add(agent(T0 + d * DAY + i * 60_000, 'a', d === 14 || i === 0 ? 'failure' : 'success', 0));
    const r = c.detect({ sinceMs: since, untilMs: since + DAY });
    expect(r.anomalies.map((a) => [a.series, a.day, a.metric])).toEqual([['a', '2026-01-15', 'failure_rate']]);
  });
});

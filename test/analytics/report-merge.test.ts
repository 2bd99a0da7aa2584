import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ReportBuilder, type ReportOptions } from '../../src/analytics/report.js';
import { GROUP_BY_VALUES, type GroupBy } from '../../src/analytics/report-types.js';
import { SPAN_KINDS, SPAN_STATUSES } from '../../src/model/events.js';
import type { Feedback, Span } from '../../src/model/span.js';
import { PREV, UNTIL, approxEqual } from './fixtures.js';

const maybe = <T>(arb: fc.Arbitrary<T>): fc.Arbitrary<T | undefined> => fc.option(arb, { nil: undefined });
const latency = fc.oneof(fc.integer({ min: 0, max: 5000 }), fc.constant(null));

const spanArb: fc.Arbitrary<Span> = fc
  .record({
    spanId: fc.uuid(),
    kind: fc.constantFrom(...SPAN_KINDS),
    env: fc.constantFrom('prod', 'dev', 'test', 'demo'),
    // Reaches before the previous window and past the current one, so windowing is exercised.
    startMs: fc.integer({ min: PREV - 86_400_000, max: UNTIL + 86_400_000 }),
    state: fc.constantFrom('ended', 'ended', 'ended', 'open', 'abandoned'),
    status: fc.constantFrom(...SPAN_STATUSES),
    durationMs: fc.oneof(fc.integer({ min: 0, max: 3_600_000 }), fc.constant(null)),
    pointEvents: fc.nat(5),
    model: maybe(fc.constantFrom('claude', 'gpt', 'llama')),
    agent: maybe(fc.constantFrom('coder', 'tester')),
    attempt: maybe(fc.integer({ min: 1, max: 3 })),
    baseline: latency,
    optimized: latency,
    variants: maybe(fc.nat(20)),
    cost: maybe(fc.double({ min: 0, max: 5, noNaN: true })),
    resolved: maybe(fc.boolean()),
    temperature: maybe(fc.constantFrom(0, 0.2, 0.7)),
  })
  .map((r) => {
    const ended = r.state === 'ended';
    const attrs: Span['attrs'] = {
      baseline_latency_ms: r.baseline,
      optimized_latency_ms: r.optimized,
      'agent.attempt': r.attempt,
      'pipeline.attempt': r.attempt,
      'debug.attempts': r.attempt,
    };
    if (r.model !== undefined) attrs['gen_ai.request.model'] = r.model;
    if (r.agent !== undefined) attrs['gen_ai.agent.name'] = r.agent;
    if (r.variants !== undefined) attrs.variants_generated = r.variants;
    if (r.cost !== undefined) attrs.cost_usd = r.cost;
    if (r.resolved !== undefined) attrs['debug.resolved'] = r.resolved;
    if (r.temperature !== undefined) attrs['gen_ai.request.temperature'] = r.temperature;
    return {
      spanId: r.spanId,
      runId: 'run',
      parentId: null,
      kind: r.kind,
      name: r.kind,
      env: r.env,
      startMs: r.startMs,
      endMs: ended && r.durationMs !== null ? r.startMs + r.durationMs : null,
      durationMs: ended ? r.durationMs : null,
      status: ended ? r.status : null,
      state: r.state,
      attrs,
      pointEvents: r.pointEvents,
    } satisfies Span;
  });

const feedbackArb: fc.Arbitrary<Feedback> = fc
  .record({
    id: fc.uuid(),
    tsMs: fc.integer({ min: PREV - 86_400_000, max: UNTIL + 86_400_000 }),
    env: fc.constantFrom('prod', 'test'),
    success: fc.constantFrom(true, false, null),
    rating: fc.oneof(fc.integer({ min: 1, max: 5 }), fc.constant(null)),
    target: maybe(fc.constantFrom('agent' as const, 'task' as const)),
    agent: maybe(fc.constantFrom('coder', 'tester')),
  })
  .map((r) => {
    const attrs: Feedback['attrs'] = {};
    if (r.target !== undefined) attrs['target.kind'] = r.target;
    if (r.agent !== undefined) attrs['gen_ai.agent.name'] = r.agent;
    return { id: r.id, spanId: r.id, runId: null, env: r.env, tsMs: r.tsMs, success: r.success, rating: r.rating, source: 'human', attrs };
  });

describe('ReportBuilder.merge', () => {
  it('merging builders fed disjoint parts equals one builder fed everything', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.array(spanArb, { maxLength: 40 }), fc.array(feedbackArb, { maxLength: 10 })), {
          minLength: 1,
          maxLength: 4,
        }),
        fc.option(fc.constantFrom<GroupBy>(...GROUP_BY_VALUES), { nil: undefined }),
        (parts, by) => {
          const o: ReportOptions = { sinceMs: PREV + 7 * 86_400_000, untilMs: UNTIL, nowMs: UNTIL };
          if (by !== undefined) o.by = by;
          const whole = new ReportBuilder(o);
          const merged = new ReportBuilder(o);
          for (const [spans, fb] of parts) {
            const part = new ReportBuilder(o);
            for (const s of spans) {
              whole.addSpan(s);
              part.addSpan(s);
            }
            for (const f of fb) {
              whole.addFeedback(f);
              part.addFeedback(f);
            }
            merged.merge(part);
          }
          const diff = approxEqual(merged.build(), whole.build());
          expect(diff).toBeNull();
        },
      ),
      { numRuns: 200 },
    );
  });

  it('refuses builders with different options', () => {
    const a = new ReportBuilder({ sinceMs: 0, untilMs: 10 });
    expect(() => a.merge(new ReportBuilder({ sinceMs: 0, untilMs: 10, by: 'model' }))).toThrow(RangeError);
    expect(() => a.merge(new ReportBuilder({ sinceMs: 0, untilMs: 11 }))).toThrow(RangeError);
    expect(() => a.merge(new ReportBuilder({ sinceMs: 0, untilMs: 10, envs: 'all' }))).toThrow(RangeError);
  });
});

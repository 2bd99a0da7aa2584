import { describe, expect, it } from 'vitest';
import { ReportBuilder } from '../../src/analytics/index.js';
import type { SpanSummary } from '../../src/model/index.js';
import { HOUR, SINCE, UNTIL, span } from './fixtures.js';

// The span cache replays spans through ONE reused object (see store/span-digest.ts), which is
// only sound if the builder keeps no reference to what it is given.
describe('ReportBuilder.addSpan keeps no reference to its argument', () => {
  it('a reused, mutated object gives the same report as fresh objects', () => {
    const spans = [
      span('agent', { status: 'success', durationMs: 1000, attrs: { 'gen_ai.agent.name': 'coding', 'gen_ai.request.model': 'm1', 'agent.attempt': 1 } }),
      span('agent', { status: 'failure', durationMs: 5000, attrs: { 'gen_ai.agent.name': 'review', 'gen_ai.request.model': 'm2', 'agent.attempt': 2 } }),
      span('pipeline', { status: 'failure', startMs: SINCE + 2 * HOUR, attrs: { 'pipeline.attempt': 1 } }),
      span('optimization', { attrs: { baseline_latency_ms: 4, optimized_latency_ms: 2, variants_generated: 5, validated: 3, promoted: 1 } }),
      span('run', { status: 'success', durationMs: 7000, attrs: { project: 'p' } }),
    ];
    const opts = { sinceMs: SINCE, untilMs: UNTIL, envs: 'all' as const, by: 'model' as const, nowMs: UNTIL };
    const fresh = new ReportBuilder(opts);
    for (const s of spans) fresh.addSpan({ ...s, attrs: { ...s.attrs } });
    const reused = new ReportBuilder(opts);
    const one: SpanSummary = { kind: 'run', env: '', startMs: 0, durationMs: null, status: null, state: 'ended', attrs: {}, pointEvents: 0 };
    const attrs: Record<string, unknown> = {};
    for (const s of spans) {
      for (const k of Object.keys(attrs)) delete attrs[k];
      Object.assign(attrs, s.attrs);
      Object.assign(one, { kind: s.kind, env: s.env, startMs: s.startMs, durationMs: s.durationMs, status: s.status, state: s.state, pointEvents: s.pointEvents, attrs });
      reused.addSpan(one);
    }
    // Scribble over the shared objects before building: a kept reference would show.
    Object.assign(one, { kind: 'task', status: 'failure', durationMs: 1 });
    attrs['gen_ai.request.model'] = 'scribbled';
    expect(reused.build()).toEqual(fresh.build());
  });
});

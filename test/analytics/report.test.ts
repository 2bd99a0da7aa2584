import { describe, expect, it } from 'vitest';
import { ReportBuilder, buildReport } from '../../src/analytics/report.js';
import { wilsonInterval } from '../../src/analytics/stats.js';
import type { Span } from '../../src/model/span.js';
import { HOUR, PREV, SINCE, UNTIL, feedback, span } from './fixtures.js';

const W = { sinceMs: SINCE, untilMs: UNTIL, nowMs: UNTIL };

describe('ReportBuilder: window and outcomes', () => {
  it('counts every status and state, and rates only success against failure', () => {
    const spans: Span[] = [
      span('run', { status: 'success' }),
      span('run', { status: 'success' }),
      span('run', { status: 'success' }),
      span('run', { status: 'failure' }),
      span('run', { status: 'partial' }),
      span('run', { status: 'unknown' }),
      span('run', { status: 'skipped' }),
      span('run', { status: 'cancelled' }),
      span('run', { state: 'open' }),
      span('run', { state: 'abandoned' }),
    ];
    const r = buildReport(spans, [], W).runs;
    expect(r).toMatchObject({
      total: 10,
      success: 3,
      failure: 1,
      partial: 1,
      unknown: 1,
      skipped: 1,
      cancelled: 1,
      open: 1,
      abandoned: 1,
      success_rate: 0.75,
    });
    expect(r.success_rate_ci).toEqual(wilsonInterval(3, 4));
  });

  it('assigns spans by start to [since, until) and the previous window, and trends against it', () => {
    const r = buildReport(
      [
        span('task', { startMs: SINCE, status: 'success' }), // first instant: current
        span('task', { startMs: UNTIL - 1, status: 'success' }),
        span('task', { startMs: SINCE + HOUR, status: 'failure' }),
        span('task', { startMs: SINCE + HOUR, status: 'success' }),
        span('task', { startMs: UNTIL, status: 'failure' }), // end is exclusive: ignored
        span('task', { startMs: SINCE - 1, status: 'success' }), // previous window
        span('task', { startMs: PREV, status: 'failure' }),
        span('task', { startMs: PREV - 1, status: 'failure' }), // before previous: ignored
      ],
      [],
      W,
    );
    expect(r.tasks.total).toBe(4);
    expect(r.tasks.success_rate).toBe(0.75);
    expect(r.tasks.trend.previous).toBe(0.5);
    expect(r.tasks.trend.delta).toBeCloseTo(0.25, 12);
    expect(r.tasks.trend.previous_total).toBe(2);
    expect(r.window).toEqual({
      since: '2025-01-08T00:00:00.000Z',
      until: '2025-01-15T00:00:00.000Z',
      previous_since: '2025-01-01T00:00:00.000Z',
    });
    expect(r.generated_at).toBe('2025-01-15T00:00:00.000Z');
  });

  it('has null rates, intervals, quantiles and deltas when there is nothing to rate', () => {
    const r = buildReport([span('run', { state: 'open' })], [], W);
    expect(r.runs.success_rate).toBeNull();
    expect(r.runs.success_rate_ci).toBeNull();
    expect(r.runs.duration_ms).toBeNull();
    expect(r.runs.trend).toEqual({ previous: null, delta: null, previous_total: 0 });
    expect(r.groups).toBeUndefined();
  });

  it('reports duration median and p95 of ended spans within the sketch error', () => {
    const spans = Array.from({ length: 10 }, (_, i) => span('agent', { durationMs: (i + 1) * 1000 }));
    spans.push(span('agent', { state: 'open' }));
    const d = buildReport(spans, [], W).agents.duration_ms!;
    // Lower quantile of 10 values: rank ⌊0.5·9⌋ = 4 → 5 s, rank ⌊0.95·9⌋ = 8 → 9 s.
    expect(Math.abs(d.median - 5000) / 5000).toBeLessThanOrEqual(0.01);
    expect(Math.abs(d.p95 - 9000) / 9000).toBeLessThanOrEqual(0.01);
  });

  it('rejects an empty or inverted window at once', () => {
    expect(() => new ReportBuilder({ sinceMs: UNTIL, untilMs: SINCE })).toThrow(RangeError);
    expect(() => new ReportBuilder({ sinceMs: NaN, untilMs: SINCE })).toThrow(RangeError);
  });
});

describe('ReportBuilder: agents and feedback', () => {
  it('counts retries (debugging cycles\' fix attempts, not repeated starts), tokens, cost and agent feedback', () => {
    const spans = [
      // A cycle the coder led with two fix attempts, one with three attempt events, one without an agent.
      span('debug', { attrs: { 'gen_ai.agent.name': 'coder', 'debug.attempts': 2 } }),
      span('debug', { attrs: { 'gen_ai.agent.name': 'coder' }, pointEvents: 3 }),
      span('debug', { attrs: { 'debug.attempts': 5 } }),
      span('agent', { attrs: { 'agent.attempt': 1, 'gen_ai.usage.input_tokens': 100, 'gen_ai.usage.output_tokens': 10, cost_usd: 0.5 } }),
      span('agent', { status: 'failure', attrs: { 'agent.attempt': 2, 'gen_ai.usage.input_tokens': 50, cost_usd: 0.25 } }),
      span('agent', { attrs: { 'agent.attempt': 3, 'gen_ai.usage.input_tokens': null } }),
      span('agent', { attrs: {} }),
    ];
    const fb = [
      feedback({ rating: 5, success: true, attrs: { 'target.kind': 'agent' } }),
      feedback({ rating: 3, success: false, attrs: { 'gen_ai.agent.name': 'coder' } }),
      feedback({ rating: 1, success: false, attrs: { 'target.kind': 'task', 'gen_ai.agent.name': 'coder' } }),
      feedback({ rating: null, success: true, attrs: { 'target.kind': 'agent' } }),
      feedback({ rating: 4, success: true, tsMs: SINCE - HOUR, attrs: { 'target.kind': 'agent' } }), // previous window
    ];
    const r = buildReport(spans, fb, W);
    expect(r.agents).toMatchObject({
      total: 4,
      invocations: 4,
      success: 3,
      failure: 1,
      success_rate: 0.75,
      retries: 5,
      tokens: { input: 150, output: 10 },
      cost_usd: 0.75,
      quality: { ratings: 2, mean: 4 },
      feedback_success_rate: 2 / 3,
    });
    expect(r.feedback).toEqual({ count: 4, success_rate: 0.5, mean_rating: 3 });
  });
});

describe('ReportBuilder: pipelines', () => {
  it('computes pass rate and first-attempt pass rate from attempt numbers', () => {
    const p = (attempt: number | undefined, init: Partial<Span> = {}): Span =>
      span('pipeline', { ...init, attrs: attempt === undefined ? {} : { 'pipeline.attempt': attempt } });
    const r = buildReport(
      [
        p(1, { status: 'failure' }), // task A fails first time …
        p(2, { status: 'success' }), // … and passes on retry
        p(1, { status: 'success' }), // task B
        p(1, { status: 'success' }), // task C
        p(1, { status: 'cancelled' }), // task D: cancelled first attempt did not pass
        p(1, { state: 'open' }), // task E: still running, not decided
        p(undefined, { status: 'success' }), // no attempt number: not counted for first attempt
      ],
      [],
      W,
    ).pipelines;
    expect(r).toMatchObject({
      total: 7,
      passed: 4,
      failed: 1,
      other: 1,
      open: 1,
      abandoned: 0,
      pass_rate: 0.8,
      first_attempt: { tasks: 4, passed: 2 },
      first_attempt_pass_rate: 0.5,
    });
    expect(r.first_attempt_pass_rate_ci).toEqual(wilsonInterval(2, 4));
    expect(r.pass_rate_ci).toEqual(wilsonInterval(4, 5));
  });
});

describe('ReportBuilder: debugging', () => {
  it('resolves by attribute or status, averages attempts, and relates cycles to tasks', () => {
    const r = buildReport(
      [
        span('debug', { status: 'failure', durationMs: 9000, attrs: { 'debug.resolved': true, 'debug.attempts': 3 } }),
        span('debug', { status: 'success', durationMs: 4000, pointEvents: 2 }),
        span('debug', { status: 'failure', attrs: { 'debug.resolved': false, 'debug.attempts': 4 } }),
        span('debug', { state: 'open', pointEvents: 7 }),
        span('debug', { state: 'abandoned' }),
        span('task'),
        span('task'),
      ],
      [],
      W,
    ).debugging;
    expect(r).toMatchObject({
      cycles: 5,
      resolved: 2,
      unresolved: 1,
      open: 1,
      abandoned: 1,
      resolution_rate: 2 / 3,
      attempts_per_cycle: 3, // (3 + 2 + 4) / 3 ended cycles
      cycles_per_task: 2.5,
    });
    expect(r.resolution_rate_ci).toEqual(wilsonInterval(2, 3));
    expect(Math.abs(r.time_to_resolve_ms!.median - 4000) / 4000).toBeLessThanOrEqual(0.01);
    expect(Math.abs(r.time_to_resolve_ms!.p95 - 4000) / 4000).toBeLessThanOrEqual(0.01);
  });
});

describe('ReportBuilder: optimizations', () => {
  const o = (attrs: Span['attrs'], init: Partial<Span> = {}): Span => span('optimization', { ...init, attrs });

  it('takes the geometric mean over sessions with both latencies and counts the rest apart', () => {
    const r = buildReport(
      [
        o({ operation: 'matmul', baseline_latency_ms: 10, optimized_latency_ms: 5, variants_generated: 10, validated: 8, promoted: 2, validation_failures: 2, autotune_samples: 100, wallclock_seconds: 30 }),
        o({ operation: 'matmul', baseline_latency_ms: 9, optimized_latency_ms: 3, variants_generated: 10, validated: 2, promoted: 0, wallclock_seconds: 90 }),
        // The autotuning host writes 0 ms for offline runs: no ratio, no division by zero.
        o({ operation: 'conv', baseline_latency_ms: 4, optimized_latency_ms: 0 }),
        // Python's Infinity arrives as null.
        o({ operation: 'conv', baseline_latency_ms: 4, optimized_latency_ms: null }),
        o({ operation: 'conv', optimized_latency_ms: 2 }),
      ],
      [],
      W,
    ).optimizations;
    expect(r).toMatchObject({
      sessions: 5,
      variants_generated: 20,
      validated: 10,
      promoted: 2,
      validation_failures: 2,
      autotune_samples: 100,
      validation_rate: 0.5,
      promotion_rate: 0.2,
      speedup_sessions: 2,
      sessions_without_baseline: 3,
      latency_saved_ms: 11,
      wallclock_seconds: { total: 120, mean: 60 },
    });
    expect(r.speedup_geomean).toBeCloseTo(Math.sqrt(2 * 3), 12);
  });

  it('trends the speedup against the previous window', () => {
    const r = buildReport(
      [
        o({ baseline_latency_ms: 4, optimized_latency_ms: 1 }),
        o({ baseline_latency_ms: 2, optimized_latency_ms: 1 }, { startMs: SINCE - HOUR }),
        o({}, { startMs: SINCE - HOUR }),
      ],
      [],
      W,
    ).optimizations;
    expect(r.trend.previous).toBeCloseTo(2, 12);
    expect(r.trend.delta).toBeCloseTo(2, 12);
    expect(r.trend.previous_total).toBe(2);
  });

  it('has null rates and speedup without data, never NaN', () => {
    const r = buildReport([o({ baseline_latency_ms: 0, optimized_latency_ms: 0 })], [], W).optimizations;
    expect(r.speedup_geomean).toBeNull();
    expect(r.validation_rate).toBeNull();
    expect(r.promotion_rate).toBeNull();
    expect(r.wallclock_seconds).toEqual({ total: 0, mean: null });
    expect(JSON.stringify(r)).not.toContain('NaN');
  });
});

describe('ReportBuilder: envs', () => {
  it('leaves out test and demo by default and says how many spans each excluded env had', () => {
    const r = buildReport(
      [
        span('run', { env: 'prod' }),
        span('run', { env: 'dev' }),
        span('run', { env: 'demo' }),
        span('run', { env: 'demo' }),
        span('run', { env: 'test' }),
        span('run', { env: 'test', startMs: SINCE - HOUR }), // previous window: not "missing" from this one
      ],
      [feedback({ env: 'test', success: true })],
      W,
    );
    expect(r.runs.total).toBe(2);
    expect(r.envs).toEqual({ included: ['dev', 'prod'], excluded: { demo: 2, test: 1 } });
    expect(r.feedback.count).toBe(0);
  });

  it("includes everything with 'all' and exactly the listed envs otherwise", () => {
    const spans = [span('run', { env: 'prod' }), span('run', { env: 'demo' }), span('run', { env: 'test' })];
    const all = buildReport(spans, [], { ...W, envs: 'all' });
    expect(all.runs.total).toBe(3);
    expect(all.envs).toEqual({ included: 'all', excluded: {} });
    const listed = buildReport(spans, [], { ...W, envs: ['demo'] });
    expect(listed.runs.total).toBe(1);
    expect(listed.envs).toEqual({ included: ['demo'], excluded: { prod: 1, test: 1 } });
  });

  it('keeps an env named __proto__ as a plain count', () => {
    const r = buildReport([span('run', { env: '__proto__' })], [], { ...W, envs: ['prod'] });
    expect(Object.getPrototypeOf(r.envs.excluded)).toBe(Object.prototype);
    expect(Object.entries(r.envs.excluded)).toEqual([['__proto__', 1]]);
  });
});

describe('ReportBuilder: groups', () => {
  it('groups by model, sorted by volume, with (none) for a missing key and per-group trends', () => {
    const m = (model: string | undefined, init: Partial<Span> = {}): Span =>
      span('agent', { ...init, attrs: model === undefined ? {} : { 'gen_ai.request.model': model } });
    const r = buildReport(
      [
        m('claude', { status: 'success' }),
        m('claude', { status: 'failure' }),
        m('claude', { status: 'success' }),
        m('gpt', { status: 'success' }),
        m(undefined, { status: 'failure' }),
        m(undefined, { status: 'failure' }),
        m('claude', { status: 'failure', startMs: SINCE - HOUR }),
        m('old-model', { startMs: SINCE - HOUR }), // only in the previous window: no row
      ],
      [],
      { ...W, by: 'model' },
    );
    expect(r.by).toBe('model');
    expect(r.groups!.map((g) => [g.key, g.agents.total])).toEqual([
      ['claude', 3],
      ['(none)', 2],
      ['gpt', 1],
    ]);
    const claude = r.groups![0]!;
    expect(claude.agents.success_rate).toBeCloseTo(2 / 3, 12);
    expect(claude.agents.trend).toEqual({ previous: 0, delta: 2 / 3, previous_total: 1 });
    expect(r.groups![2]!.agents.trend).toEqual({ previous: null, delta: null, previous_total: 0 });
  });

  it('groups by agent over agent and debug spans only, with feedback joined by agent name', () => {
    const r = buildReport(
      [
        span('run'),
        span('task'),
        span('agent', { attrs: { 'gen_ai.agent.name': 'coder', 'agent.attempt': 2 } }),
        span('agent', { status: 'failure', attrs: { 'gen_ai.agent.name': 'coder' } }),
        span('agent', { attrs: { 'gen_ai.agent.name': 'tester' } }),
        span('debug', { attrs: { 'gen_ai.agent.name': 'coder', 'debug.resolved': true, 'debug.attempts': 1 } }),
      ],
      [
        feedback({ rating: 2, attrs: { 'target.kind': 'agent', 'gen_ai.agent.name': 'tester' } }),
        feedback({ rating: 4, attrs: { 'target.kind': 'agent', 'gen_ai.agent.name': 'reviewer' } }),
      ],
      { ...W, by: 'agent' },
    );
    expect(r.runs.total).toBe(1); // totals still count everything
    const byKey = Object.fromEntries(r.groups!.map((g) => [g.key, g]));
    expect(Object.keys(byKey)).toEqual(['coder', 'tester', 'reviewer']);
    expect(byKey.coder!.agents).toMatchObject({ total: 2, success_rate: 0.5, retries: 1 });
    expect(byKey.coder!.debugging).toMatchObject({ cycles: 1, resolved: 1 });
    expect(byKey.coder!.runs.total).toBe(0);
    expect(byKey.tester!.agents.quality).toEqual({ ratings: 1, mean: 2 });
    expect(byKey.reviewer!.agents).toMatchObject({ total: 0, quality: { ratings: 1, mean: 4 } });
  });

  it('groups by UTC day of the start, by env and by temperature', () => {
    const spans = [
      span('run', { startMs: Date.parse('2025-01-08T23:59:59.999Z') }),
      span('run', { startMs: Date.parse('2025-01-09T00:00:00.000Z'), attrs: { 'gen_ai.request.temperature': 0.7 } }),
      span('run', { startMs: Date.parse('2025-01-09T12:00:00.000Z'), env: 'dev', attrs: { 'gen_ai.request.temperature': 0 } }),
    ];
    const byDay = buildReport(spans, [], { ...W, by: 'day' });
    expect(byDay.groups!.map((g) => [g.key, g.runs.total])).toEqual([
      ['2025-01-09', 2],
      ['2025-01-08', 1],
    ]);
    const byEnv = buildReport(spans, [], { ...W, by: 'env' });
    expect(byEnv.groups!.map((g) => g.key)).toEqual(['prod', 'dev']);
    const byTemp = buildReport(spans, [], { ...W, by: 'temperature' });
    expect(byTemp.groups!.map((g) => g.key)).toEqual(['(none)', '0', '0.7']);
  });

  it('makes no group of spans that feed no section (workflow); model and tool calls have theirs', () => {
    const r = buildReport(
      [span('workflow', { attrs: { 'gen_ai.request.model': 'sonnet' } }), span('llm', { attrs: { 'gen_ai.request.model': 'haiku', 'gen_ai.usage.input_tokens': 40 } }), span('tool', { status: 'failure' }), span('run', { attrs: { 'gen_ai.request.model': 'opus' } })],
      [],
      { ...W, by: 'model' },
    );
    expect(r.groups!.map((g) => g.key).sort()).toEqual(['(none)', 'haiku', 'opus']);
    expect(r.model_calls).toMatchObject({ total: 1, tokens: { input: 40, output: 0 } });
    expect(r.tool_calls).toMatchObject({ total: 1, failure: 1, success_rate: 0 });
    expect(r.groups!.find((g) => g.key === 'haiku')?.model_calls.total).toBe(1);
  });

  it('groups optimisation sessions by operation', () => {
    const r = buildReport(
      [
        span('optimization', { attrs: { operation: 'matmul', baseline_latency_ms: 8, optimized_latency_ms: 2 } }),
        span('optimization', { attrs: { operation: 'conv2d', baseline_latency_ms: 3, optimized_latency_ms: 3 } }),
        span('optimization', { attrs: { operation: 'matmul', baseline_latency_ms: 0, optimized_latency_ms: 2 } }),
      ],
      [],
      { ...W, by: 'operation' },
    );
    expect(r.groups!.map((g) => [g.key, g.optimizations.speedup_geomean, g.optimizations.sessions_without_baseline])).toEqual([
      ['matmul', 4, 1],
      ['conv2d', 1, 0],
    ]);
  });
});

describe('ReportBuilder: skipped lines', () => {
  it('carries the reader count and a bounded sample list', () => {
    const b = new ReportBuilder(W);
    const samples = Array.from({ length: 50 }, (_, i) => ({ file: 'events/2025-01-09/a.jsonl', line: i + 1, reason: 'invalid JSON' }));
    b.setSkippedLines(50, samples);
    const r = b.build();
    expect(r.skipped_lines).toBe(50);
    expect(r.skipped_samples).toHaveLength(20);
    expect(r.skipped_samples[0]).toEqual({ file: 'events/2025-01-09/a.jsonl', line: 1, reason: 'invalid JSON' });
  });
});

import { describe, expect, it } from 'vitest';
import type {
  AgentmeterEvent,
  Feedback,
  FeedbackEvent,
  Span,
  SpanCompleteEvent,
  SpanEndEvent,
  SpanKind,
  SpanPointEvent,
  SpanStartEvent,
  SpanStatus,
} from '../../src/model/index.js';
import { DEFAULT_OPEN_TIMEOUT_MS, SpanFolder, mergeAttrs } from '../../src/model/index.js';

const T0 = Date.parse('2025-01-08T12:00:00.000Z');
const iso = (ms: number): string => new Date(ms).toISOString();
let seq = 0;
const nextId = (): string => `0194a0b8-0000-7000-8000-${(++seq).toString(16).padStart(12, '0')}`;

interface SpanRef {
  span_id: string;
  run_id: string;
  kind: SpanKind;
}

const RUN: SpanRef = { span_id: 'run-1', run_id: 'run-1', kind: 'run' };
const child = (span_id: string, kind: SpanKind = 'agent', run_id = RUN.run_id): SpanRef => ({ span_id, run_id, kind });

function startEv(s: SpanRef, atMs: number, attrs: Record<string, unknown> = {}, name = `${s.kind}:${s.span_id}`): SpanStartEvent {
  return {
    v: 1,
    id: nextId(),
    ts: iso(atMs),
    type: 'span.start',
    span_id: s.span_id,
    run_id: s.run_id,
    env: 'test',
    kind: s.kind,
    name,
    parent_id: s.span_id === s.run_id ? null : s.run_id,
    attrs,
  } as SpanStartEvent;
}

function endEv(s: SpanRef, startMs: number, endMs: number, status: SpanStatus = 'success', attrs: Record<string, unknown> = {}, durationMs: number | null = endMs - startMs): SpanEndEvent {
  return {
    v: 1,
    id: nextId(),
    ts: iso(endMs),
    type: 'span.end',
    span_id: s.span_id,
    run_id: s.run_id,
    env: 'test',
    kind: s.kind,
    start_ts: iso(startMs),
    duration_ms: durationMs,
    status,
    attrs,
  } as SpanEndEvent;
}

function completeEv(s: SpanRef, startMs: number, endMs: number, attrs: Record<string, unknown> = {}): SpanCompleteEvent {
  return {
    v: 1,
    id: nextId(),
    ts: iso(endMs),
    type: 'span',
    span_id: s.span_id,
    run_id: s.run_id,
    env: 'test',
    kind: s.kind,
    name: `complete ${s.span_id}`,
    parent_id: s.run_id,
    start_ts: iso(startMs),
    duration_ms: endMs - startMs,
    status: 'failure',
    attrs,
  } as SpanCompleteEvent;
}

function pointEv(s: SpanRef, atMs: number, name = 'debug.attempt'): SpanPointEvent {
  return { v: 1, id: nextId(), ts: iso(atMs), type: 'span.event', span_id: s.span_id, run_id: s.run_id, env: 'test', name, attrs: {} };
}

function feedbackEv(spanId: string, atMs: number, rating: number, success = true): FeedbackEvent {
  return {
    v: 1,
    id: nextId(),
    ts: iso(atMs),
    type: 'feedback',
    span_id: spanId,
    run_id: RUN.run_id,
    env: 'test',
    success,
    rating,
    source: 'human',
    attrs: {},
  };
}

function fold(events: AgentmeterEvent[], opts: { nowMs?: number; openTimeoutMs?: number } = {}) {
  const spans: Span[] = [];
  const feedback: Feedback[] = [];
  const folder = new SpanFolder({ onSpan: (s) => spans.push(s), onFeedback: (f) => feedback.push(f), nowMs: opts.nowMs ?? T0 + 60_000, ...(opts.openTimeoutMs !== undefined ? { openTimeoutMs: opts.openTimeoutMs } : {}) });
  for (const e of events) folder.add(e);
  folder.finish();
  const byId = new Map(spans.map((s) => [s.spanId, s]));
  return { spans, feedback, stats: folder.stats, byId };
}

describe('SpanFolder: folding', () => {
  it('start + end fold into one ended span with merged attributes and duration', () => {
    const a = child('a1');
    const { spans } = fold([
      startEv(a, T0, { 'gen_ai.agent.name': 'coding', 'task.type': 'bug_fix', tools_used: ['Read'] }),
      endEv(a, T0, T0 + 4500, 'success', { tools_used: ['Read', 'Edit'], cost_usd: 0.02 }, 4321.5),
    ]);
    expect(spans).toHaveLength(1);
    expect(spans[0]).toEqual({
      spanId: 'a1',
      runId: 'run-1',
      parentId: 'run-1',
      kind: 'agent',
      name: 'agent:a1',
      env: 'test',
      startMs: T0,
      endMs: T0 + 4500,
      durationMs: 4321.5,
      status: 'success',
      state: 'ended',
      attrs: { 'gen_ai.agent.name': 'coding', 'task.type': 'bug_fix', tools_used: ['Read', 'Edit'], cost_usd: 0.02 },
      pointEvents: 0,
    });
  });

  it('a missing duration is computed from the timestamps', () => {
    const a = child('a2');
    const { spans } = fold([startEv(a, T0), endEv(a, T0, T0 + 700, 'failure', {}, null)]);
    expect(spans[0]?.durationMs).toBe(700);
    expect(spans[0]?.status).toBe('failure');
  });

  it('a complete span event is one ended span', () => {
    const p = child('p1', 'pipeline');
    const { spans } = fold([completeEv(p, T0, T0 + 90_000, { 'cicd.pipeline.run.id': '4259' })]);
    expect(spans).toHaveLength(1);
    expect(spans[0]).toMatchObject({
      spanId: 'p1',
      kind: 'pipeline',
      name: 'complete p1',
      parentId: 'run-1',
      startMs: T0,
      endMs: T0 + 90_000,
      durationMs: 90_000,
      status: 'failure',
      state: 'ended',
      attrs: { 'cicd.pipeline.run.id': '4259' },
    });
  });

  it('an end read before its start (another segment) still folds into one span', () => {
    const a = child('a3');
    const { spans, stats } = fold([endEv(a, T0, T0 + 100, 'success', { b: 2 }), startEv(a, T0, { a: 1 }, 'late start')]);
    expect(spans).toHaveLength(1);
    expect(spans[0]).toMatchObject({ name: 'late start', state: 'ended', attrs: { a: 1, b: 2 }, durationMs: 100 });
    expect(stats.orphanEnds).toBe(0);
  });
});

describe('SpanFolder: at-least-once delivery', () => {
  it('duplicate start, end, complete, point and feedback events are ignored and counted', () => {
    const a = child('d1', 'debug');
    const p = child('p2', 'pipeline');
    const s = startEv(a, T0);
    const pt = pointEv(a, T0 + 10);
    const e = endEv(a, T0, T0 + 50);
    const c = completeEv(p, T0, T0 + 20);
    const f = feedbackEv('d1', T0 + 100, 5);
    const { spans, feedback, stats } = fold([s, s, pt, pt, e, e, c, c, f, f, s]);
    expect(spans).toHaveLength(2);
    expect(spans.find((x) => x.spanId === 'd1')?.pointEvents).toBe(1);
    expect(feedback).toHaveLength(1);
    // start twice more, point once, end once, complete once, feedback once.
    expect(stats.duplicates).toBe(6);
    expect(stats.events).toBe(11);
  });

  it('a repeated end of a span whose end was read first is a duplicate', () => {
    const a = child('a4');
    const e = endEv(a, T0, T0 + 5);
    const { spans, stats } = fold([e, e, startEv(a, T0)]);
    expect(spans).toHaveLength(1);
    expect(stats.duplicates).toBe(1);
  });
});

describe('SpanFolder: unended spans', () => {
  it('an unended span is open while its run is live', () => {
    const a = child('o1');
    const { byId } = fold([startEv(RUN, T0), startEv(a, T0 + 1000)], { nowMs: T0 + 60_000 });
    expect(byId.get('o1')).toMatchObject({ state: 'open', status: null, endMs: null, durationMs: null });
    expect(byId.get('run-1')?.state).toBe('open');
  });

  it('an unended span is abandoned once its run ended', () => {
    const a = child('o2');
    const { byId } = fold([startEv(RUN, T0), startEv(a, T0 + 1000), endEv(RUN, T0, T0 + 5000, 'failure')]);
    expect(byId.get('run-1')?.state).toBe('ended');
    expect(byId.get('o2')).toMatchObject({ state: 'abandoned', status: null, endMs: null });
  });

  it('an unended span is abandoned after the open timeout even if its run is live', () => {
    const a = child('o3');
    const events = [startEv(RUN, T0), startEv(a, T0)];
    expect(fold(events, { nowMs: T0 + DEFAULT_OPEN_TIMEOUT_MS + 1 }).byId.get('o3')?.state).toBe('abandoned');
    expect(fold(events, { nowMs: T0 + DEFAULT_OPEN_TIMEOUT_MS - 1 }).byId.get('o3')?.state).toBe('open');
    expect(fold(events, { nowMs: T0 + 10_001, openTimeoutMs: 10_000 }).byId.get('o3')?.state).toBe('abandoned');
  });

  it('an end without a start is folded alone and counted as an orphan', () => {
    const a = child('x1', 'task');
    const { spans, stats } = fold([endEv(a, T0, T0 + 300, 'success', { 'task.key': '123' })]);
    expect(stats.orphanEnds).toBe(1);
    expect(spans).toHaveLength(1);
    expect(spans[0]).toMatchObject({ spanId: 'x1', kind: 'task', state: 'ended', startMs: T0, endMs: T0 + 300, attrs: { 'task.key': '123' } });
  });
});

describe('SpanFolder: point events and feedback', () => {
  it('debug attempts recorded as span.event are counted into pointEvents', () => {
    const d = child('dbg', 'debug');
    const { byId } = fold([startEv(d, T0), pointEv(d, T0 + 1), pointEv(d, T0 + 2), pointEv(d, T0 + 3), endEv(d, T0, T0 + 10, 'success', { 'debug.resolved': true })]);
    expect(byId.get('dbg')?.pointEvents).toBe(3);
  });

  it('point events read before their start are kept for the span', () => {
    const d = child('dbg2', 'debug');
    const { byId } = fold([pointEv(d, T0 + 1), pointEv(d, T0 + 2), startEv(d, T0), endEv(d, T0, T0 + 10)]);
    expect(byId.get('dbg2')?.pointEvents).toBe(2);
  });

  it('point events of a span never seen are counted as orphans, one per event', () => {
    const ghost = child('ghost', 'debug');
    const { stats } = fold([pointEv(ghost, T0), pointEv(ghost, T0 + 1), pointEv(ghost, T0 + 2)]);
    // FoldStats documents orphanPoints as "point events whose span was never seen".
    expect(stats.orphanPoints).toBe(3);
  });

  it('feedback: the latest by timestamp wins, whatever the read order', () => {
    const late = feedbackEv('a1', T0 + 2000, 2, false);
    const early = feedbackEv('a1', T0 + 1000, 5, true);
    const { feedback } = fold([late, early, feedbackEv('b1', T0, 3)]);
    expect(feedback).toHaveLength(2);
    expect(feedback.find((f) => f.spanId === 'a1')).toMatchObject({ rating: 2, success: false, id: late.id, tsMs: T0 + 2000 });
    const inOrder = fold([early, late]).feedback;
    expect(inOrder).toHaveLength(1);
    expect(inOrder[0]?.rating).toBe(2);
  });
});

describe('mergeAttrs', () => {
  it('end attributes win, undefined does not erase, __proto__ is dropped', () => {
    const a = JSON.parse('{"x":1,"y":2,"__proto__":{"polluted":true}}') as Record<string, number>;
    const merged = mergeAttrs(a, { y: 3, z: undefined });
    expect(merged).toEqual({ x: 1, y: 3 });
    expect(Object.getPrototypeOf(merged)).toBe(Object.prototype);
    expect(mergeAttrs(undefined, undefined)).toEqual({});
  });
});

// What the OTLP exporter writes (`spansToOtlp`, `feedbackToOtlpLogs`) and what the ingest
// server reads (`/v1/traces`, `/v1/logs`) round-trip to the same spans and feedback.
import { describe, expect, it } from 'vitest';
import type { AgentmeterEvent, EventSink, ExportResult, Feedback, Span } from '../../src/model/index.js';
import { SpanFolder, uuidv7 } from '../../src/model/index.js';
import { createApp } from '../../src/server/index.js';
import { feedbackToOtlpLogs, spansToOtlp } from '../../src/sinks/otlp/index.js';

class MemorySink implements EventSink {
  events: AgentmeterEvent[] = [];
  export(batch: readonly AgentmeterEvent[]): Promise<ExportResult> {
    this.events.push(...batch);
    return Promise.resolve({ ok: true });
  }
  flush(): Promise<void> {
    return Promise.resolve();
  }
  shutdown(): Promise<void> {
    return Promise.resolve();
  }
}

const T0 = Date.parse('2025-02-20T10:00:00.000Z');
const iso = (ms: number): string => new Date(ms).toISOString();

function fold(events: readonly object[]): { spans: Span[]; feedback: Feedback[] } {
  const spans: Span[] = [];
  const feedback: Feedback[] = [];
  const f = new SpanFolder({ nowMs: T0 + 60_000, onSpan: (s) => spans.push(s), onFeedback: (x) => feedback.push(x) });
  for (const e of events) f.add(e as AgentmeterEvent);
  f.finish();
  return { spans: spans.sort((a, b) => (a.spanId < b.spanId ? -1 : 1)), feedback };
}

/** Events of one run: every kind the reports read, statuses beyond success and failure, a non-UUID id. */
function original(): object[] {
  let n = 0;
  const id = (): string => uuidv7(T0 + n++);
  const run = id();
  const agent = id();
  const common = { v: 1, run_id: run, env: 'prod' };
  const complete = (span: string, kind: string, name: string, parent: string | null, startMs: number, durationMs: number, status: string, attrs: object) => ({
    ...common, id: id(), ts: iso(startMs + durationMs), type: 'span', span_id: span, kind, name, parent_id: parent, start_ts: iso(startMs), duration_ms: durationMs, status, attrs,
  });
  return [
    complete(run, 'run', 'nightly', null, T0, 30_000, 'success', { project: 'shop' }),
    complete(agent, 'agent', 'coder', run, T0 + 100, 12_345, 'failure', {
      'gen_ai.agent.name': 'coder', 'gen_ai.request.model': 'claude-sonnet', 'gen_ai.usage.input_tokens': 1200, 'gen_ai.usage.output_tokens': 345,
      cost_usd: 0.0125, 'error.type': 'timeout', 'task.type': 'bug_fix',
    }),
    complete('step-7', 'llm', 'chat', agent, T0 + 200, 800, 'success', { 'gen_ai.request.model': 'claude-haiku', 'gen_ai.usage.input_tokens': 10, 'gen_ai.usage.output_tokens': 5 }),
    complete(id(), 'pipeline', 'ci', run, T0 + 13_000, 9000, 'partial', { 'pipeline.attempt': 1 }),
    complete(id(), 'optimization', 'tune matmul', run, T0 + 23_000, 4000, 'cancelled', { operation: 'matmul', baseline_latency_ms: 10, optimized_latency_ms: 4 }),
    { ...common, id: id(), ts: iso(T0 + 40_000), type: 'feedback', span_id: agent, success: true, rating: 4, source: 'human', attrs: { 'target.kind': 'agent', 'gen_ai.agent.name': 'coder', 'feedback.notes': 'good fix' } },
  ];
}

const REPORTED = ['gen_ai.agent.name', 'gen_ai.request.model', 'gen_ai.usage.input_tokens', 'gen_ai.usage.output_tokens', 'cost_usd', 'error.type', 'task.type', 'project', 'pipeline.attempt', 'operation', 'baseline_latency_ms', 'optimized_latency_ms'];

function shape(s: Span): object {
  const attrs: Record<string, unknown> = {};
  for (const k of REPORTED) if (s.attrs[k] !== undefined) attrs[k] = s.attrs[k];
  return { spanId: s.spanId, runId: s.runId, parentId: s.parentId, kind: s.kind, name: s.name, env: s.env, startMs: s.startMs, durationMs: s.durationMs, status: s.status, state: s.state, attrs };
}

describe('OTLP export and ingest round-trip', () => {
  it('gives back the same spans and feedback', async () => {
    const before = fold(original());
    expect(before.spans).toHaveLength(5);
    const sink = new MemorySink();
    const app = createApp({ sink });
    const post = (path: string, body: unknown) => app.fetch(new Request(`http://127.0.0.1${path}`, { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }));
    const traces = await post('/v1/traces', spansToOtlp(before.spans, { serviceName: 'ci-agents' }));
    expect(traces.status).toBe(200);
    expect(await traces.json()).toEqual({});
    const logs = await post('/v1/logs', feedbackToOtlpLogs(before.feedback));
    expect(logs.status).toBe(200);
    expect(await logs.json()).toEqual({});
    const after = fold(sink.events);
    expect(after.spans.map(shape)).toEqual(before.spans.map(shape));
    expect(after.feedback.map((f) => ({ ...f, attrs: { ...f.attrs } }))).toEqual(before.feedback);
    // Exported twice (an exporter retrying): folded once.
    await post('/v1/traces', spansToOtlp(before.spans));
    await post('/v1/logs', feedbackToOtlpLogs(before.feedback));
    expect(fold(sink.events).spans).toHaveLength(5);
    expect(fold(sink.events).feedback).toHaveLength(1);
  });

  it('counts log records that are not evaluations as rejected', async () => {
    const sink = new MemorySink();
    const app = createApp({ sink });
    const body = { resourceLogs: [{ resource: { attributes: [] }, scopeLogs: [{ scope: { name: 'x' }, logRecords: [{ timeUnixNano: '1740045600000000000', spanId: 'eee19b7ec3c1b101', body: { stringValue: 'hello' } }] }] }] };
    const r = await app.fetch(new Request('http://127.0.0.1/v1/logs', { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }));
    expect(r.status).toBe(200);
    expect(await r.json()).toMatchObject({ partialSuccess: { rejectedLogRecords: '1' } });
    expect(sink.events).toEqual([]);
  });
});

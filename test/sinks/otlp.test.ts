import { createServer } from 'node:http';
import type { IncomingMessage, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { OtlpHttpSink, parseRetryAfter, spansToOtlp, traceIdOf, spanIdOf, nanos } from '../../src/sinks/otlp/index.js';
import type { OtlpTraceRequest, OtlpLogsRequest, OtlpValue } from '../../src/sinks/otlp/index.js';
import { cursorPath, syncStore } from '../../src/sinks/index.js';
import type { Span } from '../../src/model/index.js';
import { tempDir } from '../helpers.js';
import { closedPort } from './net-helpers.js';

interface Received {
  path: string;
  body: unknown;
}

/** A collector on an ephemeral port: records requests, answers from a script (default 200). */
async function collector(script: ((req: IncomingMessage, n: number) => { status: number; headers?: Record<string, string>; body?: string }) | undefined = undefined) {
  const received: Received[] = [];
  let n = 0;
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const answer = script?.(req, n++) ?? { status: 200 };
      if (answer.status === 200) received.push({ path: req.url ?? '', body: JSON.parse(Buffer.concat(chunks).toString('utf8')) });
      res.writeHead(answer.status, { 'content-type': 'application/json', ...(answer.headers ?? {}) });
      res.end(answer.body ?? '{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  servers.push(server);
  const { port } = server.address() as AddressInfo;
  return { endpoint: `http://127.0.0.1:${port}`, received, requests: () => n };
}

const servers: Server[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await new Promise((r) => s.close(r));
});

const RUN = '01953f8d-9c02-73d0-b12e-d10ee3ea37ab';
const AGENT = '01953f8d-9c03-7000-8aaa-0123456789ab';
const PIPE = '01953f8d-9c04-7000-8bbb-0123456789ab';
const T0 = Date.parse('2025-02-26T00:00:00.000Z');
const iso = (ms: number): string => new Date(ms).toISOString();
let seq = 0;
const id = (): string => `01953f8d-9c05-7${String(++seq).padStart(3, '0')}-8ccc-0123456789ab`;

function agentEvents() {
  return [
    { v: 1, id: id(), ts: iso(T0), type: 'span.start', span_id: RUN, run_id: RUN, env: 'prod', kind: 'run', name: 'run web', parent_id: null, attrs: { project: 'web', 'gen_ai.request.model': 'gpt-4.1' } },
    { v: 1, id: id(), ts: iso(T0 + 10), type: 'span.start', span_id: AGENT, run_id: RUN, env: 'prod', kind: 'agent', name: 'coding', parent_id: RUN, attrs: { 'gen_ai.agent.name': 'coding', 'gen_ai.request.model': 'gpt-4.1', 'agent.attempt': 1 } },
    { v: 1, id: id(), ts: iso(T0 + 1510), type: 'span.end', span_id: AGENT, run_id: RUN, env: 'prod', kind: 'agent', start_ts: iso(T0 + 10), duration_ms: 1500.25, status: 'failure', attrs: { 'gen_ai.usage.input_tokens': 120, 'error.type': 'test_failure' } },
    { v: 1, id: id(), ts: iso(T0 + 2000), type: 'span', span_id: PIPE, run_id: RUN, env: 'prod', kind: 'pipeline', name: 'ci', parent_id: RUN, start_ts: iso(T0 + 1600), duration_ms: 400, status: 'success', attrs: { 'cicd.pipeline.run.id': '991', 'pipeline.attempt': 1 } },
    { v: 1, id: id(), ts: iso(T0 + 2100), type: 'feedback', span_id: AGENT, run_id: RUN, env: 'prod', success: false, rating: 2, source: 'automated_tests', attrs: { 'target.kind': 'agent', 'feedback.notes': 'tests red' } },
    { v: 1, id: id(), ts: iso(T0 + 3000), type: 'span.end', span_id: RUN, run_id: RUN, env: 'prod', kind: 'run', start_ts: iso(T0), duration_ms: 3000, status: 'success', attrs: {} },
  ];
}

function attr(kvs: { key: string; value: OtlpValue }[], key: string): OtlpValue | undefined {
  return kvs.find((kv) => kv.key === key)?.value;
}

describe('OTLP encoding', () => {
  it('maps ids, times, names and GenAI/CICD attributes', () => {
    const span: Span = {
      spanId: AGENT, runId: RUN, parentId: RUN, kind: 'agent', name: 'coding', env: 'prod', startMs: T0 + 10, endMs: T0 + 1510,
      durationMs: 1500.25, status: 'failure', state: 'ended', attrs: { 'gen_ai.agent.name': 'coding', 'error.type': 'test_failure', tools_used: ['Read', 'Edit'], n: null }, pointEvents: 0,
    };
    const req = spansToOtlp([span], { serviceName: 'ci-agents' });
    const s = req.resourceSpans[0]!.scopeSpans[0]!.spans[0]!;
    expect(s.traceId).toBe(RUN.replace(/-/g, ''));
    expect(s.spanId).toBe(AGENT.replace(/-/g, '').slice(16));
    expect(s.parentSpanId).toBe(spanIdOf(RUN));
    expect(s.name).toBe('invoke_agent coding');
    expect(s.startTimeUnixNano).toBe(`${T0 + 10}000000`);
    expect(s.endTimeUnixNano).toBe(`${T0 + 1510}250000`);
    expect(s.status).toEqual({ code: 2, message: 'test_failure' });
    expect(attr(s.attributes, 'gen_ai.operation.name')).toEqual({ stringValue: 'invoke_agent' });
    expect(attr(s.attributes, 'tools_used')).toEqual({ arrayValue: { values: [{ stringValue: 'Read' }, { stringValue: 'Edit' }] } });
    expect(attr(s.attributes, 'n')).toBeUndefined();
    expect(attr(s.attributes, 'agentmeter.span_id')).toEqual({ stringValue: AGENT });
    expect(attr(req.resourceSpans[0]!.resource.attributes, 'service.name')).toEqual({ stringValue: 'ci-agents' });
    // Ids that are not UUIDs hash to valid, stable OTLP ids.
    expect(traceIdOf('run_20241203_143022_project_168')).toMatch(/^[0-9a-f]{32}$/);
    expect(traceIdOf('run_20241203_143022_project_168')).toBe(traceIdOf('run_20241203_143022_project_168'));
    expect(spanIdOf('inv_1733_abc')).toMatch(/^[0-9a-f]{16}$/);
    expect(nanos(1.5)).toBe('1500000');
  });
});

describe('OtlpHttpSink', () => {
  it('exports spans when their end arrives and feedback as gen_ai.evaluation.result', async () => {
    const c = await collector();
    const sink = new OtlpHttpSink({ endpoint: c.endpoint });
    const events = agentEvents() as never[];
    // The start alone sends nothing: OTLP spans are whole.
    expect(await sink.export(events.slice(0, 2))).toEqual({ ok: true });
    expect(c.received).toHaveLength(0);
    expect(await sink.export(events.slice(2))).toEqual({ ok: true });
    const traces = c.received.filter((r) => r.path === '/v1/traces').flatMap((r) => (r.body as OtlpTraceRequest).resourceSpans[0]!.scopeSpans[0]!.spans);
    expect(traces.map((s) => s.name).sort()).toEqual(['ci', 'invoke_agent coding', 'run web']);
    const agent = traces.find((s) => s.name === 'invoke_agent coding')!;
    // Start attributes (agent name, model) joined with end attributes (tokens).
    expect(attr(agent.attributes, 'gen_ai.request.model')).toEqual({ stringValue: 'gpt-4.1' });
    expect(attr(agent.attributes, 'gen_ai.usage.input_tokens')).toEqual({ intValue: '120' });
    const pipe = traces.find((s) => s.name === 'ci')!;
    expect(attr(pipe.attributes, 'cicd.pipeline.result')).toEqual({ stringValue: 'success' });
    expect(attr(pipe.attributes, 'cicd.pipeline.run.id')).toEqual({ stringValue: '991' });
    const logs = c.received.filter((r) => r.path === '/v1/logs').flatMap((r) => (r.body as OtlpLogsRequest).resourceLogs[0]!.scopeLogs[0]!.logRecords);
    expect(logs).toHaveLength(1);
    expect(logs[0]!.eventName).toBe('gen_ai.evaluation.result');
    expect(logs[0]!.spanId).toBe(agent.spanId);
    expect(attr(logs[0]!.attributes, 'gen_ai.evaluation.score.value')).toEqual({ doubleValue: 2 });
    expect(attr(logs[0]!.attributes, 'gen_ai.evaluation.score.label')).toEqual({ stringValue: 'fail' });
    expect(sink.stats).toMatchObject({ spans: 3, feedback: 1 });
  });

  it('429 and 503 are retryable with Retry-After; the retried batch sends what was held', async () => {
    const c = await collector((_req, n) =>
      n === 0 ? { status: 429, headers: { 'retry-after': '3' } } : n === 1 ? { status: 503, headers: { 'retry-after': new Date(Date.now() + 60_000).toUTCString() } } : { status: 200 },
    );
    const sink = new OtlpHttpSink({ endpoint: c.endpoint });
    const batch = agentEvents() as never[];
    const r1 = await sink.export(batch);
    expect(r1).toMatchObject({ ok: false, retryable: true, retryAfterMs: 3000 });
    const r2 = await sink.export(batch);
    expect(r2.ok).toBe(false);
    if (!r2.ok) {
      expect(r2.retryable).toBe(true);
      expect(r2.retryAfterMs).toBeGreaterThan(50_000);
    }
    expect(await sink.export(batch)).toEqual({ ok: true });
    const spans = c.received.filter((r) => r.path === '/v1/traces').flatMap((r) => (r.body as OtlpTraceRequest).resourceSpans[0]!.scopeSpans[0]!.spans);
    // Exactly once each, though the batch was handed over three times.
    expect(spans).toHaveLength(3);
    expect(c.received.filter((r) => r.path === '/v1/logs')).toHaveLength(1);
  });

  it('400 and 413 are not retried', async () => {
    for (const status of [400, 413]) {
      const c = await collector(() => ({ status, body: '{"message":"bad"}' }));
      const sink = new OtlpHttpSink({ endpoint: c.endpoint });
      const r = await sink.export(agentEvents() as never[]);
      expect(r).toMatchObject({ ok: false, retryable: false });
      expect(r.ok ? undefined : r.retryAfterMs).toBeUndefined();
    }
  });

  it('a refused connection is retryable', async () => {
    const sink = new OtlpHttpSink({ endpoint: `http://127.0.0.1:${await closedPort()}`, timeoutMs: 2000 });
    expect(await sink.export(agentEvents() as never[])).toMatchObject({ ok: false, retryable: true });
  });

  it('parses Retry-After as seconds or a date', () => {
    expect(parseRetryAfter('7')).toBe(7000);
    expect(parseRetryAfter('Wed, 21 Oct 2015 07:28:00 GMT', Date.parse('2015-10-21T07:27:00Z'))).toBe(60_000);
    expect(parseRetryAfter(null)).toBeUndefined();
    expect(parseRetryAfter('soon')).toBeUndefined();
  });
});

describe('sync to OTLP', () => {
  function writeStore(dir: string, events: object[]): string {
    const day = join(dir, 'events', '2025-02-26');
    mkdirSync(day, { recursive: true });
    const file = join(day, 'seg-a.jsonl');
    writeFileSync(file, events.map((e) => JSON.stringify(e) + '\n').join(''));
    return file;
  }

  it('honours the server through retries, keeps a cursor, and resumes a span across runs whole', async () => {
    const dir = tempDir();
    const events = agentEvents();
    // First pass: only the starts are in the store (the writer is still working).
    const file = writeStore(dir, events.slice(0, 2));
    let answers = 0;
    const c = await collector(() => (answers++ === 0 ? { status: 503, headers: { 'retry-after': '1' } } : { status: 200 }));
    const waits: number[] = [];
    const sleep = async (ms: number): Promise<void> => void waits.push(ms);
    const first = await syncStore({ root: dir, sink: new OtlpHttpSink({ endpoint: c.endpoint }), sinkId: 'otlp-test', destination: c.endpoint, sleep });
    expect(first).toMatchObject({ ok: true, events: 2 });
    const cursor = JSON.parse(readFileSync(cursorPath(dir, 'otlp-test'), 'utf8')) as { segments: Record<string, number> };
    expect(cursor.segments['2025-02-26/seg-a.jsonl']).toBe(readFileSync(file).length);
    // The rest arrives, plus a torn tail that must wait; a new process (new sink) resumes.
    writeFileSync(file, readFileSync(file, 'utf8') + events.slice(2).map((e) => JSON.stringify(e) + '\n').join('') + '{"v":1,"id":"tor');
    const second = await syncStore({ root: dir, sink: new OtlpHttpSink({ endpoint: c.endpoint }), sinkId: 'otlp-test', destination: c.endpoint, sleep });
    expect(second).toMatchObject({ ok: true, events: 4, tornTails: 1 });
    expect(waits).toEqual([1000]);
    const spans = c.received.filter((r) => r.path === '/v1/traces').flatMap((r) => (r.body as OtlpTraceRequest).resourceSpans[0]!.scopeSpans[0]!.spans);
    const agent = spans.find((s) => s.spanId === spanIdOf(AGENT))!;
    // Name and start attributes came from the first pass's lines, primed on resume.
    expect(agent.name).toBe('invoke_agent coding');
    expect(attr(agent.attributes, 'gen_ai.agent.name')).toEqual({ stringValue: 'coding' });
    expect(spans).toHaveLength(3);
    // Nothing new: a third run sends nothing.
    const before = c.requests();
    expect(await syncStore({ root: dir, sink: new OtlpHttpSink({ endpoint: c.endpoint }), sinkId: 'otlp-test', destination: c.endpoint, sleep })).toMatchObject({ ok: true, events: 0 });
    expect(c.requests()).toBe(before);
  });

  it('stops at a refused batch and leaves the cursor before it', async () => {
    const dir = tempDir();
    writeStore(dir, agentEvents());
    const c = await collector(() => ({ status: 400 }));
    const r = await syncStore({ root: dir, sink: new OtlpHttpSink({ endpoint: c.endpoint }), sinkId: 'otlp-bad', destination: c.endpoint });
    expect(r).toMatchObject({ ok: false, retryable: false, events: 0 });
    expect(c.requests()).toBe(1);
    expect(() => readFileSync(cursorPath(dir, 'otlp-bad'))).toThrow();
  });
});

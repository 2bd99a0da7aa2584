import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import type { AgentmeterEvent, EventSink, ExportResult } from '../../src/model/index.js';
import { createApp } from '../../src/server/index.js';
import { createLocalSink, scanEvents } from '../../src/store/index.js';
import { tempDir, testEvent } from '../helpers.js';

/** A sink that keeps batches in memory, optionally failing. */
class MemorySink implements EventSink {
  batches: AgentmeterEvent[][] = [];
  fail: ExportResult | undefined;
  export(batch: readonly AgentmeterEvent[]): Promise<ExportResult> {
    if (this.fail) return Promise.resolve(this.fail);
    this.batches.push([...batch]);
    return Promise.resolve({ ok: true });
  }
  flush(): Promise<void> {
    return Promise.resolve();
  }
  shutdown(): Promise<void> {
    return Promise.resolve();
  }
  get events(): AgentmeterEvent[] {
    return this.batches.flat();
  }
}

const event = testEvent;

function post(path: string, body: string | Uint8Array, headers: Record<string, string> = {}, host = '127.0.0.1'): Request {
  return new Request(`http://${host}:4318${path}`, { method: 'POST', body, headers: { 'content-type': 'application/json', ...headers } });
}

describe('ingest app: POST /v1/events', () => {
  it('accepts one event, an array, and NDJSON', async () => {
    const sink = new MemorySink();
    const app = createApp({ sink });
    const one = await app.fetch(post('/v1/events', JSON.stringify(event())));
    expect(one.status).toBe(200);
    expect(await one.json()).toEqual({ accepted: 1, rejected_count: 0, rejected: [] });
    const arr = await app.fetch(post('/v1/events', JSON.stringify([event(), event()])));
    expect(((await arr.json()) as Record<string, unknown>).accepted).toBe(2);
    const nd = await app.fetch(post('/v1/events', `${JSON.stringify(event())}\n\n${JSON.stringify(event())}\n`, { 'content-type': 'application/x-ndjson' }));
    expect(nd.status).toBe(200);
    expect(sink.events).toHaveLength(5);
  });

  it('keeps the valid events of a batch and names the rejected ones by index, line and field', async () => {
    const sink = new MemorySink();
    const app = createApp({ sink });
    const good = event();
    const badStatus = event({ status: 'great' });
    const badTs = event({ ts: '2025-01-02 03:04:05' });
    const body = [JSON.stringify(good), JSON.stringify(badStatus), '{not json', JSON.stringify(badTs)].join('\n');
    const res = await app.fetch(post('/v1/events', body));
    expect(res.status).toBe(400);
    const j = (await res.json()) as { accepted: number; rejected_count: number; rejected: { index: number; line?: number; id?: string; error: string }[] };
    expect(j.accepted).toBe(1);
    expect(j.rejected_count).toBe(3);
    expect(j.rejected.map((r) => r.line)).toEqual([2, 3, 4]);
    expect(j.rejected[0]!.id).toBe(badStatus['id']);
    expect(j.rejected[0]!.error).toMatch(/status/);
    expect(j.rejected[1]!.error).toMatch(/not valid JSON/);
    expect(j.rejected[2]!.error).toMatch(/\/ts must be a UTC ISO-8601/);
    expect(sink.events.map((e) => e.id)).toEqual([good['id']]);
  });

  it('rejects __proto__ keys and over-deep nesting per event, without polluting prototypes', async () => {
    const sink = new MemorySink();
    const app = createApp({ sink });
    let deep = '1';
    for (let i = 0; i < 5000; i++) deep = `[${deep}]`;
    const proto = JSON.stringify(event()).replace('"attrs":{', '"attrs":{"__proto__":{"polluted":true},');
    const deepEvent = JSON.stringify(event()).replace('"attrs":{', `"attrs":{"deep":${deep},`);
    const res = await app.fetch(post('/v1/events', `[${proto},${deepEvent},${JSON.stringify(event())}]`));
    expect(res.status).toBe(400);
    const j = (await res.json()) as { accepted: number; rejected: { index: number; error: string }[] };
    expect(j.accepted).toBe(1);
    expect(j.rejected[0]).toMatchObject({ index: 0, error: '/attrs/__proto__: key not allowed' });
    expect(j.rejected[1]!.error).toMatch(/nested deeper than 64 levels/);
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  });

  it('answers 400 for a body that is not JSON at all, and for an empty body', async () => {
    const app = createApp({ sink: new MemorySink() });
    const res = await app.fetch(post('/v1/events', 'hello'));
    expect(res.status).toBe(400);
    expect(((await res.json()) as Record<string, unknown>).error).toMatch(/not valid JSON/);
    expect((await app.fetch(post('/v1/events', '  '))).status).toBe(400);
  });

  it('413 over the limit from Content-Length before reading, and after gzip decompression', async () => {
    const sink = new MemorySink();
    const app = createApp({ sink, maxBodyBytes: 4096 });
    const big = JSON.stringify(Array.from({ length: 40 }, () => event()));
    const declared = await app.fetch(post('/v1/events', big));
    expect(declared.status).toBe(413);
    // 40 events compress far below the limit but expand past it.
    const gz = gzipSync(big);
    expect(gz.length).toBeLessThan(4096);
    const bomb = await app.fetch(post('/v1/events', gz, { 'content-encoding': 'gzip' }));
    expect(bomb.status).toBe(413);
    expect(((await bomb.json()) as Record<string, unknown>).error).toMatch(/decompressed body/);
    const small = await app.fetch(post('/v1/events', gzipSync(JSON.stringify([event()])), { 'content-encoding': 'gzip' }));
    expect(small.status).toBe(200);
    expect(sink.events).toHaveLength(1);
    expect((await app.fetch(post('/v1/events', 'x', { 'content-encoding': 'br' }))).status).toBe(415);
  });

  it('413 while streaming when Content-Length is absent', async () => {
    const app = createApp({ sink: new MemorySink(), maxBodyBytes: 1024 });
    const stream = new ReadableStream<Uint8Array>({
      start(c) {
        for (let i = 0; i < 10; i++) c.enqueue(new Uint8Array(512).fill(32));
        c.close();
      },
    });
    const req = new Request('http://127.0.0.1/v1/events', { method: 'POST', body: stream, duplex: 'half' } as RequestInit);
    expect((await app.fetch(req)).status).toBe(413);
  });

  it('503 with Retry-After when the sink fails retryably, 500 when not; nothing claimed stored', async () => {
    const sink = new MemorySink();
    const app = createApp({ sink });
    sink.fail = { ok: false, error: new Error('disk full'), retryable: true, retryAfterMs: 2500 };
    const r1 = await app.fetch(post('/v1/events', JSON.stringify(event())));
    expect(r1.status).toBe(503);
    expect(r1.headers.get('retry-after')).toBe('3');
    sink.fail = { ok: false, error: new Error('closed'), retryable: false };
    expect((await app.fetch(post('/v1/events', JSON.stringify(event())))).status).toBe(500);
  });
});

describe('ingest app: security', () => {
  it('401 without the token, 200 with it; /healthz stays open', async () => {
    const app = createApp({ sink: new MemorySink(), token: 's3cret' });
    expect((await app.fetch(post('/v1/events', JSON.stringify(event())))).status).toBe(401);
    expect((await app.fetch(post('/v1/events', JSON.stringify(event()), { authorization: 'Bearer wrong' }))).status).toBe(401);
    expect((await app.fetch(post('/v1/traces', '{}', {}))).status).toBe(401);
    expect((await app.fetch(post('/v1/events', JSON.stringify(event()), { authorization: 'Bearer s3cret' }))).status).toBe(200);
    expect((await app.fetch(new Request('http://127.0.0.1/healthz'))).status).toBe(200);
  });

  it('403 for a foreign Host or Origin (DNS rebinding), unless the host is allowed', async () => {
    const app = createApp({ sink: new MemorySink(), allowedHosts: ['metrics.internal'] });
    const rebound = await app.fetch(post('/v1/events', JSON.stringify(event()), {}, 'attacker.example'));
    expect(rebound.status).toBe(403);
    expect(((await rebound.json()) as Record<string, unknown>).error).toMatch(/DNS rebinding/);
    expect((await app.fetch(post('/v1/events', JSON.stringify(event()), { origin: 'https://evil.example' }))).status).toBe(403);
    expect((await app.fetch(post('/v1/events', JSON.stringify(event()), { origin: 'http://localhost:5173' }))).status).toBe(200);
    expect((await app.fetch(post('/v1/events', JSON.stringify(event()), {}, 'metrics.internal'))).status).toBe(200);
    expect((await app.fetch(new Request('http://localhost/healthz'))).status).toBe(200);
  });

  it('refuses to accept any Host without a token, and a bad sink, at setup', () => {
    expect(() => createApp({ sink: new MemorySink(), allowedHosts: ['*'] })).toThrow(/token/);
    expect(() => createApp({ sink: {} as EventSink })).toThrow(/EventSink/);
  });

  it('mounts extra routes on the same app, behind the same Host check and token', async () => {
    const app = createApp({
      sink: new MemorySink(),
      token: 't',
      mount: (a) => {
        a.get('/api/ping', (c) => c.json({ pong: true }));
      },
    });
    expect((await app.fetch(new Request('http://127.0.0.1/api/ping'))).status).toBe(401);
    const ok = await app.fetch(new Request('http://127.0.0.1/api/ping', { headers: { authorization: 'Bearer t' } }));
    expect(await ok.json()).toEqual({ pong: true });
    expect((await app.fetch(new Request('http://evil.example/api/ping', { headers: { authorization: 'Bearer t' } }))).status).toBe(403);
    expect((await app.fetch(new Request('http://127.0.0.1/nope'))).status).toBe(404);
  });
});

describe('ingest app over the local sink', () => {
  it('200 means the events are in the store, readable by the reader', async () => {
    const root = tempDir();
    const sink = createLocalSink({ root });
    const app = createApp({ sink });
    const batch = [event({ ts: '2025-01-02T00:00:00.000Z', start_ts: '2025-01-01T23:59:00.000Z' }), event({ ts: '2025-01-03T00:00:00.000Z', start_ts: '2025-01-02T23:59:00.000Z' })];
    expect((await app.fetch(post('/v1/events', JSON.stringify(batch)))).status).toBe(200);
    const ids: string[] = [];
    const stats = await scanEvents({ root, onEvent: (e) => ids.push(e.id) });
    expect(ids.sort()).toEqual(batch.map((e) => e['id'] as string).sort());
    expect(stats.partitions).toBe(2);
    expect(sink.stats.written).toBe(2);
    await sink.shutdown();
    const after = await sink.export([batch[0] as unknown as AgentmeterEvent]);
    expect(after.ok).toBe(false);
  });
});

describe('ingest app: POST /v1/traces', () => {
  const span = (spanId: string, traceId = '0af7651916cd43dd8448eb211c80319c') => ({ traceId, spanId, name: 'invoke_agent coder', startTimeUnixNano: '1735787045000000000', endTimeUnixNano: '1735787046000000000', attributes: [{ key: 'gen_ai.operation.name', value: { stringValue: 'invoke_agent' } }] });
  const body = (spans: object[]) => JSON.stringify({ resourceSpans: [{ scopeSpans: [{ spans }] }] });

  it('names content attributes it did not store in the answer and, once per key, in its diagnostics', async () => {
    const sink = new MemorySink();
    const told: string[] = [];
    const app = createApp({ sink, onDiagnostic: (d) => told.push(`${d.code} ${d.message}`) });
    const withPrompt = (id: string) => ({ ...span(id), attributes: [...span(id).attributes, { key: 'gen_ai.prompt.0.content', value: { stringValue: 'MARKER-prompt' } }] });
    for (const id of ['b7ad6b7169203341', 'b7ad6b7169203342']) {
      const res = await app.fetch(post('/v1/traces', body([withPrompt(id)])));
      const answer = (await res.json()) as { partialSuccess?: { rejectedSpans: string; errorMessage: string } };
      expect(answer.partialSuccess?.rejectedSpans).toBe('0');
      expect(answer.partialSuccess?.errorMessage).toContain('gen_ai.prompt');
    }
    expect(told).toHaveLength(1);
    expect(told[0]).toMatch(/^W_OTLP_CONTENT_NOT_STORED content attributes not stored \(docs\/privacy.md\): gen_ai\.prompt/);
    expect(JSON.stringify(sink.events)).not.toContain('MARKER-prompt');
  });

  it('stores the mappable spans and reports the rest as partialSuccess (OTLP semantics: 200)', async () => {
    const sink = new MemorySink();
    const app = createApp({ sink });
    const res = await app.fetch(post('/v1/traces', body([span('b7ad6b7169203331'), span('short')])));
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ partialSuccess: { rejectedSpans: '1', errorMessage: 'span short: spanId must be 16 hex digits' } });
    // The span, then its trace's run: opened, and ended by the span (the trace's root).
    expect(sink.events).toHaveLength(3);
    expect(sink.events[0]).toMatchObject({ kind: 'agent', span_id: 'b7ad6b7169203331' });
    expect(sink.events.slice(1)).toMatchObject([{ type: 'span.start', kind: 'run' }, { type: 'span.end', kind: 'run' }]);
  });

  it('400 for JSON that is not a trace request or nests too deep; 415 for other content types', async () => {
    const app = createApp({ sink: new MemorySink() });
    expect((await app.fetch(post('/v1/traces', '{"spans":[]}'))).status).toBe(400);
    expect((await app.fetch(post('/v1/traces', '{"resourceSpans":'))).status).toBe(400);
    let deep = '1';
    for (let i = 0; i < 200; i++) deep = `{"a":${deep}}`;
    const r = await app.fetch(post('/v1/traces', `{"resourceSpans":[],"x":${deep}}`));
    expect(r.status).toBe(400);
    expect(((await r.json()) as Record<string, unknown>)['error']).toMatch(/nested deeper/);
    expect((await app.fetch(post('/v1/traces', 'a=b', { 'content-type': 'application/x-www-form-urlencoded' }))).status).toBe(415);
  });
});

describe('ingest app: timestamps', () => {
  it('accepts real UTC days only', async () => {
    const sink = new MemorySink();
    const app = createApp({ sink });
    const cases: [string, boolean][] = [['2024-02-29T00:00:00Z', true], ['2025-02-29T00:00:00.000Z', false], ['2025-04-31T00:00:00Z', false], ['2025-12-31T23:59:59.999Z', true], ['2025-13-01T00:00:00Z', false], ['2025-01-01T24:00:00Z', false], ['2025-01-01T00:00:00+01:00', false]];
    for (const [ts, ok] of cases) {
      const r = await app.fetch(post('/v1/events', JSON.stringify(event({ ts, start_ts: ts }))));
      expect(r.status, ts).toBe(ok ? 200 : 400);
    }
  });
});

/**
 * No acknowledged event may be unreadable, and no bad item may cost the good ones beside it:
 * the accepted time range, the store's line limit and per-span OTLP rejection.
 */
import { describe, expect, it } from 'vitest';
import { createApp } from '../../src/server/index.js';
import { MAX_LINE_BYTES, createLocalSink, scanEvents } from '../../src/store/index.js';
import { tempDir, testEvent } from '../helpers.js';

const event = testEvent;

const post = (path: string, body: string): Request =>
  new Request(`http://127.0.0.1:4318${path}`, { method: 'POST', body, headers: { 'content-type': 'application/json' } });

function storeApp(maxBodyBytes?: number) {
  const root = tempDir();
  const sink = createLocalSink({ root, durability: 'flush' });
  const app = createApp({ sink, ...(maxBodyBytes !== undefined ? { maxBodyBytes } : {}) });
  const read = async (): Promise<Record<string, unknown>[]> => {
    await sink.flush();
    const out: Record<string, unknown>[] = [];
    await scanEvents({ root, onEvent: (e) => out.push(e as unknown as Record<string, unknown>) });
    return out;
  };
  return { app, sink, read };
}

describe('POST /v1/events: the accepted range', () => {
  it('rejects events dated before 1970 and negative durations by field; every event acknowledged is read back', async () => {
    const { app, sink, read } = storeApp();
    const good = event();
    const bad = [
      event({ ts: '0050-01-02T03:04:05.678Z' }),
      event({ ts: '0099-12-31T00:00:00.000Z', start_ts: '0099-12-31T00:00:00.000Z' }),
      event({ start_ts: '1969-12-31T23:59:59.000Z' }),
      event({ duration_ms: -1 }),
      event({ v: -70_000 }),
    ];
    const res = await app.fetch(post('/v1/events', JSON.stringify([good, ...bad])));
    expect(res.status).toBe(400);
    const body = (await res.json()) as { accepted: number; rejected_count: number; rejected: { index: number; error: string }[] };
    expect(body.accepted).toBe(1);
    expect(body.rejected.map((r) => [r.index, /\/(ts|start_ts|duration_ms|v) /.exec(r.error)?.[1]])).toEqual([
      [1, 'ts'],
      [2, 'ts'],
      [3, 'start_ts'],
      [4, 'duration_ms'],
      [5, 'v'],
    ]);
    expect((await read()).map((e) => e['id'])).toEqual([good['id']]);
    await sink.shutdown();
  });
});

describe('POST /v1/events: one line limit', () => {
  it('with a body limit above the line limit, an event longer than a line may be is rejected, not stored unreadable', async () => {
    const { app, sink, read } = storeApp(MAX_LINE_BYTES + 4 * 1024 * 1024);
    const small = event();
    // Strings are cut to 2,000 characters by redaction; numbers are not.
    const huge = event({ attrs: { 'gen_ai.agent.name': 'coding', samples: new Array<number>(Math.ceil(MAX_LINE_BYTES / 7)).fill(123456) } });
    const res = await app.fetch(post('/v1/events', `${JSON.stringify(small)}\n${JSON.stringify(huge)}\n`));
    expect(res.status).toBe(400);
    const body = (await res.json()) as { accepted: number; rejected: { index: number; line: number; error: string }[] };
    expect(body.accepted).toBe(1);
    expect(body.rejected).toEqual([{ index: 1, line: 2, id: huge['id'], error: expect.stringMatching(/over the 16777216-byte line limit/) as unknown }]);
    expect((await read()).map((e) => e['id'])).toEqual([small['id']]);
    await sink.shutdown();
  });
});

describe('POST /v1/traces: per-span rejection', () => {
  const span = (spanId: string, start: string, end: string) => ({
    traceId: '0af7651916cd43dd8448eb211c80319c', spanId, name: 'invoke_agent coder', startTimeUnixNano: start, endTimeUnixNano: end,
    attributes: [{ key: 'gen_ai.operation.name', value: { stringValue: 'invoke_agent' } }],
  });

  it('a span with a time out of range is rejected with its reason; the valid spans of the request are stored', async () => {
    const { app, sink, read } = storeApp();
    const spans = [
      span('b7ad6b7169203331', '1735787045000000000', '1735787046000000000'),
      span('b7ad6b7169203332', '1735787045000000000', '99999999999999999999999'),
      span('b7ad6b7169203333', '9000000000000000000000000', '9000000000000000000000001'),
      span('b7ad6b7169203334', '1735787047000000000', '1735787048000000000'),
    ];
    const res = await app.fetch(post('/v1/traces', JSON.stringify({ resourceSpans: [{ scopeSpans: [{ spans }] }] })));
    expect(res.status).toBe(200);
    const body = (await res.json()) as { partialSuccess: { rejectedSpans: string; errorMessage: string } };
    expect(body.partialSuccess.rejectedSpans).toBe('2');
    expect(body.partialSuccess.errorMessage).toMatch(/span b7ad6b7169203332: endTimeUnixNano 99999999999999999999999 is outside the accepted range/);
    expect(body.partialSuccess.errorMessage).toMatch(/span b7ad6b7169203333: startTimeUnixNano 9000000000000000000000000 is outside the accepted range/);
    // (The trace's run, which every trace opens, is stored beside them.)
    expect((await read()).filter((e) => e['kind'] !== 'run').map((e) => e['span_id']).sort()).toEqual(['b7ad6b7169203331', 'b7ad6b7169203334']);
    await sink.shutdown();
  });
});

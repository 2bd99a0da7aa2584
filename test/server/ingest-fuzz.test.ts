/**
 * Bounded fuzz of the ingest server over loopback (fixed seed, fixed count): whatever
 * `POST /v1/events` and `POST /v1/traces` (JSON and protobuf) acknowledge must be readable by
 * `report` and accepted whole by the PostgreSQL sink, with nothing set aside. Protobuf
 * requests are the same span batches encoded with the OTLP message classes exporters use
 * (a batch protobuf cannot carry, e.g. a time that is not a number, is not sent).
 */
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import fc from 'fast-check';
import { beforeAll, expect, it } from 'vitest';
import { syncStore } from '../../src/sinks/index.js';
import { PostgresSink, migrate, openPool, parsePostgresUrl } from '../../src/sinks/postgres/index.js';
import { createApp, listen } from '../../src/server/index.js';
import { createLocalSink, scanEvents } from '../../src/store/index.js';
import { describePg, useSchema } from '../sinks/pg-helpers.js';
import { tempDir } from '../helpers.js';

const BIN = join(resolve(import.meta.dirname, '../..'), 'dist/cli/bin.js');

interface MessageClass {
  fromObject(o: object): unknown;
  encode(m: unknown): { finish(): Uint8Array };
  decode(b: Uint8Array): unknown;
  toObject(m: unknown, o: object): Record<string, unknown>;
}
const traceService = (createRequire(import.meta.url)('@opentelemetry/otlp-transformer/build/src/generated/root.js') as {
  opentelemetry: { proto: { collector: { trace: { v1: Record<string, MessageClass> } } } };
}).opentelemetry.proto.collector.trace.v1;

/** Whether a span's times fit protobuf's fixed64, as any exporter's do. */
function encodable(sp: Record<string, unknown>): boolean {
  return ['startTimeUnixNano', 'endTimeUnixNano'].every((k) => /^\d{1,20}$/.test(String(sp[k])) && BigInt(String(sp[k])) < 2n ** 64n);
}

/** An OTLP JSON trace request as protobuf, as an exporter would send it; undefined if it cannot be encoded. */
function protobufRequest(spans: readonly Record<string, unknown>[]): Uint8Array | undefined {
  const b64 = (hex: unknown): string => Buffer.from(String(hex), 'hex').toString('base64');
  try {
    const request = { resourceSpans: [{ scopeSpans: [{ spans: spans.map((sp) => ({ ...sp, traceId: b64(sp['traceId']), spanId: b64(sp['spanId']) })) }] }] };
    const cls = traceService['ExportTraceServiceRequest']!;
    return cls.encode(cls.fromObject(request)).finish();
  } catch {
    return undefined;
  }
}
const SEED = 18;
const REQUESTS = 40;

beforeAll(() => {
  if (!existsSync(BIN)) throw new Error('dist/cli/bin.js is missing: run `npm run build` (npm test does)');
});

// Text a client may send: any code points, lone surrogates, NUL, escapes, secrets' shapes.
const text = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.constantFrom('\ud800', 'a\udfffb', '\u0000', 'x\u0000y', '\\u0000', 'token=abcdefgh12345678', '%3D%00', '\ufeff', 'é漢字🙂', ''),
);
const year = fc.integer({ min: 0, max: 9999 }).map((y) => String(y).padStart(4, '0'));
const ts = fc.oneof(
  fc.integer({ min: Date.parse('2000-01-01T00:00:00Z'), max: Date.parse('2099-12-31T00:00:00Z') }).map((ms) => new Date(ms).toISOString()),
  fc.tuple(year, fc.integer({ min: 1, max: 12 }), fc.integer({ min: 1, max: 31 })).map(([y, m, d]) => `${y}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}T12:00:00.000Z`),
  text,
);
const num = fc.oneof(fc.integer({ min: -100_000, max: 100_000 }), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.constant(1e308), fc.constant(-0));
const json = fc.letrec((tie) => ({
  value: fc.oneof({ depthSize: 'small' }, text, num, fc.boolean(), fc.constant(null), fc.array(tie('value'), { maxLength: 3 }), fc.dictionary(text, tie('value'), { maxKeys: 3 })),
})).value;
const attrs = fc.dictionary(fc.oneof(text, fc.constantFrom('error.message', 'gen_ai.agent.name', 'gen_ai.usage.input_tokens', 'cost_usd', 'feedback.notes')), json, { maxKeys: 5 });

let seq = 0;
const event = fc.record({
  v: fc.oneof(fc.constant(1), fc.constant(0), num),
  ts,
  start_ts: ts,
  type: fc.constantFrom('span', 'span.start', 'span.end', 'span.event', 'feedback'),
  kind: fc.constantFrom('run', 'task', 'agent', 'pipeline', 'debug', 'optimization', 'workflow', 'tool', 'llm'),
  name: text,
  env: fc.oneof(fc.constant('test'), text),
  duration_ms: fc.oneof(num, fc.constant(null)),
  status: fc.constantFrom('success', 'failure', 'partial', 'unknown', 'bogus'),
  success: fc.oneof(fc.boolean(), fc.constant(null)),
  rating: fc.oneof(fc.integer({ min: 1, max: 5 }), num, fc.constant(null)),
  source: fc.constantFrom('human', 'llm_judge', 'automated_tests'),
  attrs,
}).map((r) => {
  seq++;
  const id = `01934a2b-0000-7000-8000-${String(seq).padStart(12, '0')}`;
  const base = { v: r.v, id, ts: r.ts, type: r.type, span_id: `s-${seq}`, run_id: 'fuzz-run', env: r.env, attrs: r.attrs };
  if (r.type === 'feedback') return { ...base, success: r.success, rating: r.rating, source: r.source };
  if (r.type === 'span.event') return { ...base, name: r.name };
  if (r.type === 'span.start') return { ...base, kind: r.kind, name: r.name, parent_id: null };
  if (r.type === 'span.end') return { ...base, kind: r.kind, start_ts: r.start_ts, duration_ms: r.duration_ms, status: r.status };
  return { ...base, kind: r.kind, name: r.name, parent_id: null, start_ts: r.start_ts, duration_ms: r.duration_ms, status: r.status };
});

const nanos = fc.oneof(
  fc.bigInt({ min: 946_684_800_000_000_000n, max: 4_102_444_800_000_000_000n }).map(String),
  fc.bigInt({ min: 0n, max: 10n ** 24n }).map(String),
  fc.constantFrom('0', '-5', 'abc', ''),
);
const otlpValue = fc.oneof(
  text.map((s) => ({ stringValue: s })),
  num.map((n) => ({ doubleValue: n })),
  fc.integer().map((n) => ({ intValue: String(n) })),
  fc.array(text, { maxLength: 3 }).map((a) => ({ arrayValue: { values: a.map((s) => ({ stringValue: s })) } })),
);
let spanSeq = 0;
const span = fc.record({
  start: nanos,
  end: nanos,
  name: text,
  attributes: fc.array(fc.record({ key: fc.oneof(text, fc.constantFrom('gen_ai.operation.name', 'gen_ai.request.model', 'exception.message')), value: otlpValue }), { maxLength: 5 }),
  code: fc.constantFrom(0, 1, 2),
  message: text,
  exception: fc.option(text),
}).map((s) => {
  spanSeq++;
  return {
    traceId: '0af7651916cd43dd8448eb211c80319c', spanId: (0x2000000000000000n + BigInt(spanSeq)).toString(16), name: s.name,
    startTimeUnixNano: s.start, endTimeUnixNano: s.end, attributes: s.attributes, status: { code: s.code, message: s.message },
    ...(s.exception !== null ? { events: [{ name: 'exception', attributes: [{ key: 'exception.message', value: { stringValue: s.exception } }] }] } : {}),
  };
});

describePg('ingest fuzz (loopback, fixed seed)', () => {
  const schema = useSchema();

  it('every acknowledged event is readable by report and stored whole by the PostgreSQL sink', { timeout: 180_000 }, async () => {
    const dir = tempDir();
    const sink = createLocalSink({ root: dir, durability: 'flush' });
    const server = await listen(createApp({ sink }), { port: 0 });
    const eventBatches = fc.sample(fc.array(event, { minLength: 1, maxLength: 12 }), { numRuns: REQUESTS, seed: SEED });
    const spanBatches = fc.sample(fc.array(span, { minLength: 1, maxLength: 6 }), { numRuns: REQUESTS, seed: SEED + 1 });
    const acked = new Set<string>();
    let ackedSpans = 0;
    let protobufSent = 0;
    let rejectedSomething = 0;
    try {
      for (const batch of eventBatches) {
        const res = await fetch(`${server.url}/v1/events`, { method: 'POST', body: JSON.stringify(batch), headers: { 'content-type': 'application/json' } });
        expect([200, 400]).toContain(res.status);
        const body = (await res.json()) as { accepted?: number; rejected_count?: number; rejected?: { index: number }[]; error?: string };
        if (body.rejected === undefined) continue;
        expect(body.rejected_count).toBeLessThanOrEqual(100);
        const rejected = new Set(body.rejected.map((r) => r.index));
        rejectedSomething += rejected.size;
        batch.forEach((e, i) => {
          if (!rejected.has(i)) acked.add(e.id);
        });
        expect(body.accepted).toBe(batch.length - rejected.size);
      }
      for (const spans of spanBatches) {
        const res = await fetch(`${server.url}/v1/traces`, { method: 'POST', body: JSON.stringify({ resourceSpans: [{ scopeSpans: [{ spans }] }] }), headers: { 'content-type': 'application/json' } });
        expect(res.status).toBe(200);
        const body = (await res.json()) as { partialSuccess?: { rejectedSpans: string } };
        ackedSpans += spans.length - Number(body.partialSuccess?.rejectedSpans ?? 0);
        // The same batch again as protobuf, in a trace of its own (other ids, other events).
        const pbSpans = spans.map((sp) => ({ ...sp, traceId: '1bf7651916cd43dd8448eb211c80319c', spanId: `3${sp.spanId.slice(1)}` })).filter(encodable);
        const pb = pbSpans.length > 0 ? protobufRequest(pbSpans) : undefined;
        if (pb === undefined) continue;
        const pres = await fetch(`${server.url}/v1/traces`, { method: 'POST', body: pb, headers: { 'content-type': 'application/x-protobuf' } });
        expect(pres.status).toBe(200);
        expect(pres.headers.get('content-type')).toContain('application/x-protobuf');
        const answer = traceService['ExportTraceServiceResponse']!;
        const decoded = answer.toObject(answer.decode(new Uint8Array(await pres.arrayBuffer())), { longs: String }) as { partialSuccess?: { rejectedSpans?: string } };
        ackedSpans += pbSpans.length - Number(decoded.partialSuccess?.rejectedSpans ?? 0);
        protobufSent++;
      }
    } finally {
      await server.close();
      await sink.shutdown();
    }
    // The fuzz exercised both outcomes.
    expect(acked.size).toBeGreaterThan(20);
    expect(rejectedSomething).toBeGreaterThan(20);
    expect(ackedSpans).toBeGreaterThan(5);
    expect(protobufSent).toBeGreaterThan(5);

    const read = new Set<string>();
    let otherNotRuns = 0;
    const stats = await scanEvents({
      root: dir,
      onEvent: (e) => {
        read.add(e.id);
        if (!acked.has(e.id) && !('kind' in e && e.kind === 'run')) otherNotRuns++;
      },
    });
    expect(stats.skipped).toBe(0);
    for (const id of acked) expect(read.has(id), id).toBe(true);
    // Every acknowledged span is stored; besides them, only the runs the server opens for
    // their traces (a trace is a run; its root span ends it).
    expect(read.size - acked.size).toBeGreaterThanOrEqual(ackedSpans);
    expect(otherNotRuns).toBeLessThanOrEqual(ackedSpans);

    const report = spawnSync(process.execPath, [BIN, 'report', '--dir', dir, '--json', '--env', 'all', '--since', '1970-01-01', '--until', '9999-12-31'], { encoding: 'utf8', timeout: 120_000 });
    expect(report.status, report.stderr).toBe(0);
    expect((JSON.parse(report.stdout) as { skipped_lines: number }).skipped_lines).toBe(0);

    const pool = await openPool(parsePostgresUrl(schema.url));
    await migrate(pool);
    const pg = new PostgresSink(undefined, { pool, onSetAside: () => undefined });
    const r = await syncStore({ root: dir, sink: pg, sinkId: 'fuzz', destination: 'fuzz', batchSize: 50, encodeThreads: 0 });
    // Lines sent may repeat an id (a trace's run is opened by each request that brings its
    // spans, under one derived id): the database keeps each event once.
    expect(r).toMatchObject({ ok: true, skipped: 0 });
    expect(r.events).toBeGreaterThanOrEqual(read.size);
    expect(pg.stats.setAside).toBe(0);
    const n = await schema.admin().query<{ n: string }>('SELECT count(*) AS n FROM am_events');
    expect(Number(n.rows[0]?.n)).toBe(read.size);
    await pg.shutdown();
    await pool.end();
  });
});

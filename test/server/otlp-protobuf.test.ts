// OTLP/HTTP protobuf: the same spans exported by the OpenTelemetry JS SDK's protobuf and JSON
// exporters to two real servers are stored identically; bad bodies get the JSON path's answers.
import { createRequire } from 'node:module';
import { gzipSync } from 'node:zlib';
import { SpanStatusCode, context, trace } from '@opentelemetry/api';
import { OTLPTraceExporter as JsonExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as ProtoExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import { JsonMetricsSerializer, ProtobufMetricsSerializer } from '@opentelemetry/otlp-transformer';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace-base';
import { afterEach, describe, expect, it } from 'vitest';
import type { AgentmeterEvent } from '../../src/model/index.js';
import { createApp, listen } from '../../src/server/index.js';
import type { RunningServer } from '../../src/server/index.js';
import { createLocalSink, scanEvents } from '../../src/store/index.js';
import { tempDir } from '../helpers.js';

const servers: RunningServer[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await s.close();
});

async function serve(maxBodyBytes?: number): Promise<{ root: string; url: string }> {
  const root = tempDir();
  const server = await listen(createApp({ sink: createLocalSink({ root }), ...(maxBodyBytes !== undefined ? { maxBodyBytes } : {}) }), { port: 0, hasToken: false });
  servers.push(server);
  return { root, url: `${server.url}/v1/traces` };
}

async function stored(root: string): Promise<AgentmeterEvent[]> {
  const out: AgentmeterEvent[] = [];
  await scanEvents({ root, onEvent: (e) => out.push(e) });
  return out.sort((a, b) => (a.id < b.id ? -1 : 1));
}

function exportSpans(exporter: SpanExporter, spans: ReadableSpan[]): Promise<{ code: number; error?: Error }> {
  return new Promise((done) => exporter.export(spans, (r) => done(r)));
}

/** Spans with every attribute type, events, links' parents and statuses. */
function sampleSpans(): ReadableSpan[] {
  const memory = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(memory)] });
  const tracer = provider.getTracer('protobuf-test');
  const agent = tracer.startSpan('invoke_agent planner', { attributes: { 'gen_ai.operation.name': 'invoke_agent', 'gen_ai.agent.name': 'planner', 'gen_ai.input.messages': 'PB_SECRET_PROMPT' } });
  const inAgent = trace.setSpan(context.active(), agent);
  tracer.startSpan('chat gpt-4o', { attributes: { 'gen_ai.operation.name': 'chat', 'gen_ai.request.model': 'gpt-4o', 'gen_ai.usage.input_tokens': 1234567, 'gen_ai.usage.output_tokens': 89, 'gen_ai.request.temperature': 0.25, 'gen_ai.response.finish_reasons': ['stop', 'length'], 'app.cached': true } }, inAgent).end();
  const tool = tracer.startSpan('execute_tool search', { attributes: { 'gen_ai.operation.name': 'execute_tool', 'gen_ai.tool.name': 'search', 'gen_ai.tool.call.arguments': '{"q":"PB_SECRET_ARGS"}' } }, inAgent);
  tool.recordException(Object.assign(new Error('index offline\n    at search (/srv/tools/search.ts:9:1)'), { name: 'IndexError' }));
  tool.setStatus({ code: SpanStatusCode.ERROR });
  tool.end();
  agent.end();
  return memory.getFinishedSpans() as ReadableSpan[];
}

describe('OTLP/HTTP protobuf', () => {
  it('the SDK protobuf exporter and the JSON exporter store the same events', async () => {
    const spans = sampleSpans();
    const [viaProto, viaJson] = [await serve(), await serve()];
    expect(await exportSpans(new ProtoExporter({ url: viaProto.url }), spans)).toMatchObject({ code: 0 });
    expect(await exportSpans(new JsonExporter({ url: viaJson.url }), spans)).toMatchObject({ code: 0 });
    const [a, b] = [await stored(viaProto.root), await stored(viaJson.root)];
    expect(a.length).toBe(5);
    expect(a).toEqual(b);
    const chat = a.find((e) => e.type === 'span' && e.kind === 'llm');
    expect(chat).toMatchObject({ attrs: { 'gen_ai.usage.input_tokens': 1234567, 'gen_ai.request.temperature': 0.25, 'gen_ai.response.finish_reasons': ['stop', 'length'], 'app.cached': true } });
    const tool = a.find((e) => e.type === 'span' && e.kind === 'tool');
    expect(tool).toMatchObject({ status: 'failure', attrs: { 'error.type': 'IndexError', 'error.message': 'index offline' } });
    expect(JSON.stringify(a)).not.toMatch(/PB_SECRET/);
  });

  it('answers in protobuf, names what was not stored, and keeps the JSON path limits and status codes', async () => {
    const { url } = await serve(4096);
    const spans = sampleSpans();
    // The exporter decodes our protobuf answer (a partialSuccess warning about content).
    expect(await exportSpans(new ProtoExporter({ url }), spans)).toMatchObject({ code: 0 });
    const bad = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/x-protobuf' }, body: new Uint8Array([0x0a, 0xff, 0xff, 0xff]) });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: string }).error).toMatch(/not a protobuf OTLP ExportTraceServiceRequest/);
    const big = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/x-protobuf' }, body: new Uint8Array(5000) });
    expect(big.status).toBe(413);
    const bomb = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/x-protobuf', 'content-encoding': 'gzip' }, body: gzipSync(Buffer.alloc(100_000)) });
    expect(bomb.status).toBe(413);
    const other = await fetch(url, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'x' });
    expect(other.status).toBe(415);
  });
});

describe('OTLP metrics', () => {
  it('GenAI client metrics from the SDK are answered 200 with every data point rejected and why, in either encoding; nothing is stored', async () => {
    const reader = new CollectingReader();
    const meter = new MeterProvider({ readers: [reader] }).getMeter('gen_ai');
    const tokens = meter.createHistogram('gen_ai.client.token.usage', { unit: '{token}' });
    tokens.record(120, { 'gen_ai.token.type': 'input', 'gen_ai.request.model': 'gpt-4o' });
    tokens.record(30, { 'gen_ai.token.type': 'output', 'gen_ai.request.model': 'gpt-4o' });
    meter.createHistogram('gen_ai.client.operation.duration', { unit: 's' }).record(0.8, { 'gen_ai.request.model': 'gpt-4o' });
    const { resourceMetrics } = await reader.collect();
    const { root, url } = await serve();
    const metricsUrl = url.replace('/v1/traces', '/v1/metrics');
    const json = await fetch(metricsUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: Buffer.from(JsonMetricsSerializer.serializeRequest(resourceMetrics) as Uint8Array) });
    expect(json.status).toBe(200);
    const answer = (await json.json()) as { partialSuccess: { rejectedDataPoints: string; errorMessage: string } };
    expect(answer.partialSuccess.rejectedDataPoints).toBe('3');
    expect(answer.partialSuccess.errorMessage).toMatch(/metric gen_ai\.client\.token\.usage: metrics are not stored.*\/v1\/traces/);
    const proto = await fetch(metricsUrl, { method: 'POST', headers: { 'content-type': 'application/x-protobuf' }, body: Buffer.from(ProtobufMetricsSerializer.serializeRequest(resourceMetrics) as Uint8Array) });
    expect(proto.status).toBe(200);
    expect(proto.headers.get('content-type')).toBe('application/x-protobuf');
    expect(await stored(root)).toEqual([]);
  });
});

class CollectingReader extends MetricReader {
  protected override async onForceFlush(): Promise<void> {}
  protected override async onShutdown(): Promise<void> {}
}

describe('OTLP logs in protobuf', () => {
  it('an evaluation event encoded with the OTLP message classes becomes feedback on its span, as in JSON', async () => {
    const cls = createRequire(import.meta.url)('@opentelemetry/otlp-transformer/build/src/generated/root.js').opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest;
    const record = {
      timeUnixNano: '1735787046000000000',
      eventName: 'gen_ai.evaluation.result',
      traceId: Buffer.from('5b8efff798038103d269b633813fc60c', 'hex'),
      spanId: Buffer.from('eee19b7ec3c1b101', 'hex'),
      attributes: [
        { key: 'gen_ai.evaluation.name', value: { stringValue: 'correctness' } },
        { key: 'gen_ai.evaluation.score.value', value: { doubleValue: 0.9 } },
        { key: 'gen_ai.evaluation.score.label', value: { stringValue: 'pass' } },
      ],
    };
    const body = cls.encode(cls.fromObject({ resourceLogs: [{ scopeLogs: [{ logRecords: [record] }] }] })).finish() as Uint8Array;
    const { root, url } = await serve();
    const res = await fetch(url.replace('/v1/traces', '/v1/logs'), { method: 'POST', headers: { 'content-type': 'application/x-protobuf' }, body: Buffer.from(body) });
    expect(res.status).toBe(200);
    expect(await stored(root)).toMatchObject([{ type: 'feedback', span_id: 'eee19b7ec3c1b101', run_id: '5b8efff7-9803-8103-d269-b633813fc60c', success: true, attrs: { 'gen_ai.evaluation.score.value': 0.9 } }]);
  });
});

// Real traffic: the official OpenTelemetry JS SDK and its OTLP/HTTP (JSON) exporter, pointed
// at a real server on an ephemeral loopback port.
import { SpanStatusCode } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { BasicTracerProvider, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { afterEach, describe, expect, it } from 'vitest';
import type { AgentmeterEvent } from '../../src/model/index.js';
import { createApp, listen } from '../../src/server/index.js';
import type { RunningServer } from '../../src/server/index.js';
import { createLocalSink, scanEvents } from '../../src/store/index.js';
import { tempDir } from '../helpers.js';

let server: RunningServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

/** The stored `span` events (each trace's run span comes as `span.start`/`span.end`). */
async function read(root: string): Promise<AgentmeterEvent[]> {
  const out: AgentmeterEvent[] = [];
  await scanEvents({ root, onEvent: (e) => out.push(e) });
  return out.filter((e) => e.type === 'span');
}

describe('OTLP/HTTP JSON from the OpenTelemetry JS SDK', () => {
  it('stores GenAI agent, tool and chat spans as agentmeter spans, with the token', async () => {
    const root = tempDir();
    const sink = createLocalSink({ root });
    server = await listen(createApp({ sink, token: 'tok' }), { port: 0, hasToken: true });
    const exporter = new OTLPTraceExporter({ url: `${server.url}/v1/traces`, headers: { authorization: 'Bearer tok' } });
    const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
    const tracer = provider.getTracer('agent-app');
    const agent = tracer.startSpan('invoke_agent planner', { attributes: { 'gen_ai.operation.name': 'invoke_agent', 'gen_ai.agent.name': 'planner', 'gen_ai.provider.name': 'openai', 'gen_ai.request.model': 'gpt-4o', 'gen_ai.usage.input_tokens': 1200, 'gen_ai.usage.output_tokens': 300, 'gen_ai.input.messages': 'SECRET PROMPT' } });
    const tool = tracer.startSpan('execute_tool search', { attributes: { 'gen_ai.operation.name': 'execute_tool', 'gen_ai.tool.name': 'search' } });
    tool.setStatus({ code: SpanStatusCode.ERROR, message: 'timeout calling https://bot:hunter2@api.example.com' });
    tool.end();
    agent.end();
    await provider.forceFlush();
    await provider.shutdown();
    const events = await read(root);
    expect(events).toHaveLength(2);
    const a = events.find((e) => e.type === 'span' && e.kind === 'agent');
    const t = events.find((e) => e.type === 'span' && e.kind === 'tool');
    expect(a).toBeDefined();
    expect(t).toBeDefined();
    if (a?.type !== 'span' || t?.type !== 'span') throw new Error('unreachable');
    expect(a.attrs['gen_ai.agent.name']).toBe('planner');
    expect(a.attrs['gen_ai.usage.input_tokens']).toBe(1200);
    expect(a.attrs['gen_ai.input.messages']).toBeUndefined();
    expect(a.status).toBe('success');
    expect(a.duration_ms).toBeGreaterThanOrEqual(0);
    expect(t.status).toBe('failure');
    expect(t.attrs['error.message']).toContain('[REDACTED:password]');
    expect(JSON.stringify(events)).not.toContain('hunter2');
    expect(JSON.stringify(events)).not.toContain('SECRET PROMPT');
  });

  it('gzip-compressed exports from the SDK are decompressed under the body limit', async () => {
    const root = tempDir();
    server = await listen(createApp({ sink: createLocalSink({ root }) }), { port: 0, hasToken: false });
    const exporter = new OTLPTraceExporter({ url: `${server.url}/v1/traces`, compression: 'gzip' as never });
    const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
    const span = provider.getTracer('t').startSpan('chat claude', { attributes: { 'gen_ai.operation.name': 'chat', 'gen_ai.request.model': 'claude-sonnet' } });
    span.end();
    await provider.forceFlush();
    await provider.shutdown();
    const events = await read(root);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ kind: 'llm', attrs: { 'gen_ai.request.model': 'claude-sonnet' } });
  });

  it('a retried export (same spans twice) is stored with the same event ids, so it folds once', async () => {
    const root = tempDir();
    server = await listen(createApp({ sink: createLocalSink({ root }) }), { port: 0, hasToken: false });
    const body = {
      resourceSpans: [{ resource: { attributes: [{ key: 'service.name', value: { stringValue: 'shop-agent' } }] }, scopeSpans: [{ spans: [{ traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', name: 'chat gpt-4o', startTimeUnixNano: '1735787045000000000', endTimeUnixNano: '1735787046500000000', attributes: [{ key: 'gen_ai.operation.name', value: { stringValue: 'chat' } }] }] }] }],
    };
    for (let i = 0; i < 2; i++) {
      const r = await fetch(`${server.url}/v1/traces`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      expect(r.status).toBe(200);
      expect(await r.json()).toEqual({});
    }
    const events = await read(root);
    expect(events).toHaveLength(2);
    expect(new Set(events.map((e) => e.id)).size).toBe(1);
    expect(events[0]).toMatchObject({ kind: 'llm', run_id: '0af76519-16cd-43dd-8448-eb211c80319c', span_id: 'b7ad6b7169203331', duration_ms: 1500, attrs: { project: 'shop-agent' } });
  });

  it('a body that is not protobuf OTLP gets 400 with a clear message; a non-loopback host without a token is refused', async () => {
    server = await listen(createApp({ sink: createLocalSink({ root: tempDir() }) }), { port: 0, hasToken: false });
    const r = await fetch(`${server.url}/v1/traces`, { method: 'POST', headers: { 'content-type': 'application/x-protobuf' }, body: new Uint8Array([0x0a, 0x05, 1]) });
    expect(r.status).toBe(400);
    expect(((await r.json()) as Record<string, unknown>).error).toMatch(/protobuf OTLP ExportTraceServiceRequest/);
    await expect(listen(createApp({ sink: createLocalSink({ root: tempDir() }) }), { host: '0.0.0.0', port: 0, hasToken: false })).rejects.toThrow(/needs a token/);
  });
});

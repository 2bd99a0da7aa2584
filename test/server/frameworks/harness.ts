// A real `agentmeter serve` (the built bin, as a user starts it) on a loopback port, and an
// OpenTelemetry tracer provider that exports to it (OTLP JSON or protobuf) while keeping every
// span in memory, so a test can compare what agentmeter stored with what the framework emitted.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync, utimesSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { context, trace } from '@opentelemetry/api';
import type { ContextManager } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { OTLPTraceExporter as JsonExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as ProtoExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { BasicTracerProvider, BatchSpanProcessor, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace-base';
import { expect } from 'vitest';
import type { GroupBy, Report } from '../../../src/analytics/index.js';
import type { Span } from '../../../src/model/index.js';
import { DirectorySource } from '../../../src/query/index.js';
import { tempDir } from '../../helpers.js';

/** One scenario's server, provider and in-memory copy of the spans. */
export interface Rig {
  root: string;
  provider: BasicTracerProvider;
  memory: InMemorySpanExporter;
  /** Flush both exporters, then stop the provider, the server and the context manager. */
  finish(): Promise<void>;
}

/**
 * `exporter` sending one request at a time, in the order spans ended. A simple span processor
 * sends each span in a request of its own, all in flight at once: an agent could then reach
 * the server before its last model call, whose tokens its roll-up would miss (the limit
 * docs/metrics.md states). The tests compare with what the framework emitted, not with the
 * order a loaded machine happened to deliver it in.
 */
function inOrder(exporter: SpanExporter): SpanExporter {
  let last: Promise<void> = Promise.resolve();
  return {
    export(spans, done) {
      last = last.then(() => new Promise<void>((sent) => exporter.export(spans, (r) => (done(r), sent()))));
    },
    shutdown: () => last.then(() => exporter.shutdown()),
    forceFlush: () => last.then(() => exporter.forceFlush?.()),
  };
}

/**
 * Start a server writing to a fresh store and a provider exporting to it.
 * `global` registers the provider and an async context manager for libraries that use the
 * global tracer (OpenInference instrumentations); the AI SDK takes a tracer argument.
 */
export async function rig(o: { protocol?: 'json' | 'protobuf'; global?: boolean; batch?: boolean } = {}): Promise<Rig> {
  const root = tempDir();
  const server = await serve(root, 'tok');
  const url = `${server.url}/v1/traces`;
  const headers = { authorization: 'Bearer tok' };
  const exporter = o.protocol === 'protobuf' ? new ProtoExporter({ url, headers }) : new JsonExporter({ url, headers });
  const memory = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({
    spanProcessors: [o.batch === true ? new BatchSpanProcessor(exporter) : new SimpleSpanProcessor(inOrder(exporter)), new SimpleSpanProcessor(memory)],
  });
  const manager: ContextManager = new AsyncLocalStorageContextManager().enable();
  context.setGlobalContextManager(manager);
  if (o.global === true) trace.setGlobalTracerProvider(provider);
  return {
    root,
    provider,
    memory,
    async finish() {
      await provider.forceFlush();
      await provider.shutdown();
      await server.stop();
      if (o.global === true) trace.disable();
      context.disable();
    },
  };
}

const BIN = join(resolve(import.meta.dirname, '../../..'), 'dist/cli/bin.js');

/** `agentmeter serve --port 0 --dir D --token T --no-dashboard`, once it says where it listens (at most 30 s). */
async function serve(dir: string, token: string): Promise<{ url: string; stop: () => Promise<void> }> {
  if (!existsSync(BIN)) throw new Error('dist/cli/bin.js is missing: run `npm run build` (npm test does)');
  const child: ChildProcess = spawn(process.execPath, [BIN, 'serve', '--port', '0', '--dir', dir, '--token', token, '--no-dashboard'], { stdio: ['ignore', 'ignore', 'pipe'] });
  const closed = new Promise<number | null>((done) => child.on('close', (code) => done(code)));
  let stderr = '';
  const url = await new Promise<string>((ok, fail) => {
    const timer = setTimeout(() => fail(new Error(`serve did not start in 30 s: ${stderr}`)), 30_000);
    child.stderr?.on('data', (d: Buffer) => {
      stderr += d.toString();
      const m = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(stderr);
      if (m) {
        clearTimeout(timer);
        ok(m[1] as string);
      }
    });
    void closed.then(() => fail(new Error(`serve exited: ${stderr}`)));
  });
  expect((await fetch(`${url}/healthz`)).status).toBe(200);
  return {
    url,
    async stop() {
      child.kill('SIGTERM');
      const code = await closed;
      if (code !== 0) throw new Error(`serve exited with ${code}: ${stderr}`);
    },
  };
}

/** Every folded span of the store (any window, any env). */
export async function storedSpans(root: string): Promise<Span[]> {
  const source = new DirectorySource(root, { cache: false });
  const out: Span[] = [];
  try {
    await source.spans({ nowMs: Date.now() }, { onSpan: (s) => out.push(s) });
  } finally {
    await source.close();
  }
  return out;
}

/** The report over the last day, every env, optionally grouped. */
export async function storedReport(root: string, by?: GroupBy): Promise<Report> {
  const source = new DirectorySource(root, { cache: true });
  try {
    const now = Date.now();
    return await source.report({ sinceMs: now - 86_400_000, untilMs: now + 60_000, nowMs: now, envs: 'all', ...(by !== undefined ? { by } : {}) });
  } finally {
    await source.close();
  }
}

/** Every file under `dir` whose bytes contain `needle`. */
export function filesContaining(dir: string, needle: string): string[] {
  const hits: string[] = [];
  const walk = (d: string): void => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (readFileSync(p).includes(needle)) hits.push(p);
    }
  };
  walk(dir);
  return hits;
}

/** What a set of spans holds, counted the way a test states it from the framework's spans. */
export interface Census {
  modelCalls: number;
  modelCallFailures: number;
  tokensByModel: Record<string, { input: number; output: number }>;
  agents: string[];
  toolCalls: number;
  toolFailures: number;
  traces: number;
}

/** The census of agentmeter's stored spans. */
export function censusOfStored(spans: readonly Span[]): Census {
  const c: Census = { modelCalls: 0, modelCallFailures: 0, tokensByModel: {}, agents: [], toolCalls: 0, toolFailures: 0, traces: 0 };
  for (const s of spans) {
    const a = s.attrs as Record<string, unknown>;
    if (s.kind === 'llm') {
      c.modelCalls++;
      if (s.status === 'failure') c.modelCallFailures++;
      const m = String(a['gen_ai.request.model'] ?? '(none)');
      const t = (c.tokensByModel[m] ??= { input: 0, output: 0 });
      t.input += Number(a['gen_ai.usage.input_tokens'] ?? 0);
      t.output += Number(a['gen_ai.usage.output_tokens'] ?? 0);
    } else if (s.kind === 'tool') {
      c.toolCalls++;
      if (s.status === 'failure') c.toolFailures++;
    } else if (s.kind === 'agent') c.agents.push(String(a['gen_ai.agent.name'] ?? '(none)'));
    else if (s.kind === 'run') c.traces++;
  }
  c.agents.sort();
  return c;
}

/** Helpers to read a framework's own spans. */
export const attr = (s: ReadableSpan, k: string): unknown => s.attributes[k];
export const failed = (s: ReadableSpan): boolean => s.status.code === 2;
export const traceCount = (spans: readonly ReadableSpan[]): number => new Set(spans.map((s) => s.spanContext().traceId)).size;

/** The report's model-call, tool-call and run sections agree with a census of the framework's spans. */
export function expectReportAgrees(report: Report, c: Census): void {
  const tokens = Object.values(c.tokensByModel).reduce((t, m) => ({ input: t.input + m.input, output: t.output + m.output }), { input: 0, output: 0 });
  expect(report.model_calls).toMatchObject({ total: c.modelCalls, failure: c.modelCallFailures, success: c.modelCalls - c.modelCallFailures, tokens });
  expect(report.tool_calls).toMatchObject({ total: c.toolCalls, failure: c.toolFailures, success: c.toolCalls - c.toolFailures });
  expect(report.agents.total).toBe(c.agents.length);
  expect(report.runs.total).toBe(c.traces);
}

/**
 * No file under the store holds a marker: the segments, and the span cache, which a cached
 * report writes for segments that have been quiet for a while (their times are set back).
 */
export async function expectNoMarkers(root: string, markers: readonly string[]): Promise<void> {
  const past = new Date(Date.now() - 3_600_000);
  const age = (d: string): void => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) age(p);
      else utimesSync(p, past, past);
    }
  };
  age(root);
  await storedReport(root);
  expect(existsSync(join(root, 'cache'))).toBe(true);
  for (const m of markers) expect(filesContaining(root, m), m).toEqual([]);
}

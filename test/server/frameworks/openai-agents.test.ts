// The OpenAI Agents SDK (`@openai/agents`) against a fake OpenAI HTTP server on loopback,
// traced by OpenInference's processor and exported to a real `serve`: what agentmeter stores
// equals what the instrumentation's spans hold.
import { createServer } from 'node:http';
import type { AddressInfo, Server } from 'node:net';
import { OpenAIAgentsInstrumentation } from '@arizeai/openinference-instrumentation-openai-agents';
import * as agents from '@openai/agents';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import OpenAI from 'openai';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { attr, censusOfStored, expectReportAgrees, failed, expectNoMarkers, rig, storedReport, storedSpans, traceCount } from './harness.js';
import type { Census, Rig } from './harness.js';

let r: Rig | undefined;
let fake: Server | undefined;
afterEach(async () => {
  await r?.finish();
  r = undefined;
  await new Promise((done) => (fake ? fake.close(done) : done(undefined)));
  fake = undefined;
});

const MARKERS = ['MKOA_SYSTEM_PROMPT', 'MKOA_USER_PROMPT', 'MKOA_TOOL_ARGS', 'MKOA_COMPLETION', 'MKOA_TOOL_RESULT'];

interface ChatBody {
  model: string;
  messages: { role: string }[];
  tools?: { function: { name: string } }[];
}

/** Chat Completions on loopback: asks for the request's first tool, then answers; `*-down` models get a 500. */
async function fakeOpenAI(): Promise<string> {
  let n = 0;
  fake = createServer((req, res) => {
    let raw = '';
    req.on('data', (c: Buffer) => (raw += c.toString()));
    req.on('end', () => {
      n++;
      const body = JSON.parse(raw) as ChatBody;
      res.setHeader('content-type', 'application/json');
      if (body.model.endsWith('-down')) {
        res.statusCode = 500;
        res.end(JSON.stringify({ error: { message: 'the model is down', type: 'server_error' } }));
        return;
      }
      const answered = body.messages.some((m) => m.role === 'tool');
      // A handoff offered is taken first; otherwise the first tool.
      const names = (body.tools ?? []).map((t) => t.function.name);
      const toolName = names.find((t) => t.startsWith('transfer_to_')) ?? names[0] ?? 'none';
      const message = answered ? { role: 'assistant', content: 'MKOA_COMPLETION' } : { role: 'assistant', content: null, tool_calls: [{ id: `call_${n}`, type: 'function', function: { name: toolName, arguments: JSON.stringify({ q: 'MKOA_TOOL_ARGS' }) } }] };
      res.end(JSON.stringify({ id: `cc${n}`, object: 'chat.completion', created: 1, model: `${body.model}-2024-08-06`, choices: [{ index: 0, message, finish_reason: answered ? 'stop' : 'tool_calls' }], usage: { prompt_tokens: 50 + n, completion_tokens: 5, total_tokens: 55 + n } }));
    });
  }).listen(0, '127.0.0.1');
  await new Promise((done) => fake?.once('listening', done));
  return `http://127.0.0.1:${(fake.address() as AddressInfo).port}/v1`;
}

describe('OpenAI Agents SDK through OpenInference', () => {
  it('model calls, tokens per model, named agents, tool calls and failures equal the OpenInference spans; the workflow root is no agent; no content stored', async () => {
    const baseURL = await fakeOpenAI();
    r = await rig();
    const instrumentation = new OpenAIAgentsInstrumentation({ tracerProvider: r.provider });
    instrumentation.manuallyInstrument(agents);
    agents.setDefaultOpenAIClient(new OpenAI({ apiKey: 'sk-test', baseURL, maxRetries: 0 }));
    agents.setOpenAIAPI('chat_completions');
    // The SDK turns tracing off when NODE_ENV is `test`, as it is under the test runner.
    agents.setTracingDisabled(false);
    try {
      const lookup = agents.tool({ name: 'lookup', description: 'look up', parameters: z.object({ q: z.string() }), execute: async ({ q }) => `MKOA_TOOL_RESULT ${q}` });
      const refund = agents.tool({
        name: 'refund',
        description: 'refund an order',
        parameters: z.object({ q: z.string() }),
        execute: async ({ q }): Promise<string> => {
          throw new Error(`refund refused (${q.length})`);
        },
      });
      const triage = new agents.Agent({ name: 'Triage', instructions: 'MKOA_SYSTEM_PROMPT', model: 'gpt-4o', tools: [lookup] });
      const billing = new agents.Agent({ name: 'Billing', instructions: 'MKOA_SYSTEM_PROMPT', model: 'gpt-4o-mini', tools: [refund] });
      const broken = new agents.Agent({ name: 'Triage', instructions: 'MKOA_SYSTEM_PROMPT', model: 'gpt-4o-down', tools: [lookup] });
      expect((await agents.run(triage, 'MKOA_USER_PROMPT')).finalOutput).toBe('MKOA_COMPLETION');
      expect((await agents.run(billing, 'MKOA_USER_PROMPT')).finalOutput).toBe('MKOA_COMPLETION');
      // A handoff: Router hands the conversation to Billing (a TOOL span), which answers.
      const router = new agents.Agent({ name: 'Router', instructions: 'MKOA_SYSTEM_PROMPT', model: 'gpt-4o-mini', handoffs: [billing] });
      expect((await agents.run(router, 'MKOA_USER_PROMPT')).finalOutput).toBe('MKOA_COMPLETION');
      await expect(agents.run(broken, 'MKOA_USER_PROMPT')).rejects.toThrow();
      await agents.getGlobalTraceProvider().forceFlush();
    } finally {
      instrumentation.disable();
    }
    await r.provider.forceFlush();

    const own = r.memory.getFinishedSpans();
    const kind = (s: ReadableSpan): unknown => attr(s, 'openinference.span.kind');
    const children = new Map<string, ReadableSpan[]>();
    for (const s of own) {
      const p = s.parentSpanContext?.spanId;
      if (p !== undefined) children.set(p, [...(children.get(p) ?? []), s]);
    }
    // An agent holds a model or tool call of its own (not inside another agent).
    const holdsCall = (s: ReadableSpan): boolean => (children.get(s.spanContext().spanId) ?? []).some((c) => kind(c) === 'LLM' || kind(c) === 'TOOL' || (kind(c) !== 'AGENT' && holdsCall(c)));
    const calls = own.filter((s) => kind(s) === 'LLM');
    const tools = own.filter((s) => kind(s) === 'TOOL');
    const expected: Census = {
      modelCalls: calls.length,
      modelCallFailures: calls.filter(failed).length,
      tokensByModel: {},
      agents: own.filter((s) => kind(s) === 'AGENT' && holdsCall(s)).map((s) => String(attr(s, 'agent.name') ?? attr(s, 'graph.node.id') ?? s.name)).sort(),
      toolCalls: tools.length,
      toolFailures: tools.filter(failed).length,
      traces: traceCount(own),
    };
    for (const s of calls) {
      const t = (expected.tokensByModel[String(attr(s, 'llm.model_name'))] ??= { input: 0, output: 0 });
      t.input += Number(attr(s, 'llm.token_count.prompt') ?? 0);
      t.output += Number(attr(s, 'llm.token_count.completion') ?? 0);
    }
    expect(expected).toMatchObject({ modelCallFailures: 1, toolFailures: 1, traces: 4 });
    expect(expected.agents).toEqual(['Billing', 'Billing', 'Router', 'Triage', 'Triage']);
    expect(tools.some((s) => s.name.startsWith('handoff'))).toBe(true);

    const stored = await storedSpans(r.root);
    expect(censusOfStored(stored)).toEqual(expected);
    expect(stored.filter((s) => s.name === 'Agent workflow').every((s) => s.kind === 'workflow')).toBe(true);
    const triage = stored.find((s) => s.kind === 'agent' && s.status === 'success' && s.attrs['gen_ai.agent.name'] === 'Triage');
    expect(triage?.attrs).toMatchObject({ 'gen_ai.request.model': 'gpt-4o', 'gen_ai.provider.name': 'openai' });
    expect(triage?.attrs['gen_ai.usage.input_tokens']).toBe(calls.filter((s) => s.spanContext().traceId === stored.find((x) => x === triage)?.runId.replaceAll('-', '')).reduce((n, s) => n + Number(attr(s, 'llm.token_count.prompt') ?? 0), 0));

    expectReportAgrees(await storedReport(r.root), expected);
    const report = await storedReport(r.root, 'agent');
    // Four runs, also the one whose workflow root the SDK never ended.
    expect(report.runs.total).toBe(4);
    expect((report.groups ?? []).map((g) => [g.key, g.agents.total]).sort()).toEqual([['Billing', 2], ['Router', 1], ['Triage', 2]]);

    await expectNoMarkers(r.root, MARKERS);
  });
});

// The Vercel AI SDK 7 with `@ai-sdk/otel` (GenAI semantic conventions) and its mock model,
// exporting to a real `serve`: what agentmeter stores equals what the SDK's spans hold.
import { OpenTelemetry } from '@ai-sdk/otel';
import { generateText, stepCountIs, tool } from 'ai';
import { MockLanguageModelV4 } from 'ai/test';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { attr, censusOfStored, expectReportAgrees, failed, expectNoMarkers, rig, storedReport, storedSpans, traceCount } from './harness.js';
import type { Census, Rig } from './harness.js';

let r: Rig | undefined;
afterEach(async () => {
  await r?.finish();
  r = undefined;
});

const MARKERS = ['MK7_SYSTEM_PROMPT', 'MK7_USER_PROMPT', 'MK7_TOOL_ARGS', 'MK7_COMPLETION', 'MK7_TOOL_RESULT'];
const usage = (input: number, output: number) => ({ inputTokens: { total: input, noCache: input, cacheRead: undefined, cacheWrite: undefined }, outputTokens: { total: output, text: output, reasoning: undefined } });

function model(id: string, toolName: string, fail = false) {
  let step = 0;
  return new MockLanguageModelV4({
    modelId: id,
    provider: 'openai.responses',
    doGenerate: async () => {
      if (fail) throw new Error('overloaded\n    at doGenerate (/opt/app/model.js:3:14)');
      step++;
      if (step === 1) return { content: [{ type: 'tool-call', toolCallId: `c-${id}`, toolName, input: JSON.stringify({ q: 'MK7_TOOL_ARGS' }) }], finishReason: { unified: 'tool-calls', raw: undefined }, usage: usage(100, 10), warnings: [] };
      return { content: [{ type: 'text', text: 'MK7_COMPLETION' }], finishReason: { unified: 'stop', raw: undefined }, usage: usage(150, 20), warnings: [] };
    },
  });
}

describe('Vercel AI SDK 7 with @ai-sdk/otel', () => {
  it('model calls, tokens per model, named agents, tool calls and failures equal the SDK spans; agent steps are neither; no content stored', async () => {
    r = await rig();
    const otel = new OpenTelemetry({ tracer: r.provider.getTracer('ai'), agentSpanName: 'functionId' });
    const tools = {
      lookup: tool({ inputSchema: z.object({ q: z.string() }), execute: async ({ q }) => `MK7_TOOL_RESULT ${q}` }),
      charge: tool({ inputSchema: z.object({ q: z.string() }), execute: async ({ q }): Promise<string> => { throw new Error(`card declined ${q.length}`); } }),
    };
    const common = { system: 'MK7_SYSTEM_PROMPT', prompt: 'MK7_USER_PROMPT', tools, stopWhen: stepCountIs(3), maxRetries: 0 } as const;
    await generateText({ ...common, model: model('gpt-4o', 'lookup'), telemetry: { functionId: 'support-agent', integrations: [otel] } });
    await generateText({ ...common, model: model('gpt-4o-mini', 'charge'), telemetry: { functionId: 'billing-agent', integrations: [otel] } });
    await expect(generateText({ ...common, model: model('gpt-4o', 'lookup', true), telemetry: { functionId: 'support-agent', integrations: [otel] } })).rejects.toThrow(/overloaded/);
    await r.provider.forceFlush();

    const own = r.memory.getFinishedSpans();
    const op = (s: ReadableSpan): unknown => attr(s, 'gen_ai.operation.name');
    const calls = own.filter((s) => op(s) === 'chat' || op(s) === 'text_completion' || op(s) === 'generate_content');
    const tools7 = own.filter((s) => op(s) === 'execute_tool');
    const expected: Census = { modelCalls: calls.length, modelCallFailures: calls.filter(failed).length, tokensByModel: {}, agents: own.filter((s) => op(s) === 'invoke_agent').map((s) => String(attr(s, 'gen_ai.agent.name'))).sort(), toolCalls: tools7.length, toolFailures: tools7.filter(failed).length, traces: traceCount(own) };
    for (const s of calls) {
      const t = (expected.tokensByModel[String(attr(s, 'gen_ai.request.model'))] ??= { input: 0, output: 0 });
      t.input += Number(attr(s, 'gen_ai.usage.input_tokens') ?? 0);
      t.output += Number(attr(s, 'gen_ai.usage.output_tokens') ?? 0);
    }
    expect(expected).toMatchObject({ modelCalls: 5, modelCallFailures: 1, toolCalls: 2, toolFailures: 1, traces: 3 });
    expect(own.some((s) => op(s) === 'agent_step')).toBe(true);

    const stored = await storedSpans(r.root);
    expect(censusOfStored(stored)).toEqual(expected);
    expect(stored.filter((s) => s.attrs['gen_ai.operation.name'] === 'agent_step').every((s) => s.kind === 'workflow')).toBe(true);
    const failedCall = stored.find((s) => s.kind === 'llm' && s.status === 'failure');
    expect(failedCall?.attrs['error.message']).toBe('overloaded');

    expectReportAgrees(await storedReport(r.root), expected);
    const report = await storedReport(r.root, 'agent');
    expect(report.runs.total).toBe(3);
    expect((report.groups ?? []).map((g) => [g.key, g.agents.total]).sort()).toEqual([['billing-agent', 1], ['support-agent', 2]]);
    // invoke_agent repeats its children's totals: the agents section counts them once.
    expect(report.agents.tokens.input).toBe(Object.values(expected.tokensByModel).reduce((n, t) => n + t.input, 0));

    // report --by tool: each tool's calls and failures, as the SDK's execute_tool spans say.
    const byTool = (await storedReport(r.root, 'tool')).groups?.map((g) => [g.key, g.tool_calls.total, g.tool_calls.failure]).sort();
    const toolNames = [...new Set(tools7.map((s) => String(attr(s, 'gen_ai.tool.name'))))].sort();
    expect(byTool).toEqual(toolNames.map((n) => [n, tools7.filter((s) => attr(s, 'gen_ai.tool.name') === n).length, tools7.filter((s) => attr(s, 'gen_ai.tool.name') === n && failed(s)).length]));
    await expectNoMarkers(r.root, MARKERS);
  });
});

// The Vercel AI SDK 6 (`ai@6`, `experimental_telemetry`) with its mock model, exporting to a
// real `serve`: what agentmeter stores equals what the SDK's own spans hold.
import { generateText, stepCountIs, tool } from 'ai6';
import { MockLanguageModelV3 } from 'ai6/test';
import { main } from '../../../src/cli/main.js';
import type { Io } from '../../../src/cli/io.js';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { attr, censusOfStored, expectReportAgrees, failed, expectNoMarkers, rig, storedReport, storedSpans, traceCount } from './harness.js';
import type { Census, Rig } from './harness.js';

let r: Rig | undefined;
afterEach(async () => {
  await r?.finish();
  r = undefined;
});

const MARKERS = ['MK6_SYSTEM_PROMPT', 'MK6_USER_PROMPT', 'MK6_TOOL_ARGS', 'MK6_COMPLETION', 'MK6_TOOL_RESULT'];
const usage = (input: number, output: number) => ({ inputTokens: { total: input, noCache: input, cacheRead: undefined, cacheWrite: undefined }, outputTokens: { total: output, text: output, reasoning: undefined } });

/** A mock model that calls `tool` once, then answers; or fails when `fail` is set. */
function model(id: string, tool: string, fail = false) {
  let step = 0;
  return new MockLanguageModelV3({
    modelId: id,
    provider: 'openai.chat',
    doGenerate: async () => {
      if (fail) throw new Error('upstream 500 at /home/dev/app/node_modules/x.js:10:5\n    at call (/home/dev/app/x.js:1:1)');
      step++;
      if (step === 1) return { content: [{ type: 'tool-call', toolCallId: `c-${id}`, toolName: tool, input: JSON.stringify({ q: 'MK6_TOOL_ARGS' }) }], finishReason: { unified: 'tool-calls', raw: undefined }, usage: usage(100, 10), warnings: [] };
      return { content: [{ type: 'text', text: 'MK6_COMPLETION' }], finishReason: { unified: 'stop', raw: undefined }, usage: usage(150, 20), warnings: [] };
    },
  });
}

describe('Vercel AI SDK 6 telemetry', () => {
  it('model calls, tokens per model, named agents, tool calls and failures equal the SDK spans; no content stored', async () => {
    r = await rig();
    const tracer = r.provider.getTracer('ai');
    const tools = {
      lookup: tool({ inputSchema: z.object({ q: z.string() }), execute: async ({ q }) => `MK6_TOOL_RESULT ${q}` }),
      charge: tool({ inputSchema: z.object({ q: z.string() }), execute: async ({ q }): Promise<string> => { throw new Error(`card declined ${q.length}`); } }),
    };
    const common = { system: 'MK6_SYSTEM_PROMPT', prompt: 'MK6_USER_PROMPT', tools, stopWhen: stepCountIs(3), maxRetries: 0 } as const;
    await generateText({ ...common, model: model('gpt-4o', 'lookup'), experimental_telemetry: { isEnabled: true, functionId: 'support-agent', tracer } });
    await generateText({ ...common, model: model('gpt-4o-mini', 'charge'), experimental_telemetry: { isEnabled: true, functionId: 'billing-agent', tracer } });
    await expect(generateText({ ...common, model: model('gpt-4o', 'lookup', true), experimental_telemetry: { isEnabled: true, functionId: 'support-agent', tracer } })).rejects.toThrow(/upstream 500/);
    await r.provider.forceFlush();

    const own = r.memory.getFinishedSpans();
    const calls = own.filter((s) => /^ai\.generateText\.do(?:Generate|Stream)$/.test(s.name));
    const expected: Census = { modelCalls: calls.length, modelCallFailures: calls.filter(failed).length, tokensByModel: {}, agents: own.filter((s) => s.name === 'ai.generateText').map((s) => String(attr(s, 'ai.telemetry.functionId'))).sort(), toolCalls: 0, toolFailures: 0, traces: traceCount(own) };
    for (const s of calls) {
      const t = (expected.tokensByModel[String(attr(s, 'ai.model.id'))] ??= { input: 0, output: 0 });
      t.input += Number(attr(s, 'ai.usage.inputTokens') ?? 0);
      t.output += Number(attr(s, 'ai.usage.outputTokens') ?? 0);
    }
    const toolSpans = own.filter((s) => s.name === 'ai.toolCall');
    expected.toolCalls = toolSpans.length;
    expected.toolFailures = toolSpans.filter(failed).length;
    // The scenario is what it says, so the comparison below is not between two empty sets.
    expect(expected).toMatchObject({ modelCalls: 5, modelCallFailures: 1, toolCalls: 2, toolFailures: 1, traces: 3 });

    const stored = await storedSpans(r.root);
    expect(censusOfStored(stored)).toEqual(expected);
    // An agent takes provider and model from the SDK's names, without the API suffix.
    expect(stored.filter((s) => s.kind === 'agent' || s.kind === 'llm').map((s) => s.attrs['gen_ai.provider.name'])).toEqual(Array(8).fill('openai'));
    const failedCall = stored.find((s) => s.kind === 'llm' && s.status === 'failure');
    expect(failedCall?.attrs['error.message']).toBe('upstream 500 at [path]');
    expect(stored.find((s) => s.kind === 'tool' && s.status === 'failure')?.attrs).toMatchObject({ 'gen_ai.tool.name': 'charge', 'error.message': 'card declined 13' });

    expectReportAgrees(await storedReport(r.root), expected);
    const report = await storedReport(r.root, 'agent');
    expect(report.runs.total).toBe(3);
    expect(report.agents.total).toBe(3);
    // Model and tool calls carry the function id: they join their agent's group.
    const byFunction = (name: string, spans: typeof own) => spans.filter((s) => attr(s, 'ai.telemetry.functionId') === name).length;
    expect((report.groups ?? []).map((g) => [g.key, g.agents.total, g.model_calls.total, g.tool_calls.total]).sort()).toEqual([
      ['billing-agent', 1, byFunction('billing-agent', calls), byFunction('billing-agent', toolSpans)],
      ['support-agent', 2, byFunction('support-agent', calls), byFunction('support-agent', toolSpans)],
    ]);

    // compare reads model calls too: success rate of model calls per model.
    let out = '';
    const io: Io = { stdout: { write: (t: string) => (out += t) }, stderr: { write: () => true }, env: { NO_COLOR: '1' }, cwd: r.root };
    expect(await main(['compare', '--kind', 'llm', '--metric', 'success_rate', '--by', 'model', '--env', 'all', '--since', '1d', '--dir', r.root, '--json'], io)).toBe(0);
    const groups = (JSON.parse(out) as { groups: { key: string; n: number }[] }).groups.map((g) => [g.key, g.n]).sort();
    expect(groups).toEqual(Object.keys(expected.tokensByModel).sort().map((m) => [m, calls.filter((s) => attr(s, 'ai.model.id') === m).length]));
    await expectNoMarkers(r.root, MARKERS);
  });
});

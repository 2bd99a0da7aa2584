// LangChain.js `createAgent` with a fake chat model, traced by OpenInference's LangChain
// instrumentation and exported to a real `serve`: what agentmeter stores equals what the
// instrumentation's spans hold.
import { LangChainInstrumentation } from '@arizeai/openinference-instrumentation-langchain';
import * as CallbackManagerModule from '@langchain/core/callbacks/manager';
import { BaseChatModel } from '@langchain/core/language_models/chat_models';
import type { BaseMessage } from '@langchain/core/messages';
import { AIMessage } from '@langchain/core/messages';
import type { ChatResult } from '@langchain/core/outputs';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { createAgent, tool } from 'langchain';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { attr, censusOfStored, expectReportAgrees, failed, expectNoMarkers, rig, storedReport, storedSpans, traceCount } from './harness.js';
import type { Census, Rig } from './harness.js';

let r: Rig | undefined;
afterEach(async () => {
  await r?.finish();
  r = undefined;
});

const MARKERS = ['MKLC_SYSTEM_PROMPT', 'MKLC_USER_PROMPT', 'MKLC_TOOL_ARGS', 'MKLC_COMPLETION', 'MKLC_TOOL_RESULT'];

/** A chat model that asks for `toolName` once, then answers; `fail` makes every call throw. */
class ScriptedModel extends BaseChatModel {
  step = 0;
  readonly modelName: string;
  readonly toolName: string;
  readonly fail: boolean;
  constructor(modelName: string, toolName: string, fail = false) {
    super({});
    this.modelName = modelName;
    this.toolName = toolName;
    this.fail = fail;
  }
  _llmType(): string {
    return 'scripted';
  }
  override invocationParams(): Record<string, unknown> {
    return { model: this.modelName };
  }
  override bindTools(): this {
    return this;
  }
  async _generate(messages: BaseMessage[]): Promise<ChatResult> {
    expect(messages.length).toBeGreaterThan(0);
    if (this.fail) throw new Error('rate limited\n    at ScriptedModel._generate (/srv/app/agent.ts:12:3)');
    this.step++;
    const [input, output] = this.step === 1 ? [30, 4] : [40, 6];
    const msg = this.step === 1
      ? new AIMessage({ content: '', tool_calls: [{ id: `t-${this.toolName}`, name: this.toolName, args: { q: 'MKLC_TOOL_ARGS' } }] })
      : new AIMessage({ content: 'MKLC_COMPLETION' });
    return { generations: [{ text: typeof msg.content === 'string' ? msg.content : '', message: msg }], llmOutput: { tokenUsage: { promptTokens: input, completionTokens: output, totalTokens: input + output } } };
  }
}

const metadataOf = (s: ReadableSpan): Record<string, unknown> => {
  const m = attr(s, 'metadata');
  return typeof m === 'string' ? (JSON.parse(m) as Record<string, unknown>) : {};
};

describe('LangChain.js createAgent through OpenInference', () => {
  it('model calls, tokens per model, named agents, tool calls and failures equal the OpenInference spans; no content stored', async () => {
    // Exported as most deployments do: batched, OTLP/HTTP protobuf.
    r = await rig({ protocol: 'protobuf', batch: true });
    const instrumentation = new LangChainInstrumentation({ tracerProvider: r.provider });
    instrumentation.manuallyInstrument(CallbackManagerModule);
    try {
      const lookup = tool(async ({ q }: { q: string }) => `MKLC_TOOL_RESULT ${q}`, { name: 'lookup', description: 'look something up', schema: z.object({ q: z.string() }) });
      const publish = tool(async ({ q }: { q: string }): Promise<string> => {
        throw new Error(`publish failed for ${q.length} chars at /srv/app/tools.ts:4:9`);
      }, { name: 'publish', description: 'publish a draft', schema: z.object({ q: z.string() }) });
      const ask = { messages: [{ role: 'user', content: 'MKLC_USER_PROMPT' }] };
      await createAgent({ model: new ScriptedModel('gpt-4o', 'lookup'), tools: [lookup], systemPrompt: 'MKLC_SYSTEM_PROMPT', name: 'research_agent' }).invoke(ask);
      await createAgent({ model: new ScriptedModel('claude-sonnet', 'publish'), tools: [publish], systemPrompt: 'MKLC_SYSTEM_PROMPT', name: 'writer_agent' }).invoke(ask).catch(() => undefined);
      await expect(createAgent({ model: new ScriptedModel('gpt-4o', 'lookup', true), tools: [lookup], systemPrompt: 'MKLC_SYSTEM_PROMPT', name: 'research_agent' }).invoke(ask)).rejects.toThrow(/rate limited/);
    } finally {
      instrumentation.disable();
    }
    await r.provider.forceFlush();

    const own = r.memory.getFinishedSpans();
    const kind = (s: ReadableSpan): unknown => attr(s, 'openinference.span.kind');
    const calls = own.filter((s) => kind(s) === 'LLM');
    const tools = own.filter((s) => kind(s) === 'TOOL');
    const agents = own.filter((s) => kind(s) === 'CHAIN' && metadataOf(s)['lc_agent_name'] === s.name && metadataOf(s)['langgraph_node'] === undefined);
    const expected: Census = { modelCalls: calls.length, modelCallFailures: calls.filter(failed).length, tokensByModel: {}, agents: agents.map((s) => s.name).sort(), toolCalls: tools.length, toolFailures: tools.filter(failed).length, traces: traceCount(own) };
    for (const s of calls) {
      const t = (expected.tokensByModel[String(attr(s, 'llm.model_name'))] ??= { input: 0, output: 0 });
      t.input += Number(attr(s, 'llm.token_count.prompt') ?? 0);
      t.output += Number(attr(s, 'llm.token_count.completion') ?? 0);
    }
    expect(expected).toMatchObject({ modelCallFailures: 1, toolFailures: 1, traces: 3, agents: ['research_agent', 'research_agent', 'writer_agent'] });

    const stored = await storedSpans(r.root);
    expect(censusOfStored(stored)).toEqual(expected);
    // The agents take model and tokens from their model calls (they have none of their own).
    const research = stored.find((s) => s.kind === 'agent' && s.status === 'success' && s.attrs['gen_ai.agent.name'] === 'research_agent');
    expect(research?.attrs).toMatchObject({ 'gen_ai.request.model': 'gpt-4o', 'gen_ai.usage.input_tokens': 70, 'gen_ai.usage.output_tokens': 10 });
    // Errors: one line, no stack frames, no file paths.
    for (const s of stored.filter((x) => x.status === 'failure')) {
      const m = String(s.attrs['error.message'] ?? '');
      expect(m).not.toMatch(/\n|\/srv\/app|\(\S+:\d+:\d+\)/);
    }
    expect(stored.find((s) => s.kind === 'tool' && s.status === 'failure')?.attrs['error.message']).toBe('publish failed for 14 chars at [path]');

    expectReportAgrees(await storedReport(r.root), expected);
    const report = await storedReport(r.root, 'agent');
    expect(report.runs.total).toBe(3);
    expect((report.groups ?? []).map((g) => [g.key, g.agents.total]).sort()).toEqual([['research_agent', 2], ['writer_agent', 1]]);

    await expectNoMarkers(r.root, MARKERS);
  });
});

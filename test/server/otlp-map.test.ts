import { describe, expect, it } from 'vitest';
import { redactText } from '../../src/model/index.js';
import { mapOtlpTraces } from '../../src/server/index.js';
import { checkEvent } from '../../src/server/event-checks.js';
import { oneLineMessage } from '../../src/server/otlp-map.js';
import { TraceMemory } from '../../src/server/otlp/trace-memory.js';

const kv = (key: string, v: string | number | boolean) => ({
  key,
  value: typeof v === 'string' ? { stringValue: v } : typeof v === 'boolean' ? { boolValue: v } : Number.isInteger(v) ? { intValue: String(v) } : { doubleValue: v },
});

function request(spans: object[], resource: object[] = []) {
  return { resourceSpans: [{ resource: { attributes: resource }, scopeSpans: [{ scope: { name: 't' }, spans }] }] };
}

let n = 0;
function span(name: string, attributes: object[], extra: object = {}) {
  n++;
  return { traceId: '5b8efff798038103d269b633813fc60c', spanId: `eee19b7ec3c1b1${String(n).padStart(2, '0')}`, name, kind: 1, startTimeUnixNano: '1735787045000000000', endTimeUnixNano: '1735787045250000000', attributes, ...extra };
}

const opts = { defaultEnv: 'dev', redact: (s: string) => redactText(s) };

describe('OTLP attribute dialects', () => {
  it('OpenInference: span kind, model, token counts, agent name; content dropped', () => {
    const r = mapOtlpTraces(request([
      span('ChatCompletion', [kv('openinference.span.kind', 'LLM'), kv('llm.model_name', 'claude-sonnet'), kv('llm.provider', 'anthropic'), kv('llm.token_count.prompt', 900), kv('llm.token_count.completion', 120), kv('input.value', 'the prompt'), kv('llm.input_messages.0.message.content', 'hi')]),
      span('planner', [kv('openinference.span.kind', 'AGENT'), kv('agent.name', 'planner')]),
    ]), opts);
    expect(r.rejected).toEqual([]);
    const [llm, agent] = r.events as unknown as { kind: string; attrs: Record<string, unknown> }[];
    expect(llm).toMatchObject({ kind: 'llm', attrs: { 'gen_ai.request.model': 'claude-sonnet', 'gen_ai.provider.name': 'anthropic', 'gen_ai.usage.input_tokens': 900, 'gen_ai.usage.output_tokens': 120 } });
    expect(llm!.attrs['input.value']).toBeUndefined();
    expect(llm!.attrs['llm.input_messages.0.message.content']).toBeUndefined();
    expect(agent).toMatchObject({ kind: 'agent', attrs: { 'gen_ai.agent.name': 'planner' } });
  });

  it('Traceloop: workflow/agent/tool kinds, llm.usage tokens, old gen_ai.system provider', () => {
    const r = mapOtlpTraces(request([
      span('research.workflow', [kv('traceloop.span.kind', 'workflow'), kv('traceloop.entity.name', 'research')]),
      span('openai.chat', [kv('llm.request.type', 'chat'), kv('gen_ai.system', 'openai'), kv('gen_ai.request.model', 'gpt-4o-mini'), kv('llm.usage.prompt_tokens', 50), kv('llm.usage.completion_tokens', 7), kv('gen_ai.prompt.0.content', 'secret'), kv('gen_ai.request.temperature', 0.2)]),
      span('search.tool', [kv('traceloop.span.kind', 'tool'), kv('traceloop.entity.name', 'search')]),
    ]), opts);
    const kinds = r.events.filter((e) => e.type === 'span').map((e) => (e as { kind: string }).kind);
    expect(kinds).toEqual(['workflow', 'llm', 'tool']);
    const llm = r.events[1] as unknown as { attrs: Record<string, unknown> };
    expect(llm.attrs).toMatchObject({ 'gen_ai.provider.name': 'openai', 'gen_ai.usage.input_tokens': 50, 'gen_ai.usage.output_tokens': 7, 'gen_ai.request.temperature': 0.2 });
    expect(llm.attrs['gen_ai.prompt.0.content']).toBeUndefined();
    expect((r.events[0] as unknown as { attrs: Record<string, unknown> }).attrs['gen_ai.agent.name']).toBe('research');
  });

  it('CI pipelines, env from the resource, parent ids, evaluation events as feedback; every event passes the schema', () => {
    const r = mapOtlpTraces(request([
      span('pipeline', [kv('cicd.pipeline.run.id', '4259'), kv('cicd.pipeline.result', 'failure'), kv('vcs.ref.head.revision', 'abc')], { parentSpanId: 'aaaaaaaaaaaaaaaa' }),
      span('invoke_agent coder', [kv('gen_ai.operation.name', 'invoke_agent')], {
        events: [{ name: 'gen_ai.evaluation.result', timeUnixNano: '1735787046000000000', attributes: [kv('gen_ai.evaluation.name', 'correctness'), kv('gen_ai.evaluation.score.value', 0.9), kv('gen_ai.evaluation.score.label', 'pass')] }],
      }),
    ], [kv('deployment.environment.name', 'prod'), kv('service.name', 'orchestrator')]), opts);
    // Three events, then the trace's run: opened, and ended by its root (the agent span).
    expect(r.events).toHaveLength(5);
    expect(r.events.slice(3)).toMatchObject([{ type: 'span.start', kind: 'run', span_id: '5b8efff7-9803-8103-d269-b633813fc60c' }, { type: 'span.end', kind: 'run', status: 'success' }]);
    expect(r.events[0]).toMatchObject({ kind: 'pipeline', status: 'failure', env: 'prod', parent_id: 'aaaaaaaaaaaaaaaa', attrs: { 'cicd.pipeline.run.id': '4259', project: 'orchestrator' } });
    expect(r.events[2]).toMatchObject({ type: 'feedback', success: true, source: 'llm_judge', span_id: (r.events[1] as { span_id: string }).span_id, attrs: { 'gen_ai.evaluation.score.value': 0.9 } });
    for (const e of r.events) expect(checkEvent(e)).toMatchObject({ ok: true });
  });

  it('lists spans it cannot map instead of dropping them silently', () => {
    const r = mapOtlpTraces(request([{ traceId: 'xyz', spanId: '1', name: 'bad' }, span('ok', [])]), opts);
    expect(r.events.filter((e) => e.type === 'span')).toHaveLength(1);
    expect(r.rejected).toEqual([{ span: '1', error: 'traceId must be 32 hex digits' }]);
  });
});

describe('OTLP mapping: allow-list, roll-ups across requests, runs', () => {
  it('drops content of every dialect and unknown long free text, and names the keys', () => {
    const long = 'the customer wrote a long complaint '.repeat(5);
    const r = mapOtlpTraces(request([span('chat', [kv('gen_ai.operation.name', 'chat'), kv('ai.prompt.messages', 'x'), kv('llm.input_messages.3.message.content', 'y'), kv('app.note', long), kv('app.short', 'ok'), kv('app.n', 3)])]), opts);
    const e = r.events[0] as unknown as { attrs: Record<string, unknown> };
    expect(e.attrs).toMatchObject({ 'app.short': 'ok', 'app.n': 3 });
    expect(JSON.stringify(r.events)).not.toContain('complaint');
    expect(r.dropped).toEqual(['ai.prompt.messages', 'app.note', 'llm.input_messages.*.message.content']);
  });

  it('an agent takes tokens and model from calls exported in an earlier request; a wrapper of agents is a workflow', () => {
    const memory = new TraceMemory();
    const o = { ...opts, memory };
    const at = (id: string, parent?: string) => ({ spanId: id, ...(parent ? { parentSpanId: parent } : {}) });
    const first = mapOtlpTraces(request([
      span('generation', [kv('openinference.span.kind', 'LLM'), kv('llm.model_name', 'gpt-4o'), kv('llm.token_count.prompt', 10), kv('llm.token_count.completion', 2)], at('00000000000000a3', '00000000000000a2')),
      span('turn', [kv('openinference.span.kind', 'CHAIN')], at('00000000000000a2', '00000000000000a1')),
    ]), o);
    expect(first.events.filter((e) => e.type === 'span.start')).toHaveLength(1);
    const second = mapOtlpTraces(request([
      span('Triage', [kv('openinference.span.kind', 'AGENT'), kv('graph.node.id', 'Triage')], at('00000000000000a1', '00000000000000a0')),
      span('Agent workflow', [kv('openinference.span.kind', 'AGENT')], at('00000000000000a0')),
    ]), o);
    const [agent, root, ...runs] = second.events as unknown as { kind: string; type: string; attrs: Record<string, unknown> }[];
    expect(agent).toMatchObject({ kind: 'agent', attrs: { 'gen_ai.agent.name': 'Triage', 'gen_ai.request.model': 'gpt-4o', 'gen_ai.usage.input_tokens': 10, 'gen_ai.usage.output_tokens': 2, 'agentmeter.tokens_from': 'model_calls' } });
    expect(root).toMatchObject({ kind: 'workflow', attrs: { 'agentmeter.wraps_agents': 1 } });
    // The run was opened by the first request; the root ends it.
    expect(runs.map((e) => e.type)).toEqual(['span.end']);
  });

  it('an exception event gives the error type and a one-line message without paths', () => {
    const r = mapOtlpTraces(request([span('execute_tool x', [kv('gen_ai.operation.name', 'execute_tool')], { status: { code: 2 }, events: [{ name: 'exception', timeUnixNano: '1735787045100000000', attributes: [kv('exception.type', 'ZodError'), kv('exception.message', 'bad input in C:\\app\\x.ts and /home/u/app/y.ts:3:1\n    at parse (/home/u/app/y.ts:3:1)'), kv('exception.stacktrace', 'secret stack')] }] })]), opts);
    expect((r.events[0] as unknown as { attrs: Record<string, unknown> }).attrs).toMatchObject({ 'error.type': 'ZodError', 'error.message': 'bad input in [path] and [path]' });
    expect(oneLineMessage('x'.repeat(400))).toHaveLength(300);
  });
});

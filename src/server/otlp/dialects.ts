/**
 * What a foreign OpenTelemetry span is, read per producer (docs/server.md, "What is read
 * from each producer"). Four dialects are understood:
 *
 * - OpenTelemetry GenAI semantic conventions (`gen_ai.operation.name`, `gen_ai.*`);
 * - the Vercel AI SDK's own `ai.*` attributes (versions 4 to 7: `ai.operationId`,
 *   `ai.model.id`, `ai.usage.*`, `ai.toolCall.*`, `ai.telemetry.functionId`);
 * - OpenInference (`openinference.span.kind`, `llm.*`, `agent.name`, `graph.node.id`,
 *   LangChain's `metadata`), as written by its LangChain and OpenAI Agents instrumentations;
 * - Traceloop/OpenLLMetry (`traceloop.span.kind`, `llm.usage.*`).
 *
 * Every span gets one role: a model call (kind `llm`), a tool call (`tool`), an agent
 * invocation (`agent`), or neither (`workflow`: steps, chains, prompts, retrievers,
 * embeddings, wrappers). The definitions are in docs/metrics.md, "Model calls and tool calls".
 */
import type { SpanKind } from '../../model/events.js';

type Attrs = Record<string, unknown>;

/** What a span is for the reports. */
export type SpanRole = 'model_call' | 'tool_call' | 'agent' | 'other';

/** The reading of one span: its role, and the GenAI names it fills. */
export interface DialectReading {
  role: SpanRole;
  /** The agentmeter kind, when the role does not decide it (CI/CD pipelines, Traceloop tasks). */
  kind?: SpanKind;
  /** Which producer's names decided the role (kept as `otel.dialect`). */
  dialect: 'gen_ai' | 'ai_sdk' | 'openinference' | 'traceloop' | 'cicd' | 'none';
  /** An agent's name, where the producer gives one. */
  agentName?: string | undefined;
  /** True when the span only wraps agents: decided later, from its children. */
  mayWrap?: boolean;
}

const first = (a: Attrs, ...keys: string[]): unknown => {
  for (const k of keys) if (a[k] !== undefined && a[k] !== null && a[k] !== '') return a[k];
  return undefined;
};
const str = (a: Attrs, ...keys: string[]): string | undefined => {
  const v = first(a, ...keys);
  return typeof v === 'string' ? v : undefined;
};

/** GenAI `gen_ai.operation.name` values (semantic conventions 1.37+). */
const GENAI_ROLES: Record<string, SpanRole> = {
  invoke_agent: 'agent',
  create_agent: 'other',
  agent_step: 'other',
  invoke_workflow: 'other',
  execute_tool: 'tool_call',
  chat: 'model_call',
  text_completion: 'model_call',
  generate_content: 'model_call',
  embeddings: 'other',
  retrieval: 'other',
};

/** OpenInference `openinference.span.kind` values. */
const OPENINFERENCE_ROLES: Record<string, SpanRole> = {
  AGENT: 'agent',
  LLM: 'model_call',
  TOOL: 'tool_call',
  CHAIN: 'other',
  PROMPT: 'other',
  RETRIEVER: 'other',
  RERANKER: 'other',
  EMBEDDING: 'other',
  GUARDRAIL: 'other',
  EVALUATOR: 'other',
};

const TRACELOOP_ROLES: Record<string, SpanRole> = { workflow: 'other', task: 'other', agent: 'agent', tool: 'tool_call' };

/** AI SDK top-level calls (`ai.generateText`, …) and their provider calls (`….doGenerate`). */
const AI_SDK_TOP = /^ai\.(?:generateText|streamText|generateObject|streamObject)$/;
const AI_SDK_MODEL_CALL = /^ai\.(?:generateText|streamText|generateObject|streamObject)\.do(?:Generate|Stream)$/;

/** LangChain's run metadata (`metadata`, a JSON string in OpenInference). */
function langchainMetadata(a: Attrs): Record<string, unknown> | undefined {
  const m = a['metadata'];
  if (typeof m !== 'string' || m.length > 100_000 || !m.startsWith('{')) return undefined;
  try {
    const v: unknown = JSON.parse(m);
    return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** Read a span's role and names from whichever dialect it speaks. */
export function readDialect(name: string, a: Attrs): DialectReading {
  const op = str(a, 'gen_ai.operation.name');
  if (op !== undefined && GENAI_ROLES[op] !== undefined) {
    const role = GENAI_ROLES[op];
    return { role, dialect: 'gen_ai', ...(role === 'agent' ? { agentName: str(a, 'gen_ai.agent.name') ?? agentFromSpanName(name, op), mayWrap: true } : {}) };
  }
  const aiOp = str(a, 'ai.operationId');
  if (aiOp !== undefined) {
    if (AI_SDK_TOP.test(aiOp)) return { role: 'agent', dialect: 'ai_sdk', agentName: str(a, 'ai.telemetry.functionId', 'resource.name') ?? aiOp, mayWrap: true };
    // Calls carry the function id of the call that made them: the agent they group under.
    if (AI_SDK_MODEL_CALL.test(aiOp)) return { role: 'model_call', dialect: 'ai_sdk', agentName: str(a, 'ai.telemetry.functionId') };
    if (aiOp === 'ai.toolCall') return { role: 'tool_call', dialect: 'ai_sdk', agentName: str(a, 'ai.telemetry.functionId') };
    return { role: 'other', dialect: 'ai_sdk' };
  }
  const oi = str(a, 'openinference.span.kind')?.toUpperCase();
  if (oi !== undefined && OPENINFERENCE_ROLES[oi] !== undefined) {
    const role = OPENINFERENCE_ROLES[oi];
    if (role === 'agent') return { role, dialect: 'openinference', agentName: str(a, 'agent.name', 'graph.node.id') ?? name, mayWrap: true };
    const meta = langchainMetadata(a);
    const lcAgent = typeof meta?.['lc_agent_name'] === 'string' ? meta['lc_agent_name'] : undefined;
    // LangChain `createAgent`: the agent's root graph names itself in `lc_agent_name`; its
    // nodes carry `langgraph_node`, and are steps, not agents.
    if (oi === 'CHAIN' && lcAgent === name && meta?.['langgraph_node'] === undefined) return { role: 'agent', dialect: 'openinference', agentName: name, mayWrap: true };
    // Its model and tool calls name the agent in the same metadata.
    return { role, dialect: 'openinference', ...(role !== 'other' && lcAgent !== undefined ? { agentName: lcAgent } : {}) };
  }
  const tl = str(a, 'traceloop.span.kind')?.toLowerCase();
  if (tl !== undefined && TRACELOOP_ROLES[tl] !== undefined) {
    const role = TRACELOOP_ROLES[tl];
    if (role === 'agent') return { role, dialect: 'traceloop', agentName: str(a, 'gen_ai.agent.name', 'traceloop.entity.name') ?? name, mayWrap: true };
    // A workflow keeps its entity name as the agent name it groups under.
    if (tl === 'workflow') return { role, dialect: 'traceloop', agentName: str(a, 'gen_ai.agent.name', 'traceloop.entity.name') };
    return { role, dialect: 'traceloop', ...(tl === 'task' ? { kind: 'task' as const } : {}) };
  }
  if (first(a, 'cicd.pipeline.run.id', 'cicd.pipeline.result') !== undefined) return { role: 'other', kind: 'pipeline', dialect: 'cicd' };
  if (first(a, 'llm.request.type', 'gen_ai.request.model', 'llm.model_name') !== undefined) return { role: 'model_call', dialect: 'traceloop' };
  const word = name.split(' ')[0] ?? '';
  const byName = GENAI_ROLES[word];
  if (byName !== undefined) return { role: byName, dialect: 'gen_ai', ...(byName === 'agent' ? { agentName: agentFromSpanName(name, word), mayWrap: true } : {}) };
  return { role: 'other', dialect: 'none' };
}

/** `invoke_agent planner` names the agent `planner`. */
function agentFromSpanName(name: string, op: string): string | undefined {
  const rest = name.startsWith(`${op} `) ? name.slice(op.length + 1).trim() : '';
  return rest === '' ? undefined : rest;
}

/** The agentmeter kind of a role. */
export function kindOfRole(r: DialectReading): SpanKind {
  if (r.kind !== undefined) return r.kind;
  return r.role === 'model_call' ? 'llm' : r.role === 'tool_call' ? 'tool' : r.role === 'agent' ? 'agent' : 'workflow';
}

/**
 * Attributes that carry content (prompts, system prompts, messages, completions, tool
 * arguments and results, retrieved documents, embeddings, templates, raw inputs and outputs),
 * per dialect. None of them is stored.
 */
export const CONTENT_KEY = new RegExp(
  '^(?:' +
    [
      // GenAI semantic conventions (current and deprecated names)
      'gen_ai\\.(?:prompt|completion|input\\.messages|output\\.messages|system_instructions|tool\\.call\\.(?:arguments|result)|tool\\.definitions|tool\\.description|embeddings|retrieval\\.documents|request\\.encoding_formats)',
      // Vercel AI SDK
      'ai\\.(?:prompt|response\\.(?:text|toolCalls|object|reasoning|reasoningDetails|files|sources|providerMetadata)|toolCall\\.(?:args|result|input|output)|value|values|embedding|embeddings|schema|request\\.headers|settings\\.headers)',
      // OpenInference
      'llm\\.(?:input_messages|output_messages|prompts|prompt_template|tools|invocation_parameters|choices)',
      'input\\.value|output\\.value|tool\\.parameters|tool\\.description|tool\\.json_schema|tool_call\\.function\\.arguments|message\\.content|message\\.contents',
      'retrieval\\.documents|reranker\\.(?:input_documents|output_documents|query)|embedding\\.(?:embeddings|text|vector)|document\\.content',
      'metadata',
      // Traceloop / OpenLLMetry
      'traceloop\\.entity\\.(?:input|output)|llm\\.(?:completions|request\\.functions)',
    ].join('|') +
    ')(?:[.\\[]|$)',
);

/** Unknown string attributes longer than this are treated as free text and not stored. */
export const MAX_UNKNOWN_STRING = 120;

// Claude Code hook payloads built against the hook input types Claude Code ships in
// `@anthropic-ai/claude-agent-sdk` (a pinned devDependency, imported for its types only):
// when the contract changes, these builders stop compiling and `npm run typecheck` fails.
import type {
  BaseHookInput,
  ExitReason,
  PostToolUseFailureHookInput,
  PostToolUseHookInput,
  PreToolUseHookInput,
  SDKAssistantMessageError,
  SessionEndHookInput,
  SessionStartHookInput,
  StopFailureHookInput,
  StopHookInput,
  SubagentStartHookInput,
  SubagentStopHookInput,
  UserPromptSubmitHookInput,
} from '@anthropic-ai/claude-agent-sdk';
import type { AgentInput, AgentOutput, BashInput } from '@anthropic-ai/claude-agent-sdk/sdk-tools';

export type CompletedAgentOutput = Extract<AgentOutput, { status: 'completed' }>;
export type AsyncLaunchedAgentOutput = Extract<AgentOutput, { status: 'async_launched' }>;
export type HookPayload =
  | SessionStartHookInput
  | SessionEndHookInput
  | StopHookInput
  | StopFailureHookInput
  | PreToolUseHookInput
  | PostToolUseHookInput
  | PostToolUseFailureHookInput
  | SubagentStartHookInput
  | SubagentStopHookInput
  | UserPromptSubmitHookInput;

export type SubagentTool = 'Agent' | 'Task';

/** One Claude Code session's hook payloads. */
export class ClaudeSession {
  readonly id: string;
  readonly cwd: string;

  constructor(id: string, cwd = '/home/alice/work/shop') {
    this.id = id;
    this.cwd = cwd;
  }

  base(): BaseHookInput {
    return { session_id: this.id, transcript_path: `/home/alice/.claude/projects/-home-alice-work-shop/${this.id}.jsonl`, cwd: this.cwd, permission_mode: 'default' };
  }

  start(source: SessionStartHookInput['source'], model = 'claude-opus-4-6'): SessionStartHookInput {
    return { ...this.base(), hook_event_name: 'SessionStart', source, model };
  }

  end(reason: ExitReason): SessionEndHookInput {
    return { ...this.base(), hook_event_name: 'SessionEnd', reason };
  }

  prompt(text: string): UserPromptSubmitHookInput {
    return { ...this.base(), hook_event_name: 'UserPromptSubmit', prompt: text };
  }

  stop(): StopHookInput {
    return { ...this.base(), hook_event_name: 'Stop', stop_hook_active: false, last_assistant_message: 'ANSWER TEXT', background_tasks: [] };
  }

  stopFailure(error: SDKAssistantMessageError, agentId?: string): StopFailureHookInput {
    const p: StopFailureHookInput = { ...this.base(), hook_event_name: 'StopFailure', error, error_details: `429 from api.anthropic.com for alice@example.com`, last_assistant_message: 'PARTIAL TEXT' };
    if (agentId !== undefined) p.agent_id = agentId;
    return p;
  }

  /** A sub-agent launch; `Task` is the tool's name in older Claude Code versions. */
  preAgent(toolUseId: string, input: AgentInput, tool: SubagentTool = 'Agent'): PreToolUseHookInput {
    return { ...this.base(), hook_event_name: 'PreToolUse', tool_name: tool, tool_input: input, tool_use_id: toolUseId };
  }

  postAgent(toolUseId: string, input: AgentInput, output: AgentOutput, durationMs: number, tool: SubagentTool = 'Agent'): PostToolUseHookInput {
    return { ...this.base(), hook_event_name: 'PostToolUse', tool_name: tool, tool_input: input, tool_response: output, tool_use_id: toolUseId, duration_ms: durationMs };
  }

  postAgentFailure(toolUseId: string, input: AgentInput, error: string, durationMs: number, isInterrupt = false, tool: SubagentTool = 'Agent'): PostToolUseFailureHookInput {
    return { ...this.base(), hook_event_name: 'PostToolUseFailure', tool_name: tool, tool_input: input, tool_use_id: toolUseId, error, is_interrupt: isInterrupt, duration_ms: durationMs };
  }

  preBash(toolUseId: string, input: BashInput): PreToolUseHookInput {
    return { ...this.base(), hook_event_name: 'PreToolUse', tool_name: 'Bash', tool_input: input, tool_use_id: toolUseId };
  }

  subagentStart(agentId: string, agentType: string): SubagentStartHookInput {
    return { ...this.base(), hook_event_name: 'SubagentStart', agent_id: agentId, agent_type: agentType };
  }

  subagentStop(agentId: string, agentType: string, transcriptPath?: string): SubagentStopHookInput {
    return {
      ...this.base(),
      hook_event_name: 'SubagentStop',
      stop_hook_active: false,
      agent_id: agentId,
      agent_type: agentType,
      agent_transcript_path: transcriptPath ?? `/home/alice/.claude/projects/-home-alice-work-shop/${this.id}/subagents/agent-${agentId}.jsonl`,
      last_assistant_message: 'SUBAGENT ANSWER',
    };
  }
}

/** A sub-agent launch's input. */
export function agentInput(description: string, subagentType: string, extra: Partial<AgentInput> = {}): AgentInput {
  return { description, prompt: `PROMPT: ${description}`, subagent_type: subagentType, ...extra };
}

/** The result of a sub-agent that ran in the foreground. */
export function completed(agentId: string, o: { tokensIn: number; tokensOut: number; totalDurationMs: number; resolvedModel?: string; text?: string }): CompletedAgentOutput {
  const out: CompletedAgentOutput = {
    agentId,
    agentType: 'Explore',
    content: [{ type: 'text', text: o.text ?? 'OUTPUT TEXT' }],
    modelsUsed: o.resolvedModel === undefined ? [] : [o.resolvedModel],
    totalToolUseCount: 4,
    totalDurationMs: o.totalDurationMs,
    totalTokens: o.tokensIn + o.tokensOut,
    usage: {
      input_tokens: o.tokensIn,
      output_tokens: o.tokensOut,
      cache_creation_input_tokens: 0,
      cache_read_input_tokens: 100,
      server_tool_use: null,
      service_tier: 'standard',
      cache_creation: null,
    },
    toolsUsed: ['Read', 'Grep'],
    toolStats: { readCount: 3, searchCount: 1, bashCount: 0, editFileCount: 0, linesAdded: 0, linesRemoved: 0, otherToolCount: 0 },
    status: 'completed',
    prompt: 'PROMPT',
  };
  if (o.resolvedModel !== undefined) out.resolvedModel = o.resolvedModel;
  return out;
}

/** The immediate result of a sub-agent launched in the background. */
export function asyncLaunched(agentId: string, description: string, resolvedModel: string): AsyncLaunchedAgentOutput {
  return { status: 'async_launched', isAsync: true, agentId, description, resolvedModel, modelsUsed: [resolvedModel], prompt: 'PROMPT', outputFile: `/tmp/claude/${agentId}.output`, canReadOutputFile: true };
}

/**
 * A sub-agent transcript as Claude Code writes it (one JSON line per message content block;
 * the blocks of one API response repeat its message id and usage).
 */
export function subagentTranscript(agentId: string, sessionId: string): string {
  const line = (o: unknown): string => JSON.stringify(o);
  const common = { parentUuid: null, isSidechain: true, agentId, sessionId, cwd: '/home/alice/work/shop', version: '2.1.0' };
  const usage = (input: number, output: number) => ({ input_tokens: input, cache_creation_input_tokens: 200, cache_read_input_tokens: 1000, output_tokens: output, service_tier: 'standard' });
  return [
    line({ ...common, type: 'user', uuid: 'u1', timestamp: '2026-01-01T00:00:00.000Z', message: { role: 'user', content: 'PROMPT: audit dependencies' } }),
    line({ ...common, type: 'assistant', uuid: 'a1', requestId: 'req_1', timestamp: '2026-01-01T00:00:01.000Z', message: { id: 'msg_1', type: 'message', role: 'assistant', model: 'claude-haiku-4-5', content: [{ type: 'text', text: 'SECRET THOUGHTS' }], usage: usage(1500, 40) } }),
    line({ ...common, type: 'assistant', uuid: 'a2', requestId: 'req_1', timestamp: '2026-01-01T00:00:01.100Z', message: { id: 'msg_1', type: 'message', role: 'assistant', model: 'claude-haiku-4-5', content: [{ type: 'tool_use', id: 'toolu_x1', name: 'Read', input: { file_path: '/home/alice/work/shop/package.json' } }], usage: usage(1500, 120) } }),
    line({ ...common, type: 'user', uuid: 'u2', timestamp: '2026-01-01T00:00:02.000Z', message: { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_x1', content: 'FILE CONTENT "assistant"' }] } }),
    line({ ...common, type: 'assistant', uuid: 'a3', requestId: 'req_2', timestamp: '2026-01-01T00:00:03.000Z', message: { id: 'msg_2', type: 'message', role: 'assistant', model: 'claude-sonnet-4-5', content: [{ type: 'tool_use', id: 'toolu_x2', name: 'Grep', input: { pattern: 'lodash' } }, { type: 'tool_use', id: 'toolu_x3', name: 'Read', input: {} }], usage: usage(2500, 300) } }),
    line({ ...common, type: 'assistant', uuid: 'a4', timestamp: '2026-01-01T00:00:04.000Z', message: { id: 'msg_3', type: 'message', role: 'assistant', model: '<synthetic>', content: [{ type: 'text', text: 'No response requested.' }], usage: { input_tokens: 0, output_tokens: 0, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 } } }),
    '',
  ].join('\n');
}

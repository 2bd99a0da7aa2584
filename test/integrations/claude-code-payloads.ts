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
import type { AgentInput, AgentOutput } from '@anthropic-ai/claude-agent-sdk/sdk-tools';

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

  preAgent(toolUseId: string, input: AgentInput): PreToolUseHookInput {
    return { ...this.base(), hook_event_name: 'PreToolUse', tool_name: 'Agent', tool_input: input, tool_use_id: toolUseId };
  }

  postAgent(toolUseId: string, input: AgentInput, output: AgentOutput, durationMs: number): PostToolUseHookInput {
    return { ...this.base(), hook_event_name: 'PostToolUse', tool_name: 'Agent', tool_input: input, tool_response: output, tool_use_id: toolUseId, duration_ms: durationMs };
  }

  postAgentFailure(toolUseId: string, input: AgentInput, error: string, durationMs: number, isInterrupt = false): PostToolUseFailureHookInput {
    return { ...this.base(), hook_event_name: 'PostToolUseFailure', tool_name: 'Agent', tool_input: input, tool_use_id: toolUseId, error, is_interrupt: isInterrupt, duration_ms: durationMs };
  }

  subagentStart(agentId: string, agentType: string): SubagentStartHookInput {
    return { ...this.base(), hook_event_name: 'SubagentStart', agent_id: agentId, agent_type: agentType };
  }

  subagentStop(agentId: string, agentType: string): SubagentStopHookInput {
    return {
      ...this.base(),
      hook_event_name: 'SubagentStop',
      stop_hook_active: false,
      agent_id: agentId,
      agent_type: agentType,
      agent_transcript_path: `/home/alice/.claude/projects/-home-alice-work-shop/${this.id}/subagents/agent-${agentId}.jsonl`,
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

/**
 * Claude Code hook payloads (docs/integrations.md) mapped onto agentmeter events.
 *
 * - A session is a run: `run_id` and the run's `span_id` are derived from `session_id`.
 * - A sub-agent launch is an agent span: `PreToolUse` on `Task`/`Agent` writes its start,
 *   `PostToolUse` / `PostToolUseFailure` its end. Both derive the span id from
 *   `session_id` + `tool_use_id`, so parallel sub-agents of one type never meet each other's
 *   ends, and no state is shared between the hook processes.
 * - `SubagentStart` / `SubagentStop` describe the same launches from the inside but carry no
 *   `tool_use_id`, description, tokens or status; recording them as spans would count every
 *   sub-agent twice. They are kept as point events on the run (`subagent.start`,
 *   `subagent.stop`, with the agent id and type), and `PostToolUse` records the same agent id
 *   (`gen_ai.agent.id`) on the span, so the two can be joined.
 *
 * Prompts and sub-agent output are never kept; the description passes redaction.
 */
import type { AgentmeterEvent, SpanStatus } from '../../model/events.js';
import { SCHEMA_VERSION } from '../../model/events.js';
import { normalizeStatus } from '../../model/status.js';
import { derivedUuid } from '../../store/derived-ids.js';

/** What a mapping needs from its surroundings. */
export interface HookContext {
  nowMs: number;
  env: string;
  /** Redaction for descriptions and error messages. */
  redact: (text: string) => string;
  /** A new event id (UUIDv7). */
  newId: (nowMs: number) => string;
  /** Project name when the payload has no `cwd`. */
  project?: string | undefined;
}

/** Result of mapping one payload: events to write, or why the payload is malformed. */
export type HookMapping =
  | { ok: true; events: AgentmeterEvent[]; runId: string }
  | { ok: false; error: string; runId: string | undefined };

/** Tools that launch a sub-agent (`Task`, renamed `Agent` in newer Claude Code). */
export const SUBAGENT_TOOLS: readonly string[] = ['Task', 'Agent'];

/** Namespace of the derived ids. */
const NS = 'agentmeter.claude-code';

/** The run id of a Claude Code session. */
export function sessionRunId(sessionId: string): string {
  return derivedUuid(NS, 'run', sessionId);
}

/** The span id of the sub-agent launched by one `Task`/`Agent` tool call. */
export function subagentSpanId(sessionId: string, toolUseId: string): string {
  return derivedUuid(NS, 'agent', sessionId, toolUseId);
}

type Obj = Record<string, unknown>;

const isObj = (v: unknown): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);
const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : undefined);

/**
 * Map one parsed hook payload to events. Payloads of hook events agentmeter does not record
 * (other tools, `UserPromptSubmit` …) give no events; payloads missing what their event
 * needs are malformed.
 */
export function mapHookPayload(payload: unknown, ctx: HookContext): HookMapping {
  if (!isObj(payload)) return { ok: false, error: 'payload is not a JSON object', runId: undefined };
  const sessionId = str(payload['session_id']);
  if (sessionId === undefined) return { ok: false, error: 'missing string field "session_id"', runId: undefined };
  const runId = sessionRunId(sessionId);
  const hookEvent = str(payload['hook_event_name']);
  if (hookEvent === undefined) return { ok: false, error: 'missing string field "hook_event_name"', runId };
  const m = new Mapper(payload, sessionId, runId, ctx);
  switch (hookEvent) {
    case 'SessionStart':
      return m.sessionStart();
    case 'SessionEnd':
      return m.sessionEnd();
    case 'PreToolUse':
    case 'PostToolUse':
    case 'PostToolUseFailure':
      return m.tool(hookEvent);
    case 'SubagentStart':
    case 'SubagentStop':
      return m.subagentPoint(hookEvent === 'SubagentStart' ? 'subagent.start' : 'subagent.stop');
    default:
      return { ok: true, events: [], runId };
  }
}

class Mapper {
  readonly #p: Obj;
  readonly #sessionId: string;
  readonly #runId: string;
  readonly #ctx: HookContext;
  readonly #ts: string;

  constructor(p: Obj, sessionId: string, runId: string, ctx: HookContext) {
    this.#p = p;
    this.#sessionId = sessionId;
    this.#runId = runId;
    this.#ctx = ctx;
    this.#ts = new Date(ctx.nowMs).toISOString();
  }

  #envelope(): { v: number; id: string; ts: string } {
    return { v: SCHEMA_VERSION, id: this.#ctx.newId(this.#ctx.nowMs), ts: this.#ts };
  }

  #ok(events: AgentmeterEvent[]): HookMapping {
    return { ok: true, events, runId: this.#runId };
  }

  #bad(error: string): HookMapping {
    return { ok: false, error, runId: this.#runId };
  }

  #project(): string | undefined {
    const cwd = str(this.#p['cwd']);
    if (cwd === undefined) return this.#ctx.project;
    const parts = cwd.split(/[\\/]+/).filter((s) => s !== '');
    return parts[parts.length - 1] ?? this.#ctx.project;
  }

  sessionStart(): HookMapping {
    const source = str(this.#p['source']) ?? 'startup';
    if (source !== 'startup') {
      // resume, clear, compact: the run already started; a second start would be a duplicate.
      return this.#ok([this.#point('session.' + source, {})]);
    }
    const attrs: Obj = { 'gen_ai.conversation.id': this.#sessionId, 'claude_code.source': source };
    const project = this.#project();
    if (project !== undefined) attrs['project'] = this.#ctx.redact(project);
    const mode = str(this.#p['permission_mode']);
    if (mode !== undefined) attrs['claude_code.permission_mode'] = mode;
    const model = str(this.#p['model']);
    if (model !== undefined) attrs['gen_ai.request.model'] = model;
    const e = {
      ...this.#envelope(),
      type: 'span.start',
      span_id: this.#runId,
      run_id: this.#runId,
      env: this.#ctx.env,
      kind: 'run',
      name: 'claude-code session',
      parent_id: null,
      attrs,
    };
    return this.#ok([e as AgentmeterEvent]);
  }

  sessionEnd(): HookMapping {
    const reason = str(this.#p['reason']);
    const attrs: Obj = {};
    // Ending a session says nothing about whether its work succeeded.
    if (reason !== undefined) attrs['status.detail'] = reason;
    return this.#ok([this.#end('run', this.#runId, 'unknown', null, attrs)]);
  }

  tool(hookEvent: 'PreToolUse' | 'PostToolUse' | 'PostToolUseFailure'): HookMapping {
    const tool = str(this.#p['tool_name']);
    if (tool === undefined) return this.#bad(`${hookEvent}: missing string field "tool_name"`);
    if (!SUBAGENT_TOOLS.includes(tool)) return this.#ok([]);
    const toolUseId = str(this.#p['tool_use_id']);
    if (toolUseId === undefined) return this.#bad(`${hookEvent} ${tool}: missing string field "tool_use_id"`);
    const spanId = subagentSpanId(this.#sessionId, toolUseId);
    const input = isObj(this.#p['tool_input']) ? this.#p['tool_input'] : {};
    const agentType = str(input['subagent_type']) ?? 'general-purpose';
    if (hookEvent === 'PreToolUse') return this.#ok([this.#agentStart(spanId, toolUseId, agentType, input)]);
    const attrs: Obj = { 'gen_ai.agent.name': agentType, 'agent.type': agentType };
    if (hookEvent === 'PostToolUseFailure') {
      const interrupted = this.#p['is_interrupt'] === true;
      attrs['error.type'] = interrupted ? 'interrupted' : 'tool_error';
      const error = typeof this.#p['error'] === 'string' ? this.#p['error'] : undefined;
      if (error !== undefined) attrs['error.message'] = this.#ctx.redact(error);
      return this.#ok([this.#end('agent', spanId, interrupted ? 'cancelled' : 'failure', null, attrs)]);
    }
    const res = isObj(this.#p['tool_response']) ? this.#p['tool_response'] : {};
    const statusWord = str(res['status']);
    let status: SpanStatus = statusWord === undefined ? 'success' : normalizeStatus(statusWord);
    if (statusWord !== undefined && status === 'unknown') attrs['status.detail'] = statusWord;
    if (res['is_error'] === true) status = 'failure';
    const agentId = str(res['agentId']);
    if (agentId !== undefined) attrs['gen_ai.agent.id'] = agentId;
    const usage = isObj(res['usage']) ? res['usage'] : {};
    const input_ = num(usage['input_tokens']);
    const output = num(usage['output_tokens']);
    const cacheRead = num(usage['cache_read_input_tokens']);
    const cacheWrite = num(usage['cache_creation_input_tokens']);
    if (input_ !== undefined) attrs['gen_ai.usage.input_tokens'] = input_;
    if (output !== undefined) attrs['gen_ai.usage.output_tokens'] = output;
    if (cacheRead !== undefined) attrs['gen_ai.usage.cache_read.input_tokens'] = cacheRead;
    if (cacheWrite !== undefined) attrs['gen_ai.usage.cache_creation.input_tokens'] = cacheWrite;
    const total = num(res['totalTokens']);
    if (total !== undefined) attrs['gen_ai.usage.total_tokens'] = total;
    const toolUses = num(res['totalToolUseCount']);
    if (toolUses !== undefined) attrs['claude_code.tool_use_count'] = toolUses;
    return this.#ok([this.#end('agent', spanId, status, num(res['totalDurationMs']) ?? null, attrs)]);
  }

  subagentPoint(name: string): HookMapping {
    const attrs: Obj = {};
    const agentId = str(this.#p['agent_id']);
    const agentType = str(this.#p['agent_type']);
    if (agentId !== undefined) attrs['gen_ai.agent.id'] = agentId;
    if (agentType !== undefined) attrs['agent.type'] = agentType;
    return this.#ok([this.#point(name, attrs)]);
  }

  #agentStart(spanId: string, toolUseId: string, agentType: string, input: Obj): AgentmeterEvent {
    const attrs: Obj = {
      'gen_ai.agent.name': agentType,
      'agent.type': agentType,
      'gen_ai.tool.call.id': toolUseId,
      'gen_ai.conversation.id': this.#sessionId,
    };
    const description = str(input['description']);
    if (description !== undefined) attrs['task_description'] = this.#ctx.redact(description);
    const project = this.#project();
    if (project !== undefined) attrs['project'] = this.#ctx.redact(project);
    const model = str(input['model']);
    if (model !== undefined) attrs['gen_ai.request.model'] = model;
    // Inside a sub-agent the payload names it; that agent's own span id is not derivable
    // from its agent id, so the run stays the parent and the launching agent is an attribute.
    const parentAgent = str(this.#p['agent_id']);
    if (parentAgent !== undefined) attrs['claude_code.parent_agent_id'] = parentAgent;
    const e = {
      ...this.#envelope(),
      type: 'span.start',
      span_id: spanId,
      run_id: this.#runId,
      env: this.#ctx.env,
      kind: 'agent',
      name: agentType,
      parent_id: this.#runId,
      attrs,
    };
    return e as AgentmeterEvent;
  }

  #end(kind: 'run' | 'agent', spanId: string, status: SpanStatus, durationMs: number | null, attrs: Obj): AgentmeterEvent {
    // The start lives in another process's event; the fold takes its time from there, and
    // an end seen alone still knows its start when Claude Code reported the duration.
    const startTs = durationMs === null ? this.#ts : new Date(this.#ctx.nowMs - durationMs).toISOString();
    const e = {
      ...this.#envelope(),
      type: 'span.end',
      span_id: spanId,
      run_id: this.#runId,
      env: this.#ctx.env,
      kind,
      start_ts: startTs,
      duration_ms: durationMs,
      status,
      attrs,
    };
    return e as AgentmeterEvent;
  }

  #point(name: string, attrs: Obj): AgentmeterEvent {
    const e = { ...this.#envelope(), type: 'span.event', span_id: this.#runId, run_id: this.#runId, env: this.#ctx.env, name, attrs };
    return e as AgentmeterEvent;
  }
}

/**
 * Claude Code hook payloads mapped onto agentmeter events (docs/integrations.md has the
 * table). The field names are those of the hook input types Claude Code ships in
 * `@anthropic-ai/claude-agent-sdk`; the tests build every payload against those types.
 *
 * - A session part is a run. A session starts a run (`SessionStart` `startup`, `fork`,
 *   `clear`: each a new session id); resuming a session starts the next part of it, a new
 *   run linked to the one before (`claude_code.resumed_run_id`), so a session resumed after it
 *   ended keeps both parts with their real durations instead of one end being dropped as a
 *   duplicate. `compact` continues the current part (a point event). `SessionEnd` ends the
 *   part, failed when its last turn ended on an API error (`StopFailure`).
 * - A sub-agent launch is an agent span: `PreToolUse` on `Task`/`Agent` writes its start,
 *   `PostToolUse` / `PostToolUseFailure` its end, with Claude Code's own duration, resolved
 *   model, tokens and tool use. Both derive the span id from `session_id` + `tool_use_id`.
 * - A background sub-agent (`PostToolUse` with `status: "async_launched"`) is not ended at
 *   launch: it ends at its `SubagentStop` (or a `StopFailure` inside it), joined by agent id.
 *
 * The few facts that must outlive one hook process (the session's current part and turn
 * outcome, background launches waiting for their stop) are `HookEffect`s applied by
 * hook.ts; this module is pure. Prompts, outputs and the last assistant message are never
 * kept; descriptions and error texts pass redaction.
 */
import type { AgentmeterEvent, SpanStatus } from '../../model/events.js';
import { SCHEMA_VERSION } from '../../model/events.js';
import { normalizeStatus } from '../../model/status.js';
import { derivedUuid } from '../../store/derived-ids.js';
import type { TranscriptUsage } from './transcript-usage.js';

/** What outlives one hook process about a session (hook.ts keeps it in a small file). */
export interface SessionState {
  /** 0 for the session's first part, +1 per resume. */
  part: number;
  /** Run id of the current part. */
  runId: string;
  /** Turns that ended (`Stop`) and that failed (`StopFailure`) in the current part. */
  turns: number;
  failedTurns: number;
  /** The last turn's API error, when the last turn failed. */
  lastError?: string;
  ended: boolean;
}

/** A background sub-agent launched and not yet stopped (or stopped before its launch was seen). */
export interface AgentRendezvous {
  side: 'launched' | 'stopped';
  /** launched: the span to end and its run. */
  spanId?: string;
  runId?: string;
  startTs?: string;
  /** Attributes for the end: launched carries model and type, stopped carries the outcome. */
  attrs: Record<string, unknown>;
  status?: SpanStatus;
  ts: string;
  /** stopped: the sub-agent's transcript (`agent_transcript_path`), read for its usage. */
  transcriptPath?: string;
}

/** Facts a mapping asks hook.ts to keep, or to settle, outside this process. */
export type HookEffect =
  | { kind: 'session'; sessionId: string; state: SessionState }
  | { kind: 'agent'; sessionId: string; agentId: string; record: AgentRendezvous }
  | { kind: 'agent-done'; sessionId: string; agentId: string }
  | { kind: 'session-ended'; sessionId: string }
  /** A session started: a moment to drop state files of sessions long gone. */
  | { kind: 'session-started' };

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
  /** The session's kept state, when there is one. */
  session?: SessionState | undefined;
}

/** Result of mapping one payload: events to write, or why the payload is malformed. */
export type HookMapping =
  | { ok: true; events: AgentmeterEvent[]; runId: string; effects: HookEffect[] }
  | { ok: false; error: string; runId: string | undefined };

/** Tools that launch a sub-agent (`Task`, renamed `Agent` in newer Claude Code). */
export const SUBAGENT_TOOLS: readonly string[] = ['Task', 'Agent'];

/** Namespace of the derived ids. */
const NS = 'agentmeter.claude-code';

/**
 * The run id of a Claude Code session's first part, derived from the session id so every
 * hook of the session finds it even without the state file. A resumed part's run id is a
 * new UUIDv7, kept in the state file: never derived, so it cannot meet an older part's id
 * when the state file is gone.
 */
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
const strings = (v: unknown): string[] | undefined => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string' && x !== '') : undefined);

/** `toolStats` counters of a sub-agent's result, as attribute names. */
const TOOL_STATS: readonly [string, string][] = [
  ['readCount', 'claude_code.tool_stats.read_count'],
  ['searchCount', 'claude_code.tool_stats.search_count'],
  ['bashCount', 'claude_code.tool_stats.bash_count'],
  ['editFileCount', 'claude_code.tool_stats.edit_file_count'],
  ['linesAdded', 'claude_code.tool_stats.lines_added'],
  ['linesRemoved', 'claude_code.tool_stats.lines_removed'],
  ['otherToolCount', 'claude_code.tool_stats.other_tool_count'],
];

/**
 * Map one parsed hook payload to events. Payloads of hook events agentmeter does not record
 * (`UserPromptSubmit`, other tools …) give no events; payloads missing what their event
 * needs are malformed.
 */
export function mapHookPayload(payload: unknown, ctx: HookContext): HookMapping {
  if (!isObj(payload)) return { ok: false, error: 'payload is not a JSON object', runId: undefined };
  const sessionId = str(payload['session_id']);
  if (sessionId === undefined) return { ok: false, error: 'missing string field "session_id"', runId: undefined };
  const runId = ctx.session?.runId ?? sessionRunId(sessionId);
  const hookEvent = str(payload['hook_event_name']);
  if (hookEvent === undefined) return { ok: false, error: 'missing string field "hook_event_name"', runId };
  const m = new Mapper(payload, sessionId, runId, ctx);
  switch (hookEvent) {
    case 'SessionStart':
      return m.sessionStart();
    case 'SessionEnd':
      return m.sessionEnd();
    case 'Stop':
      return m.stop();
    case 'StopFailure':
      return m.stopFailure();
    case 'PreToolUse':
    case 'PostToolUse':
    case 'PostToolUseFailure':
      return m.tool(hookEvent);
    case 'SubagentStart':
      return m.subagentStart();
    case 'SubagentStop':
      return m.subagentStop();
    default:
      return { ok: true, events: [], runId, effects: [] };
  }
}

/** Usage of a background sub-agent, from its transcript. */
export type BackgroundUsage = Omit<TranscriptUsage, 'responses'>;

/** The `span.end` of a background sub-agent once both its launch and its stop are known. */
export function backgroundAgentEnd(
  launched: AgentRendezvous,
  stopped: AgentRendezvous,
  env: string,
  newId: (nowMs: number) => string,
  usage?: BackgroundUsage,
): AgentmeterEvent | undefined {
  if (launched.spanId === undefined || launched.runId === undefined) return undefined;
  const attrs: Obj = { ...launched.attrs, ...stopped.attrs, 'claude_code.background': true };
  if (usage !== undefined) {
    attrs['gen_ai.usage.input_tokens'] = usage.inputTokens;
    attrs['gen_ai.usage.output_tokens'] = usage.outputTokens;
    attrs['gen_ai.usage.cache_read.input_tokens'] = usage.cacheReadTokens;
    attrs['gen_ai.usage.cache_creation.input_tokens'] = usage.cacheCreationTokens;
    attrs['claude_code.tool_use_count'] = usage.toolUses;
    attrs['tools_used'] = usage.toolsUsed;
    if (usage.models.length > 0) {
      // The launch reported the model at the backgrounding; the transcript has every one used.
      attrs['claude_code.models_used'] = usage.models;
      attrs['gen_ai.request.model'] = usage.models[usage.models.length - 1];
    }
    attrs['claude_code.usage_source'] = 'transcript';
  }
  const endMs = Date.parse(stopped.ts);
  const e = {
    v: SCHEMA_VERSION,
    id: newId(endMs),
    ts: stopped.ts,
    type: 'span.end',
    span_id: launched.spanId,
    run_id: launched.runId,
    env,
    kind: 'agent',
    start_ts: launched.startTs ?? stopped.ts,
    duration_ms: null,
    status: stopped.status ?? 'unknown',
    attrs,
  };
  return e as AgentmeterEvent;
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

  #ok(events: AgentmeterEvent[], effects: HookEffect[] = [], runId = this.#runId): HookMapping {
    return { ok: true, events, runId, effects };
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

  #session(patch: Partial<SessionState>): HookEffect {
    const base: SessionState = this.#ctx.session ?? { part: 0, runId: this.#runId, turns: 0, failedTurns: 0, ended: false };
    return { kind: 'session', sessionId: this.#sessionId, state: { ...base, ...patch } };
  }

  sessionStart(): HookMapping {
    const source = str(this.#p['source']) ?? 'startup';
    const prev = this.#ctx.session;
    if (source === 'compact' && prev !== undefined && !prev.ended) {
      // Compaction summarises the context and the same session carries on.
      return this.#ok([this.#point('session.compact', {})]);
    }
    // startup, fork and clear begin a new session id: part 0. A resume begins the next part,
    // so a session resumed after it ended gets a second run instead of a dropped second end.
    const resume = source === 'resume';
    const part = resume ? (prev === undefined ? 1 : prev.part + 1) : 0;
    const runId = resume ? this.#ctx.newId(this.#ctx.nowMs) : sessionRunId(this.#sessionId);
    const attrs: Obj = { 'gen_ai.conversation.id': this.#sessionId, 'claude_code.source': source };
    if (resume) {
      attrs['claude_code.session_part'] = part;
      if (prev !== undefined) attrs['claude_code.resumed_run_id'] = prev.runId;
    }
    const project = this.#project();
    if (project !== undefined) attrs['project'] = this.#ctx.redact(project);
    const mode = str(this.#p['permission_mode']);
    if (mode !== undefined) attrs['claude_code.permission_mode'] = mode;
    const model = str(this.#p['model']);
    if (model !== undefined) attrs['gen_ai.request.model'] = model;
    const agentType = str(this.#p['agent_type']);
    if (agentType !== undefined) {
      // `claude --agent <type>`: the main thread runs as that agent.
      attrs['gen_ai.agent.name'] = agentType;
      attrs['agent.type'] = agentType;
    }
    const e = {
      ...this.#envelope(),
      type: 'span.start',
      span_id: runId,
      run_id: runId,
      env: this.#ctx.env,
      kind: 'run',
      name: 'claude-code session',
      parent_id: null,
      attrs,
    };
    const state: SessionState = { part, runId, turns: 0, failedTurns: 0, ended: false };
    return this.#ok([e as AgentmeterEvent], [{ kind: 'session', sessionId: this.#sessionId, state }, { kind: 'session-started' }], runId);
  }

  sessionEnd(): HookMapping {
    const reason = str(this.#p['reason']);
    const s = this.#ctx.session;
    const attrs: Obj = {};
    if (reason !== undefined) attrs['status.detail'] = reason;
    // A part whose last turn ended on an API error failed (a later good turn clears it: the
    // user retried and went on); one whose last turn ended normally succeeded; one without a
    // finished turn (or whose turns the hooks never saw) is unknown.
    let status: SpanStatus = 'unknown';
    if (s !== undefined) {
      attrs['claude_code.turns'] = s.turns + s.failedTurns;
      attrs['claude_code.failed_turns'] = s.failedTurns;
      if (s.lastError !== undefined) {
        status = 'failure';
        attrs['error.type'] = s.lastError;
      } else if (s.turns > 0) status = 'success';
    }
    const effects: HookEffect[] = [this.#session({ ended: true }), { kind: 'session-ended', sessionId: this.#sessionId }];
    return this.#ok([this.#end('run', this.#runId, status, null, attrs)], effects);
  }

  stop(): HookMapping {
    // Inside a sub-agent its own stop is `SubagentStop`; `Stop` ends a main-thread turn.
    if (str(this.#p['agent_id']) !== undefined) return this.#ok([]);
    const s = this.#ctx.session;
    const patch: Partial<SessionState> = { turns: (s?.turns ?? 0) + 1 };
    const out = this.#session(patch);
    if (out.kind === 'session') delete out.state.lastError;
    return this.#ok([], [out]);
  }

  stopFailure(): HookMapping {
    const error = str(this.#p['error']) ?? 'unknown';
    const attrs: Obj = { 'error.type': error };
    const details = str(this.#p['error_details']);
    if (details !== undefined) attrs['error.message'] = this.#ctx.redact(details);
    const agentId = str(this.#p['agent_id']);
    if (agentId !== undefined) {
      // A sub-agent's turn ended on an API error: that ends a background sub-agent.
      attrs['gen_ai.agent.id'] = agentId;
      const record: AgentRendezvous = { side: 'stopped', attrs: { ...attrs }, status: 'failure', ts: this.#ts };
      return this.#ok([this.#point('subagent.failure', attrs)], [{ kind: 'agent', sessionId: this.#sessionId, agentId, record }]);
    }
    const s = this.#ctx.session;
    return this.#ok([this.#point('turn.failure', attrs)], [this.#session({ failedTurns: (s?.failedTurns ?? 0) + 1, lastError: error })]);
  }

  tool(hookEvent: 'PreToolUse' | 'PostToolUse' | 'PostToolUseFailure'): HookMapping {
    const tool = str(this.#p['tool_name']);
    if (tool === undefined) return this.#bad(`${hookEvent}: missing string field "tool_name"`);
    if (!SUBAGENT_TOOLS.includes(tool)) return this.#ok([]);
    const toolUseId = str(this.#p['tool_use_id']);
    if (toolUseId === undefined) return this.#bad(`${hookEvent} ${tool}: missing string field "tool_use_id"`);
    const spanId = subagentSpanId(this.#sessionId, toolUseId);
    const input = isObj(this.#p['tool_input']) ? this.#p['tool_input'] : {};
    if (hookEvent === 'PreToolUse') return this.#ok([this.#agentStart(spanId, toolUseId, str(input['subagent_type']) ?? 'general-purpose', input)]);
    const res = isObj(this.#p['tool_response']) ? this.#p['tool_response'] : {};
    // The start named the agent; the end repeats it only when it knows it (an end seen alone).
    const attrs: Obj = {};
    const agentType = str(input['subagent_type']) ?? str(res['agentType']);
    if (agentType !== undefined) {
      attrs['gen_ai.agent.name'] = agentType;
      attrs['agent.type'] = agentType;
    }
    // Tool execution time as Claude Code measured it (permission prompts and hooks excluded).
    const toolMs = num(this.#p['duration_ms']);
    if (hookEvent === 'PostToolUseFailure') {
      const interrupted = this.#p['is_interrupt'] === true;
      attrs['error.type'] = interrupted ? 'interrupted' : 'tool_error';
      const error = typeof this.#p['error'] === 'string' ? this.#p['error'] : undefined;
      if (error !== undefined) attrs['error.message'] = this.#ctx.redact(error);
      return this.#ok([this.#end('agent', spanId, interrupted ? 'cancelled' : 'failure', toolMs ?? null, attrs)]);
    }
    const agentId = str(res['agentId']);
    if (agentId !== undefined) attrs['gen_ai.agent.id'] = agentId;
    this.#models(res, attrs);
    const statusWord = str(res['status']);
    if (statusWord === 'async_launched' && agentId !== undefined) {
      // Running in the background: the launch returned, the work goes on until SubagentStop.
      const record: AgentRendezvous = { side: 'launched', spanId, runId: this.#runId, attrs, ts: this.#ts };
      const launched = this.#point('subagent.background', { 'gen_ai.agent.id': agentId }, spanId);
      return this.#ok([launched], [{ kind: 'agent', sessionId: this.#sessionId, agentId, record }]);
    }
    let status: SpanStatus = statusWord === undefined ? 'success' : normalizeStatus(statusWord);
    if (statusWord !== undefined && status === 'unknown') attrs['status.detail'] = statusWord;
    if (res['is_error'] === true) status = 'failure';
    const usage = isObj(res['usage']) ? res['usage'] : {};
    const put = (key: string, v: unknown): void => {
      const n = num(v);
      if (n !== undefined) attrs[key] = n;
    };
    put('gen_ai.usage.input_tokens', usage['input_tokens']);
    put('gen_ai.usage.output_tokens', usage['output_tokens']);
    put('gen_ai.usage.cache_read.input_tokens', usage['cache_read_input_tokens']);
    put('gen_ai.usage.cache_creation.input_tokens', usage['cache_creation_input_tokens']);
    put('gen_ai.usage.total_tokens', res['totalTokens']);
    put('claude_code.tool_use_count', res['totalToolUseCount']);
    const agentMs = num(res['totalDurationMs']);
    if (agentMs !== undefined) attrs['claude_code.agent_duration_ms'] = agentMs;
    const toolsUsed = strings(res['toolsUsed']);
    if (toolsUsed !== undefined) attrs['tools_used'] = toolsUsed;
    const stats = isObj(res['toolStats']) ? res['toolStats'] : {};
    for (const [from, to] of TOOL_STATS) put(to, stats[from]);
    const effects: HookEffect[] = agentId === undefined ? [] : [{ kind: 'agent-done', sessionId: this.#sessionId, agentId }];
    return this.#ok([this.#end('agent', spanId, status, toolMs ?? agentMs ?? null, attrs)], effects);
  }

  /** The model Claude Code resolved (`resolvedModel`) replaces the alias asked for. */
  #models(res: Obj, attrs: Obj): void {
    const resolved = str(res['resolvedModel']);
    const used = strings(res['modelsUsed']);
    if (resolved !== undefined) attrs['gen_ai.request.model'] = resolved;
    else if (used !== undefined && used.length > 0) attrs['gen_ai.request.model'] = used[used.length - 1];
    if (used !== undefined && used.length > 0) attrs['claude_code.models_used'] = used;
  }

  subagentStart(): HookMapping {
    const attrs: Obj = {};
    const agentId = str(this.#p['agent_id']);
    const agentType = str(this.#p['agent_type']);
    if (agentId !== undefined) attrs['gen_ai.agent.id'] = agentId;
    if (agentType !== undefined) attrs['agent.type'] = agentType;
    return this.#ok([this.#point('subagent.start', attrs)]);
  }

  subagentStop(): HookMapping {
    const attrs: Obj = {};
    const agentId = str(this.#p['agent_id']);
    const agentType = str(this.#p['agent_type']);
    if (agentId !== undefined) attrs['gen_ai.agent.id'] = agentId;
    if (agentType !== undefined) attrs['agent.type'] = agentType;
    const events = [this.#point('subagent.stop', attrs)];
    if (agentId === undefined) return this.#ok(events);
    // Ends a background sub-agent (joined by agent id); for one in the foreground its
    // PostToolUse follows and carries the result.
    const record: AgentRendezvous = { side: 'stopped', attrs: { 'status.detail': 'completed' }, status: 'success', ts: this.#ts };
    const transcript = str(this.#p['agent_transcript_path']);
    if (transcript !== undefined) record.transcriptPath = transcript;
    return this.#ok(events, [{ kind: 'agent', sessionId: this.#sessionId, agentId, record }]);
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
    if (model !== undefined) {
      // An alias (`haiku`); the resolved id arrives with the result.
      attrs['gen_ai.request.model'] = model;
      attrs['claude_code.requested_model'] = model;
    }
    if (typeof input['run_in_background'] === 'boolean') attrs['claude_code.background'] = input['run_in_background'];
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

  #point(name: string, attrs: Obj, spanId = this.#runId): AgentmeterEvent {
    const e = { ...this.#envelope(), type: 'span.event', span_id: spanId, run_id: this.#runId, env: this.#ctx.env, name, attrs };
    return e as AgentmeterEvent;
  }
}

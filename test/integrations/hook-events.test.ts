import { describe, expect, it } from 'vitest';
import type { SessionState } from '../../src/integrations/claude-code/hook-events.js';
import { mapHookPayload, sessionRunId, subagentSpanId } from '../../src/integrations/claude-code/hook-events.js';
import { transcriptUsage } from '../../src/integrations/claude-code/transcript-usage.js';
import { redactText, uuidv7, validateEvent } from '../../src/model/index.js';
import type { AgentOutput } from '@anthropic-ai/claude-agent-sdk/sdk-tools';
import type { HookPayload } from './claude-code-payloads.js';
import { ClaudeSession, agentInput, completed, subagentTranscript } from './claude-code-payloads.js';

const ctx = { nowMs: Date.parse('2025-06-01T12:00:00.000Z'), env: 'test', redact: (s: string) => redactText(s), newId: uuidv7 };

describe('Claude Code payload mapping', () => {
  it('derives ids from the session and tool_use_id only: same inputs, same ids; different, different', () => {
    expect(sessionRunId('abc')).toBe(sessionRunId('abc'));
    expect(sessionRunId('abc')).not.toBe(sessionRunId('abd'));
    expect(subagentSpanId('abc', 't1')).not.toBe(subagentSpanId('abc', 't2'));
    expect(subagentSpanId('abc', 't1')).not.toBe(subagentSpanId('abd', 't1'));
  });

  it('maps each registered hook event to schema-valid events', () => {
    const s = new ClaudeSession('abc', '/repo/shop');
    const input = agentInput('d', 'reviewer', { model: 'haiku' });
    const live: SessionState = { part: 0, runId: sessionRunId('abc'), turns: 1, failedTurns: 0, ended: false };
    const ended: SessionState = { ...live, ended: true };
    const cases: [HookPayload, SessionState | undefined][] = [
      [s.start('startup', 'claude-opus'), undefined],
      [s.start('compact'), live],
      [s.start('resume'), ended],
      [{ ...s.preAgent('tu', input), agent_id: 'parent-agent' }, live],
      [{ ...s.postAgent('tu', input, { ...completed('a1', { tokensIn: 1, tokensOut: 1, totalDurationMs: 10 }), status: 'weird' } as never, 7) }, live],
      [s.postAgentFailure('tu2', input, 'boom', 3, true), live],
      [s.subagentStart('a1', 'reviewer'), live],
      [s.subagentStop('a1', 'reviewer'), live],
      [s.stop(), live],
      [s.stopFailure('overloaded'), live],
      [s.end('clear'), { ...live, lastError: 'overloaded' }],
    ];
    const events = cases.flatMap(([p, session]) => {
      const m = mapHookPayload(p, { ...ctx, session });
      if (!m.ok) throw new Error(m.error);
      return m.events;
    });
    expect(events.map((e) => `${e.type}:${'kind' in e ? e.kind : e.type === 'span.event' ? e.name : ''}`)).toEqual([
      'span.start:run', 'span.event:session.compact', 'span.start:run', 'span.start:agent', 'span.end:agent', 'span.end:agent',
      'span.event:subagent.start', 'span.event:subagent.stop', 'span.event:turn.failure', 'span.end:run',
    ]);
    for (const e of events) expect(validateEvent(e)).toMatchObject({ ok: true });
    expect(events[0]).toMatchObject({ span_id: sessionRunId('abc'), attrs: { project: 'shop', 'gen_ai.request.model': 'claude-opus' } });
    expect(events[2]).toMatchObject({ attrs: { 'claude_code.session_part': 1, 'claude_code.resumed_run_id': sessionRunId('abc') } });
    expect(events[2]).toMatchObject({ span_id: (events[2] as { run_id: string }).run_id });
    expect((events[2] as { span_id: string }).span_id).not.toBe(sessionRunId('abc'));
    expect(events[3]).toMatchObject({ parent_id: sessionRunId('abc'), attrs: { 'claude_code.parent_agent_id': 'parent-agent', 'claude_code.requested_model': 'haiku' } });
    // Claude Code's own tool duration (7 ms), not the sub-agent's total (10 ms).
    expect(events[4]).toMatchObject({ status: 'unknown', duration_ms: 7, start_ts: '2025-06-01T11:59:59.993Z', attrs: { 'status.detail': 'weird', 'claude_code.agent_duration_ms': 10, tools_used: ['Read', 'Grep'], 'claude_code.tool_stats.read_count': 3 } });
    expect(events[5]).toMatchObject({ status: 'cancelled', duration_ms: 3, attrs: { 'error.type': 'interrupted', 'error.message': 'boom' } });
    expect(events[8]).toMatchObject({ attrs: { 'error.type': 'overloaded' } });
    expect(events[9]).toMatchObject({ status: 'failure', attrs: { 'status.detail': 'clear', 'error.type': 'overloaded' } });
  });

  it('a sub-agent launched in a cloud session (remote_launched) ends here as unknown: its real end is reported nowhere locally', () => {
    const s = new ClaudeSession('abc', '/repo/shop');
    const input = agentInput('port the parser', 'general-purpose', { isolation: 'remote' });
    const output: AgentOutput = { status: 'remote_launched', taskId: 'task_1', sessionUrl: 'https://claude.ai/code/session_1', description: 'port the parser', prompt: 'PROMPT', outputFile: '/tmp/o' };
    const m = mapHookPayload(s.postAgent('tu_remote', input, output, 900), ctx);
    expect(m).toMatchObject({ ok: true, events: [{ type: 'span.end', status: 'unknown', duration_ms: 900, attrs: { 'status.detail': 'remote_launched' } }] });
    expect(JSON.stringify(m)).not.toContain('claude.ai');
  });

  it('names what is missing from a malformed payload, and ignores what it does not record', () => {
    expect(mapHookPayload(null, ctx)).toMatchObject({ ok: false, error: 'payload is not a JSON object' });
    expect(mapHookPayload({ hook_event_name: 'Stop' }, ctx)).toMatchObject({ ok: false, error: 'missing string field "session_id"' });
    expect(mapHookPayload({ session_id: 's' }, ctx)).toMatchObject({ ok: false, runId: sessionRunId('s') });
    expect(mapHookPayload({ session_id: 's', hook_event_name: 'PreToolUse', tool_name: 'Task' }, ctx)).toMatchObject({ ok: false, error: 'PreToolUse Task: missing string field "tool_use_id"' });
    expect(mapHookPayload({ session_id: 's', hook_event_name: 'UserPromptSubmit', prompt: 'x' }, ctx)).toMatchObject({ ok: true, events: [] });
    expect(mapHookPayload({ session_id: 's', hook_event_name: 'PreToolUse', tool_name: 'Read', tool_use_id: 'x' }, ctx)).toMatchObject({ ok: true, events: [] });
  });
});

describe('sub-agent transcript usage', () => {
  it('counts each API response once, skips broken and non-assistant lines, keeps no text', () => {
    const text = subagentTranscript('a1', 'abc') + '{"type":"assistant","message":{"id":"msg_9",\n' + 'not json "assistant"\n';
    const u = transcriptUsage(text);
    expect(u).toEqual({ inputTokens: 4000, outputTokens: 420, cacheReadTokens: 2000, cacheCreationTokens: 400, models: ['claude-haiku-4-5', 'claude-sonnet-4-5'], toolUses: 3, toolsUsed: ['Read', 'Grep'], responses: 2 });
    expect(JSON.stringify(u)).not.toContain('SECRET');
    expect(transcriptUsage('')).toBeUndefined();
    expect(transcriptUsage('{"type":"user","message":{"content":"assistant"}}\n')).toBeUndefined();
  });
});

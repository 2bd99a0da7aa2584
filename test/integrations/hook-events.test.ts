import { describe, expect, it } from 'vitest';
import { mapHookPayload, sessionRunId, subagentSpanId } from '../../src/integrations/claude-code/hook-events.js';
import { redactText, uuidv7, validateEvent } from '../../src/model/index.js';

const ctx = { nowMs: Date.parse('2025-06-01T12:00:00.000Z'), env: 'test', redact: (s: string) => redactText(s), newId: uuidv7 };
const base = { session_id: 'abc', cwd: '/repo/shop', transcript_path: '/t', permission_mode: 'default' };

describe('Claude Code payload mapping', () => {
  it('derives ids from the session and tool_use_id only: same inputs, same ids; different, different', () => {
    expect(sessionRunId('abc')).toBe(sessionRunId('abc'));
    expect(sessionRunId('abc')).not.toBe(sessionRunId('abd'));
    expect(subagentSpanId('abc', 't1')).not.toBe(subagentSpanId('abc', 't2'));
    expect(subagentSpanId('abc', 't1')).not.toBe(subagentSpanId('abd', 't1'));
  });

  it('maps each registered hook event to schema-valid events', () => {
    const payloads = [
      { ...base, hook_event_name: 'SessionStart', source: 'startup', model: 'claude-opus' },
      { ...base, hook_event_name: 'SessionStart', source: 'resume' },
      { ...base, hook_event_name: 'PreToolUse', tool_name: 'Agent', tool_use_id: 'tu', tool_input: { description: 'd', prompt: 'p', subagent_type: 'reviewer' }, agent_id: 'parent-agent' },
      { ...base, hook_event_name: 'PostToolUse', tool_name: 'Agent', tool_use_id: 'tu', tool_response: { status: 'weird', totalDurationMs: 10 } },
      { ...base, hook_event_name: 'PostToolUseFailure', tool_name: 'Task', tool_use_id: 'tu2', error: 'boom', is_interrupt: true },
      { ...base, hook_event_name: 'SubagentStart', agent_id: 'a1', agent_type: 'reviewer' },
      { ...base, hook_event_name: 'SessionEnd', reason: 'clear' },
    ];
    const events = payloads.flatMap((p) => {
      const m = mapHookPayload(p, ctx);
      if (!m.ok) throw new Error(m.error);
      return m.events;
    });
    expect(events.map((e) => `${e.type}:${'kind' in e ? e.kind : e.type === 'span.event' ? e.name : ''}`)).toEqual([
      'span.start:run', 'span.event:session.resume', 'span.start:agent', 'span.end:agent', 'span.end:agent', 'span.event:subagent.start', 'span.end:run',
    ]);
    for (const e of events) expect(validateEvent(e)).toMatchObject({ ok: true });
    expect(events[0]).toMatchObject({ attrs: { project: 'shop', 'gen_ai.request.model': 'claude-opus' } });
    expect(events[2]).toMatchObject({ parent_id: sessionRunId('abc'), attrs: { 'claude_code.parent_agent_id': 'parent-agent' } });
    expect(events[3]).toMatchObject({ status: 'unknown', duration_ms: 10, start_ts: '2025-06-01T11:59:59.990Z', attrs: { 'status.detail': 'weird' } });
    expect(events[4]).toMatchObject({ status: 'cancelled', attrs: { 'error.type': 'interrupted', 'error.message': 'boom' } });
    expect(events[6]).toMatchObject({ status: 'unknown', attrs: { 'status.detail': 'clear' } });
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

// Claude Code sessions end to end: the built bin spawned once per hook call as Claude Code
// does, payloads typed against the SDK's hook input types and written through a real pipe,
// assertions on what the store then holds and on what `report` and `agents` print.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { HookState } from '../../src/integrations/claude-code/hook-state.js';
import type { Span } from '../../src/model/index.js';
import { scanEvents, scanSpans } from '../../src/store/index.js';
import { tempDir } from '../helpers.js';
import { BIN, runHookProcess } from './helpers.js';
import type { HookResult } from './helpers.js';
import type { HookPayload } from './claude-code-payloads.js';
import { ClaudeSession, agentInput, asyncLaunched, completed, subagentTranscript } from './claude-code-payloads.js';


beforeAll(() => {
  if (!existsSync(BIN)) throw new Error('dist/cli/bin.js is missing: run `npm run build` (npm test does)');
});

function hook(dir: string, payload: HookPayload | string, opts: { chunks?: number; gapMs?: number } = {}): Promise<HookResult> {
  return runHookProcess(dir, typeof payload === 'string' ? payload : JSON.stringify(payload), opts);
}

/** Hook calls one after another, each expected to succeed silently. */
async function session(dir: string, payloads: (HookPayload | string)[]): Promise<void> {
  for (const p of payloads) expect(await hook(dir, p)).toEqual({ code: 0, stdout: '', stderr: '' });
}

async function spans(dir: string): Promise<Span[]> {
  const out: Span[] = [];
  await scanSpans({ root: dir, onSpan: (s) => out.push(s) });
  return out.sort((a, b) => a.startMs - b.startMs);
}

function cli(dir: string, args: string[]): unknown {
  const r = spawnSync(process.execPath, [BIN, ...args, '--dir', dir, '--env', 'test', '--json'], { encoding: 'utf8', timeout: 60_000 });
  expect(r.status, r.stderr).toBe(0);
  return JSON.parse(r.stdout);
}

const explore = agentInput('map the checkout module', 'Explore', { model: 'haiku', run_in_background: false });

describe('Claude Code hook: payloads through a real pipe', () => {
  it('a 200 KiB PostToolUse (sub-agent output in tool_response) is read whole', async () => {
    const dir = tempDir();
    const s = new ClaudeSession('c0ffee00-0000-4000-8000-000000000001');
    const big = 'Z'.repeat(200 * 1024);
    const post = JSON.stringify(s.postAgent('toolu_big', explore, completed('a-big', { tokensIn: 5000, tokensOut: 700, totalDurationMs: 640, resolvedModel: 'claude-haiku-4-5', text: big }), 610));
    expect(post.length).toBeGreaterThan(200 * 1024);
    await session(dir, [s.start('startup'), s.preAgent('toolu_big', explore), post]);
    const agent = (await spans(dir)).find((x) => x.kind === 'agent');
    expect(agent).toMatchObject({ state: 'ended', status: 'success', durationMs: 610, attrs: { 'gen_ai.usage.input_tokens': 5000, 'gen_ai.request.model': 'claude-haiku-4-5' } });
    let text = '';
    await scanEvents({ root: dir, onEvent: (e) => (text += JSON.stringify(e)) });
    expect(text).not.toContain('ZZZZ');
    expect(text).not.toContain('malformed');
  });

  it('a payload written in two chunks 300 ms apart is read whole', async () => {
    const dir = tempDir();
    const s = new ClaudeSession('c0ffee00-0000-4000-8000-000000000002');
    expect(await hook(dir, s.start('startup'), { chunks: 2, gapMs: 300 })).toEqual({ code: 0, stdout: '', stderr: '' });
    expect(await hook(dir, s.preAgent('toolu_2', explore), { chunks: 2, gapMs: 300 })).toEqual({ code: 0, stdout: '', stderr: '' });
    const all = await spans(dir);
    expect(all.map((x) => `${x.kind}:${x.state}`)).toEqual(['run:open', 'agent:open']);
    expect(all[0]!.attrs).toMatchObject({ project: 'shop', 'gen_ai.request.model': 'claude-opus-4-6' });
  });
});

describe('Claude Code hook: payloads through an OS pipe (pipe(2), not a socket pair)', () => {
  it('200 KiB from cat, and two chunks 300 ms apart, arrive whole', async () => {
    const dir = tempDir();
    const s = new ClaudeSession('c0ffee00-0000-4000-8000-0000000000f2');
    const payloadFile = join(tempDir(), 'post.json');
    writeFileSync(payloadFile, JSON.stringify(s.postAgent('toolu_p', explore, completed('a-p', { tokensIn: 9, tokensOut: 1, totalDurationMs: 50, resolvedModel: 'claude-haiku-4-5', text: 'Q'.repeat(200 * 1024) }), 42)));
    const start = JSON.stringify(s.start('startup'));
    const cut = start.length >> 1;
    const env = { ...process.env, AGENTMETER_DIR: dir, AGENTMETER_ENV: 'test', CLAUDE_PROJECT_DIR: '', NODE: process.execPath, BIN, FIRST: start.slice(0, cut), SECOND: start.slice(cut), FILE: payloadFile };
    // The shell joins the writer and the hook with a pipe; the pause shapes the input.
    for (const script of ['(printf %s "$FIRST"; sleep 0.3; printf %s "$SECOND") | "$NODE" "$BIN" hook', 'cat "$FILE" | "$NODE" "$BIN" hook']) {
      const r = spawnSync('/bin/sh', ['-c', script], { env, encoding: 'utf8', timeout: 30_000 });
      expect(r.status).toBe(0);
      expect(r.stderr).toBe('');
    }
    const all = await spans(dir);
    expect(all.find((x) => x.kind === 'run')).toMatchObject({ attrs: { 'claude_code.source': 'startup' } });
    expect(all.find((x) => x.kind === 'agent')).toMatchObject({ durationMs: 42, attrs: { 'gen_ai.request.model': 'claude-haiku-4-5' } });
  });
});

describe('Claude Code hook: a writer that never closes the pipe', () => {
  it('is waited for 5 s at most: the hook exits 0 and records what it got as a malformed payload', async () => {
    const dir = tempDir();
    const child = spawn(process.execPath, [BIN, 'hook'], { env: { ...process.env, AGENTMETER_DIR: dir, AGENTMETER_ENV: 'test', CLAUDE_PROJECT_DIR: '' } });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.stdin.write('{"session_id":"c0ffee00-0000-4000-8000-0000000000f1","hook_event_name":');
    const code = await new Promise<number | null>((done) => child.on('close', done));
    child.stdin.destroy();
    expect(code).toBe(0);
    expect(stderr).toMatch(/malformed payload recorded as an error: stdin not closed within the wait \(\d+ bytes received\)/);
    const errors = (await spans(dir)).filter((x) => x.name === 'agentmeter.hook');
    expect(errors).toHaveLength(1);
    expect(errors[0]!.attrs['error.type']).toBe('malformed_payload');
  });
});

describe('Claude Code hook: sessions', () => {
  it('a forked session (new id, source "fork") is a run of its own with project, model and duration', async () => {
    const dir = tempDir();
    const parent = new ClaudeSession('c0ffee00-0000-4000-8000-00000000000a');
    const fork = new ClaudeSession('c0ffee00-0000-4000-8000-00000000000b');
    await session(dir, [parent.start('startup'), parent.stop(), fork.start('fork', 'claude-sonnet-4-5'), fork.stop(), fork.end('prompt_input_exit')]);
    const runs = (await spans(dir)).filter((x) => x.kind === 'run');
    expect(runs).toHaveLength(2);
    const forked = runs.find((r) => r.attrs['gen_ai.conversation.id'] === fork.id);
    expect(forked).toMatchObject({ state: 'ended', status: 'success', attrs: { project: 'shop', 'gen_ai.request.model': 'claude-sonnet-4-5', 'claude_code.source': 'fork', 'status.detail': 'prompt_input_exit' } });
    expect(forked!.durationMs).not.toBeNull();
  });

  it('resuming a session after it ended records the resumed part as a second run, linked to the first', async () => {
    const dir = tempDir();
    const s = new ClaudeSession('c0ffee00-0000-4000-8000-000000000003');
    await session(dir, [s.start('startup'), s.stop(), s.end('prompt_input_exit')]);
    await session(dir, [
      s.start('resume'),
      s.preAgent('toolu_r', explore),
      s.postAgent('toolu_r', explore, completed('a-r', { tokensIn: 10, tokensOut: 2, totalDurationMs: 90, resolvedModel: 'claude-haiku-4-5' }), 80),
      s.stop(),
      s.end('other'),
    ]);
    const all = await spans(dir);
    const runs = all.filter((x) => x.kind === 'run');
    expect(runs.map((r) => [r.state, r.status, r.attrs['claude_code.source'], r.attrs['status.detail']])).toEqual([
      ['ended', 'success', 'startup', 'prompt_input_exit'],
      ['ended', 'success', 'resume', 'other'],
    ]);
    expect(runs[1]!.attrs['claude_code.resumed_run_id']).toBe(runs[0]!.spanId);
    expect(runs[0]!.spanId).not.toBe(runs[1]!.spanId);
    const agent = all.find((x) => x.kind === 'agent');
    expect(agent).toMatchObject({ runId: runs[1]!.spanId, parentId: runs[1]!.spanId, status: 'success' });
    const { fold } = await scanSpans({ root: dir, onSpan: () => {} });
    expect(fold.duplicates).toBe(0);
  });

  it('/clear ends the session (reason clear) and the new session id starts a new run; compact continues the run', async () => {
    const dir = tempDir();
    const before = new ClaudeSession('c0ffee00-0000-4000-8000-000000000004');
    const after = new ClaudeSession('c0ffee00-0000-4000-8000-000000000005');
    await session(dir, [before.start('startup'), before.stop(), before.start('compact'), before.stop(), before.end('clear'), after.start('clear'), after.end('prompt_input_exit')]);
    const runs = (await spans(dir)).filter((x) => x.kind === 'run');
    expect(runs).toHaveLength(2);
    expect(runs[0]).toMatchObject({ status: 'success', pointEvents: 1, attrs: { 'status.detail': 'clear', 'claude_code.turns': 2 } });
    // No turn ended in the new session: nothing to judge it by.
    expect(runs[1]).toMatchObject({ status: 'unknown', attrs: { 'claude_code.source': 'clear' } });
  });

  it('StopFailure: a session whose last turn ended on an API error failed; a later good turn clears it', async () => {
    const dir = tempDir();
    const failed = new ClaudeSession('c0ffee00-0000-4000-8000-000000000006');
    const recovered = new ClaudeSession('c0ffee00-0000-4000-8000-000000000007');
    await session(dir, [failed.start('startup'), failed.stop(), failed.stopFailure('rate_limit'), failed.end('prompt_input_exit')]);
    await session(dir, [recovered.start('startup'), recovered.stopFailure('overloaded'), recovered.stop(), recovered.end('prompt_input_exit')]);
    const runs = await spans(dir);
    const f = runs.find((r) => r.attrs['gen_ai.conversation.id'] === failed.id);
    expect(f).toMatchObject({ status: 'failure', pointEvents: 1, attrs: { 'error.type': 'rate_limit', 'claude_code.failed_turns': 1, 'claude_code.turns': 2 } });
    const r = runs.find((x) => x.attrs['gen_ai.conversation.id'] === recovered.id);
    expect(r).toMatchObject({ status: 'success', attrs: { 'claude_code.failed_turns': 1 } });
    expect(r!.attrs['error.type']).toBeUndefined();
    let text = '';
    await scanEvents({ root: dir, onEvent: (e) => (text += JSON.stringify(e)) });
    expect(text).toContain('[REDACTED:email]');
    expect(text).not.toContain('alice@example.com');
    expect(text).not.toContain('PARTIAL TEXT');
    expect(text).not.toContain('ANSWER TEXT');
  });
});

describe('Claude Code hook: background sub-agents', () => {
  const bg = agentInput('audit dependencies', 'security-reviewer', { model: 'haiku', run_in_background: true });

  it('end when they really finish (SubagentStop), not at launch, with the resolved model', async () => {
    const dir = tempDir();
    const s = new ClaudeSession('c0ffee00-0000-4000-8000-000000000008');
    await session(dir, [s.start('startup'), s.preAgent('toolu_bg', bg), s.postAgent('toolu_bg', bg, asyncLaunched('a-bg', 'audit dependencies', 'claude-haiku-4-5'), 35), s.subagentStart('a-bg', 'security-reviewer')]);
    const launched = (await spans(dir)).find((x) => x.kind === 'agent');
    expect(launched).toMatchObject({ state: 'open', status: null });
    // Its end carries no usage; its transcript, which Claude Code names in the payload, does.
    const transcript = join(tempDir(), 'agent-a-bg.jsonl');
    writeFileSync(transcript, subagentTranscript('a-bg', s.id));
    await session(dir, [s.stop(), s.subagentStop('a-bg', 'security-reviewer', transcript), s.end('prompt_input_exit')]);
    const all = await spans(dir);
    const agent = all.find((x) => x.kind === 'agent')!;
    expect(agent).toMatchObject({
      state: 'ended',
      status: 'success',
      attrs: {
        'claude_code.requested_model': 'haiku',
        'claude_code.background': true,
        'gen_ai.agent.id': 'a-bg',
        'agent.type': 'security-reviewer',
        // Counted once per API response (msg_1 twice in the file), the synthetic one adds nothing.
        'gen_ai.usage.input_tokens': 1500 + 2500,
        'gen_ai.usage.output_tokens': 120 + 300,
        'gen_ai.usage.cache_read.input_tokens': 2000,
        'claude_code.tool_use_count': 3,
        tools_used: ['Read', 'Grep'],
        'claude_code.models_used': ['claude-haiku-4-5', 'claude-sonnet-4-5'],
        'gen_ai.request.model': 'claude-sonnet-4-5',
        'claude_code.usage_source': 'transcript',
      },
    });
    let stored = '';
    await scanEvents({ root: dir, onEvent: (e) => (stored += JSON.stringify(e)) });
    expect(stored).not.toContain('SECRET THOUGHTS');
    expect(stored).not.toContain('FILE CONTENT');
    expect(stored).not.toContain(transcript);
    // From its launch to its stop, which came after the launch's PostToolUse (35 ms) and the turn's end.
    const events: { name?: string; ts: string; type: string }[] = [];
    await scanEvents({ root: dir, onEvent: (e) => events.push(e as never) });
    const stopTs = Date.parse(events.find((e) => e.type === 'span.event' && e.name === 'subagent.stop')!.ts);
    expect(agent.endMs).toBe(stopTs);
    expect(agent.durationMs).toBe(stopTs - agent.startMs);
    expect(readdirSync(join(dir, 'claude-code', 'agents'))).toEqual([]);
  });

  it('a stop seen before its launch result still ends the span; a StopFailure inside one fails it', async () => {
    const dir = tempDir();
    const s = new ClaudeSession('c0ffee00-0000-4000-8000-000000000009');
    await session(dir, [
      s.start('startup'),
      s.preAgent('toolu_fast', bg),
      s.subagentStop('a-fast', 'security-reviewer'),
      s.postAgent('toolu_fast', bg, asyncLaunched('a-fast', 'audit dependencies', 'claude-haiku-4-5'), 20),
      s.preAgent('toolu_429', bg),
      s.postAgent('toolu_429', bg, asyncLaunched('a-429', 'audit dependencies', 'claude-haiku-4-5'), 20),
      s.stopFailure('rate_limit', 'a-429'),
      s.subagentStop('a-429', 'security-reviewer'),
      s.stop(),
    ]);
    const agents = (await spans(dir)).filter((x) => x.kind === 'agent');
    const fast = agents.find((a) => a.attrs['gen_ai.tool.call.id'] === 'toolu_fast');
    const limited = agents.find((a) => a.attrs['gen_ai.tool.call.id'] === 'toolu_429');
    expect(fast).toMatchObject({ state: 'ended', status: 'success', attrs: { 'gen_ai.request.model': 'claude-haiku-4-5' } });
    expect(limited).toMatchObject({ state: 'ended', status: 'failure', attrs: { 'error.type': 'rate_limit', 'gen_ai.request.model': 'claude-haiku-4-5' } });
  });

  it('launch results and stops racing each other in parallel processes: every sub-agent ends exactly once', async () => {
    const dir = tempDir();
    const s = new ClaudeSession('c0ffee00-0000-4000-8000-0000000000b1');
    const ids = Array.from({ length: 8 }, (_, i) => `race${i}`);
    await session(dir, [s.start('startup'), ...ids.map((id) => s.preAgent(`toolu_${id}`, bg))]);
    const results = await Promise.all(
      ids.flatMap((id) => [hook(dir, s.postAgent(`toolu_${id}`, bg, asyncLaunched(`a-${id}`, 'audit', 'claude-haiku-4-5'), 20)), hook(dir, s.subagentStop(`a-${id}`, 'security-reviewer'))]),
    );
    for (const r of results) expect(r).toEqual({ code: 0, stdout: '', stderr: '' });
    const agents = (await spans(dir)).filter((x) => x.kind === 'agent');
    expect(agents).toHaveLength(ids.length);
    for (const a of agents) expect(a).toMatchObject({ state: 'ended', status: 'success', attrs: { 'claude_code.background': true } });
    const { fold } = await scanSpans({ root: dir, onSpan: () => {} });
    expect(fold.duplicates).toBe(0);
    expect(readdirSync(join(dir, 'claude-code', 'agents'), { recursive: true }).filter((f) => String(f).endsWith('.json'))).toEqual([]);
  });

  it('one still running when its session ends is ended as cancelled', async () => {
    const dir = tempDir();
    const s = new ClaudeSession('c0ffee00-0000-4000-8000-00000000000c');
    await session(dir, [s.start('startup'), s.preAgent('toolu_left', bg), s.postAgent('toolu_left', bg, asyncLaunched('a-left', 'audit', 'claude-haiku-4-5'), 20), s.stop(), s.end('prompt_input_exit')]);
    const agent = (await spans(dir)).find((x) => x.kind === 'agent');
    expect(agent).toMatchObject({ state: 'ended', status: 'cancelled', attrs: { 'error.type': 'session_ended' } });
  });
});

describe('Claude Code hook: what the reports show', () => {
  it('report --json: runs with status, agents by resolved model with Claude Code durations; agents --json: the same', async () => {
    const dir = tempDir();
    const s = new ClaudeSession('c0ffee00-0000-4000-8000-00000000000d');
    const review = agentInput('review the diff', 'code-reviewer', { model: 'sonnet' });
    await session(dir, [
      s.start('startup'),
      s.preAgent('toolu_e', explore),
      s.postAgent('toolu_e', explore, completed('a-e', { tokensIn: 1200, tokensOut: 300, totalDurationMs: 803, resolvedModel: 'claude-haiku-4-5' }), 610),
      s.preAgent('toolu_v', review),
      s.postAgentFailure('toolu_v', review, 'tool failed', 250),
      s.stop(),
      s.end('prompt_input_exit'),
    ]);
    const report = cli(dir, ['report', '--by', 'model']) as {
      runs: { total: number; success: number; unknown: number };
      agents: { total: number; success: number; failure: number };
      groups: { key: string; agents: { total: number; duration_ms: { median: number } | null; tokens: { input: number } } }[];
    };
    expect(report.runs).toMatchObject({ total: 1, success: 1, unknown: 0 });
    expect(report.agents).toMatchObject({ total: 2, success: 1, failure: 1 });
    const haiku = report.groups.find((g) => g.key === 'claude-haiku-4-5');
    expect(haiku?.agents).toMatchObject({ total: 1, duration_ms: { median: 610 }, tokens: { input: 1200 } });
    // No result came back for the failed launch: the alias it asked for is all there is.
    expect(report.groups.find((g) => g.key === 'sonnet')?.agents).toMatchObject({ total: 1, duration_ms: { median: 250 } });
    const agents = cli(dir, ['agents']) as { agents: { agent_name: string; invocation_count: number; success_rate: number; average_duration_seconds: number }[] };
    expect(agents.agents.find((a) => a.agent_name === 'Explore')).toMatchObject({ invocation_count: 1, success_rate: 1, average_duration_seconds: 0.61 });
    expect(agents.agents.find((a) => a.agent_name === 'code-reviewer')).toMatchObject({ invocation_count: 1, success_rate: 0, average_duration_seconds: 0.25 });
  });
});

describe('Claude Code hook: state files', () => {
  it('a session start drops state files untouched for 30 days and keeps the others', async () => {
    const dir = tempDir();
    const old = new ClaudeSession('c0ffee00-0000-4000-8000-0000000000e1');
    const recent = new ClaudeSession('c0ffee00-0000-4000-8000-0000000000e2');
    await session(dir, [old.start('startup'), old.preAgent('toolu_o', agentInput('x', 'Explore', { run_in_background: true })), old.postAgent('toolu_o', agentInput('x', 'Explore'), asyncLaunched('a-o', 'x', 'claude-haiku-4-5'), 5), recent.start('startup')]);
    const state = new HookState(dir);
    expect(state.readSession(old.id)).toBeDefined();
    const longAgo = new Date(Date.now() - 31 * 86_400_000);
    for (const sub of ['sessions', 'agents']) {
      for (const f of readdirSync(join(dir, 'claude-code', sub))) utimesSync(join(dir, 'claude-code', sub, f), longAgo, longAgo);
    }
    // The recent session goes on (its file is rewritten); the old one is gone for good.
    await session(dir, [recent.stop()]);
    await session(dir, [new ClaudeSession('c0ffee00-0000-4000-8000-0000000000e3').start('startup')]);
    expect(state.readSession(old.id)).toBeUndefined();
    expect(state.readSession(recent.id)).toMatchObject({ turns: 1 });
    expect(readdirSync(join(dir, 'claude-code', 'agents'))).toEqual([]);
  });
});

// `agentmeter hook` as Claude Code runs it: one new process per hook call, payload on stdin.
import { spawnSync } from 'node:child_process';
import { appendFileSync, existsSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Span } from '../../src/model/index.js';
import { scanEvents, scanSpans } from '../../src/store/index.js';
import { tempDir } from '../helpers.js';
import { BIN, runHookProcess } from './helpers.js';
import type { HookResult } from './helpers.js';
import type { SubagentTool } from './claude-code-payloads.js';
import { ClaudeSession, agentInput, completed } from './claude-code-payloads.js';


beforeAll(() => {
  if (!existsSync(BIN)) throw new Error('dist/cli/bin.js is missing: run `npm run build` (npm test does)');
});

/** Run one hook process asynchronously (so several can overlap). */
function hook(dir: string, payload: string): Promise<HookResult> {
  return runHookProcess(dir, payload);
}

const claude = new ClaudeSession('sess-7f3a');

function pre(id: string, description: string, type = 'Explore', tool: SubagentTool = 'Task') {
  return JSON.stringify(claude.preAgent(id, agentInput(description, type), tool));
}

function post(id: string, tokens: number, durationMs: number, type = 'Explore') {
  const output = { ...completed(`agent-${id}`, { tokensIn: tokens, tokensOut: 10, totalDurationMs: durationMs }), totalToolUseCount: 3 };
  return JSON.stringify(claude.postAgent(id, agentInput('x', type), output, durationMs, 'Task'));
}

async function spans(dir: string): Promise<Span[]> {
  const out: Span[] = [];
  await scanSpans({ root: dir, onSpan: (s) => out.push(s) });
  return out;
}

describe('agentmeter hook (process per call)', () => {
  it('a session with parallel sub-agents of one type: each Pre meets its own Post by tool_use_id', async () => {
    const dir = tempDir();
    const start = await hook(dir, JSON.stringify(claude.start('startup')));
    expect(start).toEqual({ code: 0, stdout: '', stderr: '' });
    const ids = ['toolu_01A', 'toolu_01B', 'toolu_01C', 'toolu_01D'];
    // All four launched at once, finishing in the reverse order.
    const pres = await Promise.all(ids.map((id, i) => hook(dir, pre(id, `search area ${i} for alice@example.com`))));
    const posts = await Promise.all([...ids].reverse().map((id) => hook(dir, post(id, 1000 * (ids.indexOf(id) + 1), 500 * (ids.indexOf(id) + 1)))));
    await hook(dir, JSON.stringify(claude.subagentStop('agent-toolu_01A', 'Explore')));
    await hook(dir, JSON.stringify(claude.end('prompt_input_exit')));
    for (const r of [...pres, ...posts]) expect(r).toEqual({ code: 0, stdout: '', stderr: '' });
    const all = await spans(dir);
    const agents = all.filter((s) => s.kind === 'agent');
    expect(agents).toHaveLength(4);
    for (const [i, id] of ids.entries()) {
      const s = agents.find((a) => a.attrs['gen_ai.tool.call.id'] === id);
      expect(s).toBeDefined();
      expect(s!.state).toBe('ended');
      expect(s!.status).toBe('success');
      expect(s!.attrs['task_description']).toBe(`search area ${i} for [REDACTED:email]`);
      expect(s!.attrs['gen_ai.usage.input_tokens']).toBe(1000 * (i + 1));
      expect(s!.durationMs).toBe(500 * (i + 1));
      expect(s!.attrs['gen_ai.agent.id']).toBe(`agent-${id}`);
      expect(s!.attrs['agent.type']).toBe('Explore');
      expect(s!.attrs['project']).toBe('shop');
    }
    const run = all.find((s) => s.kind === 'run');
    expect(run).toMatchObject({ state: 'ended', env: 'test', pointEvents: 1 });
    for (const a of agents) expect(a.runId).toBe(run!.spanId);
    let text = '';
    await scanEvents({ root: dir, onEvent: (e) => (text += JSON.stringify(e)) });
    expect(text).not.toContain('PROMPT');
    expect(text).not.toContain('OUTPUT TEXT');
    expect(text).not.toContain('alice@example.com');
  });

  it('PostToolUseFailure ends the span as a failure with a redacted error; other tools are ignored', async () => {
    const dir = tempDir();
    await hook(dir, pre('toolu_F', 'refactor', 'general-purpose', 'Agent'));
    const f = await hook(dir, JSON.stringify(claude.postAgentFailure('toolu_F', agentInput('refactor', 'general-purpose'), 'token sk-ant-api03-abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGH leaked', 120)));
    expect(f.code).toBe(0);
    const bash = await hook(dir, JSON.stringify(claude.preBash('toolu_B', { command: 'ls' })));
    expect(bash).toEqual({ code: 0, stdout: '', stderr: '' });
    const [s, ...rest] = await spans(dir);
    expect(rest).toHaveLength(0);
    expect(s).toMatchObject({ kind: 'agent', status: 'failure', attrs: { 'error.type': 'tool_error' } });
    expect(String(s!.attrs['error.message'])).toContain('[REDACTED');
    expect(String(s!.attrs['error.message'])).not.toContain('abcdefghijklmnop');
  });

  it('malformed payloads exit 0 with nothing on stdout and are recorded as counted errors', async () => {
    const dir = tempDir();
    const results = await Promise.all([hook(dir, 'not json {'), hook(dir, '[]'), hook(dir, JSON.stringify({ hook_event_name: 'PreToolUse' })), hook(dir, '')]);
    for (const r of results) {
      expect(r.code).toBe(0);
      expect(r.stdout).toBe('');
      expect(r.stderr).toMatch(/malformed payload/);
    }
    const errors = (await spans(dir)).filter((s) => s.name === 'agentmeter.hook');
    expect(errors).toHaveLength(4);
    for (const e of errors) expect(e).toMatchObject({ kind: 'tool', status: 'failure', attrs: { 'error.type': 'malformed_payload' } });
  });

  it("a neighbour's torn write in the shared session segment never damages the next hook's line", async () => {
    const dir = tempDir();
    await hook(dir, JSON.stringify(claude.start('startup')));
    const [day] = readdirSync(join(dir, 'events'));
    const [file] = readdirSync(join(dir, 'events', day!));
    expect(file).toMatch(/^claude-code-[0-9a-f]{12}\.jsonl$/);
    // A hook killed in the middle of its write leaves a fragment without a newline.
    appendFileSync(join(dir, 'events', day!, file!), '\n{"v":1,"id":"0193-torn","ts":"20');
    await hook(dir, pre('toolu_T', 'after the tear'));
    const { read } = await scanSpans({ root: dir, onSpan: () => {} });
    expect(read.skipped).toBe(1);
    const all = await spans(dir);
    expect(all.find((s) => s.kind === 'agent')?.attrs['task_description']).toBe('after the tear');
    expect(all.find((s) => s.kind === 'run')).toBeDefined();
  });

  it('exits 0 even when the store cannot be written', () => {
    // A regular file where the store's folder should be: every mkdir under it fails (ENOTDIR).
    const blocker = join(tempDir(), 'not-a-dir');
    writeFileSync(blocker, '');
    const r = spawnSync(process.execPath, [BIN, 'hook', '--dir', join(blocker, 'store')], { input: pre('toolu_X', 'x'), encoding: 'utf8', timeout: 30_000 });
    expect(r.status).toBe(0);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/agentmeter hook:/);
  });

  it('refuses to follow a symbolic link planted at the session segment path', async () => {
    const dir = tempDir();
    await hook(dir, JSON.stringify(claude.start('startup')));
    const [day] = readdirSync(join(dir, 'events'));
    const [file] = readdirSync(join(dir, 'events', day!));
    const segment = join(dir, 'events', day!, file!);
    const victim = join(tempDir(), 'victim.txt');
    writeFileSync(victim, 'precious\n');
    // The segment name is predictable: replace the file by a link to someone else's file.
    rmSync(segment);
    symlinkSync(victim, segment);
    const r = await hook(dir, pre('toolu_L', 'x'));
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/agentmeter hook: .*ELOOP/);
    expect(readFileSync(victim, 'utf8')).toBe('precious\n');
  });
});

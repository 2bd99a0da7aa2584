import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { HOOK_REGISTRATIONS, addHooks, removeHooks } from '../../src/integrations/claude-code/settings.js';
import { runCli } from '../cli/run-cli.js';
import { tempDir } from '../helpers.js';

async function init(cwd: string, args: string[], home = cwd): Promise<{ status: number; stdout: string; stderr: string }> {
  const r = await runCli(['init', 'claude-code', ...args], { cwd, env: { HOME: home } });
  return { status: r.code, stdout: r.stdout, stderr: r.stderr };
}

const USER_SETTINGS = {
  model: 'opus',
  permissions: { allow: ['Bash(npm test)'] },
  hooks: {
    PreToolUse: [{ matcher: 'Bash', hooks: [{ type: 'command', command: './check-bash.sh' }] }],
    Stop: [{ hooks: [{ type: 'command', command: 'notify-send done' }] }],
  },
};

describe('agentmeter init claude-code', () => {
  it('merges into an existing project settings file, idempotently, and --remove restores it', async () => {
    const cwd = tempDir();
    mkdirSync(join(cwd, '.claude'));
    const path = join(cwd, '.claude', 'settings.json');
    writeFileSync(path, JSON.stringify(USER_SETTINGS));
    const first = await init(cwd, []);
    expect(first.status).toBe(0);
    expect(first.stdout).toBe('');
    expect(first.stderr).toMatch(/registered agentmeter hooks/);
    const after = JSON.parse(readFileSync(path, 'utf8')) as typeof USER_SETTINGS & { hooks: Record<string, { matcher?: string; hooks: { command: string }[] }[]> };
    expect(after.model).toBe('opus');
    expect(after.permissions).toEqual(USER_SETTINGS.permissions);
    expect(after.hooks['PreToolUse']).toHaveLength(2);
    expect(after.hooks['PreToolUse']![0]).toEqual(USER_SETTINGS.hooks.PreToolUse[0]);
    expect(after.hooks['PreToolUse']![1]).toMatchObject({ matcher: 'Task|Agent', hooks: [{ type: 'command', timeout: 10 }] });
    expect(after.hooks['PreToolUse']![1]!.hooks[0]!.command).toMatch(/bin\.js hook$/);
    for (const r of HOOK_REGISTRATIONS) expect(after.hooks[r.event], r.event).toBeDefined();
    const text = readFileSync(path, 'utf8');
    const again = await init(cwd, ['--json']);
    expect(JSON.parse(again.stdout)).toMatchObject({ changed: [], action: 'install' });
    expect(readFileSync(path, 'utf8')).toBe(text);
    expect(readdirSync(join(cwd, '.claude'))).toEqual(['settings.json']);
    const removed = await init(cwd, ['--remove']);
    expect(removed.status).toBe(0);
    expect(JSON.parse(readFileSync(path, 'utf8'))).toEqual(USER_SETTINGS);
  });

  it('--global writes ~/.claude/settings.json, creating it', async () => {
    const cwd = tempDir();
    const home = tempDir();
    expect((await init(cwd, ['--global'], home)).status).toBe(0);
    expect(existsSync(join(home, '.claude', 'settings.json'))).toBe(true);
    expect(existsSync(join(cwd, '.claude'))).toBe(false);
  });

  it('refuses a settings file that is not JSON, changing nothing', async () => {
    const cwd = tempDir();
    mkdirSync(join(cwd, '.claude'));
    writeFileSync(join(cwd, '.claude', 'settings.json'), '{ "model": ');
    const r = await init(cwd, []);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/not valid JSON.*nothing was changed/);
    expect(readFileSync(join(cwd, '.claude', 'settings.json'), 'utf8')).toBe('{ "model": ');
    expect((await runCli(['init', 'cursor'], { cwd })).code).toBe(2);
  });

  it('reinstalling from another path replaces the old entry instead of doubling it', async () => {
    const a = addHooks({}, '/old/node_modules/agentmeter/dist/cli/bin.js hook').settings;
    const b = addHooks(a, 'node /new/agentmeter/dist/cli/bin.js hook');
    const pre = (b.settings['hooks'] as Record<string, { hooks: { command: string }[] }[]>)['PreToolUse']!;
    expect(pre).toHaveLength(1);
    expect(pre[0]!.hooks[0]!.command).toBe('node /new/agentmeter/dist/cli/bin.js hook');
    expect(removeHooks(b.settings, 'x').settings).toEqual({});
  });
});

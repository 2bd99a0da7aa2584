import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, renameSync, symlinkSync, writeFileSync } from 'node:fs';
import { delimiter, dirname, join, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { HOOK_REGISTRATIONS, addHooks, removeHooks, writeSettingsAtomic } from '../../src/integrations/claude-code/settings.js';
import { scanSpans } from '../../src/store/index.js';
import { tempDir } from '../helpers.js';
import { ClaudeSession } from './claude-code-payloads.js';

const REPO = resolve(import.meta.dirname, '../..');
const BIN = join(REPO, 'dist/cli/bin.js');

beforeAll(() => {
  if (!existsSync(BIN)) throw new Error('dist/cli/bin.js is missing: run `npm run build` (npm test does)');
});

function init(cwd: string, args: string[], home = cwd, bin = BIN, path = dirname(process.execPath)) {
  return spawnSync(process.execPath, [bin, 'init', 'claude-code', ...args], { cwd, encoding: 'utf8', env: { ...process.env, HOME: home, PATH: path } });
}

type Settings = { hooks: Record<string, { matcher?: string; hooks: { command: string }[] }[]> };

/** Run every registered hook command as Claude Code does: through a shell, payload on stdin. */
function runRegisteredHooks(settingsPath: string, projectDir: string, path: string): string[] {
  const settings = JSON.parse(readFileSync(settingsPath, 'utf8')) as Settings;
  const commands = new Set(Object.values(settings.hooks).flatMap((groups) => groups.flatMap((g) => g.hooks.map((h) => h.command))));
  const s = new ClaudeSession('5e551010-0000-4000-8000-000000000001', projectDir);
  for (const command of commands) {
    const r = spawnSync('/bin/sh', ['-c', command], { cwd: projectDir, input: JSON.stringify(s.start('startup')), encoding: 'utf8', timeout: 30_000, env: { HOME: projectDir, PATH: path, CLAUDE_PROJECT_DIR: projectDir, AGENTMETER_ENV: 'test' } });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toBe('');
  }
  return [...commands];
}

async function runsIn(store: string): Promise<number> {
  let n = 0;
  await scanSpans({ root: store, onSpan: (sp) => (n += sp.kind === 'run' ? 1 : 0) });
  return n;
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
  it('merges into your own .claude/settings.local.json by default, idempotently, and --remove restores it', () => {
    const cwd = tempDir();
    mkdirSync(join(cwd, '.claude'));
    const path = join(cwd, '.claude', 'settings.local.json');
    writeFileSync(path, JSON.stringify(USER_SETTINGS));
    const first = init(cwd, []);
    expect(first.status).toBe(0);
    expect(first.stdout).toBe('');
    expect(first.stderr).toMatch(/registered agentmeter hooks/);
    const after = JSON.parse(readFileSync(path, 'utf8')) as typeof USER_SETTINGS & { hooks: Record<string, { matcher?: string; hooks: { command: string }[] }[]> };
    expect(after.model).toBe('opus');
    expect(after.permissions).toEqual(USER_SETTINGS.permissions);
    expect(after.hooks['PreToolUse']).toHaveLength(2);
    expect(after.hooks['PreToolUse']![0]).toEqual(USER_SETTINGS.hooks.PreToolUse[0]);
    expect(after.hooks['PreToolUse']![1]).toMatchObject({ matcher: 'Task|Agent', hooks: [{ type: 'command', timeout: 10 }] });
    // Neither a dependency of this project nor on PATH: the portable command, and a warning.
    expect(after.hooks['PreToolUse']![1]!.hooks[0]!.command).toBe('agentmeter hook');
    expect(first.stderr).toMatch(/warning: agentmeter is neither a dependency of this project nor on PATH/);
    for (const r of HOOK_REGISTRATIONS) expect(after.hooks[r.event], r.event).toBeDefined();
    const text = readFileSync(path, 'utf8');
    const again = init(cwd, ['--json']);
    expect(JSON.parse(again.stdout)).toMatchObject({ changed: [], action: 'install' });
    expect(readFileSync(path, 'utf8')).toBe(text);
    expect(readdirSync(join(cwd, '.claude'))).toEqual(['settings.local.json']);
    const removed = init(cwd, ['--remove']);
    expect(removed.status).toBe(0);
    expect(JSON.parse(readFileSync(path, 'utf8'))).toEqual(USER_SETTINGS);
  });

  it('--global writes ~/.claude/settings.json, creating it', () => {
    const cwd = tempDir();
    const home = tempDir();
    expect(init(cwd, ['--global'], home).status).toBe(0);
    expect(existsSync(join(home, '.claude', 'settings.json'))).toBe(true);
    expect(existsSync(join(cwd, '.claude'))).toBe(false);
  });

  it('--shared writes the committed .claude/settings.json instead; registering in both files is warned about', () => {
    const cwd = tempDir();
    const home = tempDir();
    const shared = init(cwd, ['--shared'], home);
    expect(shared.status).toBe(0);
    expect(shared.stderr).not.toMatch(/recorded twice/);
    expect(readdirSync(join(cwd, '.claude'))).toEqual(['settings.json']);
    const local = init(cwd, [], home);
    expect(local.status).toBe(0);
    expect(local.stderr).toContain(`warning: ${join(cwd, '.claude', 'settings.json')} registers agentmeter hooks too, so every event would be recorded twice; take them out there with \`agentmeter init claude-code --shared --remove\``);
    expect(init(cwd, ['--shared', '--global']).status).toBe(2);
  });

  it('refuses a settings file that is not JSON, changing nothing', () => {
    const cwd = tempDir();
    mkdirSync(join(cwd, '.claude'));
    writeFileSync(join(cwd, '.claude', 'settings.local.json'), '{ "model": ');
    const r = init(cwd, []);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/not valid JSON.*nothing was changed/);
    expect(readFileSync(join(cwd, '.claude', 'settings.local.json'), 'utf8')).toBe('{ "model": ');
    expect(spawnSync(process.execPath, [BIN, 'init', 'cursor'], { cwd, encoding: 'utf8' }).status).toBe(2);
  });

  it('reinstalling from another path replaces the old entry instead of doubling it', () => {
    const a = addHooks({}, '/old/node_modules/agentmeter/dist/cli/bin.js hook').settings;
    const b = addHooks(a, 'node /new/agentmeter/dist/cli/bin.js hook');
    const pre = (b.settings['hooks'] as Record<string, { hooks: { command: string }[] }[]>)['PreToolUse']!;
    expect(pre).toHaveLength(1);
    expect(pre[0]!.hooks[0]!.command).toBe('node /new/agentmeter/dist/cli/bin.js hook');
    expect(removeHooks(b.settings, 'x').settings).toEqual({});
  });

  it('a symlinked settings file stays a symlink; the file it points to is updated', () => {
    const cwd = tempDir();
    mkdirSync(join(cwd, '.claude'));
    mkdirSync(join(cwd, 'dotfiles'));
    const real = join(cwd, 'dotfiles', 'claude-settings.json');
    writeFileSync(real, JSON.stringify(USER_SETTINGS));
    const link = join(cwd, '.claude', 'settings.local.json');
    symlinkSync('../dotfiles/claude-settings.json', link);
    expect(init(cwd, []).status).toBe(0);
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    expect(readlinkSync(link)).toBe('../dotfiles/claude-settings.json');
    const after = JSON.parse(readFileSync(real, 'utf8')) as Settings & { model: string };
    expect(after.model).toBe('opus');
    expect(after.hooks['SubagentStop']).toHaveLength(1);
    expect(readdirSync(join(cwd, 'dotfiles'))).toEqual(['claude-settings.json']);
    expect(readdirSync(join(cwd, '.claude'))).toEqual(['settings.local.json']);
  });

  it.each([
    ['"hooks" is an array', { hooks: [{ matcher: 'Bash' }] }, /"hooks" is an array, not an object of hook events/],
    ['an event holds an object', { hooks: { PreToolUse: { matcher: 'Bash', hooks: [] } } }, /"hooks\.PreToolUse" is an object, not an array of matcher groups/],
    ['a group is a string', { hooks: { Stop: ['notify-send done'] } }, /"hooks\.Stop\[0\]" is a string, not an object/],
    ["a group's hooks is a string", { hooks: { Notification: [{ hooks: 'say hi' }] } }, /"hooks\.Notification\[0\]\.hooks" is a string, not an array of hooks/],
  ])('refuses hooks of a shape Claude Code does not use (%s), naming it and changing nothing', (_name, settings, message) => {
    const cwd = tempDir();
    mkdirSync(join(cwd, '.claude'));
    const path = join(cwd, '.claude', 'settings.local.json');
    const text = JSON.stringify(settings, null, 4);
    writeFileSync(path, text);
    for (const args of [[], ['--remove']]) {
      const r = init(cwd, args);
      expect(r.status).toBe(1);
      expect(r.stderr).toMatch(message);
      expect(r.stderr).toMatch(/nothing was changed/);
      expect(readFileSync(path, 'utf8')).toBe(text);
    }
    expect(readdirSync(join(cwd, '.claude'))).toEqual(['settings.local.json']);
  });

  it('refuses a read-only settings file with a clear error and leaves no temp file', () => {
    const cwd = tempDir();
    mkdirSync(join(cwd, '.claude'));
    const path = join(cwd, '.claude', 'settings.local.json');
    writeFileSync(path, JSON.stringify(USER_SETTINGS));
    chmodSync(path, 0o444);
    const r = init(cwd, []);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/settings\.local\.json is read-only; nothing was changed/);
    expect(readFileSync(path, 'utf8')).toBe(JSON.stringify(USER_SETTINGS));
    expect(readdirSync(join(cwd, '.claude'))).toEqual(['settings.local.json']);
  });

  it('a write that fails removes its temp file and says what failed', () => {
    const dir = tempDir();
    // A folder where the file should be: the temp file is written, the rename fails.
    mkdirSync(join(dir, 'settings.json'));
    writeFileSync(join(dir, 'settings.json', 'keep'), '');
    expect(() => writeSettingsAtomic(join(dir, 'settings.json'), { hooks: {} })).toThrow(expect.objectContaining({ code: 'E_INIT_WRITE_FAILED', message: expect.stringMatching(/cannot write .*settings\.json.*nothing was changed/) }));
    expect(readdirSync(dir)).toEqual(['settings.json']);
  });

  it('in a project with agentmeter as a dependency, the registered command still works after the checkout moves', async () => {
    const parent = tempDir();
    const project = join(parent, 'shop');
    mkdirSync(join(project, 'node_modules', '.bin'), { recursive: true });
    // As npm installs it: the package in node_modules, its bin linked from node_modules/.bin.
    symlinkSync(REPO, join(project, 'node_modules', 'agentmeter'));
    symlinkSync('../agentmeter/dist/cli/bin.js', join(project, 'node_modules', '.bin', 'agentmeter'));
    const r = init(project, ['--json'], project, join(project, 'node_modules', '.bin', 'agentmeter'));
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ via: 'project', command: '"$CLAUDE_PROJECT_DIR"/node_modules/.bin/agentmeter hook' });
    expect(r.stderr).toBe('');
    const moved = join(parent, 'moved here', 'shop');
    mkdirSync(dirname(moved));
    renameSync(project, moved);
    const commands = runRegisteredHooks(join(moved, '.claude', 'settings.local.json'), moved, dirname(process.execPath));
    expect(commands).toEqual(['"$CLAUDE_PROJECT_DIR"/node_modules/.bin/agentmeter hook']);
    expect(await runsIn(join(moved, '.agentmeter'))).toBe(1);
    expect(existsSync(join(project))).toBe(false);
  });

  it('with agentmeter on PATH, the registered command is "agentmeter hook" and works from anywhere', async () => {
    const project = tempDir();
    const binDir = tempDir();
    symlinkSync(BIN, join(binDir, 'agentmeter'));
    const path = [binDir, dirname(process.execPath)].join(delimiter);
    const r = init(project, ['--json'], project, BIN, path);
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ via: 'path', command: 'agentmeter hook' });
    expect(r.stderr).toBe('');
    expect(runRegisteredHooks(join(project, '.claude', 'settings.local.json'), project, path)).toEqual(['agentmeter hook']);
    expect(await runsIn(join(project, '.agentmeter'))).toBe(1);
  });
});

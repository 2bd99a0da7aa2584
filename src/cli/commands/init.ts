import { statSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, join, resolve } from 'node:path';
import { addHooks, checkHooksShape, isAgentmeterHookCommand, readSettings, removeHooks, writeSettingsAtomic } from '../../integrations/claude-code/settings.js';
import type { CommandSpec } from '../command.js';
import { EXIT, UsageError } from '../io.js';

/** The hook command when agentmeter is a dependency of the project (Claude Code sets the variable). */
export const PROJECT_HOOK_COMMAND = '"$CLAUDE_PROJECT_DIR"/node_modules/.bin/agentmeter hook';
/** The hook command when agentmeter is on PATH. */
export const PATH_HOOK_COMMAND = 'agentmeter hook';

/** How the hook command was chosen, for the message `init` prints. */
export interface HookCommandChoice {
  command: string;
  /** `project`: the project's node_modules/.bin; `path`: PATH; `flag`: --command. */
  via: 'project' | 'path' | 'flag';
  /** Said on stderr when the command will not work as it is. */
  warning?: string;
}

function isFile(p: string): boolean {
  try {
    return statSync(p).isFile();
  } catch {
    return false;
  }
}

/**
 * The hook command to register. It names no path of this machine, so a settings file
 * keeps working after the checkout moves, Node is upgraded, or a teammate uses it: the
 * project's `node_modules/.bin/agentmeter` through `$CLAUDE_PROJECT_DIR` when agentmeter
 * is installed in the project (and `global` is not asked), else `agentmeter` on PATH. Both start Node once, as fast as the absolute path did; `npx` would add a package
 * lookup to every tool call (docs/performance.md).
 */
export function chooseHookCommand(opts: { projectDir: string; global: boolean; env: Record<string, string | undefined> }): HookCommandChoice {
  // The project's own install wins over the one running `init` (a global one, say): it is
  // the one every checkout of the project has.
  if (!opts.global && isFile(join(opts.projectDir, 'node_modules', '.bin', 'agentmeter'))) {
    return { command: PROJECT_HOOK_COMMAND, via: 'project' };
  }
  const dirs = (opts.env['PATH'] ?? '').split(delimiter).filter((d) => d !== '');
  if (dirs.some((d) => isFile(join(d, 'agentmeter')))) return { command: PATH_HOOK_COMMAND, via: 'path' };
  return {
    command: PATH_HOOK_COMMAND,
    via: 'path',
    warning:
      'agentmeter is neither a dependency of this project nor on PATH, so the hook cannot run yet: ' +
      '`npm install --save-dev agentmeter` (then run init again) or `npm install --global agentmeter`, or pass --command',
  };
}

/** Whether a settings file registers an agentmeter hook (false when missing or unreadable). */
function registersAgentmeter(path: string): boolean {
  let settings: Record<string, unknown>;
  try {
    settings = readSettings(path);
  } catch {
    return false;
  }
  const hooks = settings['hooks'];
  if (hooks === null || typeof hooks !== 'object') return false;
  return Object.values(hooks).some(
    (groups) =>
      Array.isArray(groups) &&
      groups.some((g: unknown) => g !== null && typeof g === 'object' && Array.isArray((g as { hooks?: unknown }).hooks) && ((g as { hooks: unknown[] }).hooks).some((h) => h !== null && typeof h === 'object' && isAgentmeterHookCommand((h as { command?: unknown }).command, ''))),
  );
}

export const initCommand: CommandSpec = {
  name: 'init',
  summary: 'register agentmeter with a tool: `init claude-code` adds the hooks to .claude/settings.local.json',
  args: [{ name: 'target', description: 'what to set up: claude-code', required: true }],
  options: [
    { flags: '--shared', description: 'use the project file the team commits, .claude/settings.json, instead of your own .claude/settings.local.json' },
    { flags: '--global', description: 'use ~/.claude/settings.json (every project of this user)' },
    { flags: '--remove', description: 'take agentmeter hooks out again (other hooks stay)' },
    { flags: '--settings <path>', description: 'settings file to edit (overrides --shared and --global)' },
    { flags: '--command <cmd>', description: 'hook command to register (default: see below)' },
    { flags: '--json', description: 'machine-readable result' },
  ],
  help: `
Merges hook registrations for SessionStart, SessionEnd, Stop, StopFailure,
PreToolUse/PostToolUse/PostToolUseFailure (matcher Task|Agent), SubagentStart and
SubagentStop into a Claude Code settings file, keeping every other setting and hook.
Running it again changes nothing; --remove takes out exactly agentmeter's entries. The file
is replaced atomically; a symlinked file stays a symlink; a read-only file, or a "hooks"
section of a shape Claude Code does not use, is refused and left as it was.

Which file: .claude/settings.local.json (yours, not committed) unless --shared
(.claude/settings.json, committed for the team), --global or --settings.

The command registered names no path of this machine, so it survives moving the checkout
or upgrading Node and works for teammates:
  "$CLAUDE_PROJECT_DIR"/node_modules/.bin/agentmeter hook   when agentmeter is a dependency of the project
  agentmeter hook                                           otherwise (agentmeter on PATH)

Events go to $CLAUDE_PROJECT_DIR/.agentmeter (or $AGENTMETER_DIR when set).

Examples:
  $ agentmeter init claude-code
  $ agentmeter init claude-code --shared
  $ agentmeter init claude-code --global
  $ agentmeter init claude-code --remove`,
  run(args, opts, io) {
    const target = args[0];
    if (target !== 'claude-code') throw new UsageError(`unknown init target ${JSON.stringify(target)}; supported: claude-code`);
    if (opts['shared'] === true && opts['global'] === true) throw new UsageError('--shared and --global name different files; choose one');
    const home = io.env['HOME'] && io.env['HOME'] !== '' ? io.env['HOME'] : homedir();
    const global = opts['global'] === true;
    const path =
      typeof opts['settings'] === 'string'
        ? resolve(io.cwd, opts['settings'])
        : global
          ? join(home, '.claude', 'settings.json')
          : join(io.cwd, '.claude', opts['shared'] === true ? 'settings.json' : 'settings.local.json');
    const flag = typeof opts['command'] === 'string' && opts['command'].trim() !== '' ? opts['command'] : undefined;
    const choice: HookCommandChoice = flag !== undefined ? { command: flag, via: 'flag' } : chooseHookCommand({ projectDir: io.cwd, global, env: io.env });
    const command = choice.command;
    const before = readSettings(path);
    checkHooksShape(before, path);
    const remove = opts['remove'] === true;
    const change = remove ? removeHooks(before, command) : addHooks(before, command);
    if (change.changed.length > 0) writeSettingsAtomic(path, change.settings);
    if (opts['json'] === true) {
      io.stdout.write(JSON.stringify({ settings: path, action: remove ? 'remove' : 'install', command, via: choice.via, changed: change.changed, unchanged: change.unchanged }, null, 2) + '\n');
    } else if (remove) {
      io.stderr.write(change.changed.length > 0 ? `removed agentmeter hooks (${change.changed.join(', ')}) from ${path}\n` : `no agentmeter hooks in ${path}; nothing changed\n`);
    } else {
      io.stderr.write(
        change.changed.length > 0
          ? `registered agentmeter hooks (${change.changed.join(', ')}) in ${path}\ncommand: ${command}\n`
          : `agentmeter hooks already registered in ${path}; nothing changed\n`,
      );
    }
    if (!remove && choice.warning !== undefined) io.stderr.write(`warning: ${choice.warning}\n`);
    if (!remove) {
      // Claude Code runs the hooks of every settings file: two registrations record each event twice.
      const others: [string, string][] = [
        [join(io.cwd, '.claude', 'settings.json'), ' --shared'],
        [join(io.cwd, '.claude', 'settings.local.json'), ''],
        [join(home, '.claude', 'settings.json'), ' --global'],
      ];
      const seen = new Set([path]);
      for (const [other, flag] of others) {
        if (seen.has(other)) continue;
        seen.add(other);
        if (!registersAgentmeter(other)) continue;
        io.stderr.write(`warning: ${other} registers agentmeter hooks too, so every event would be recorded twice; take them out there with \`agentmeter init claude-code${flag} --remove\`\n`);
      }
    }
    return Promise.resolve(EXIT.ok);
  },
};

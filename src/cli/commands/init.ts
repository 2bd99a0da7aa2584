import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { addHooks, readSettings, removeHooks, writeSettingsAtomic } from '../../integrations/claude-code/settings.js';
import type { CommandSpec } from '../command.js';
import { EXIT, UsageError } from '../io.js';

/** Quote for a POSIX shell when needed. */
function shellQuote(s: string): string {
  return /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

/** The hook command to register: this Node and this bin, by absolute path (no npx start-up). */
export function defaultHookCommand(): string {
  const bin = fileURLToPath(new URL('../bin.js', import.meta.url));
  return `${shellQuote(process.execPath)} ${shellQuote(bin)} hook`;
}

export const initCommand: CommandSpec = {
  name: 'init',
  summary: 'register agentmeter with a tool: `init claude-code` adds the hooks to .claude/settings.json',
  args: [{ name: 'target', description: 'what to set up: claude-code', required: true }],
  options: [
    { flags: '--global', description: 'use ~/.claude/settings.json instead of ./.claude/settings.json' },
    { flags: '--remove', description: 'take agentmeter hooks out again (other hooks stay)' },
    { flags: '--settings <path>', description: 'settings file to edit (overrides --global)' },
    { flags: '--command <cmd>', description: 'hook command to register (default: this node and bin by absolute path, then "hook")' },
    { flags: '--json', description: 'machine-readable result' },
  ],
  help: `
Merges hook registrations for SessionStart, SessionEnd, PreToolUse/PostToolUse/
PostToolUseFailure (matcher Task|Agent), SubagentStart and SubagentStop into the settings
file, keeping every other setting and hook. Running it again changes nothing; --remove
takes out exactly agentmeter's entries. The file is replaced atomically.

Events go to $CLAUDE_PROJECT_DIR/.agentmeter (or $AGENTMETER_DIR when set).

Examples:
  $ agentmeter init claude-code
  $ agentmeter init claude-code --global
  $ agentmeter init claude-code --remove
  $ agentmeter init claude-code --command "agentmeter hook"     when agentmeter is on PATH`,
  run(args, opts, io) {
    const target = args[0];
    if (target !== 'claude-code') throw new UsageError(`unknown init target ${JSON.stringify(target)}; supported: claude-code`);
    const home = io.env['HOME'] && io.env['HOME'] !== '' ? io.env['HOME'] : homedir();
    const path =
      typeof opts['settings'] === 'string'
        ? resolve(io.cwd, opts['settings'])
        : opts['global'] === true
          ? join(home, '.claude', 'settings.json')
          : join(io.cwd, '.claude', 'settings.json');
    const command = typeof opts['command'] === 'string' && opts['command'].trim() !== '' ? opts['command'] : defaultHookCommand();
    const before = readSettings(path);
    const change = opts['remove'] === true ? removeHooks(before, command) : addHooks(before, command);
    if (change.changed.length > 0) writeSettingsAtomic(path, change.settings);
    if (opts['json'] === true) {
      io.stdout.write(JSON.stringify({ settings: path, action: opts['remove'] === true ? 'remove' : 'install', command, changed: change.changed, unchanged: change.unchanged }, null, 2) + '\n');
    } else if (opts['remove'] === true) {
      io.stderr.write(change.changed.length > 0 ? `removed agentmeter hooks (${change.changed.join(', ')}) from ${path}\n` : `no agentmeter hooks in ${path}; nothing changed\n`);
    } else {
      io.stderr.write(
        change.changed.length > 0
          ? `registered agentmeter hooks (${change.changed.join(', ')}) in ${path}\ncommand: ${command}\n`
          : `agentmeter hooks already registered in ${path}; nothing changed\n`,
      );
    }
    return Promise.resolve(EXIT.ok);
  },
};

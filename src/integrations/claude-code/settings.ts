/**
 * Registering `agentmeter hook` in Claude Code's `settings.json` (docs/integrations.md): merged
 * into whatever the user has (other settings, other hooks, other matchers untouched),
 * idempotent (a second install changes nothing), removable, and written atomically
 * (temp file, fsync, rename) so a crash never leaves a half-written settings file.
 */
import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { AgentmeterError } from '../../model/diagnostics.js';

/** The hook events agentmeter registers, with their matcher (tool events only). */
export const HOOK_REGISTRATIONS: readonly { event: string; matcher?: string }[] = [
  { event: 'SessionStart' },
  { event: 'SessionEnd' },
  { event: 'PreToolUse', matcher: 'Task|Agent' },
  { event: 'PostToolUse', matcher: 'Task|Agent' },
  { event: 'PostToolUseFailure', matcher: 'Task|Agent' },
  { event: 'SubagentStart' },
  { event: 'SubagentStop' },
];

/** Seconds Claude Code waits for the hook; it returns in milliseconds. */
export const HOOK_TIMEOUT_S = 10;

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);

/** Whether a hook command is agentmeter's. */
export function isAgentmeterHookCommand(command: unknown, ours: string): boolean {
  if (typeof command !== 'string') return false;
  if (command.trim() === ours.trim()) return true;
  return /agentmeter/.test(command) && /(?:^|\s)hook(?:\s|$)/.test(command);
}

/** What a change did, per hook event. */
export interface SettingsChange {
  /** Hook events registered (install) or unregistered (remove) by this call. */
  changed: string[];
  /** Hook events that already were as asked. */
  unchanged: string[];
  /** The new settings object. */
  settings: Obj;
}

/** Add agentmeter's hooks to `settings` (a parsed settings.json), returning a new object. */
export function addHooks(settings: Obj, command: string): SettingsChange {
  const out: Obj = structuredClone(settings);
  const hooks: Obj = isObj(out['hooks']) ? out['hooks'] : {};
  out['hooks'] = hooks;
  const changed: string[] = [];
  const unchanged: string[] = [];
  for (const reg of HOOK_REGISTRATIONS) {
    const groups = Array.isArray(hooks[reg.event]) ? (hooks[reg.event] as unknown[]) : [];
    const present = groups.some(
      (g) => isObj(g) && (g['matcher'] ?? undefined) === reg.matcher && Array.isArray(g['hooks']) && g['hooks'].some((h) => isObj(h) && h['command'] === command),
    );
    if (present) {
      unchanged.push(reg.event);
      continue;
    }
    // Drop an older agentmeter entry (another path or matcher) so reinstalling never doubles it.
    const cleaned = stripOurs(groups, command);
    const group: Obj = {};
    if (reg.matcher !== undefined) group['matcher'] = reg.matcher;
    group['hooks'] = [{ type: 'command', command, timeout: HOOK_TIMEOUT_S }];
    cleaned.push(group);
    hooks[reg.event] = cleaned;
    changed.push(reg.event);
  }
  return { changed, unchanged, settings: out };
}

/** Remove agentmeter's hooks from `settings`, keeping every other hook. */
export function removeHooks(settings: Obj, command: string): SettingsChange {
  const out: Obj = structuredClone(settings);
  const changed: string[] = [];
  const unchanged: string[] = [];
  if (!isObj(out['hooks'])) return { changed, unchanged: HOOK_REGISTRATIONS.map((r) => r.event), settings: out };
  const hooks = out['hooks'];
  for (const event of Object.keys(hooks)) {
    const groups = hooks[event];
    if (!Array.isArray(groups)) continue;
    const cleaned = stripOurs(groups, command);
    if (JSON.stringify(cleaned) === JSON.stringify(groups)) continue;
    changed.push(event);
    if (cleaned.length === 0) delete hooks[event];
    else hooks[event] = cleaned;
  }
  for (const r of HOOK_REGISTRATIONS) if (!changed.includes(r.event)) unchanged.push(r.event);
  if (Object.keys(hooks).length === 0) delete out['hooks'];
  return { changed, unchanged, settings: out };
}

function stripOurs(groups: unknown[], command: string): unknown[] {
  const out: unknown[] = [];
  for (const g of groups) {
    if (!isObj(g) || !Array.isArray(g['hooks'])) {
      out.push(g);
      continue;
    }
    const kept = g['hooks'].filter((h) => !(isObj(h) && isAgentmeterHookCommand(h['command'], command)));
    if (kept.length === g['hooks'].length) out.push(g);
    else if (kept.length > 0) out.push({ ...g, hooks: kept });
  }
  return out;
}

/** Read a settings file: `{}` when missing; a clear error when it is not a JSON object. */
export function readSettings(path: string): Obj {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e: unknown) {
    if ((e as { code?: unknown }).code === 'ENOENT') return {};
    throw new AgentmeterError('E_INIT_UNREADABLE', `cannot read ${path}: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  }
  if (text.trim() === '') return {};
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e: unknown) {
    throw new AgentmeterError('E_INIT_BAD_SETTINGS', `${path} is not valid JSON (${e instanceof Error ? e.message : String(e)}); fix it first, nothing was changed`);
  }
  if (!isObj(v)) throw new AgentmeterError('E_INIT_BAD_SETTINGS', `${path} must hold a JSON object; nothing was changed`);
  return v;
}

/** Write `settings` to `path` atomically: temp file in the same folder, fsync, rename. */
export function writeSettingsAtomic(path: string, settings: Obj): void {
  const dir = dirname(path);
  mkdirSync(dir, { recursive: true });
  const tmp = join(dir, `.settings.json.agentmeter-${process.pid}-${Date.now()}.tmp`);
  const fd = openSync(tmp, 'w', 0o644);
  try {
    writeSync(fd, JSON.stringify(settings, null, 2) + '\n');
    fsyncSync(fd);
  } catch (e: unknown) {
    closeSync(fd);
    rmSync(tmp, { force: true });
    throw e;
  }
  closeSync(fd);
  renameSync(tmp, path);
}

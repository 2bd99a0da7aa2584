/**
 * Registering `agentmeter hook` in a Claude Code settings file (docs/integrations.md):
 * merged into whatever the user has (other settings, other hooks, other matchers
 * untouched), idempotent (a second install changes nothing), removable, and written
 * atomically (temp file, fsync, rename) so a crash never leaves a half-written file. A
 * `hooks` section of a shape Claude Code's settings do not have is refused, never dropped;
 * a symlinked settings file stays a symlink (its target is replaced); a read-only one is
 * refused; a failed write leaves no temp file.
 */
import { closeSync, fsyncSync, lstatSync, mkdirSync, openSync, readFileSync, realpathSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { AgentmeterError } from '../../model/diagnostics.js';

/** The hook events agentmeter registers, with their matcher (tool events only). */
export const HOOK_REGISTRATIONS: readonly { event: string; matcher?: string }[] = [
  { event: 'SessionStart' },
  { event: 'SessionEnd' },
  { event: 'Stop' },
  { event: 'StopFailure' },
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

/**
 * Throw `E_INIT_BAD_SETTINGS` when `hooks` has a shape other than Claude Code's
 * (`{ "<Event>": [ { "matcher"?: string, "hooks": [ … ] } ] }`), naming where: merging
 * into a shape not understood could only drop or garble the user's entries.
 */
export function checkHooksShape(settings: Obj, path: string): void {
  const hooks = settings['hooks'];
  if (hooks === undefined) return;
  const bad = (where: string, what: string): never => {
    throw new AgentmeterError('E_INIT_BAD_SETTINGS', `${path}: ${where} ${what}, which Claude Code's settings do not allow; fix it by hand first, nothing was changed`);
  };
  if (!isObj(hooks)) bad('"hooks"', `is ${kindOf(hooks)}, not an object of hook events`);
  for (const [event, groups] of Object.entries(hooks as Obj)) {
    if (!Array.isArray(groups)) bad(`"hooks.${event}"`, `is ${kindOf(groups)}, not an array of matcher groups`);
    for (const [i, g] of (groups as unknown[]).entries()) {
      if (!isObj(g)) bad(`"hooks.${event}[${i}]"`, `is ${kindOf(g)}, not an object`);
      const inner = (g as Obj)['hooks'];
      if (!Array.isArray(inner)) bad(`"hooks.${event}[${i}].hooks"`, `is ${kindOf(inner)}, not an array of hooks`);
    }
  }
}

function kindOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (v === undefined) return 'missing';
  return typeof v === 'object' ? 'an object' : `a ${typeof v}`;
}

/** Add agentmeter's hooks to `settings` (a parsed settings file), returning a new object. */
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

/**
 * Write `settings` to `path` atomically: temp file beside the real file, fsync, rename.
 * A symlinked `path` keeps its link (the file it points to is replaced) and a file's mode
 * is kept. A read-only file is refused (`E_INIT_READ_ONLY`), also for root, who could
 * replace it; any failure removes the temp file and throws `E_INIT_WRITE_FAILED`.
 */
export function writeSettingsAtomic(path: string, settings: Obj): void {
  const target = resolveLink(path);
  let mode = 0o644;
  try {
    const st = statSync(target);
    if ((st.mode & 0o222) === 0) throw new AgentmeterError('E_INIT_READ_ONLY', `${path} is read-only; nothing was changed (make it writable, or choose another file with --settings)`);
    mode = st.mode & 0o777;
  } catch (e: unknown) {
    if (e instanceof AgentmeterError) throw e;
    if ((e as { code?: unknown }).code !== 'ENOENT') throw writeFailed(path, e);
  }
  const dir = dirname(target);
  const tmp = join(dir, `.${basename(target)}.agentmeter-${process.pid}-${Date.now()}.tmp`);
  let fd: number | undefined;
  try {
    mkdirSync(dir, { recursive: true });
    fd = openSync(tmp, 'wx', mode);
    writeSync(fd, JSON.stringify(settings, null, 2) + '\n');
    fsyncSync(fd);
    closeSync(fd);
    fd = undefined;
    renameSync(tmp, target);
  } catch (e: unknown) {
    if (fd !== undefined) closeSync(fd);
    rmSync(tmp, { force: true });
    throw writeFailed(path, e);
  }
}

/** The file a settings path names: a symlink's final target, or the path itself. */
function resolveLink(path: string): string {
  try {
    return realpathSync(path);
  } catch (e: unknown) {
    if ((e as { code?: unknown }).code !== 'ENOENT') throw writeFailed(path, e);
  }
  let isLink = false;
  try {
    isLink = lstatSync(path).isSymbolicLink();
  } catch {
    // Missing: a new file.
  }
  if (isLink) throw new AgentmeterError('E_INIT_WRITE_FAILED', `${path} is a symbolic link to a file that does not exist; nothing was changed (create the target or remove the link)`);
  return path;
}

function writeFailed(path: string, e: unknown): AgentmeterError {
  return new AgentmeterError('E_INIT_WRITE_FAILED', `cannot write ${path}: ${e instanceof Error ? e.message : String(e)}; nothing was changed`, { cause: e });
}

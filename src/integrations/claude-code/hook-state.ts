/**
 * The little a Claude Code hook process must leave for a later one, in small files under
 * `<store>/claude-code/`: a session's current part and how its turns ended
 * (`sessions/<key>.json`), and a background sub-agent's launch waiting for its stop, or a
 * stop waiting for its launch (`agents/<session key>/<agent key>.json`).
 *
 * File names are hashes of the ids (never the ids, which come from the payload). A session
 * file is replaced by rename (one writer at a time: Claude Code runs a session's
 * lifecycle hooks one after another). The agent rendezvous is race-free across processes:
 * each side creates its file whole or not at all (written privately, then linked into
 * place); the side that finds the other's file already there takes it (rename to a private
 * name, so exactly one process takes it) and writes the end. Nothing here follows a
 * symbolic link: files are created with `O_EXCL` and placed by `link` or `rename`, and
 * reads use `O_NOFOLLOW`.
 */
import { closeSync, constants, linkSync, mkdirSync, openSync, readFileSync, readdirSync, renameSync, rmSync, rmdirSync, statSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { derivedUuid } from '../../store/derived-ids.js';
import type { AgentRendezvous, SessionState } from './hook-events.js';

const NS = 'agentmeter.claude-code.state';
const { O_CREAT, O_EXCL, O_WRONLY, O_RDONLY, O_NOFOLLOW } = constants;

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);

/** Small state files of the Claude Code hook under one store root. */
export class HookState {
  readonly #dir: string;

  constructor(root: string) {
    this.#dir = join(root, 'claude-code');
  }

  #sessionFile(sessionId: string): string {
    return join(this.#dir, 'sessions', `${derivedUuid(NS, 'session', sessionId)}.json`);
  }

  #agentDir(sessionId: string): string {
    return join(this.#dir, 'agents', derivedUuid(NS, 'session', sessionId));
  }

  #agentFile(sessionId: string, agentId: string): string {
    return join(this.#agentDir(sessionId), `${derivedUuid(NS, 'agent', agentId)}.json`);
  }

  /** The session's state, or `undefined` when none was kept (or it is unreadable). */
  readSession(sessionId: string): SessionState | undefined {
    const v = readJson(this.#sessionFile(sessionId));
    if (!isObj(v) || typeof v['runId'] !== 'string' || typeof v['part'] !== 'number') return undefined;
    const s: SessionState = {
      part: v['part'],
      runId: v['runId'],
      turns: typeof v['turns'] === 'number' ? v['turns'] : 0,
      failedTurns: typeof v['failedTurns'] === 'number' ? v['failedTurns'] : 0,
      ended: v['ended'] === true,
    };
    if (typeof v['lastError'] === 'string') s.lastError = v['lastError'];
    return s;
  }

  writeSession(sessionId: string, state: SessionState): void {
    const file = this.#sessionFile(sessionId);
    const tmp = `${file}.${process.pid}.tmp`;
    rmSync(tmp, { force: true });
    createExclusive(tmp, JSON.stringify(state));
    renameSync(tmp, file);
  }

  /**
   * Leave `record` for the other side of a background sub-agent, or take the other side's
   * record when it is already there (returned; then nothing is left behind). A second
   * record of the same side (a `StopFailure` then a `SubagentStop`) keeps the first.
   */
  meetAgent(sessionId: string, agentId: string, record: AgentRendezvous): AgentRendezvous | undefined {
    const file = this.#agentFile(sessionId, agentId);
    const text = JSON.stringify(record);
    // A few rounds at most: each failed round means another process took the file meanwhile.
    for (let round = 0; round < 3; round++) {
      if (createExclusive(file, text)) return undefined;
      const there = asRecord(readJson(file));
      if (there !== undefined && there.side === record.side) return undefined;
      const other = take(file);
      if (other === undefined) continue;
      if (other.side !== record.side) return other;
      createExclusive(file, JSON.stringify(other));
      return undefined;
    }
    return undefined;
  }

  /** Drop what was left for an agent (a foreground one, whose result came with its PostToolUse). */
  forgetAgent(sessionId: string, agentId: string): void {
    rmSync(this.#agentFile(sessionId, agentId), { force: true });
  }

  /** Take every record of a session that ended: the launches still waiting are returned. */
  sweepAgents(sessionId: string): AgentRendezvous[] {
    const dir = this.#agentDir(sessionId);
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch {
      return [];
    }
    const out: AgentRendezvous[] = [];
    for (const name of names) {
      if (!name.endsWith('.json')) continue;
      const r = take(join(dir, name));
      if (r?.side === 'launched') out.push(r);
    }
    try {
      rmdirSync(dir);
    } catch {
      // A hook of the same session created a file meanwhile; it stays for its other side.
    }
    return out;
  }

  /**
   * Drop session files and agent folders not touched for `maxAgeMs` (sessions that ended
   * long ago, or whose process was killed before `SessionEnd`). Run once per session start:
   * one listing of two small folders.
   */
  prune(nowMs: number, maxAgeMs: number): void {
    for (const sub of ['sessions', 'agents']) {
      const dir = join(this.#dir, sub);
      let names: string[];
      try {
        names = readdirSync(dir);
      } catch {
        continue;
      }
      for (const name of names) {
        const p = join(dir, name);
        try {
          if (nowMs - statSync(p).mtimeMs > maxAgeMs) rmSync(p, { recursive: true, force: true });
        } catch {
          // Removed by a neighbour meanwhile.
        }
      }
    }
  }
}

/**
 * Create `file` with `text` unless it exists; false when it does. The content is written
 * to a private temp file first and then linked into place (`link` fails when the name
 * exists), so a reader never sees a half-written file. Creates the folder.
 */
function createExclusive(file: string, text: string): boolean {
  const tmp = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.new`;
  let fd: number;
  try {
    fd = openSync(tmp, O_CREAT | O_EXCL | O_WRONLY, 0o644);
  } catch (e: unknown) {
    if ((e as { code?: unknown }).code !== 'ENOENT') throw e;
    mkdirSync(dirname(file), { recursive: true });
    fd = openSync(tmp, O_CREAT | O_EXCL | O_WRONLY, 0o644);
  }
  try {
    try {
      writeSync(fd, text);
    } finally {
      closeSync(fd);
    }
    linkSync(tmp, file);
    return true;
  } catch (e: unknown) {
    if ((e as { code?: unknown }).code === 'EEXIST') return false;
    throw e;
  } finally {
    rmSync(tmp, { force: true });
  }
}

/** Atomically take a rendezvous file: rename it away (one process wins), read, delete. */
function take(file: string): AgentRendezvous | undefined {
  const mine = `${file}.${process.pid}.taken`;
  try {
    renameSync(file, mine);
  } catch {
    return undefined;
  }
  const v = readJson(mine);
  rmSync(mine, { force: true });
  return asRecord(v);
}

function asRecord(v: unknown): AgentRendezvous | undefined {
  if (!isObj(v) || (v['side'] !== 'launched' && v['side'] !== 'stopped') || typeof v['ts'] !== 'string' || !isObj(v['attrs'])) return undefined;
  return v as unknown as AgentRendezvous;
}

function readJson(file: string): unknown {
  let fd: number;
  try {
    fd = openSync(file, O_RDONLY | O_NOFOLLOW);
  } catch {
    return undefined;
  }
  try {
    return JSON.parse(readFileSync(fd, 'utf8')) as unknown;
  } catch {
    return undefined;
  } finally {
    closeSync(fd);
  }
}

/**
 * `agentmeter hook`: one Claude Code hook call, one short-lived process. It must cost little
 * more than starting Node (bench/hook-startup.mjs), so it loads only the modules below (no
 * CLI framework, no schema validator) and writes its events with one `write`.
 *
 * Every hook process of a session appends to that session's segment
 * (`events/<day>/claude-code-<run>.jsonl`, O_APPEND) instead of creating a file per call:
 * a session fires hooks for every sub-agent, and a file each would flood the day folder.
 * Parallel hooks of one session share the file, so each write starts with a newline: a
 * neighbour killed mid-write leaves a torn fragment that ends at that newline instead of
 * gluing onto this line (docs/durability.md); the reader skips blank lines. The segment is
 * opened with `O_NOFOLLOW`: its name is predictable, so a symbolic link planted there is
 * refused (the call is reported on stderr) instead of followed.
 *
 * Contract with Claude Code (docs/integrations.md): exit 0 always, nothing on stdout, never
 * wait on a terminal. A malformed payload is recorded as a failed `tool` span named
 * `agentmeter.hook` (`error.type` `malformed_payload`) and reported on stderr.
 */
import { closeSync, constants, mkdirSync, openSync, writeSync } from 'node:fs';
import { homedir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import type { AgentmeterEvent } from '../../model/events.js';
import { SCHEMA_VERSION } from '../../model/events.js';
import { uuidv7 } from '../../model/ids.js';
import { createRedactor } from '../../model/redact.js';
import { derivedUuid } from '../../store/derived-ids.js';
import type { HookEffect } from './hook-events.js';
import { backgroundAgentEnd, mapHookPayload } from './hook-events.js';
import { HookState } from './hook-state.js';
import type { StdinPayload } from './stdin.js';
import { readStdin } from './stdin.js';
import { readTranscriptUsage } from './transcript-usage.js';

/** Longest payload read; a sub-agent's full output rides in `tool_response`. */
const MAX_PAYLOAD_BYTES = 32 * 1024 * 1024;
/**
 * State files of a session untouched this long are dropped: resuming a session that old
 * starts a part not linked to the earlier ones (docs/integrations.md).
 */
const STATE_MAX_AGE_MS = 30 * 86_400_000;
/** Descriptions and error messages keep at most this many characters. */
const MAX_TEXT = 500;

/** Inputs of one hook call, injected so tests need no subprocess. */
export interface HookRun {
  /** The payload text, or `undefined` when stdin is a terminal or unreadable. */
  payload: string | undefined;
  /** Why reading stdin stopped before its end, when it did (`readStdin`). */
  incomplete?: StdinPayload['incomplete'] | undefined;
  /** Arguments after `hook`. */
  argv: readonly string[];
  env: Record<string, string | undefined>;
  cwd: string;
  stderr: (s: string) => void;
  nowMs?: number;
}

/** What one hook call did, for tests and the CLI wrapper. */
export interface HookOutcome {
  /** Events written. */
  written: number;
  /** Why the payload was rejected, when it was. */
  malformed?: string;
  /** Segment written to, if any. */
  file?: string;
}

/** Store root: `--dir`, `AGENTMETER_DIR`, `$CLAUDE_PROJECT_DIR/.agentmeter`, the payload's `cwd`, the process cwd. */
function storeRoot(run: HookRun, payloadCwd: string | undefined): string {
  const i = run.argv.indexOf('--dir');
  const flag = i >= 0 ? run.argv[i + 1] : run.argv.find((a) => a.startsWith('--dir='))?.slice(6);
  const nonEmpty = (s: string | undefined): string | undefined => (s !== undefined && s.trim() !== '' ? s : undefined);
  const base = nonEmpty(run.env['CLAUDE_PROJECT_DIR']) ?? nonEmpty(payloadCwd) ?? run.cwd;
  const chosen = nonEmpty(flag) ?? nonEmpty(run.env['AGENTMETER_DIR']) ?? join(base, '.agentmeter');
  return isAbsolute(chosen) ? chosen : resolve(run.cwd, chosen);
}

/** Handle one hook call. Never throws; problems go to `stderr`. */
export function runHook(run: HookRun): HookOutcome {
  try {
    return handle(run);
  } catch (e: unknown) {
    run.stderr(`agentmeter hook: ${e instanceof Error ? e.message : String(e)}\n`);
    return { written: 0 };
  }
}

function handle(run: HookRun): HookOutcome {
  if (run.env['AGENTMETER_DISABLED'] === '1') return { written: 0 };
  const nowMs = run.nowMs ?? Date.now();
  const envFlag = run.argv.indexOf('--env');
  const env = (envFlag >= 0 ? run.argv[envFlag + 1] : undefined) ?? run.env['AGENTMETER_ENV'] ?? 'dev';
  const redact = createRedactor({ homeDirs: [homedir()], maxLength: MAX_TEXT });
  let parsed: unknown;
  let malformed: string | undefined;
  if (run.payload === undefined) malformed = 'no payload on stdin';
  else if (run.incomplete === 'timeout') malformed = `stdin not closed within the wait (${Buffer.byteLength(run.payload)} bytes received)`;
  else if (run.incomplete === 'too_large') malformed = `payload larger than ${MAX_PAYLOAD_BYTES} bytes`;
  else if (run.payload.trim() === '') malformed = 'empty payload on stdin';
  else {
    try {
      parsed = JSON.parse(run.payload);
    } catch (e: unknown) {
      malformed = `payload is not JSON (${e instanceof Error ? e.message : String(e)})`;
    }
  }
  const payload = parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : undefined;
  const payloadCwd = payload?.['cwd'];
  const root = storeRoot(run, typeof payloadCwd === 'string' ? payloadCwd : undefined);
  const state = new HookState(root);
  let events: AgentmeterEvent[] = [];
  let runId: string | undefined;
  let effects: HookEffect[] = [];
  if (malformed === undefined) {
    const sessionId = payload?.['session_id'];
    const session = typeof sessionId === 'string' && sessionId !== '' ? state.readSession(sessionId) : undefined;
    const m = mapHookPayload(parsed, { nowMs, env, redact, newId: uuidv7, session });
    runId = m.runId;
    if (m.ok) {
      events = m.events;
      effects = m.effects;
    } else malformed = m.error;
  }
  if (malformed !== undefined) {
    run.stderr(`agentmeter hook: malformed payload recorded as an error: ${malformed}\n`);
    events = [malformedEvent(malformed, runId, env, nowMs, redact)];
  }
  // The events first: a state file without its events would end a span never started.
  let file: string | undefined;
  if (events.length > 0) file = append(root, events, runId ?? events[0]!.run_id ?? 'unknown');
  const later = applyEffects(state, effects, env, nowMs);
  if (later.length > 0) file = append(root, later, later[0]!.run_id ?? runId ?? 'unknown');
  const written = events.length + later.length;
  if (written === 0) return { written: 0 };
  const out: HookOutcome = { written, file: file! };
  if (malformed !== undefined) out.malformed = malformed;
  return out;
}

/** Keep what the mapping asked to keep; returns events that settling it produced. */
function applyEffects(state: HookState, effects: readonly HookEffect[], env: string, nowMs: number): AgentmeterEvent[] {
  const out: AgentmeterEvent[] = [];
  for (const f of effects) {
    switch (f.kind) {
      case 'session':
        state.writeSession(f.sessionId, f.state);
        break;
      case 'agent': {
        // Whichever of launch and stop comes second finds the other and writes the end.
        const other = state.meetAgent(f.sessionId, f.agentId, f.record);
        if (other === undefined || other.side === f.record.side) break;
        const [launched, stopped] = f.record.side === 'launched' ? [f.record, other] : [other, f.record];
        const usage = stopped.transcriptPath === undefined ? undefined : readTranscriptUsage(stopped.transcriptPath);
        const end = backgroundAgentEnd(launched, stopped, env, uuidv7, usage);
        if (end) out.push(end);
        break;
      }
      case 'agent-done':
        state.forgetAgent(f.sessionId, f.agentId);
        break;
      case 'session-started':
        state.prune(nowMs, STATE_MAX_AGE_MS);
        break;
      case 'session-ended':
        // Background sub-agents still running when their session ends stop with it.
        for (const launched of state.sweepAgents(f.sessionId)) {
          const end = backgroundAgentEnd(launched, { side: 'stopped', status: 'cancelled', attrs: { 'error.type': 'session_ended' }, ts: new Date(nowMs).toISOString() }, env, uuidv7);
          if (end) out.push(end);
        }
        break;
    }
  }
  return out;
}

function malformedEvent(error: string, runId: string | undefined, env: string, nowMs: number, redact: (s: string) => string): AgentmeterEvent {
  const ts = new Date(nowMs).toISOString();
  const e = {
    v: SCHEMA_VERSION,
    id: uuidv7(nowMs),
    ts,
    type: 'span',
    span_id: uuidv7(nowMs),
    run_id: runId ?? derivedUuid('agentmeter.claude-code', 'run', 'unknown'),
    env,
    kind: 'tool',
    name: 'agentmeter.hook',
    parent_id: runId ?? null,
    start_ts: ts,
    duration_ms: 0,
    status: 'failure',
    attrs: { 'gen_ai.tool.name': 'agentmeter.hook', 'error.type': 'malformed_payload', 'error.message': redact(error) },
  };
  return e as AgentmeterEvent;
}

function append(root: string, events: readonly AgentmeterEvent[], runId: string): string {
  const day = events[0]!.ts.slice(0, 10);
  const dir = join(root, 'events', day);
  const file = join(dir, `claude-code-${runId.slice(0, 8)}${runId.slice(9, 13)}.jsonl`);
  let text = '\n';
  for (const e of events) text += JSON.stringify(e) + '\n';
  mkdirSync(dir, { recursive: true });
  const fd = openSync(file, constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | constants.O_NOFOLLOW, 0o644);
  try {
    const bytes = Buffer.from(text);
    let done = 0;
    while (done < bytes.length) done += writeSync(fd, bytes, done, bytes.length - done);
  } finally {
    closeSync(fd);
  }
  return file;
}

/**
 * One hook call as Claude Code makes it: the payload from fd 0 (read to its end, see
 * stdin.ts), then `runHook`. Never rejects.
 */
export async function runHookFromStdin(run: Omit<HookRun, 'payload' | 'incomplete'>): Promise<HookOutcome> {
  const input = await readStdin({ maxBytes: MAX_PAYLOAD_BYTES });
  return runHook({ ...run, payload: input.text, incomplete: input.incomplete });
}

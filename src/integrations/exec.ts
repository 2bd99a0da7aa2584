/**
 * `agentmeter exec -- <command …>`: run any command as an agent invocation. The child gets
 * this process's stdin, stdout and stderr untouched; SIGINT, SIGTERM, SIGHUP and SIGQUIT
 * are passed on to it; the exit code is the child's (128 + n when a signal ended it, 127
 * when the command cannot be started, as shells do). The span starts before the child and
 * ends after it, so a killed `exec` leaves an open span rather than nothing.
 */
import { spawn } from 'node:child_process';
import { constants } from 'node:os';
import { basename } from 'node:path';
import type { SpanStatus } from '../model/events.js';
import { SpanLog } from './span-events.js';
import type { SpanLogOptions } from './span-events.js';

/** Options of `runExec`. */
export interface ExecOptions extends SpanLogOptions {
  /** Command and arguments. */
  command: readonly string[];
  /** Agent name (`gen_ai.agent.name`). */
  agent: string;
  /** Agent category (`agent.type`). */
  type?: string | undefined;
  /** Task key (`task.key`). */
  task?: string | undefined;
  /** Run the span belongs to (from `agentmeter record run-start`). */
  runId?: string | undefined;
  /** Where to report exec's own problems (the child's stderr is untouched). */
  stderr: (s: string) => void;
  /** Working directory of the child. */
  cwd?: string | undefined;
  /** Environment of the child. */
  childEnv?: NodeJS.ProcessEnv | undefined;
}

// SIGUSR1 and SIGUSR2 too: commands use them (log reopening, status dumps); a listener here also
// keeps Node from taking SIGUSR1 for its inspector.
const FORWARDED: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2'];

/** Exit code a shell reports for a command killed by `signal`. */
export function signalExitCode(signal: NodeJS.Signals): number {
  const n = (constants.signals as Record<string, number | undefined>)[signal];
  return 128 + (n ?? 0);
}

/** Run the command, record its span, resolve with the exit code to pass on. */
export async function runExec(opts: ExecOptions): Promise<number> {
  const [cmd, ...args] = opts.command;
  if (cmd === undefined) throw new Error('runExec: no command');
  let log: SpanLog | undefined;
  let span: { spanId: string; runId: string } | undefined;
  // Recording must never stop the command from running: a store problem is reported and
  // the command runs unrecorded.
  try {
    log = new SpanLog(opts);
    const attrs: Record<string, unknown> = { 'gen_ai.agent.name': opts.agent, 'process.command': log.redactShort(basename(cmd)) };
    if (args.length > 0) attrs['process.command_args'] = log.redactShort(args.join(' '));
    if (opts.type !== undefined) attrs['agent.type'] = opts.type;
    if (opts.task !== undefined) attrs['task.key'] = opts.task;
    span = log.start('agent', opts.agent, { runId: opts.runId, attrs });
  } catch (e: unknown) {
    opts.stderr(`agentmeter exec: not recorded: ${e instanceof Error ? e.message : String(e)}\n`);
  }
  const started = performance.now();
  const outcome = await new Promise<{ code: number | null; signal: NodeJS.Signals | null; error?: NodeJS.ErrnoException }>((resolve) => {
    const child = spawn(cmd, args, { stdio: 'inherit', cwd: opts.cwd, env: opts.childEnv ?? process.env });
    const forward = (sig: NodeJS.Signals): void => {
      child.kill(sig);
    };
    for (const s of FORWARDED) process.on(s, forward);
    const done = (r: { code: number | null; signal: NodeJS.Signals | null; error?: NodeJS.ErrnoException }): void => {
      for (const s of FORWARDED) process.off(s, forward);
      resolve(r);
    };
    child.once('error', (error: NodeJS.ErrnoException) => done({ code: null, signal: null, error }));
    child.once('exit', (code, signal) => done({ code, signal }));
  });
  const durationMs = performance.now() - started;
  let exitCode: number;
  let status: SpanStatus;
  const endAttrs: Record<string, unknown> = {};
  if (outcome.error !== undefined) {
    exitCode = outcome.error.code === 'ENOENT' ? 127 : 126;
    status = 'failure';
    endAttrs['error.type'] = outcome.error.code === 'ENOENT' ? 'command_not_found' : 'spawn_failed';
    endAttrs['error.message'] = log?.redact(outcome.error.message) ?? '';
    opts.stderr(`agentmeter exec: cannot run ${cmd}: ${outcome.error.code === 'ENOENT' ? 'command not found' : outcome.error.message}\n`);
  } else if (outcome.signal !== null) {
    exitCode = signalExitCode(outcome.signal);
    status = outcome.signal === 'SIGINT' || outcome.signal === 'SIGTERM' ? 'cancelled' : 'failure';
    endAttrs['error.type'] = 'signal';
    endAttrs['process.signal'] = outcome.signal;
  } else {
    exitCode = outcome.code ?? 1;
    status = exitCode === 0 ? 'success' : 'failure';
    if (exitCode !== 0) endAttrs['error.type'] = 'exit_code';
  }
  endAttrs['process.exit_code'] = exitCode;
  if (log !== undefined && span !== undefined) {
    try {
      log.end({ kind: 'agent', spanId: span.spanId, runId: span.runId, status, attrs: endAttrs, durationMs });
    } catch (e: unknown) {
      opts.stderr(`agentmeter exec: end not recorded: ${e instanceof Error ? e.message : String(e)}\n`);
    }
  }
  log?.close();
  return exitCode;
}

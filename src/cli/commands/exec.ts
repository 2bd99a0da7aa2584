import { runExec } from '../../integrations/exec.js';
import { resolveStoreDir } from '../../store/index.js';
import type { CommandSpec } from '../command.js';
import { DIR_OPTION } from '../command.js';
import { UsageError } from '../io.js';
import { envTagOption } from '../options.js';

export const execCommand: CommandSpec = {
  name: 'exec',
  summary: 'run a command and record it as an agent invocation (duration, exit code → status)',
  args: [{ name: 'command...', description: 'the command and its arguments (after --)', required: true }],
  passThrough: true,
  options: [
    { flags: '--agent <name>', description: 'agent name (required)' },
    { flags: '--type <type>', description: 'agent category, e.g. testing, development' },
    { flags: '--task <key>', description: 'task key (issue number, ticket id)' },
    { flags: '--run <id>', description: 'run id printed by `agentmeter record run-start`' },
    envTagOption(),
    DIR_OPTION,
  ],
  help: `
The command's stdin, stdout and stderr are untouched; SIGINT/SIGTERM/SIGHUP/SIGQUIT/SIGUSR1/SIGUSR2 are
passed on. agentmeter exits with the command's exit code: 128+n when signal n ended it,
127 when it was not found (still recorded as a failed span). Arguments are redacted.

Examples:
  $ agentmeter exec --agent tests --type testing -- npm test
  $ RUN=$(agentmeter record run-start --project shop)
  $ agentmeter exec --agent coding --run "$RUN" --task 123 -- python agent.py --issue 123`,
  run(args, opts, io) {
    const agent = opts['agent'];
    if (typeof agent !== 'string' || agent.trim() === '') throw new UsageError('--agent <name> is required');
    if (args.length === 0) throw new UsageError('no command given: agentmeter exec --agent NAME -- <command …>');
    return runExec({
      command: args,
      agent,
      type: opts['type'] as string | undefined,
      task: opts['task'] as string | undefined,
      runId: opts['run'] as string | undefined,
      root: resolveStoreDir({ dir: opts['dir'] as string | undefined, env: io.env, cwd: io.cwd }),
      env: (opts['envTag'] as string | undefined) ?? io.env['AGENTMETER_ENV'] ?? 'dev',
      stderr: (s) => io.stderr.write(s),
      onDiagnostic: (d) => io.stderr.write(`agentmeter exec: ${d.code} ${d.message}\n`),
      cwd: io.cwd,
      childEnv: io.env as NodeJS.ProcessEnv,
    });
  },
};

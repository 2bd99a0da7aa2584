import { runHookFromStdin } from '../../integrations/claude-code/hook.js';
import type { CommandSpec } from '../command.js';
import { DIR_OPTION } from '../command.js';
import { EXIT } from '../io.js';

// `agentmeter hook` itself is dispatched by bin.ts before this module loads (start-up cost);
// this spec gives it a place in --help and runs the same code when called through main().
export const hookCommand: CommandSpec = {
  name: 'hook',
  summary: 'record one Claude Code hook payload from stdin (registered by `init claude-code`)',
  options: [{ flags: '--env <env>', description: 'environment tag (default: $AGENTMETER_ENV, else dev)' }, DIR_OPTION],
  help: `
Reads one Claude Code hook payload (JSON) on stdin, to the end of the pipe (any size,
waiting at most 5 s). A session becomes a run (a resumed session: its next run); each
sub-agent launch (PreToolUse/PostToolUse/PostToolUseFailure on Task|Agent, paired by
tool_use_id) becomes an agent span with type, redacted description, Claude Code's duration,
resolved model, tokens, tool use and status; a background sub-agent ends at its
SubagentStop. Stop and StopFailure decide the session's status. Prompts and outputs are
never stored. Always exits 0 and prints nothing on stdout; a malformed payload is recorded
as an error (a failed tool span "agentmeter.hook") and reported on stderr.

Store: --dir, else $AGENTMETER_DIR, else $CLAUDE_PROJECT_DIR/.agentmeter, else <cwd>/.agentmeter.
Event by event: docs/integrations.md.

Examples:
  $ agentmeter init claude-code          register it in .claude/settings.local.json
  $ echo '{"session_id":"s1","hook_event_name":"SessionStart","source":"startup"}' | agentmeter hook`,
  async run(_args, opts, io) {
    const argv: string[] = [];
    if (typeof opts['dir'] === 'string') argv.push('--dir', opts['dir']);
    if (typeof opts['env'] === 'string') argv.push('--env', opts['env']);
    await runHookFromStdin({ argv, env: io.env, cwd: io.cwd, stderr: (s) => io.stderr.write(s) });
    return EXIT.ok;
  },
};

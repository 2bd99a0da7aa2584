import { analyzeAgents } from '../../analytics/index.js';
import type { AgentAnalysis } from '../../analytics/index.js';
import { collectStore } from '../../store/index.js';
import { resolveStoreDir, storeExists } from '../../store/index.js';
import type { SkippedLine } from '../../store/index.js';
import type { CommandSpec } from '../command.js';
import { DIR_OPTION } from '../command.js';
import { EXIT, useColor } from '../io.js';
import { painter } from '../render/format.js';
import { renderAgents } from '../render/agents.js';
import { STORE_OPTION, computeAgentsFromPostgres, storeChoice } from '../stores.js';
import { parseEnvs, parseWindow } from '../window.js';
import { noStoreMessage, warnSkipped } from './report.js';

export const agentsCommand: CommandSpec = {
  name: 'agents',
  summary: 'agent statistics and ranking (by lower confidence bound), trends, workflows, coordination overhead',
  options: [
    { flags: '-t, --task-type <type>', description: 'only invocations of this task type (e.g. feature_development)' },
    { flags: '-s, --since <when>', description: 'window start: 7d, 30d, an ISO date (default: all history)' },
    { flags: '-u, --until <when>', description: 'window end (default: now)' },
    { flags: '-e, --env <list>', description: 'environments, comma-separated, or "all" (default: all but test and demo)' },
    { flags: '--json', description: 'machine-readable analysis (docs/oak.md)' },
    DIR_OPTION,
    STORE_OPTION,
  ],
  help: `
Examples:
  $ agentmeter agents
  $ agentmeter agents --task-type feature_development --since 30d
  $ agentmeter agents --json | jq '.agents[0].agent_name'
  $ agentmeter agents --store postgres://postgres@127.0.0.1/agentmeter --since 30d

Success rate = successes / (successes + failures); partial and unknown outcomes are left
out. The ranking uses lower 95 % confidence bounds, so 1 success out of 1 does not beat 95
out of 100; the original 0.6·rate + 0.4·quality/5 score is shown beside it. The trend is
the last 7 days against everything before (a change under 5 points is "stable").`,
  async run(_args, opts, io) {
    const now = Date.now();
    const window = opts['since'] !== undefined || opts['until'] !== undefined ? parseWindow(opts['since'] ?? '100000d', opts['until'], now) : undefined;
    const envs = parseEnvs(opts['env']);
    const taskType = typeof opts['taskType'] === 'string' ? opts['taskType'] : undefined;
    const store = storeChoice(opts['store']);
    let where: string;
    let analysis: AgentAnalysis;
    let skipped: { skipped_lines: number; skipped_samples: SkippedLine[] } = { skipped_lines: 0, skipped_samples: [] };
    if (store.kind === 'postgres') {
      where = 'the database';
      analysis = await computeAgentsFromPostgres(store.url, { envs, taskType, nowMs: now, ...(window ? { sinceMs: window.sinceMs, untilMs: window.untilMs } : {}) });
    } else {
      const dir = resolveStoreDir({ dir: opts['dir'] as string | undefined, env: io.env, cwd: io.cwd });
      if (!(await storeExists(dir))) {
        io.stderr.write(noStoreMessage(dir));
        return EXIT.noStore;
      }
      where = dir;
      const c = await collectStore({ dir, envs, nowMs: now, kinds: ['agent', 'workflow'], ...(window ? { sinceMs: window.sinceMs, untilMs: window.untilMs } : {}) });
      analysis = analyzeAgents(c.spans, c.feedback, { nowMs: now, taskType });
      skipped = { skipped_lines: c.skipped, skipped_samples: c.samples };
    }
    if (opts['json'] === true) io.stdout.write(JSON.stringify(analysis, null, 2) + '\n');
    else if (analysis.total_invocations === 0) {
      io.stdout.write(
        `No agent invocations in ${where}${taskType ? ` with task type ${JSON.stringify(taskType)}` : ''}${window ? ' in this window' : ''}.\n` +
          `  Log them with TelemetryLogger (import { TelemetryLogger } from 'agentmeter/compat'),\n` +
          `  or bring history: agentmeter import oak <telemetry dir>\n` +
          (envs === undefined ? `  (test and demo envs are left out; add --env all to include them)\n` : ''),
      );
    } else io.stdout.write(renderAgents(analysis, painter(useColor(io))));
    return warnSkipped(skipped, io, false);
  },
};

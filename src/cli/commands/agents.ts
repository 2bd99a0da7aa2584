import type { CommandSpec } from '../command.js';
import { DIR_OPTION } from '../command.js';
import { EXIT, useColor } from '../io.js';
import { painter } from '../render/format.js';
import { renderAgents } from '../render/agents.js';
import { progressLine } from '../progress.js';
import { streamingHeap } from '../../store/heap.js';
import { STORE_OPTION, sourceOf } from '../stores.js';
import { CACHE_OPTION, ENV_FILTER, WINDOW_RULE, read, readOptionalWindow, windowOptions } from '../options.js';
import type { TypedOption } from '../options.js';
import { warnSkipped } from './report.js';

const TASK_TYPE: TypedOption<string | undefined> = {
  flags: '-t, --task-type <type>',
  description: 'only invocations of this task type (e.g. feature_development)',
  parse: (v) => (typeof v === 'string' ? v : undefined),
};
const AGENTS_JSON: TypedOption<boolean> = { flags: '--json', description: 'machine-readable analysis (docs/oak.md)', parse: (v) => v === true };

export const agentsCommand: CommandSpec = {
  name: 'agents',
  summary: 'agent statistics and ranking (by lower confidence bound), trends, workflows, coordination overhead',
  options: [
    TASK_TYPE,
    ...windowOptions('all'),
    ENV_FILTER,
    AGENTS_JSON,
    CACHE_OPTION,
    DIR_OPTION,
    STORE_OPTION,
  ],
  help: `
Examples:
  $ agentmeter agents
  $ agentmeter agents --task-type feature_development --since 30d
  $ agentmeter agents --json | jq '.agents[0].agent_name'
  $ agentmeter agents --database postgres://postgres@127.0.0.1/agentmeter --since 30d

Success rate = successes / (successes + failures); partial and unknown outcomes are left
out. The ranking uses lower 95 % confidence bounds, so 1 success out of 1 does not beat 95
out of 100; the original 0.6·rate + 0.4·quality/5 score is shown beside it. The trend is
the last 7 days against everything before (a change under 5 points is "stable").
${WINDOW_RULE}`,
  async run(_args, opts, io) {
    // agents streams: it keeps a few fields per invocation.
    streamingHeap();
    const now = Date.now();
    const window = readOptionalWindow(opts, now);
    const envs = read(ENV_FILTER, opts);
    const taskType = read(TASK_TYPE, opts);
    // Read through the span cache, as report is: a line while a cold read folds segments.
    const progress = progressLine(io, 'reading the store', { json: read(AGENTS_JSON, opts) === true });
    const source = await sourceOf(opts, io, { progress });
    if (!source) return EXIT.noStore;
    const where = source.label;
    const { analysis, ...skipped } = await source.agents({ envs, taskType, nowMs: now, ...(window ? { sinceMs: window.sinceMs, untilMs: window.untilMs } : {}) }).finally(() => progress.end());
    if (read(AGENTS_JSON, opts)) io.stdout.write(JSON.stringify(analysis, null, 2) + '\n');
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

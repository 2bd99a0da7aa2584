import { open, rename, unlink } from 'node:fs/promises';
import { resolve } from 'node:path';
import { buildDataset, datasetToCsv, datasetToJsonl } from '../../integrations/dataset.js';
import { resolveStoreDir, storeExists } from '../../store/index.js';
import type { CommandSpec } from '../command.js';
import { DIR_OPTION } from '../command.js';
import { EXIT } from '../io.js';
import { parseEnvs, parseWindow } from '../window.js';
import { noStoreMessage } from './report.js';

/** Temp file, fsync, rename: a reader sees no file or the whole dataset, never half. */
async function writeAtomic(path: string, text: string): Promise<void> {
  const tmp = `${path}.${process.pid}.tmp`;
  const fh = await open(tmp, 'w');
  try {
    await fh.writeFile(text);
    await fh.sync();
  } finally {
    await fh.close();
  }
  try {
    await rename(tmp, path);
  } catch (e: unknown) {
    await unlink(tmp).catch(() => undefined);
    throw e;
  }
}

export const exportDatasetCommand: CommandSpec = {
  name: 'export-dataset',
  summary: 'a learning dataset for agent routing: one row per agent invocation (JSONL or CSV)',
  options: [
    { flags: '-f, --format <format>', description: 'output format', choices: ['jsonl', 'csv'], default: 'jsonl' },
    { flags: '-o, --output <file>', description: 'write to a file (atomically) instead of stdout' },
    { flags: '-s, --since <when>', description: 'invocations started from: 30m, 24h, 7d, 2w, or an ISO date/time', default: '90d' },
    { flags: '-u, --until <when>', description: 'window end (default: now)' },
    { flags: '-e, --env <list>', description: 'environments to include, comma-separated, or "all" (default: all but test and demo)' },
    DIR_OPTION,
  ],
  help: `
Examples:
  $ agentmeter export-dataset --since 30d > invocations.jsonl
  $ agentmeter export-dataset --format csv --output invocations.csv --env prod

Each row: ts, invocation_id, run_id, parent_id, env, project, task_type, agent, agent_type,
variant, provider, model, temperature, attempt, outcome, success (1, 0.5 partial, 0),
duration_ms, tokens, cost_usd, quality (last feedback rating), feedback_success,
feedback_source, reward (the recorded "reward" attribute, else 0.6·success + 0.4·quality/5,
or success when unrated), reward_source, and the state features: the "state_features"
attribute and "state.*" attributes, flattened (CSV: one state.<key> column each).
Columns: docs/statistics.md.`,
  async run(_args, opts, io) {
    const now = Date.now();
    const window = parseWindow(opts['since'], opts['until'], now);
    const envs = parseEnvs(opts['env']);
    const dir = resolveStoreDir({ dir: opts['dir'] as string | undefined, env: io.env, cwd: io.cwd });
    if (!(await storeExists(dir))) {
      io.stderr.write(noStoreMessage(dir));
      return EXIT.noStore;
    }
    const result = await buildDataset({ dir, ...window, nowMs: now, ...(envs ? { envs } : {}) });
    const text = opts['format'] === 'csv' ? datasetToCsv(result.rows) : datasetToJsonl(result.rows);
    const output = opts['output'] as string | undefined;
    if (output !== undefined) {
      const path = resolve(io.cwd, output);
      await writeAtomic(path, text);
      io.stderr.write(`wrote ${result.rows.length} invocation${result.rows.length === 1 ? '' : 's'} to ${path}\n`);
    } else io.stdout.write(text);
    if (result.rows.length === 0 && result.excluded > 0) {
      io.stderr.write(`agentmeter: no invocations in the included envs; ${result.excluded} left out by env (use --env demo, or --env all)\n`);
    }
    if (result.skippedLines > 0) io.stderr.write(`agentmeter: skipped ${result.skippedLines} corrupt or torn lines; run \`agentmeter validate\` to list them\n`);
    return EXIT.ok;
  },
};

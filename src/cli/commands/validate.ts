import { resolveStoreDir, scanEvents, storeExists } from '../../store/index.js';
import { progressLine } from '../progress.js';
import type { SkippedLine } from '../../store/index.js';
import type { CommandSpec } from '../command.js';
import { DIR_OPTION } from '../command.js';
import { EXIT } from '../io.js';
import { parseWindow } from '../window.js';
import { noStoreMessage } from './report.js';

const MAX_LISTED = 1000;

export const validateCommand: CommandSpec = {
  name: 'validate',
  summary: 'check every event in the store against the schema; list corrupt and torn lines',
  options: [
    { flags: '-s, --since <when>', description: 'only partitions from this time (default: all history)' },
    { flags: '-u, --until <when>', description: 'only partitions up to this time' },
    { flags: '--json', description: 'machine-readable result' },
    DIR_OPTION,
  ],
  help: `
Exit codes: 0 all lines valid, 4 some lines were skipped (listed as file:line: reason),
3 no store. Reports skip the same lines and say how many.

Examples:
  $ agentmeter validate
  $ agentmeter validate --since 7d --json`,
  async run(_args, opts, io) {
    const dir = resolveStoreDir({ dir: opts['dir'] as string | undefined, env: io.env, cwd: io.cwd });
    const window = opts['since'] !== undefined || opts['until'] !== undefined ? parseWindow(opts['since'] ?? '100000d', opts['until'], Date.now()) : undefined;
    if (!(await storeExists(dir))) {
      io.stderr.write(noStoreMessage(dir, io.self));
      return EXIT.noStore;
    }
    const skipped: SkippedLine[] = [];
    const progress = progressLine(io, 'validating day partitions', { json: opts['json'] === true });
    const stats = await scanEvents({
      onPartition: (done, total) => progress.update(done, total),
      root: dir,
      ...(window ? { sinceMs: window.sinceMs, untilMs: window.untilMs } : {}),
      onSkip: (s) => {
        if (skipped.length < MAX_LISTED) skipped.push(s);
      },
    });
    progress.end();
    if (opts['json'] === true) {
      io.stdout.write(JSON.stringify({ dir, ...stats, samples: undefined, skipped_lines: skipped }, null, 2) + '\n');
    } else {
      for (const s of skipped) io.stdout.write(`${s.file}:${s.line}: ${s.reason}\n`);
      if (stats.skipped > skipped.length) io.stdout.write(`… and ${stats.skipped - skipped.length} more\n`);
      io.stderr.write(
        `${stats.events} valid events, ${stats.skipped} skipped lines in ${stats.segments} segments (${stats.partitions} days) under ${dir}\n`,
      );
    }
    return stats.skipped > 0 ? EXIT.dataErrors : EXIT.ok;
  },
};

import { DEMO_ENV, generateDemo } from '../../integrations/demo.js';
import { resolveStoreDir } from '../../store/index.js';
import type { CommandSpec } from '../command.js';
import { DIR_OPTION } from '../command.js';
import { EXIT, UsageError } from '../io.js';

function positiveInt(value: unknown, flag: string, max: number): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > max) throw new UsageError(`${flag} must be a whole number from 1 to ${max}, got ${JSON.stringify(value)}`);
  return n;
}

export const demoCommand: CommandSpec = {
  name: 'demo',
  summary: 'write realistic, reproducible demo data (env "demo": kept out of real reports)',
  options: [
    { flags: '--days <n>', description: 'days of history ending now', default: '30' },
    { flags: '--seed <n>', description: 'random seed; the same seed gives the same data', default: '42' },
    { flags: '--runs-per-day <n>', description: 'average runs per day', default: '12' },
    DIR_OPTION,
  ],
  help: `
Examples:
  $ agentmeter demo --dir /tmp/demo
  $ agentmeter report --dir /tmp/demo --env demo --since 30d --by model

Demo events carry env "demo", which reports leave out unless asked (--env demo or --env all),
so the demo can share a store with real data without polluting it.`,
  async run(_args, opts, io) {
    const days = positiveInt(opts['days'], '--days', 3650) ?? 30;
    const seed = positiveInt(opts['seed'], '--seed', 2 ** 31) ?? 42;
    const runsPerDay = positiveInt(opts['runsPerDay'], '--runs-per-day', 10_000) ?? 12;
    const dir = resolveStoreDir({ dir: opts['dir'] as string | undefined, env: io.env, cwd: io.cwd });
    const progress = io.stderr.isTTY === true;
    const result = await generateDemo({
      dir,
      days,
      seed,
      runsPerDay,
      onDay: (done, total) => {
        if (progress) io.stderr.write(`\rgenerating day ${done}/${total}`);
      },
    });
    if (progress) io.stderr.write('\n');
    if (result.dropped > 0) {
      io.stderr.write(`agentmeter: ${result.dropped} demo events could not be written to ${dir}\n`);
      return EXIT.failure;
    }
    io.stderr.write(
      `wrote ${result.events} demo events (${result.runs} runs over ${days} days, env "${DEMO_ENV}") to ${dir}\n` +
        `see them: agentmeter report --dir ${dir} --env ${DEMO_ENV} --since ${days}d\n`,
    );
    return EXIT.ok;
  },
};

import { DEMO_ENV, generateDemo } from '../../integrations/demo.js';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { resolveStoreDir, writeFileAtomic } from '../../store/index.js';
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
    { flags: '--days <n>', description: 'days of history: whole UTC days, up to the start of today', default: '30' },
    { flags: '--seed <n>', description: 'random seed; the same seed gives the same data', default: '42' },
    { flags: '--runs-per-day <n>', description: 'average runs per day', default: '12' },
    { flags: '--force', description: 'write demo data even where some was written before (it adds to it)' },
    DIR_OPTION,
  ],
  help: `
Examples:
  $ agentmeter demo --dir /tmp/demo
  $ agentmeter report --dir /tmp/demo --env demo --since 30d --by model

Demo events carry env "demo", which reports leave out unless asked (--env demo or --env all),
so the demo can share a store with real data without polluting it. A store that already
holds demo data (<dir>/demo.json says what was written) is left as it is: running the demo
twice does not double it (--force adds more anyway).`,
  async run(_args, opts, io) {
    const days = positiveInt(opts['days'], '--days', 3650) ?? 30;
    const seed = positiveInt(opts['seed'], '--seed', 2 ** 31) ?? 42;
    const runsPerDay = positiveInt(opts['runsPerDay'], '--runs-per-day', 10_000) ?? 12;
    const dir = resolveStoreDir({ dir: opts['dir'] as string | undefined, env: io.env, cwd: io.cwd });
    const marker = join(dir, DEMO_MARKER);
    const previous = await readMarker(marker);
    if (previous && opts['force'] !== true) {
      io.stderr.write(
        `${dir} already holds demo data: ${previous.events} events written ${previous.written_at.slice(0, 10)} (seed ${previous.seed}, ${previous.days} days); nothing written.\n` +
          `  To write it afresh, delete ${dir} (or use another --dir); --force adds more to it.\n`,
      );
      io.stderr.write(nextSteps(io.self ?? 'agentmeter', dir, previous.days));
      return EXIT.ok;
    }
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
    const record: DemoMarker = { written_at: new Date().toISOString(), seed, days, runs_per_day: runsPerDay, events: result.events + (previous?.events ?? 0) };
    await writeFileAtomic(marker, JSON.stringify(record, null, 2) + '\n');
    io.stderr.write(`wrote ${result.events} demo events (${result.runs} runs over ${days} days, env "${DEMO_ENV}") to ${dir}\n`);
    io.stderr.write(nextSteps(io.self ?? 'agentmeter', dir, days));
    return EXIT.ok;
  },
};

/** What `demo` leaves in the store, so a second run knows. */
const DEMO_MARKER = 'demo.json';

interface DemoMarker {
  written_at: string;
  seed: number;
  days: number;
  runs_per_day: number;
  events: number;
}

async function readMarker(path: string): Promise<DemoMarker | undefined> {
  try {
    const m = JSON.parse(await readFile(path, 'utf8')) as Partial<DemoMarker>;
    return typeof m.events === 'number' && typeof m.written_at === 'string' ? (m as DemoMarker) : undefined;
  } catch {
    return undefined;
  }
}

/** Commands that work where the user is, to see the demo data. */
function nextSteps(self: string, dir: string, days: number): string {
  const d = /\s/.test(dir) ? JSON.stringify(dir) : dir;
  const steps = [
    [`${self} report --dir ${d} --env ${DEMO_ENV} --since ${days}d`, 'the report'],
    [`${self} dashboard --dir ${d}`, 'the web dashboard'],
    [`${self} compare --dir ${d} --env ${DEMO_ENV} --by variant`, 'is an A/B difference real?'],
  ] as const;
  const width = Math.max(...steps.map(([c]) => c.length));
  return `next:\n${steps.map(([c, what]) => `  ${c.padEnd(width)}   ${what}\n`).join('')}`;
}

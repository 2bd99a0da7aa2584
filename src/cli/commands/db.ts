import { utcDay } from '../../model/index.js';
import type { CommandSpec } from '../command.js';
import { EXIT, UsageError } from '../io.js';
import type { Io } from '../io.js';
import { loadPostgres } from '../stores.js';
import { DATABASE_OPTION, read } from '../options.js';
import { parseSince } from '../../model/index.js';
import { isPostgresStore } from '../../query/index.js';

const ACTIONS = ['migrate', 'status', 'prune', 'set-aside'] as const;
type Action = (typeof ACTIONS)[number];

/** `--database` (alias `--to`), else `AGENTMETER_PG_URL`. */
function databaseUrl(opts: Record<string, unknown>, io: Io): string {
  const url = read(DATABASE_OPTION, opts) ?? io.env['AGENTMETER_PG_URL'];
  if (url === undefined || url === '') throw new UsageError('db needs --database postgres://… (or AGENTMETER_PG_URL)');
  if (!isPostgresStore(url)) throw new UsageError(`AGENTMETER_PG_URL ${JSON.stringify(url)} is not a postgres:// URL`);
  return url;
}

export const dbCommand: CommandSpec = {
  name: 'db',
  summary: 'PostgreSQL store: create or upgrade the schema, show its state, drop old day partitions, list refused events',
  args: [{ name: 'action', description: `one of: ${ACTIONS.join(', ')}`, required: true }],
  options: [
    { ...DATABASE_OPTION, description: 'postgres://user@host:5432/db[?schema=name] (default: $AGENTMETER_PG_URL)', aliases: ['-t, --to <url>', '--store <url>'] },
    { flags: '--older-than <duration>', description: 'prune: drop day partitions entirely older than this (e.g. 90d)' },
    { flags: '--limit <n>', description: 'set-aside: list at most this many, newest first (default 100)' },
    { flags: '--json', description: 'machine-readable result on stdout' },
  ],
  help: `
Actions:
  migrate   apply pending schema versions (one transaction, safe to run concurrently);
            creates the ?schema= schema when it does not exist
  status    schema version, pending migrations, day partitions, events set aside
  prune     retention: drop whole day partitions older than --older-than (cheap at any size)
  set-aside events PostgreSQL refused (a value out of a column's range, text it cannot
            hold), with its reason; the rest of their batches was stored

Examples:
  $ agentmeter db migrate --database postgres://postgres@127.0.0.1:5432/agentmeter
  $ agentmeter db status --database 'postgres://am@db.internal/metrics?schema=agentmeter' --json
  $ agentmeter db prune --older-than 90d --database postgres://…
  $ agentmeter db set-aside --database postgres://… --json | jq -r .error

Exit codes: 0 ok, 1 database error (the message says which), 2 usage,
3 (status, prune) the schema is missing or older than this version. See docs/postgres.md.`,
  async run(args, opts, io) {
    const action = args[0] as Action;
    if (!ACTIONS.includes(action)) throw new UsageError(`unknown db action ${JSON.stringify(args[0])}; expected one of: ${ACTIONS.join(', ')}`);
    const url = databaseUrl(opts, io);
    let cutoffDay: string | undefined;
    if (action === 'prune') {
      const text = opts['olderThan'];
      const ms = typeof text === 'string' && /^\d/.test(text) ? parseSince(text, Date.now()) : undefined;
      if (ms === undefined) throw new UsageError('prune needs --older-than <duration> (e.g. 90d)');
      // A partition is dropped only when all of its day lies before the cutoff.
      cutoffDay = utcDay(ms);
    }
    const pgm = await loadPostgres();
    const pool = await pgm.openPool(pgm.parsePostgresUrl(url), { max: 1 });
    const json = opts['json'] === true;
    const label = pgm.redactUrl(url);
    try {
      if (action === 'migrate') {
        const schema = pgm.parsePostgresUrl(url).schema;
        if (schema !== undefined) {
          try {
            await pool.query(`CREATE SCHEMA IF NOT EXISTS "${schema}"`);
          } catch (e: unknown) {
            const reason = e instanceof Error ? e.message : String(e);
            io.stderr.write(`agentmeter: schema ${schema} does not exist in ${label} and cannot be created here (${reason}): ask its owner to run CREATE SCHEMA ${schema}, or leave ?schema= out\n`);
            return EXIT.failure;
          }
        }
        const applied = await pgm.migrate(pool);
        const st = await pgm.migrationStatus(pool);
        if (json) io.stdout.write(JSON.stringify({ applied: applied.map((m) => m.version), version: st.current }) + '\n');
        io.stderr.write(
          applied.length === 0
            ? `agentmeter: ${label} is up to date (schema version ${st.current})\n`
            : `agentmeter: ${label}: applied ${applied.map((m) => `${m.version} (${m.name})`).join(', ')}; schema version ${st.current}\n`,
        );
        return EXIT.ok;
      }
      const st = await pgm.migrationStatus(pool);
      if (st.current < st.latest) {
        if (json) io.stdout.write(JSON.stringify({ version: st.current, latest: st.latest, pending: st.pending.map((m) => m.version) }) + '\n');
        io.stderr.write(`agentmeter: ${label} is at schema version ${st.current}, ${st.latest} is current: run agentmeter db migrate --database '${label}'\n`);
        return EXIT.noStore;
      }
      if (action === 'status') {
        const days = await pgm.listDayPartitions(pool);
        const aside = await pgm.listSetAside(pool, 0);
        const out = { version: st.current, latest: st.latest, pending: [], partitions: days.length, first_day: days[0] ?? null, last_day: days[days.length - 1] ?? null, set_aside: aside.count };
        if (json) io.stdout.write(JSON.stringify(out) + '\n');
        else {
          io.stdout.write(`schema version  ${st.current} (current)\npartitions      ${days.length}${days.length > 0 ? ` days, ${out.first_day} … ${out.last_day}` : ''}\n`);
          io.stdout.write(`set aside       ${aside.count}${aside.count > 0 ? ' events PostgreSQL refused (agentmeter db set-aside lists them)' : ''}\n`);
        }
        return EXIT.ok;
      }
      if (action === 'set-aside') {
        const limit = opts['limit'] === undefined ? 100 : Number(opts['limit']);
        if (!Number.isInteger(limit) || limit < 1) throw new UsageError(`--limit must be a whole number of at least 1, got ${JSON.stringify(opts['limit'])}`);
        const aside = await pgm.listSetAside(pool, limit);
        if (json) for (const r of aside.rows) io.stdout.write(JSON.stringify(r) + '\n');
        else for (const r of aside.rows) io.stdout.write(`${r.set_aside_at}  ${r.id}  ${r.error} (${r.sqlstate})\n`);
        io.stderr.write(`agentmeter: ${aside.count} event${aside.count === 1 ? '' : 's'} set aside in ${label}${aside.count > aside.rows.length ? `, newest ${aside.rows.length} shown` : ''}\n`);
        return EXIT.ok;
      }
      const dropped = await pgm.dropPartitionsBefore(pool, cutoffDay as string);
      if (json) io.stdout.write(JSON.stringify({ dropped }) + '\n');
      io.stderr.write(`agentmeter: dropped ${dropped.length} day partition${dropped.length === 1 ? '' : 's'} before ${cutoffDay as string}\n`);
      return EXIT.ok;
    } finally {
      await pool.end().catch(() => undefined);
    }
  },
};

/**
 * Which store a read command reads: a directory of segments (`--dir`) or PostgreSQL
 * (`--store postgres://…`). The PostgreSQL module (and `pg`) is imported only when asked for.
 * A command that gains `--store` resolves it here and asks `computeReportFromPostgres` (or a
 * sibling) for its figures.
 */
import { ReportBuilder, SKETCH_MIN_INDEXABLE, SKETCH_RELATIVE_ACCURACY, groupAttribute } from '../analytics/index.js';
import type { GroupBy, Report } from '../analytics/index.js';
import type { OptionSpec } from './command.js';
import { UsageError } from './io.js';

/** `--store`, for read commands that can run on PostgreSQL. */
export const STORE_OPTION: OptionSpec = {
  flags: '--store <url>',
  description: 'read from PostgreSQL instead of a directory: postgres://user@host:5432/db[?schema=name] (docs/postgres.md)',
};

/** A store a command reads. */
export type StoreChoice = { kind: 'dir' } | { kind: 'postgres'; url: string };

/** Resolve `--store`: undefined keeps the directory store of `--dir`. */
export function storeChoice(value: unknown): StoreChoice {
  if (value === undefined) return { kind: 'dir' };
  const url = String(value);
  if (!/^postgres(ql)?:\/\//i.test(url)) {
    throw new UsageError(`--store ${JSON.stringify(url)} is not a postgres:// URL (for a directory use --dir)`);
  }
  return { kind: 'postgres', url };
}

/** The PostgreSQL module, loaded on first use. */
export function loadPostgres(): Promise<typeof import('../sinks/postgres/index.js')> {
  return import('../sinks/postgres/index.js');
}

/** The report options both stores take. */
export interface ReportComputeOptions {
  sinceMs: number;
  untilMs: number;
  by?: GroupBy;
  envs?: readonly string[] | 'all';
  nowMs: number;
}

/**
 * The report computed in PostgreSQL: the database folds and aggregates, Node merges a few
 * rows per group into the same `ReportBuilder` as the file store.
 */
export async function computeReportFromPostgres(url: string, o: ReportComputeOptions): Promise<Report> {
  const pgm = await loadPostgres();
  const target = pgm.parsePostgresUrl(url);
  const pool = await pgm.openPool(target, { max: 1 });
  try {
    await requireMigrated(pgm, pool, url);
    const builder = new ReportBuilder({
      sinceMs: o.sinceMs,
      untilMs: o.untilMs,
      nowMs: o.nowMs,
      ...(o.by ? { by: o.by } : {}),
      ...(o.envs ? { envs: o.envs } : {}),
    });
    const gamma = (1 + SKETCH_RELATIVE_ACCURACY) / (1 - SKETCH_RELATIVE_ACCURACY);
    const result = await pgm.queryReportAggregates(pool, {
      previousSinceMs: o.sinceMs - (o.untilMs - o.sinceMs),
      sinceMs: o.sinceMs,
      untilMs: o.untilMs,
      nowMs: o.nowMs,
      groupAttr: o.by ? groupAttribute(o.by) : undefined,
      sketchLnGamma: Math.log(gamma),
      sketchMinIndexable: SKETCH_MIN_INDEXABLE,
    });
    for (const a of result.spans) builder.addAggregate(a);
    for (const f of result.feedback) builder.addFeedbackAggregate(f);
    return builder.build();
  } finally {
    await pool.end().catch(() => undefined);
  }
}

/** Fail with a clear message when the database was never migrated (exit 3, like a missing store). */
export async function requireMigrated(
  pgm: Awaited<ReturnType<typeof loadPostgres>>,
  pool: import('pg').Pool,
  url: string,
): Promise<void> {
  const st = await pgm.migrationStatus(pool);
  if (st.current < st.latest) throw new NotMigratedError(pgm.redactUrl(url), st.current, st.latest);
}

/** The database has no (or an older) agentmeter schema. */
export class NotMigratedError extends Error {
  override readonly name = 'NotMigratedError';
  constructor(url: string, current: number, latest: number) {
    super(
      current === 0
        ? `no agentmeter schema at ${url}; create it with: agentmeter db migrate --to '${url}'`
        : `the agentmeter schema at ${url} is at version ${current}, this version needs ${latest}; run: agentmeter db migrate --to '${url}'`,
    );
  }
}

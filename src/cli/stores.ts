/**
 * Which store a read command reads: a directory of segments (`--dir`) or PostgreSQL
 * (`--store postgres://…`). The PostgreSQL module (and `pg`) is imported only when asked for.
 * A command that gains `--store` resolves it here and asks `computeReportFromPostgres` (or a
 * sibling) for its figures.
 */
import {
  AutomationAccumulator,
  DEFAULT_EXCLUDED_ENVS,
  ReportBuilder,
  SKETCH_MIN_INDEXABLE,
  SKETCH_RELATIVE_ACCURACY,
  agentAnalysisFromParts,
  automationSummaryFromParts,
  groupAttribute,
  orchestratorAnswersFromParts,
  workflowStatsFromParts,
} from '../analytics/index.js';
import type { AgentAnalysis, AgentParts, AutomationSummary, GroupBy, OrchestratorAnswers, Report } from '../analytics/index.js';
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

/** Run `fn` on a pool of one connection to a migrated database. */
async function withDatabase<T>(url: string, fn: (pgm: Awaited<ReturnType<typeof loadPostgres>>, pool: import('pg').Pool) => Promise<T>): Promise<T> {
  const pgm = await loadPostgres();
  const pool = await pgm.openPool(pgm.parsePostgresUrl(url), { max: 1 });
  try {
    await requireMigrated(pgm, pool, url);
    return await fn(pgm, pool);
  } finally {
    await pool.end().catch(() => undefined);
  }
}

function envFilter(envs: readonly string[] | 'all' | undefined): import('../sinks/postgres/index.js').EnvFilter {
  return envs === 'all' ? { all: true } : envs ? { only: envs } : { except: DEFAULT_EXCLUDED_ENVS };
}

const DAY_MS = 86_400_000;

/** What `agents` reads: a window of span starts (or all history), envs and a task type. */
export interface AgentsComputeOptions {
  sinceMs?: number | undefined;
  untilMs?: number | undefined;
  envs?: readonly string[] | 'all' | undefined;
  taskType?: string | undefined;
  nowMs: number;
}

/**
 * `agents` computed in PostgreSQL: per-agent and workflow sums come back from the database
 * and go through the same `agentAnalysisFromParts` as the spans of a directory.
 */
export async function computeAgentsFromPostgres(url: string, o: AgentsComputeOptions): Promise<AgentAnalysis> {
  return withDatabase(url, async (pgm, pool) => {
    const r = await pgm.queryAgentAggregates(pool, {
      sinceMs: o.sinceMs,
      untilMs: o.untilMs,
      envs: envFilter(o.envs),
      taskType: o.taskType,
      nowMs: o.nowMs,
      recentSinceMs: o.nowMs - 7 * DAY_MS,
    });
    let minMs = Infinity;
    let maxMs = -Infinity;
    const parts = r.agents.map((a): AgentParts => {
      minMs = Math.min(minMs, a.minMs);
      maxMs = Math.max(maxMs, a.maxMs);
      return {
        name: a.name,
        count: a.count,
        successes: a.successes,
        failures: a.failures,
        ratingSum: a.ratingSum,
        ratingUnitSum: a.ratingUnitSum,
        ratings: a.ratings,
        durationSum: a.durationSum,
        durations: a.durations,
        taskTypes: new Map(a.taskTypes.map(([t, count]) => [t, count])),
        failuresBy: new Map(a.failures3),
        byType: new Map(a.taskTypes.filter(([, , s, f]) => s + f > 0).map(([t, , s, f]) => [t, { s, f }])),
        recent: a.recent,
        previous: a.previous,
      };
    });
    const w = r.workflows;
    const workflows = workflowStatsFromParts({ ...w, sequences: new Map(w.sequences), coordinationOverhead: w.overhead });
    return agentAnalysisFromParts(parts, workflows, { minMs, maxMs }, { nowMs: o.nowMs, taskType: o.taskType });
  });
}

/** `report automation` computed in PostgreSQL, finished by `automationSummaryFromParts`. */
export async function computeAutomationFromPostgres(
  url: string,
  o: { sinceMs: number; untilMs: number; nowMs: number; envs?: readonly string[] | 'all' | undefined },
): Promise<AutomationSummary> {
  return withDatabase(url, async (pgm, pool) => {
    const rows = await pgm.queryAutomationAggregates(pool, { sinceMs: o.sinceMs, untilMs: o.untilMs, nowMs: o.nowMs, envs: envFilter(o.envs) });
    const current = new AutomationAccumulator();
    const previous = new AutomationAccumulator();
    const ops = new Map<string, AutomationAccumulator>();
    for (const r of rows) {
      const a = new AutomationAccumulator();
      a.core.addParts(r.sessions, r.open, r.abandoned, r);
      a.successful = r.successful;
      a.saved = r.saved;
      a.savedSessions = r.savedSessions;
      a.depthSum = r.depthSum;
      a.depths = r.depths;
      if (r.window === 'previous') previous.merge(a);
      else {
        current.merge(a);
        ops.set(r.operation ?? '(none)', a);
      }
    }
    return automationSummaryFromParts(current, previous, ops, o);
  });
}

/**
 * `report orchestrator` computed in PostgreSQL: the database matches runs, issues and their
 * agents, pipelines and debugging cycles and sums them; `orchestratorAnswersFromParts`
 * finishes the answers as it does for the run records of a directory.
 */
export async function computeOrchestratorFromPostgres(
  url: string,
  o: { sinceMs: number; untilMs: number; nowMs: number; envs?: readonly string[] | 'all' | undefined },
): Promise<OrchestratorAnswers> {
  return withDatabase(url, async (pgm, pool) => {
    const r = await pgm.queryOrchestratorAggregates(pool, { sinceMs: o.sinceMs, untilMs: o.untilMs, nowMs: o.nowMs, envs: envFilter(o.envs) });
    const config = ({ key, ...parts }: (typeof r.models)[number]) => [key === null ? '(none)' : String(key), parts] as const;
    return orchestratorAnswersFromParts({
      runs: r.runs,
      issues: r.issues,
      byModel: r.models.map(config),
      byTemperature: r.temperatures.map(config),
      agents: r.agents.map(({ agent, ...parts }) => [agent, parts] as const),
      firstPipeline: r.firstPipeline,
      debugging: r.debugging,
      complexity: {
        labelled: r.complexity.labelled,
        // Unlabelled rows are keyed by the bucket's total retries as JavaScript writes the number.
        rows: r.complexity.rows.map(({ key, retries, ...parts }) => [key ?? String(retries), parts] as const),
        spearman: r.complexity.spearman,
      },
    });
  });
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

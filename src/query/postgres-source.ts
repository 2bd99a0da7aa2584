/**
 * PostgreSQL as a `ReportSource`: the database folds and sums (a few rows per group come
 * back), and the analytics layer finishes every answer with the same accumulators and
 * definitions as for a directory. `pg` and the SQL are loaded only when a command asks for a
 * `postgres://` store. Rules and edge cases: docs/postgres.md.
 */
import { groupAttribute } from '../analytics/report.js';
import { agentAnalysisFromParts, workflowStatsFromParts } from '../analytics/seeds/agents.js';
import { AutomationAccumulator, automationSummaryFromParts } from '../analytics/seeds/automation.js';
import { orchestratorAnswersFromParts } from '../analytics/seeds/orchestrator-queries.js';
import { SKETCH_MIN_INDEXABLE, SKETCH_RELATIVE_ACCURACY } from '../analytics/stats.js';
import type { AgentParts, Report } from '../analytics/index.js';
import { loadOptional } from '../model/diagnostics.js';
import { DEFAULT_EXCLUDED_ENVS } from '../model/envs.js';
import type { EnvSelection } from '../model/index.js';
import { reportBuilderFor } from './report-builder.js';
import type { AgentsQuery, ReportQuery, ReportSource, ScanHandlers, ScanWindow, SeedQuery, Skipped } from './source.js';

type PostgresModule = typeof import('../sinks/postgres/index.js');
type Pool = import('pg').Pool;

const DAY_MS = 86_400_000;
const NOTHING_SKIPPED: Skipped = { skipped_lines: 0, skipped_samples: [] };

/** The PostgreSQL module, loaded on first use. */
export function loadPostgres(): Promise<PostgresModule> {
  return loadOptional('PostgreSQL support', ['pg', 'pg-copy-streams'], () => import('../sinks/postgres/index.js'));
}

/** The database has no (or an older) agentmeter schema. */
export class NotMigratedError extends Error {
  override readonly name = 'NotMigratedError';
  constructor(url: string, current: number, latest: number) {
    super(
      current === 0
        ? `no agentmeter schema at ${url}; create it with: agentmeter db migrate --store '${url}'`
        : `the agentmeter schema at ${url} is at version ${current}, this version needs ${latest}; run: agentmeter db migrate --store '${url}'`,
    );
  }
}

/** Fail with a clear message when the database was never migrated (exit 3, like a missing store). */
export async function requireMigrated(pgm: PostgresModule, pool: Pool, url: string): Promise<void> {
  const st = await pgm.migrationStatus(pool);
  if (st.current < st.latest) throw new NotMigratedError(pgm.redactUrl(url), st.current, st.latest);
}

function envFilter(envs: EnvSelection): import('../sinks/postgres/index.js').EnvFilter {
  return envs === 'all' ? { all: true } : envs ? { only: envs } : { except: DEFAULT_EXCLUDED_ENVS };
}

/**
 * A PostgreSQL database (migrated by `agentmeter db migrate`) read as a report source. Each
 * question opens a one-connection pool and ends it, so a source left unclosed never keeps a
 * command's process alive.
 */
export class PostgresSource implements ReportSource {
  readonly url: string;
  readonly label: string;

  constructor(url: string, label = url) {
    this.url = url;
    this.label = label;
  }

  async #with<T>(fn: (c: { pgm: PostgresModule; pool: Pool }) => Promise<T>): Promise<T> {
    const pgm = await loadPostgres();
    const pool = await pgm.openPool(pgm.parsePostgresUrl(this.url), { max: 1 });
    try {
      await requireMigrated(pgm, pool, this.url);
      return await fn({ pgm, pool });
    } finally {
      await pool.end().catch(() => undefined);
    }
  }

  report(q: ReportQuery): Promise<Report> {
    return this.#with(async ({ pgm, pool }) => {
      const builder = reportBuilderFor(q);
      const gamma = (1 + SKETCH_RELATIVE_ACCURACY) / (1 - SKETCH_RELATIVE_ACCURACY);
      const result = await pgm.queryReportAggregates(pool, {
        previousSinceMs: q.sinceMs - (q.untilMs - q.sinceMs),
        sinceMs: q.sinceMs,
        untilMs: q.untilMs,
        nowMs: q.nowMs,
        groupAttr: q.by ? groupAttribute(q.by) : undefined,
        sketchLnGamma: Math.log(gamma),
        sketchMinIndexable: SKETCH_MIN_INDEXABLE,
      });
      for (const a of result.spans) builder.addAggregate(a);
      for (const f of result.feedback) builder.addFeedbackAggregate(f);
      return builder.build();
    });
  }

  agents(q: AgentsQuery): ReturnType<ReportSource['agents']> {
    return this.#with(async ({ pgm, pool }) => {
      const r = await pgm.queryAgentAggregates(pool, {
        sinceMs: q.sinceMs,
        untilMs: q.untilMs,
        envs: envFilter(q.envs),
        taskType: q.taskType,
        nowMs: q.nowMs,
        recentSinceMs: q.nowMs - 7 * DAY_MS,
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
      return { analysis: agentAnalysisFromParts(parts, workflows, { minMs, maxMs }, { nowMs: q.nowMs, taskType: q.taskType }), ...NOTHING_SKIPPED };
    });
  }

  automation(q: SeedQuery): ReturnType<ReportSource['automation']> {
    return this.#with(async ({ pgm, pool }) => {
      const rows = await pgm.queryAutomationAggregates(pool, { sinceMs: q.sinceMs, untilMs: q.untilMs, nowMs: q.nowMs, envs: envFilter(q.envs) });
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
      return { summary: automationSummaryFromParts(current, previous, ops, q), ...NOTHING_SKIPPED };
    });
  }

  orchestrator(q: SeedQuery): ReturnType<ReportSource['orchestrator']> {
    return this.#with(async ({ pgm, pool }) => {
      const r = await pgm.queryOrchestratorAggregates(pool, { sinceMs: q.sinceMs, untilMs: q.untilMs, nowMs: q.nowMs, envs: envFilter(q.envs) });
      const config = ({ key, ...parts }: (typeof r.models)[number]) => [key === null ? '(none)' : String(key), parts] as const;
      const answers = orchestratorAnswersFromParts({
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
      return { answers, ...NOTHING_SKIPPED };
    });
  }

  scan(w: ScanWindow, h: ScanHandlers): Promise<Skipped> {
    return this.#with(async ({ pgm, pool }) => {
      const r = await pgm.querySpans(pool, { sinceMs: w.sinceMs, untilMs: w.untilMs, nowMs: w.nowMs, feedback: h.onFeedback !== undefined });
      for (const s of r.spans) h.onSpan(s);
      if (h.onFeedback) for (const f of r.feedback) h.onFeedback(f);
      return NOTHING_SKIPPED;
    });
  }

  spans(w: ScanWindow, h: Parameters<ReportSource['spans']>[1]): Promise<Skipped> {
    return this.#with(async ({ pgm, pool }) => {
      const r = await pgm.querySpans(pool, { sinceMs: w.sinceMs, untilMs: w.untilMs, nowMs: w.nowMs, feedback: h.onFeedback !== undefined });
      for (const s of r.spans) h.onSpan(s);
      if (h.onFeedback) for (const f of r.feedback) h.onFeedback(f);
      return NOTHING_SKIPPED;
    });
  }

  async close(): Promise<void> {}
}

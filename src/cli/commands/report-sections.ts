/**
 * `agentmeter report <section>`: views of one seed system beside the general report. Each
 * section is one entry of `REPORT_SECTIONS`.
 */
import { answerOrchestratorQueries, automationSummary, buildRunRecords } from '../../analytics/index.js';
import { collectStore } from '../../integrations/collect.js';
import { resolveStoreDir, storeExists } from '../../store/index.js';
import { EXIT, UsageError, useColor } from '../io.js';
import type { Io } from '../io.js';
import type { OrchestratorAnswers, Report } from '../../analytics/index.js';
import { painter } from '../render/format.js';
import { renderOrchestrator } from '../render/orchestrator.js';
import { renderAutomation } from '../render/automation.js';
import { computeAutomationFromPostgres, computeOrchestratorFromPostgres, storeChoice } from '../stores.js';
import { parseEnvs, parseWindow } from '../window.js';
import { noStoreMessage, warnSkipped } from './report.js';

/** What a section gets. */
export interface SectionContext {
  dir: string;
  /** PostgreSQL to read instead of \`dir\` (\`--store\`), for the sections that can. */
  storeUrl?: string | undefined;
  sinceMs: number;
  untilMs: number;
  nowMs: number;
  envs: readonly string[] | 'all' | undefined;
  json: boolean;
  /** \`--strict\`: exit 4 when corrupt or torn lines were skipped. */
  strict: boolean;
  io: Io;
}

/** One report section. */
export interface ReportSection {
  summary: string;
  run(ctx: SectionContext): Promise<number>;
}

function windowText(c: SectionContext): string {
  const f = (ms: number): string => new Date(ms).toISOString().slice(0, 16).replace('T', ' ');
  return `${f(c.sinceMs)} → ${f(c.untilMs)} UTC`;
}

/** Every `agentmeter report <section>`. */
export const REPORT_SECTIONS: Record<string, ReportSection> = {
  automation: {
    summary: 'the automation-metrics summary: totals, averages, validation and promotion rates, geomean speedup, time saved, trend',
    async run(c) {
      if (c.storeUrl !== undefined) {
        const summary = await computeAutomationFromPostgres(c.storeUrl, { sinceMs: c.sinceMs, untilMs: c.untilMs, nowMs: c.nowMs, envs: c.envs });
        c.io.stdout.write(c.json ? JSON.stringify(summary, null, 2) + '\n' : renderAutomation(summary, painter(useColor(c.io))));
        return EXIT.ok;
      }
      // The previous window of equal length feeds the trend.
      const previousSince = c.sinceMs - (c.untilMs - c.sinceMs);
      const data = await collectStore({ dir: c.dir, sinceMs: previousSince, untilMs: c.untilMs, envs: c.envs, nowMs: c.nowMs, kinds: ['optimization'], windowOn: 'end' });
      const summary = automationSummary(data.spans, { sinceMs: c.sinceMs, untilMs: c.untilMs });
      c.io.stdout.write(c.json ? JSON.stringify(summary, null, 2) + '\n' : renderAutomation(summary, painter(useColor(c.io))));
      return warnSkipped({ skipped_lines: data.skipped, skipped_samples: data.samples }, c.io, c.strict);
    },
  },
  orchestrator: {
    summary: "the orchestrator's example queries: success per model/temperature, agent retries, first-attempt pipelines, debugging, complexity",
    async run(c) {
      let answers: OrchestratorAnswers;
      let skipped: Pick<Report, 'skipped_lines' | 'skipped_samples'> = { skipped_lines: 0, skipped_samples: [] };
      if (c.storeUrl !== undefined) {
        answers = await computeOrchestratorFromPostgres(c.storeUrl, { sinceMs: c.sinceMs, untilMs: c.untilMs, nowMs: c.nowMs, envs: c.envs });
      } else {
        const data = await collectStore({ dir: c.dir, sinceMs: c.sinceMs, untilMs: c.untilMs, envs: c.envs, nowMs: c.nowMs, kinds: ['run', 'task', 'agent', 'pipeline', 'debug'] });
        answers = answerOrchestratorQueries(buildRunRecords(data.spans));
        skipped = { skipped_lines: data.skipped, skipped_samples: data.samples };
      }
      c.io.stdout.write(c.json ? JSON.stringify({ window: { since: new Date(c.sinceMs).toISOString(), until: new Date(c.untilMs).toISOString() }, ...answers }, null, 2) + '\n' : renderOrchestrator(answers, windowText(c), painter(useColor(c.io))));
      return warnSkipped(skipped, c.io, c.strict);
    },
  },
};

/** Run `report <section>` with the report's own options. */
export async function runReportSection(section: string, opts: Record<string, unknown>, io: Io): Promise<number> {
  const s = REPORT_SECTIONS[section];
  if (!Object.hasOwn(REPORT_SECTIONS, section) || !s) throw new UsageError(`unknown report section ${JSON.stringify(section)}; one of: ${Object.keys(REPORT_SECTIONS).join(', ')}`);
  if (opts['by'] !== undefined) throw new UsageError(`--by does not apply to report ${section}`);
  const format = opts['format'];
  if (format !== undefined && format !== 'table' && format !== 'json') throw new UsageError(`report ${section} prints a table or JSON: --format table|json (or --json), not ${JSON.stringify(format)}`);
  const nowMs = Date.now();
  const { sinceMs, untilMs } = parseWindow(opts['since'], opts['until'], nowMs);
  const json = opts['json'] === true || format === 'json';
  const strict = opts['strict'] === true;
  const envs = parseEnvs(opts['env']);
  const store = storeChoice(opts['store']);
  if (store.kind === 'postgres') {
    if (opts['dir'] !== undefined) throw new UsageError('--dir and --store name two stores; give one');
    return s.run({ dir: '', storeUrl: store.url, sinceMs, untilMs, nowMs, envs, json, strict, io });
  }
  const dir = resolveStoreDir({ dir: opts['dir'] as string | undefined, env: io.env, cwd: io.cwd });
  if (!(await storeExists(dir))) {
    io.stderr.write(noStoreMessage(dir));
    return EXIT.noStore;
  }
  return s.run({ dir, sinceMs, untilMs, nowMs, envs, json, strict, io });
}

/**
 * `agentmeter report <section>`: views of one seed system beside the general report. Each
 * section is one entry of `REPORT_SECTIONS`.
 */
import type { ReportSource } from '../../query/index.js';
import type { EnvSelection } from '../../model/index.js';
import { EXIT, UsageError, useColor } from '../io.js';
import type { Io } from '../io.js';
import { painter } from '../render/format.js';
import { renderOrchestrator } from '../render/orchestrator.js';
import { renderAutomation } from '../render/automation.js';
import { progressLine } from '../progress.js';
import { streamingHeap } from '../../store/heap.js';
import { sourceOf } from '../stores.js';
import { ENV_FILTER, read, readWindow } from '../options.js';
import { warnSkipped } from './report.js';

/** What a section gets. */
export interface SectionContext {
  source: ReportSource;
  sinceMs: number;
  untilMs: number;
  nowMs: number;
  envs: EnvSelection;
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
      const { summary, ...skipped } = await c.source.automation({ sinceMs: c.sinceMs, untilMs: c.untilMs, nowMs: c.nowMs, envs: c.envs });
      c.io.stdout.write(c.json ? JSON.stringify(summary, null, 2) + '\n' : renderAutomation(summary, painter(useColor(c.io))));
      return warnSkipped(skipped, c.io, c.strict);
    },
  },
  orchestrator: {
    summary: "the orchestrator's example queries: success per model/temperature, agent retries, first-attempt pipelines, debugging, complexity",
    async run(c) {
      const { answers, ...skipped } = await c.source.orchestrator({ sinceMs: c.sinceMs, untilMs: c.untilMs, nowMs: c.nowMs, envs: c.envs });
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
  // The sections stream spans too (orchestrator) or keep few of them (automation).
  streamingHeap();
  const nowMs = Date.now();
  const { sinceMs, untilMs } = readWindow(opts, '7d', nowMs);
  const json = opts['json'] === true || format === 'json';
  const strict = opts['strict'] === true;
  const envs = read(ENV_FILTER, opts);
  // A cold read folds every segment into the span cache: a line while that takes a while.
  const progress = progressLine(io, 'reading the store', { json });
  const source = await sourceOf(opts, io, { progress });
  if (!source) return EXIT.noStore;
  return s.run({ source, sinceMs, untilMs, nowMs, envs, json, strict, io }).finally(() => progress.end());
}

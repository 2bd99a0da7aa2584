import { GROUP_BY_VALUES } from '../../analytics/report-types.js';
import type { GroupBy, Report } from '../../analytics/index.js';
import { DirectorySource } from '../../query/directory-source.js';
import type { ReportSource } from '../../query/index.js';
import type { EnvSelection } from '../../model/index.js';
import { listPartitions } from '../../store/layout.js';
import { renderReport } from '../render/report.js';
import type { CommandSpec } from '../command.js';
import { DIR_OPTION } from '../command.js';
import { EXIT, UsageError, terminalWidth, useColor } from '../io.js';
import type { Io } from '../io.js';
import { STORE_OPTION, noStoreMessage, sourceOf } from '../stores.js';
import { progressLine } from '../progress.js';
import { streamingHeap } from '../../store/heap.js';
import { CACHE_OPTION, ENV_FILTER, JSON_OPTION, WIDE_OPTION, WINDOW_RULE, formatOption, read, readWindow, windowOptions } from '../options.js';
import type { TypedOption } from '../options.js';

/** Shown when the store has no events folder. */
export { noStoreMessage };

/**
 * Read a directory store and build a report: the directory source's report, for tests and
 * benchmarks that hold a directory.
 */
export async function computeReport(
  dir: string,
  o: { sinceMs: number; untilMs: number; by?: GroupBy; envs?: readonly string[] | 'all'; nowMs: number; cache?: boolean },
  onProgress?: (segments: number) => void,
): Promise<Report> {
  const source = new DirectorySource(dir, { cache: o.cache !== false, ...(onProgress ? { onSegments: onProgress } : {}) });
  return source.report(o);
}

const [SINCE, UNTIL] = windowOptions('7d');
const BY: TypedOption<GroupBy | undefined> = {
  flags: '-b, --by <dimension>',
  description: 'group rows by a dimension',
  choices: GROUP_BY_VALUES,
  parse: (v) => v as GroupBy | undefined,
};
const STRICT: TypedOption<boolean> = { flags: '--strict', description: 'exit 4 when corrupt or torn lines were skipped', parse: (v) => v === true };
const FORMAT = formatOption();

export const reportCommand: CommandSpec = {
  name: 'report',
  summary: 'totals, rates with 95 % intervals, percentiles and trends over a time window',
  args: [{ name: 'section', description: 'a view for one kind of system instead of the general report: automation (kernel autotuning sessions), orchestrator (multi-agent coding runs)' }],
  options: [
    SINCE,
    UNTIL,
    BY,
    ENV_FILTER,
    FORMAT,
    JSON_OPTION,
    WIDE_OPTION,
    STRICT,
    CACHE_OPTION,
    DIR_OPTION,
    STORE_OPTION,
  ],
  help: `
Examples:
  $ agentmeter report                          last 7 days, all envs but test and demo
  $ agentmeter report --database postgres://postgres@127.0.0.1/agentmeter --by agent
  $ agentmeter report --since 24h --by model   success rates per model, last day
  $ agentmeter report --since 2025-01-01 --until 2025-02-01 --format md
  $ agentmeter report --env prod --json | jq .pipelines.first_attempt_pass_rate
  $ agentmeter report orchestrator --since 30d   the orchestrator's example queries answered
  $ agentmeter report orchestrator --database postgres://postgres@127.0.0.1/agentmeter --since 30d
  $ agentmeter report automation --since 7d      the automation-metrics summary table
  $ agentmeter report automation --database postgres://postgres@127.0.0.1/agentmeter

Success rate = successes / (successes + failures); partial, unknown, skipped, cancelled,
open and abandoned spans are counted apart. Intervals are 95 % Wilson intervals. The trend
compares with the previous window of the same length. Definitions: docs/metrics.md.
${WINDOW_RULE}`,
  async run(args, opts, io) {
    if (args[0] !== undefined) {
      // Loaded on demand: the sections import this module's helpers.
      const { runReportSection } = await import('./report-sections.js');
      return runReportSection(args[0], opts, io);
    }
    // A report streams: what it keeps is bounded by the number of groups.
    streamingHeap();
    const now = Date.now();
    const { sinceMs, untilMs } = readWindow(opts, '7d', now);
    const format = read(FORMAT, opts);
    const envs = read(ENV_FILTER, opts);
    const by = read(BY, opts);
    const progress = progressLine(io, 'reading the store', { json: format === 'json' });
    const source = await sourceOf(opts, io, { progress });
    if (!source) return EXIT.noStore;
    const report = await source.report({ sinceMs, untilMs, nowMs: now, by, envs });
    if (isEmpty(report)) io.stderr.write(await emptyHint(report, source, envs));
    const text = format === 'json' ? JSON.stringify(report, null, 2) : renderReport(report, format, { color: useColor(io), width: terminalWidth(io, read(WIDE_OPTION, opts)) });
    progress.end();
    io.stdout.write(text.endsWith('\n') ? text : text + '\n');
    return warnSkipped(report, io, read(STRICT, opts));
  },
};

/** Whether a report has nothing in it: no span of any section, no feedback. */
export function isEmpty(r: Report): boolean {
  return r.runs.total + r.tasks.total + r.agents.total + r.pipelines.total + r.debugging.cycles + r.optimizations.sessions + r.feedback.count === 0;
}

/**
 * When a filter leaves nothing, say what the store does hold and which flag shows it: the
 * envs the window has (left out by --env), else the days the store's events span.
 */
export async function emptyHint(r: Pick<Report, 'envs' | 'window'>, source: ReportSource, envs: EnvSelection): Promise<string> {
  const excluded = Object.entries(r.envs.excluded).sort(([, a], [, b]) => b - a);
  const asked = envs === undefined ? 'the default envs (all but test and demo)' : envs === 'all' ? 'any env' : `env ${envs.join(', ')}`;
  if (excluded.length > 0) {
    const top = excluded[0]?.[0] ?? 'all';
    return `agentmeter: nothing in ${asked} in this window; it holds ${excluded.map(([e, n]) => `${e} ${n} span${n === 1 ? '' : 's'}`).join(', ')} (use --env ${top}, or --env all)\n`;
  }
  if (source instanceof DirectorySource) {
    const days = await listPartitions(source.dir);
    if (days.length === 0) return `agentmeter: the store at ${source.dir} holds no events yet\n`;
    const first = days[0]?.day ?? '';
    const last = days[days.length - 1]?.day ?? '';
    return `agentmeter: nothing between ${r.window.since.slice(0, 16).replace('T', ' ')} and ${r.window.until.slice(0, 16).replace('T', ' ')} UTC; the store's events span ${first} → ${last} (widen --since/--until, e.g. --since ${first})\n`;
  }
  return `agentmeter: nothing in ${asked} between ${r.window.since} and ${r.window.until} (widen --since/--until, or try --env all)\n`;
}

/** Tell stderr about skipped lines; with `--strict` that is exit 4. */
export function warnSkipped(report: Pick<Report, 'skipped_lines' | 'skipped_samples'>, io: Io, strict: boolean): number {
  if (report.skipped_lines === 0) return EXIT.ok;
  const first = report.skipped_samples[0];
  io.stderr.write(
    `agentmeter: skipped ${report.skipped_lines} corrupt or torn line${report.skipped_lines === 1 ? '' : 's'}` +
      (first ? ` (first: ${first.file}:${first.line}: ${first.reason})` : '') +
      `; run \`agentmeter validate\` to list them\n`,
  );
  return strict ? EXIT.dataErrors : EXIT.ok;
}

export { UsageError };

import { setFlagsFromString } from 'node:v8';
import { ReportBuilder, GROUP_BY_VALUES } from '../../analytics/index.js';
import type { GroupBy, Report } from '../../analytics/index.js';
import { resolveStoreDir, scanSummaries, storeExists } from '../../store/index.js';
import type { SkippedLine } from '../../store/index.js';
import { renderReport } from '../render/report.js';
import type { CommandSpec } from '../command.js';
import { DIR_OPTION } from '../command.js';
import { EXIT, UsageError, useColor } from '../io.js';
import type { Io } from '../io.js';
import { parseEnvs, parseWindow } from '../window.js';
import { STORE_OPTION, computeReportFromPostgres, storeChoice } from '../stores.js';

const FORMATS = ['table', 'json', 'csv', 'md'] as const;
type Format = (typeof FORMATS)[number];

/** Shown when the store has no events folder. */
export function noStoreMessage(dir: string): string {
  return (
    `agentmeter: no store at ${dir} (no events/ folder).\n` +
    `  Record events with the SDK (createMeter({ dir })) or try the demo:\n` +
    `    agentmeter demo --dir ${dir} && agentmeter report --dir ${dir} --env demo\n`
  );
}

/** Read the store and build a report; shared by `report` and tests. */
export async function computeReport(
  dir: string,
  o: { sinceMs: number; untilMs: number; by?: GroupBy; envs?: readonly string[] | 'all'; nowMs: number; cache?: boolean },
  onProgress?: (segments: number) => void,
): Promise<Report> {
  const builder = new ReportBuilder({
    sinceMs: o.sinceMs,
    untilMs: o.untilMs,
    ...(o.by ? { by: o.by } : {}),
    ...(o.envs ? { envs: o.envs } : {}),
  });
  const samples: SkippedLine[] = [];
  // The previous window (for trends) is as long as the current one and ends where it starts.
  const previousSince = o.sinceMs - (o.untilMs - o.sinceMs);
  const stats = await scanSummaries({
    root: dir,
    cache: o.cache !== false,
    sinceMs: previousSince,
    // Ends of spans started inside the window may land in a later day partition.
    untilMs: o.untilMs + 86_400_000,
    nowMs: o.nowMs,
    onSpan: (s) => builder.addSpan(s),
    onFeedback: (f) => builder.addFeedback(f),
    onSkip: (s) => {
      if (samples.length < 20) samples.push(s);
    },
  });
  onProgress?.(stats.read.segments);
  builder.setSkippedLines(stats.read.skipped, samples);
  return builder.build();
}

export const reportCommand: CommandSpec = {
  name: 'report',
  summary: 'totals, rates with 95 % intervals, percentiles and trends over a time window',
  args: [{ name: 'section', description: 'a seed view instead of the general report: automation, orchestrator' }],
  options: [
    { flags: '-s, --since <when>', description: 'window start: 30m, 24h, 7d, 2w, or an ISO date/time', default: '7d' },
    { flags: '-u, --until <when>', description: 'window end (default: now)' },
    { flags: '-b, --by <dimension>', description: 'group rows by a dimension', choices: GROUP_BY_VALUES },
    { flags: '-e, --env <list>', description: 'environments to include, comma-separated, or "all" (default: all but test and demo)' },
    { flags: '-f, --format <format>', description: 'output format', choices: FORMATS, default: 'table' },
    { flags: '--json', description: 'same as --format json (the stable contract in docs/cli.md)' },
    { flags: '--strict', description: 'exit 4 when corrupt or torn lines were skipped' },
    { flags: '--no-cache', description: 'fold every event afresh and write no span cache (the cache is derived data under <dir>/cache/)' },
    DIR_OPTION,
    STORE_OPTION,
  ],
  help: `
Examples:
  $ agentmeter report                          last 7 days, all envs but test and demo
  $ agentmeter report --store postgres://postgres@127.0.0.1/agentmeter --by agent
  $ agentmeter report --since 24h --by model   success rates per model, last day
  $ agentmeter report --since 2025-01-01 --until 2025-02-01 --format md
  $ agentmeter report --env prod --json | jq .pipelines.first_attempt_pass_rate
  $ agentmeter report orchestrator --since 30d   the orchestrator's example queries answered
  $ agentmeter report orchestrator --store postgres://postgres@127.0.0.1/agentmeter --since 30d
  $ agentmeter report automation --since 7d      the automation-metrics summary table
  $ agentmeter report automation --store postgres://postgres@127.0.0.1/agentmeter

Success rate = successes / (successes + failures); partial, unknown, skipped, cancelled,
open and abandoned spans are counted apart. Intervals are 95 % Wilson intervals. The trend
compares with the previous window of the same length. Definitions: docs/metrics.md.`,
  async run(args, opts, io) {
    if (args[0] !== undefined) {
      // Loaded on demand: the sections import this module's helpers.
      const { runReportSection } = await import('./report-sections.js');
      return runReportSection(args[0], opts, io);
    }
    // A report streams: what it keeps is bounded by the number of groups, and nearly all it
    // allocates is garbage soon. V8 would still grow its young generation to 32 MB over a
    // long report, and let the old one grow by up to 4× what is live before collecting;
    // kept small (young generation at its initial size, old one doubling at most), a report
    // over 1,000,000 events peaks 30–40 MB lower for no measurable time (docs/performance.md).
    setFlagsFromString('--semi-space-growth-factor=1');
    setFlagsFromString('--heap-growing-percent=100');
    const now = Date.now();
    const { sinceMs, untilMs } = parseWindow(opts['since'], opts['until'], now);
    const format: Format = opts['json'] === true ? 'json' : (opts['format'] as Format | undefined) ?? 'table';
    const envs = parseEnvs(opts['env']);
    const store = storeChoice(opts['store']);
    const common = { sinceMs, untilMs, nowMs: now, ...(opts['by'] ? { by: opts['by'] as GroupBy } : {}), ...(envs ? { envs } : {}) };
    let report: Report;
    if (store.kind === 'postgres') {
      report = await computeReportFromPostgres(store.url, common);
    } else {
      const dir = resolveStoreDir({ dir: opts['dir'] as string | undefined, env: io.env, cwd: io.cwd });
      if (!(await storeExists(dir))) {
        io.stderr.write(noStoreMessage(dir));
        return EXIT.noStore;
      }
      report = await computeReport(dir, { ...common, cache: opts['cache'] !== false && io.env['AGENTMETER_NO_CACHE'] !== '1' });
    }
    const text = format === 'json' ? JSON.stringify(report, null, 2) : renderReport(report, format, { color: useColor(io) });
    io.stdout.write(text.endsWith('\n') ? text : text + '\n');
    return warnSkipped(report, io, opts['strict'] === true);
  },
};

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

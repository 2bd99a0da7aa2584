import { AnomalyCollector, DEFAULT_ANOMALY_SETTINGS, isDimension } from '../../analytics/index.js';
import type { AnomalyReport, Dimension } from '../../analytics/index.js';
import { toIso } from '../../model/time.js';
import type { CommandSpec, OptionSpec } from '../command.js';
import { COMMON_OPTIONS, commonOptions, print, scanIncluded, warnScan } from '../insights.js';
import type { Common } from '../insights.js';
import { EXIT, UsageError } from '../io.js';
import type { Io } from '../io.js';
import { formatDuration, formatPercent } from '../render/format.js';
import { renderRows } from '../render/table.js';
import { WINDOW_RULE, readWindow, windowOptions } from '../options.js';

/** Series dimensions by default; thin series roll up from the right (task type first). */
export const DEFAULT_SERIES = DEFAULT_ANOMALY_SETTINGS.series.join(',');

/** Options `anomalies` and `check --no-anomalies` share. */
export const ANOMALY_OPTIONS: readonly OptionSpec[] = [
  { flags: '--series <dimensions>', description: 'comma-separated dimensions of a series; thin series roll up from the right', default: DEFAULT_SERIES },
  { flags: '--baseline-days <n>', description: 'days before each point that form its baseline', default: String(DEFAULT_ANOMALY_SETTINGS.baselineDays) },
  { flags: '--min-count <n>', description: 'agent invocations a day needs to be examined', default: String(DEFAULT_ANOMALY_SETTINGS.minCount) },
];

function positiveInt(v: unknown, flag: string, fallback: number, max: number): number {
  if (v === undefined) return fallback;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1 || n > max) throw new UsageError(`${flag} must be a whole number from 1 to ${max}, got ${JSON.stringify(v)}`);
  return n;
}

/** Parse `--series`. */
export function parseSeries(v: unknown): Dimension[] {
  const dims = String(v ?? DEFAULT_SERIES).split(',').map((s) => s.trim()).filter((s) => s !== '');
  const bad = dims.filter((d) => !isDimension(d));
  if (dims.length === 0 || bad.length > 0) throw new UsageError(`--series takes dimensions like ${DEFAULT_SERIES}; unknown: ${bad.join(', ') || '(none given)'}`);
  return dims as Dimension[];
}

/**
 * Read agent invocations over the window plus its baseline and find anomalous days.
 * Shared by `anomalies` and `check --no-anomalies`.
 */
export async function findAnomalies(
  c: Common,
  w: { sinceMs: number; untilMs: number; nowMs: number },
  opts: Record<string, unknown>,
): Promise<{ report: AnomalyReport; info: Awaited<ReturnType<typeof scanIncluded>>; dims: Dimension[]; baselineDays: number; minCount: number }> {
  const dims = parseSeries(opts['series']);
  const baselineDays = positiveInt(opts['baselineDays'], '--baseline-days', DEFAULT_ANOMALY_SETTINGS.baselineDays, 365);
  const minCount = positiveInt(opts['minCount'], '--min-count', DEFAULT_ANOMALY_SETTINGS.minCount, 1_000_000);
  const collector = new AnomalyCollector({ series: dims, baselineDays, minCount });
  const info = await scanIncluded(c, { sinceMs: collector.scanSince(w.sinceMs), untilMs: w.untilMs, nowMs: w.nowMs }, (s) => collector.add(s));
  const report = collector.detect(w);
  return { report, info, dims, baselineDays, minCount };
}

/** The anomalies as text, Markdown or CSV. */
export function renderAnomalies(r: AnomalyReport, format: 'table' | 'md' | 'csv', title: string): string {
  if (format === 'csv') {
    return renderRows(
      ['day', 'series', 'metric', 'value', 'expected', 'n', 'p_value', 'z', 'seasonal', 'baseline_days', 'evidence'].map((header) => ({ header })),
      r.anomalies.map((a) => [a.day, a.series, a.metric, String(a.value), String(a.expected), String(a.n), String(a.p_value), String(a.z), String(a.seasonal), String(a.baseline_days), a.evidence]),
      'csv',
    );
  }
  const rows = r.anomalies.map((a) => [
    a.day,
    a.series,
    a.metric === 'duration' ? 'duration' : 'failure rate',
    a.metric === 'duration' ? formatDuration(a.value) : formatPercent(a.value),
    a.metric === 'duration' ? formatDuration(a.expected) : formatPercent(a.expected),
    String(a.n),
    a.evidence,
  ]);
  const table = renderRows(
    [{ header: 'day' }, { header: 'series' }, { header: 'metric' }, { header: 'value', align: 'right' }, { header: 'expected', align: 'right' }, { header: 'n', align: 'right' }, { header: 'evidence' }],
    rows,
    format,
  );
  if (r.points_examined === 0) {
    return `${title}\n${r.series} series; no day had enough data to examine (at least --min-count invocations, and 7 such days in its baseline).`;
  }
  const head = `${title}\n${r.series} series, ${r.points_examined} points examined, threshold p < ${r.point_alpha.toExponential(1)} per point (5 % family-wise)\n`;
  return r.anomalies.length === 0 ? `${head}\nNo anomalies.` : `${head}\n${table}`;
}

export const anomaliesCommand: CommandSpec = {
  name: 'anomalies',
  summary: 'days when a series failed far more often or ran far slower than its own robust baseline',
  options: [
    ...windowOptions('7d'),
    ...ANOMALY_OPTIONS,
    ...COMMON_OPTIONS,
  ],
  help: `
Examples:
  $ agentmeter anomalies                         the last 7 days, against the 28 days before each
  $ agentmeter anomalies --since 30d --json
  $ agentmeter anomalies --series model,agent    one series per model and agent

A series is the agent invocations of one (model, agent, task type); a series averaging fewer
than --min-count invocations a day is rolled up into its parent (task type dropped, then
agent), so thin data is still watched. Each day is compared with the preceding baseline
days: its failures against the pooled baseline rate (exact binomial tail), its median
duration against the baseline days' medians (robust z from median and MAD, log scale);
the same weekday's days when the series has a weekly pattern. A point is flagged when its
tail probability is below 5 % divided by the points examined and the change is large
(+20 pts, or 1.5× the duration). Methods: docs/statistics.md.
${WINDOW_RULE}`,
  async run(_args, opts, io: Io) {
    const now = Date.now();
    const window = readWindow(opts, '7d', now);
    const c = await commonOptions(opts, io);
    if (!c) return EXIT.noStore;
    const { report, info, dims, baselineDays, minCount } = await findAnomalies(c, { ...window, nowMs: now }, opts);
    warnScan(info, io, report.series === 0);
    if (c.format === 'json') {
      print(io, JSON.stringify({ window: { since: toIso(window.sinceMs), until: toIso(window.untilMs) }, series_dimensions: dims, baseline_days: baselineDays, min_count: minCount, ...report }, null, 2));
    } else {
      const title = `agentmeter anomalies  ${toIso(window.sinceMs).slice(0, 10)} → ${toIso(window.untilMs).slice(0, 10)}  series: ${dims.join(' · ')}, baseline ${baselineDays} days`;
      print(io, renderAnomalies(report, c.format, title));
    }
    return EXIT.ok;
  },
};

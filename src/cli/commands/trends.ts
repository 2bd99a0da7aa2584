import { METRIC_SPECS, trendsOf } from '../../analytics/index.js';
import type { Dimension, Metric, TrendSeries } from '../../analytics/index.js';
import type { SpanKind } from '../../model/events.js';
import { toIso } from '../../model/time.js';
import type { CommandSpec } from '../command.js';
import { BY_OPTION, COMMON_OPTIONS, KIND_OPTION, METRIC_OPTION, collectObservations, commonOptions, keyFunction, print, warnScan } from '../insights.js';
import { EXIT, UsageError } from '../io.js';
import { formatDuration, formatPercent, formatSpeedup, formatUsd } from '../render/format.js';
import { renderRows } from '../render/table.js';
import { WINDOW_RULE, readWindow, windowOptions } from '../options.js';

/** A bucket value for people. */
function formatValue(v: number | null, metric: Metric): string {
  if (v === null) return '–';
  const unit = METRIC_SPECS[metric].unit;
  if (unit === 'rate') return formatPercent(v);
  if (unit === 'ms') return formatDuration(v);
  if (unit === 'usd') return formatUsd(v);
  if (unit === 'ratio') return formatSpeedup(v);
  return v.toFixed(2);
}

/** Eight-level bar of a value between the series' min and max (blank when empty). */
function bar(v: number | null, lo: number, hi: number): string {
  if (v === null) return ' ';
  const bars = '▁▂▃▄▅▆▇█';
  const i = hi > lo ? Math.round(((v - lo) / (hi - lo)) * 7) : 3;
  return bars[Math.min(7, Math.max(0, i))] as string;
}

/** The series as text, Markdown or CSV. */
export function renderTrends(series: readonly TrendSeries[], metric: Metric, format: 'table' | 'md' | 'csv', title: string): string {
  if (format === 'csv') {
    return renderRows(
      [{ header: 'series' }, { header: 'bucket' }, { header: 'n' }, { header: 'value' }, { header: 'smoothed' }, { header: 'direction' }],
      series.flatMap((s) => s.points.map((p) => [s.key, p.bucket, String(p.n), p.value === null ? '' : String(p.value), p.smoothed === null ? '' : String(p.smoothed), s.direction])),
      'csv',
    );
  }
  const out = [title, ''];
  for (const s of series) {
    const values = s.points.map((p) => p.smoothed).filter((v): v is number => v !== null);
    const lo = Math.min(...values);
    const hi = Math.max(...values);
    out.push(`${format === 'md' ? '### ' : ''}${s.summary}`);
    out.push(`${format === 'md' ? '`' : '  '}${s.points.map((p) => bar(p.smoothed, lo, hi)).join('')}${format === 'md' ? '`' : ''}  (smoothed, ${s.points[0]?.bucket ?? ''} → ${s.points[s.points.length - 1]?.bucket ?? ''})`);
    out.push('');
    out.push(
      renderRows(
        [{ header: 'bucket' }, { header: 'n', align: 'right' }, { header: 'value', align: 'right' }, { header: 'smoothed', align: 'right' }],
        s.points.map((p) => [p.bucket, String(p.n), formatValue(p.value, metric), formatValue(p.smoothed, metric)]),
        format,
      ),
    );
    out.push('');
  }
  if (series.length === 0) out.push('No data in the window.');
  return out.join('\n');
}

export const trendsCommand: CommandSpec = {
  name: 'trends',
  summary: 'a metric per day or week, smoothed, with its direction judged against noise',
  options: [
    METRIC_OPTION,
    BY_OPTION,
    KIND_OPTION,
    { flags: '--bucket <size>', description: 'bucket size', choices: ['day', 'week'], default: 'day' },
    ...windowOptions('30d'),
    ...COMMON_OPTIONS,
  ],
  help: `
Examples:
  $ agentmeter trends                                   agent success rate per day, last 30 days
  $ agentmeter trends --metric duration --by agent --bucket week --since 12w
  $ agentmeter trends --metric first_attempt_pass_rate --json

Each bucket shows its value (rate, median, mean rating or geometric mean) and a smoothed
value over it and its neighbours. The direction comes from the Mann–Kendall test on the
buckets with at least 3 observations (at least 5 such buckets), and the slope from
Theil–Sen with its 95 % interval: "improving"/"worsening" only when p < 0.05, else
"no trend beyond noise". Methods: docs/statistics.md.
${WINDOW_RULE}`,
  async run(_args, opts, io) {
    const now = Date.now();
    const metric = (opts['metric'] as Metric | undefined) ?? 'success_rate';
    const kind = opts['kind'] as SpanKind | undefined;
    if (kind !== undefined && !['success_rate', 'duration', 'cost'].includes(metric)) {
      throw new UsageError(`--kind applies to success_rate, duration and cost; ${metric} reads ${METRIC_SPECS[metric].kind} spans`);
    }
    const bucket = (opts['bucket'] as 'day' | 'week' | undefined) ?? 'day';
    const by = opts['by'] as Dimension | undefined;
    const window = readWindow(opts, '30d', now);
    const c = await commonOptions(opts, io);
    if (!c) return EXIT.noStore;
    const { observations, info } = await collectObservations(c, { ...window, nowMs: now }, metric, kind, keyFunction(by));
    warnScan(info, io, observations.length === 0, metric === 'quality' ? 'agent' : (kind ?? METRIC_SPECS[metric].kind));
    const series = trendsOf(observations, metric, { ...window, bucket });
    if (c.format === 'json') {
      print(io, JSON.stringify({ window: { since: toIso(window.sinceMs), until: toIso(window.untilMs) }, metric, kind: kind ?? METRIC_SPECS[metric].kind, bucket, by: by ?? null, series }, null, 2));
    } else {
      const title = `agentmeter trends  ${metric} per ${bucket}${by ? ` by ${by}` : ''}  ${toIso(window.sinceMs).slice(0, 10)} → ${toIso(window.untilMs).slice(0, 10)}`;
      print(io, renderTrends(series, metric, c.format, title));
    }
    return EXIT.ok;
  },
};

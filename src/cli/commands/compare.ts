import { METRIC_SPECS, compareGroups, formatEffect, samplesOf } from '../../analytics/index.js';
import type { ComparisonReport, Dimension, GroupEstimate, Metric } from '../../analytics/index.js';
import type { SpanKind } from '../../model/events.js';
import { parseSince, toIso } from '../../model/time.js';
import type { CommandSpec } from '../command.js';
import { BY_OPTION, COMMON_OPTIONS, KIND_OPTION, METRIC_OPTION, collectObservations, commonOptions, keyFunction, print, warnScan } from '../insights.js';
import { EXIT, UsageError } from '../io.js';
import { formatDuration, formatRate, formatSpeedup, formatUsd } from '../render/format.js';
import { renderRows } from '../render/table.js';
import { WINDOW_RULE, readWindow, windowOptions } from '../options.js';
import { WIDE_OPTION, read } from '../options.js';
import { terminalWidth } from '../io.js';
import { wrapWords } from '../render/fit.js';

type Range = { sinceMs: number; untilMs: number };

const FORMS = 'START..END or START (each a duration like 7d, "now", or an ISO date/time)';

function parseRange(text: string, flag: string, now: number): { start: number; end: number | undefined } {
  const [a, b, ...rest] = text.split('..');
  const start = a === undefined || a === '' ? undefined : parseSince(a, now);
  const end = b === undefined || b === '' ? undefined : parseSince(b, now);
  if (rest.length > 0 || start === undefined || (b !== undefined && b !== '' && end === undefined)) {
    throw new UsageError(`${flag} ${JSON.stringify(text)} is not ${FORMS}`);
  }
  return { start, end };
}

/** `--before`/`--after` into two windows; see the help text for the forms. */
export function beforeAfterWindows(before: unknown, after: unknown, until: number, now: number): { before: Range; after: Range } {
  if (after === undefined) throw new UsageError('--before needs --after (the time of the change, or a range after it)');
  const a = parseRange(String(after), '--after', now);
  const afterRange = { sinceMs: a.start, untilMs: a.end ?? until };
  let beforeRange: Range;
  if (before === undefined) beforeRange = { sinceMs: a.start - (afterRange.untilMs - afterRange.sinceMs), untilMs: a.start };
  else {
    const b = parseRange(String(before), '--before', now);
    beforeRange = { sinceMs: b.start, untilMs: b.end ?? a.start };
  }
  for (const [name, r] of [['--before', beforeRange], ['--after', afterRange]] as const) {
    if (!(r.sinceMs < r.untilMs)) throw new UsageError(`${name} window is empty (${toIso(r.sinceMs)} → ${toIso(r.untilMs)})`);
  }
  if (beforeRange.untilMs > afterRange.sinceMs) throw new UsageError('--before must end before --after starts');
  return { before: beforeRange, after: afterRange };
}

/** A group's estimate for people: `84.1 % [81.4–86.5]`, `1.3 min`, `$0.021`, `3.92`, `1.61×`. */
export function formatEstimate(g: GroupEstimate, metric: Metric): string {
  const unit = METRIC_SPECS[metric].unit;
  if (!Number.isFinite(g.estimate)) return '–';
  if (unit === 'rate') return formatRate(g.estimate, g.ci);
  if (unit === 'ms') return formatDuration(g.estimate);
  if (unit === 'usd') return formatUsd(g.estimate);
  const ci = g.ci ? ` [${g.ci[0].toFixed(2)}–${g.ci[1].toFixed(2)}]` : '';
  if (unit === 'ratio') return `${formatSpeedup(g.estimate)}${ci}`;
  return `${g.estimate.toFixed(2)}${ci}`;
}

const ESTIMATE_NAME: Record<Metric, string> = {
  success_rate: 'success rate [95 % CI]',
  first_attempt_pass_rate: 'first-attempt pass [95 % CI]',
  duration: 'median duration',
  cost: 'mean cost',
  quality: 'mean rating [95 % CI]',
  speedup: 'geomean speedup [95 % CI]',
};

function pText(p: number): string {
  return p < 0.0001 ? '<0.0001' : p.toFixed(4);
}

/** The comparison as text, Markdown or CSV. */
export function renderComparison(r: ComparisonReport, format: 'table' | 'md' | 'csv', title: string, width?: number): string {
  if (format === 'csv') return comparisonCsv(r);
  if (r.groups.length === 0) return `${title}\n\nNo observations of ${r.metric} in the window.`;
  const groups = renderRows(
    [{ header: 'group' }, { header: 'n', align: 'right' }, { header: ESTIMATE_NAME[r.metric] }],
    r.groups.map((g) => [g.key, String(g.n), formatEstimate(g, r.metric)]),
    format,
    width,
  );
  const word = METRIC_SPECS[r.metric].betterWord;
  const effectHeader = r.comparisons[0]?.effect.scale === 'ratio' ? 'A/B' : 'A−B';
  const pairs = renderRows(
    [
      { header: 'A' },
      { header: 'B' },
      { header: effectHeader, align: 'right' },
      { header: '95 % CI', align: 'right' },
      { header: 'p', align: 'right' },
      { header: 'p (Holm)', align: 'right' },
      { header: 'verdict' },
    ],
    r.comparisons.map((c) => [
      c.a,
      c.b,
      formatEffect(c.effect, r.unit),
      `[${formatEffect({ ...c.effect, value: c.effect.ci[0] }, r.unit)}, ${formatEffect({ ...c.effect, value: c.effect.ci[1] }, r.unit)}]`,
      pText(c.p_value),
      pText(c.p_adjusted),
      c.verdict === 'a_better' ? `${c.a} ${word}` : c.verdict === 'b_better' ? `${c.b} ${word}` : c.verdict === 'no_difference' ? 'no detectable difference' : `not enough data (+${c.more_per_group ?? '?'}/group)`,
    ]),
    format,
    width,
  );
  const lines = [...wrapWords(title, width, 2), '', groups, ''];
  if (r.comparisons.length === 0) lines.push('Nothing to compare: fewer than two groups with data.');
  else {
    lines.push(`Pairs (${r.comparisons[0]?.test ?? ''}; Holm-corrected over ${r.comparisons.length} pair${r.comparisons.length === 1 ? '' : 's'}, α = ${r.alpha}):`, '', pairs, '');
    for (const c of r.comparisons) lines.push(...(format === 'md' ? [`- ${c.summary}`] : wrapWords(`  ${c.summary}`, width, 4)));
  }
  if (r.untested.length > 0) lines.push('', `Not compared (too few values or beyond the ${8} largest groups): ${r.untested.join(', ')}`);
  return lines.join('\n');
}

/** CSV keeps full-precision numbers: one table of groups, a blank line, one of pairs. */
function comparisonCsv(r: ComparisonReport): string {
  const num = (x: number | null | undefined): string => (x === null || x === undefined || !Number.isFinite(x) ? '' : String(x));
  const groups = renderRows(
    [{ header: 'group' }, { header: 'n' }, { header: 'estimate' }, { header: 'ci_low' }, { header: 'ci_high' }],
    r.groups.map((g) => [g.key, String(g.n), num(g.estimate), num(g.ci?.[0]), num(g.ci?.[1])]),
    'csv',
  );
  const pairs = renderRows(
    ['a', 'b', 'effect_scale', 'effect', 'ci_low', 'ci_high', 'p_value', 'p_adjusted', 'verdict', 'more_per_group', 'test'].map((header) => ({ header })),
    r.comparisons.map((c) => [c.a, c.b, c.effect.scale, num(c.effect.value), num(c.effect.ci[0]), num(c.effect.ci[1]), num(c.p_value), num(c.p_adjusted), c.verdict, num(c.more_per_group), c.test]),
    'csv',
  );
  return `${groups}\n\n${pairs}`;
}

export const compareCommand: CommandSpec = {
  name: 'compare',
  summary: 'which model, agent, variant … is better: differences with 95 % intervals, p-values, verdicts',
  options: [
    BY_OPTION,
    METRIC_OPTION,
    KIND_OPTION,
    ...windowOptions('30d'),
    { flags: '--after <when|range>', description: 'before/after form: when the change happened (or START..END after it)' },
    { flags: '--before <range>', description: 'before/after form: START..END before the change (default: as long as --after, just before it)' },
    { flags: '--alpha <level>', description: 'family-wise significance level', default: '0.05' },
    WIDE_OPTION,
    ...COMMON_OPTIONS,
  ],
  help: `
Examples:
  $ agentmeter compare --by model                          agent success rate per model, last 30 days
  $ agentmeter compare --by variant --metric quality       A/B test of agent variants on ratings
  $ agentmeter compare --by agent --metric duration --since 14d
  $ agentmeter compare --by model --metric first_attempt_pass_rate --json
  $ agentmeter compare --after 2025-03-01                  did the change on 1 March help?
  $ agentmeter compare --before 2025-02-01..2025-02-15 --after 2025-02-15..2025-03-01 --metric cost

Tests: rates by the two-proportion z test (Fisher's exact test for small counts) with
Newcombe's interval for the difference; durations by Mann–Whitney U with the
Hodges–Lehmann ratio of medians; costs by a seeded bootstrap of the ratio of means;
quality by Welch's t; speedups by Welch's t on the log scale (a ratio of geometric
means). p-values are Holm-corrected over all pairs. A verdict is "A is better", "no
detectable difference" (the interval lies within ± the smallest effect worth finding:
5 pts, 10 %, 0.25 stars, 5 %), or "not enough data: about N more per group" (for 80 %
power). Spans without a value for --by are left out and counted.
Methods and assumptions: docs/statistics.md.
${WINDOW_RULE}`,
  async run(_args, opts, io) {
    const now = Date.now();
    const metric = (opts['metric'] as Metric | undefined) ?? 'success_rate';
    const kind = opts['kind'] as SpanKind | undefined;
    if (kind !== undefined && !['success_rate', 'duration', 'cost'].includes(metric)) {
      throw new UsageError(`--kind applies to success_rate, duration and cost; ${metric} reads ${METRIC_SPECS[metric].kind} spans`);
    }
    const alpha = Number(opts['alpha'] ?? 0.05);
    if (!(alpha > 0 && alpha < 0.5)) throw new UsageError(`--alpha must be a number between 0 and 0.5, got ${JSON.stringify(opts['alpha'])}`);
    const by = opts['by'] as Dimension | undefined;
    const beforeAfter = opts['after'] !== undefined || opts['before'] !== undefined;
    if (beforeAfter && by !== undefined) throw new UsageError('use either --by (compare groups) or --before/--after (compare two windows), not both');
    if (!beforeAfter && by === undefined) throw new UsageError('say what to compare: --by model|agent|variant|temperature|… or --after <when of the change>');
    const c = await commonOptions(opts, io);
    if (!c) return EXIT.noStore;
    const samples = new Map<string, number[]>();
    const missing = { count: 0 };
    let window: Range;
    let info;
    let windows: { before: Range; after: Range } | undefined;
    if (beforeAfter) {
      const until = opts['until'] === undefined ? now : parseSince(String(opts['until']), now);
      if (until === undefined) throw new UsageError(`--until ${JSON.stringify(opts['until'])} is not a duration or an ISO date/time`);
      const w = beforeAfterWindows(opts['before'], opts['after'], until, now);
      windows = w;
      window = { sinceMs: w.before.sinceMs, untilMs: w.after.untilMs };
      samples.set('after', []);
      samples.set('before', []);
      const keyOf = (_a: unknown, ms: number): string | undefined =>
        ms >= w.before.sinceMs && ms < w.before.untilMs ? 'before' : ms >= w.after.sinceMs && ms < w.after.untilMs ? 'after' : undefined;
      ({ info } = await collect(samples, c, { ...window, nowMs: now }, metric, kind, keyOf));
    } else {
      window = readWindow(opts, '30d', now);
      ({ info } = await collect(samples, c, { ...window, nowMs: now }, metric, kind, keyFunction(by, missing)));
    }
    // In the before/after form A is "after", so the effect reads as the change's effect.
    const report = compareGroups(samples, metric, { alpha, ...(windows ? { order: ['after', 'before'] } : {}) });
    const total = [...samples.values()].reduce((n, v) => n + v.length, 0);
    warnScan(info, io, total === 0, metric === 'quality' ? 'agent' : (kind ?? METRIC_SPECS[metric].kind));
    const what = `${metric} of ${kind ?? METRIC_SPECS[metric].kind} spans`;
    const head = windows
      ? `agentmeter compare  ${what}: before ${short(windows.before.sinceMs)} → ${short(windows.before.untilMs)} vs after ${short(windows.after.sinceMs)} → ${short(windows.after.untilMs)}`
      : `agentmeter compare  ${what} by ${by ?? ''}  ${short(window.sinceMs)} → ${short(window.untilMs)}`;
    if (c.format === 'json') {
      const json = {
        window: { since: toIso(window.sinceMs), until: toIso(window.untilMs) },
        ...(windows
          ? { before: { since: toIso(windows.before.sinceMs), until: toIso(windows.before.untilMs) }, after: { since: toIso(windows.after.sinceMs), until: toIso(windows.after.untilMs) } }
          : { by }),
        kind: kind ?? METRIC_SPECS[metric].kind,
        without_group: missing.count,
        ...report,
      };
      print(io, JSON.stringify(json, null, 2));
    } else {
      print(io, renderComparison(report, c.format, head, terminalWidth(io, read(WIDE_OPTION, opts))));
      if (missing.count > 0 && c.format !== 'csv') print(io, `\n${missing.count} observation${missing.count === 1 ? '' : 's'} without a ${by ?? ''} value left out.`);
    }
    return EXIT.ok;
  },
};

async function collect(
  samples: Map<string, number[]>,
  c: NonNullable<Awaited<ReturnType<typeof commonOptions>>>,
  w: { sinceMs: number; untilMs: number; nowMs: number },
  metric: Metric,
  kind: SpanKind | undefined,
  keyOf: Parameters<typeof collectObservations>[4],
): Promise<{ info: Awaited<ReturnType<typeof collectObservations>>['info'] }> {
  const { observations, info } = await collectObservations(c, w, metric, kind, keyOf);
  samplesOf(observations, samples);
  return { info };
}

function short(ms: number): string {
  const iso = toIso(ms);
  return `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;
}

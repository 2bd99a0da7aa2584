/**
 * What `compare`, `trends`, `anomalies` and `check` share: the window and env options, one
 * scan of the source (a directory or PostgreSQL, through the query layer) that hands over
 * included spans, and the observations of a metric.
 */
import { DIMENSIONS, METRICS, OUTCOME_KINDS, QUALITY_JOIN_LOOKBACK_MS, QualityObservations, groupKeyOf, observationOf } from '../analytics/index.js';
import type { GroupKeyOf, Metric, Observation } from '../analytics/index.js';
import { envPredicate } from '../model/index.js';
import type { EnvSelection } from '../model/index.js';
import type { SpanKind } from '../model/events.js';
import type { Feedback } from '../model/span.js';
import type { ReportSource, ScannedSpan } from '../query/index.js';
import type { OptionSpec } from './command.js';
import { DIR_OPTION } from './command.js';
import { UsageError } from './io.js';
import type { Io } from './io.js';
import { CACHE_OPTION, ENV_FILTER, FORMATS, JSON_OPTION, formatOption, read } from './options.js';
import type { Format } from './options.js';
import { STORE_OPTION, sourceOf } from './stores.js';
import { progressLine } from './progress.js';

export { FORMATS };
export type { Format, Observation };

const FORMAT = formatOption();

/** Options every insight command has. */
export const COMMON_OPTIONS: readonly OptionSpec[] = [ENV_FILTER, FORMAT, JSON_OPTION, CACHE_OPTION, DIR_OPTION, STORE_OPTION];

export const METRIC_OPTION: OptionSpec = { flags: '-m, --metric <metric>', description: 'what to measure', choices: METRICS, default: 'success_rate' };
export const KIND_OPTION: OptionSpec = {
  flags: '-k, --kind <kind>',
  description: 'span kind for success_rate, duration and cost (default: agent; llm: model calls, tool: tool calls)',
  choices: OUTCOME_KINDS,
};
export const BY_OPTION: OptionSpec = { flags: '-b, --by <dimension>', description: 'group by a dimension', choices: DIMENSIONS };

/** Resolved common options. */
export interface Common {
  source: ReportSource;
  format: Format;
  envs: EnvSelection;
}

/** Parse the common options and open the source (else print the no-store hint, return null). */
export async function commonOptions(opts: Record<string, unknown>, io: Io): Promise<Common | null> {
  const format = read(FORMAT, opts);
  const envs = read(ENV_FILTER, opts);
  const source = await sourceOf(opts, io, { progress: progressLine(io, 'reading the store', { json: format === 'json' }) });
  if (!source) return null;
  return { source, format, envs };
}

/** What a scan saw besides the observations. */
export interface ScanInfo {
  skipped: number;
  firstSkip: { file: string; line: number; reason: string } | undefined;
  /** Spans left out by env, per env. */
  excluded: Record<string, number>;
  /** Spans of the included envs in the window, per kind. */
  kinds?: Record<string, number>;
}


/**
 * Scan spans (summaries, from the cache) started in [sinceMs, untilMs) of the included envs.
 * With `withIds`, agent and workflow spans come with their ids (the cache keeps them), for
 * joins on span ids.
 */
export async function scanIncluded(
  c: Common,
  w: { sinceMs: number; untilMs: number; nowMs: number },
  onSpan: (s: ScannedSpan) => void,
  onFeedback?: (f: Feedback) => void,
  withIds = false,
): Promise<ScanInfo> {
  const included = envPredicate(c.envs);
  const excluded: Record<string, number> = {};
  const kinds: Record<string, number> = {};
  const skipped = await c.source.scan(w, {
    withIds,
    onSpan: (s) => {
      if (!included(s.env)) {
        excluded[s.env] = (excluded[s.env] ?? 0) + 1;
        return;
      }
      kinds[s.kind] = (kinds[s.kind] ?? 0) + 1;
      onSpan(s);
    },
    onFeedback: onFeedback
      ? (f) => {
          if (included(f.env)) onFeedback(f);
        }
      : undefined,
  });
  const first = skipped.skipped_samples[0];
  return { skipped: skipped.skipped_lines, firstSkip: first, excluded, kinds };
}

/**
 * Observations of `metric` grouped by `keyOf` (undefined drops the span), from the source's
 * spans (`observationOf`) or, for quality, its feedback joined to agent spans by id
 * (`QualityObservations`): the definitions the dashboard uses too.
 */
export async function collectObservations(
  c: Common,
  w: { sinceMs: number; untilMs: number; nowMs: number },
  metric: Metric,
  kind: SpanKind | undefined,
  keyOf: GroupKeyOf,
): Promise<{ observations: Observation[]; info: ScanInfo }> {
  if (metric !== 'quality') {
    const observations: Observation[] = [];
    const info = await scanIncluded(c, w, (s) => {
      const o = observationOf(metric, kind, keyOf, s);
      if (o) observations.push(o);
    });
    return { observations, info };
  }
  const quality = new QualityObservations(keyOf, w.sinceMs);
  const info = await scanIncluded(
    c,
    { ...w, sinceMs: w.sinceMs - QUALITY_JOIN_LOOKBACK_MS },
    (s) => quality.addSpan(s),
    (f) => quality.addFeedback(f),
    true,
  );
  return { observations: quality.observations, info };
}

/** Group key function for `--by`, or one group named `all` (`groupKeyOf`). */
export const keyFunction = groupKeyOf;

/**
 * Warn on stderr about skipped lines and, when nothing was observed, say what the window
 * does hold: envs left out (and the flag that shows them), or spans of other kinds than the
 * one read (and `--kind`).
 */
export function warnScan(info: ScanInfo, io: Io, empty: boolean, kind?: SpanKind): void {
  if (info.skipped > 0) {
    const f = info.firstSkip;
    io.stderr.write(`agentmeter: skipped ${info.skipped} corrupt or torn line${info.skipped === 1 ? '' : 's'}${f ? ` (first: ${f.file}:${f.line}: ${f.reason})` : ''}; run \`agentmeter validate\` to list them\n`);
  }
  if (!empty) return;
  const excluded = Object.entries(info.excluded);
  if (excluded.length > 0) {
    io.stderr.write(`agentmeter: no data in the included envs; left out: ${excluded.map(([e, n]) => `${e} ${n} spans`).join(', ')} (use --env ${excluded[0]?.[0] ?? 'all'})\n`);
    return;
  }
  const others = Object.entries(info.kinds ?? {}).filter(([k]) => k !== kind && ['run', 'task', 'agent', 'pipeline', 'debug', 'optimization'].includes(k)).sort(([, a], [, b]) => b - a);
  if (kind !== undefined && (info.kinds?.[kind] ?? 0) === 0 && others.length > 0) {
    io.stderr.write(`agentmeter: no ${kind} spans in this window; it holds ${others.map(([k, n]) => `${k} ${n}`).join(', ')} (use --kind ${others[0]?.[0] ?? 'run'})\n`);
  }
}

/** Parse a percentage or fraction: `20%`, `20`, `0.2` → 0.2. */
export function parseFraction(value: unknown, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const text = String(value).trim();
  const pct = text.endsWith('%');
  const n = Number(pct ? text.slice(0, -1) : text);
  if (text === '' || !Number.isFinite(n)) throw new UsageError(`${flag} must be a percentage like 20% or a fraction like 0.2, got ${JSON.stringify(value)}`);
  const f = pct || n > 1 ? n / 100 : n;
  if (f < 0 || f > 1) throw new UsageError(`${flag} must be between 0% and 100%, got ${JSON.stringify(value)}`);
  return f;
}

/** Write text with a final newline. */
export function print(io: Io, text: string): void {
  io.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
}


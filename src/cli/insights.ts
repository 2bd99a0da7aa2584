/**
 * What `compare`, `trends`, `anomalies` and `check` share: the window and env options, one
 * scan of the source (a directory or PostgreSQL, through the query layer) that hands over
 * included spans, and the observations of a metric.
 */
import { DIMENSIONS, METRICS, METRIC_SPECS, dimensionValue, observe, observeFeedback } from '../analytics/index.js';
import type { Dimension, Metric } from '../analytics/index.js';
import { envPredicate } from '../model/index.js';
import type { EnvSelection } from '../model/index.js';
import type { SpanKind } from '../model/events.js';
import type { Feedback, SpanSummary } from '../model/span.js';
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
export type { Format };

const FORMAT = formatOption();

/** Options every insight command has. */
export const COMMON_OPTIONS: readonly OptionSpec[] = [ENV_FILTER, FORMAT, JSON_OPTION, CACHE_OPTION, DIR_OPTION, STORE_OPTION];

export const METRIC_OPTION: OptionSpec = { flags: '-m, --metric <metric>', description: 'what to measure', choices: METRICS, default: 'success_rate' };
export const KIND_OPTION: OptionSpec = {
  flags: '-k, --kind <kind>',
  description: 'span kind for success_rate, duration and cost (default: agent)',
  choices: ['run', 'task', 'agent', 'pipeline', 'debug', 'optimization'],
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
  const source = await sourceOf(opts, io, { progress: progressLine(io, 'reading segments', { json: format === 'json' }) });
  if (!source) return null;
  return { source, format, envs };
}

/** An observation: when, in which group, what value. */
export interface Observation {
  ms: number;
  key: string;
  value: number;
}

/** What a scan saw besides the observations. */
export interface ScanInfo {
  skipped: number;
  firstSkip: { file: string; line: number; reason: string } | undefined;
  /** Spans left out by env, per env. */
  excluded: Record<string, number>;
}

/** Whether an env is included. */
export const envFilter = envPredicate;

/**
 * Scan spans (summaries, from the cache) started in [sinceMs, untilMs) of the included envs.
 * With `withIds`, full spans are read instead (no cache), for joins on span ids.
 */
export async function scanIncluded(
  c: Common,
  w: { sinceMs: number; untilMs: number; nowMs: number },
  onSpan: (s: ScannedSpan) => void,
  onFeedback?: (f: Feedback) => void,
  withIds = false,
): Promise<ScanInfo> {
  const included = envFilter(c.envs);
  const excluded: Record<string, number> = {};
  const skipped = await c.source.scan(w, {
    withIds,
    onSpan: (s) => {
      if (!included(s.env)) {
        excluded[s.env] = (excluded[s.env] ?? 0) + 1;
        return;
      }
      onSpan(s);
    },
    onFeedback: onFeedback
      ? (f) => {
          if (included(f.env)) onFeedback(f);
        }
      : undefined,
  });
  const first = skipped.skipped_samples[0];
  return { skipped: skipped.skipped_lines, firstSkip: first, excluded };
}

/**
 * Observations of `metric` grouped by `keyOf` (undefined drops the span). Quality joins each
 * rating to its agent span by id, so it groups by the span's own attributes (a variant too).
 */
export async function collectObservations(
  c: Common,
  w: { sinceMs: number; untilMs: number; nowMs: number },
  metric: Metric,
  kind: SpanKind | undefined,
  keyOf: (attrs: SpanSummary['attrs'], ms: number, env: string) => string | undefined,
): Promise<{ observations: Observation[]; info: ScanInfo }> {
  const observations: Observation[] = [];
  if (metric !== 'quality') {
    const k = kind ?? METRIC_SPECS[metric].kind;
    const info = await scanIncluded(c, w, (s) => {
      const v = observe(metric, s, k);
      if (v === undefined) return;
      const key = keyOf(s.attrs, s.startMs, s.env);
      if (key !== undefined) observations.push({ ms: s.startMs, key, value: v });
    });
    return { observations, info };
  }
  const agents = new Map<string, string>();
  const info = await scanIncluded(
    c,
    // Feedback may come a while after its span; spans from a day earlier still join.
    { ...w, sinceMs: w.sinceMs - 86_400_000 },
    (s) => {
      if (s.kind !== 'agent' || s.spanId === undefined) return;
      const key = keyOf(s.attrs, s.startMs, s.env);
      if (key !== undefined) agents.set(s.spanId, key);
    },
    (f) => {
      const v = observeFeedback(f);
      if (v === undefined || f.tsMs < w.sinceMs) return;
      const key = agents.get(f.spanId);
      if (key !== undefined) observations.push({ ms: f.tsMs, key, value: v });
    },
    true,
  );
  return { observations, info };
}

/**
 * Group key function for `--by`, or one group named `all`. Observations without a value
 * are left out (an A/B comparison by variant is about the spans that have one); `missing`
 * counts them.
 */
export function keyFunction(by: Dimension | undefined, missing: { count: number } = { count: 0 }): (attrs: SpanSummary['attrs'], ms: number, env: string) => string | undefined {
  if (by === undefined) return () => 'all';
  return (attrs, ms, env) => {
    const v = dimensionValue(by, attrs, ms, env);
    if (v === undefined) missing.count++;
    return v;
  };
}

/** Warn on stderr about skipped lines and excluded envs. */
export function warnScan(info: ScanInfo, io: Io, empty: boolean): void {
  if (info.skipped > 0) {
    const f = info.firstSkip;
    io.stderr.write(`agentmeter: skipped ${info.skipped} corrupt or torn line${info.skipped === 1 ? '' : 's'}${f ? ` (first: ${f.file}:${f.line}: ${f.reason})` : ''}; run \`agentmeter validate\` to list them\n`);
  }
  const excluded = Object.entries(info.excluded);
  if (empty && excluded.length > 0) {
    io.stderr.write(`agentmeter: no data in the included envs; left out: ${excluded.map(([e, n]) => `${e} ${n} spans`).join(', ')} (use --env ${excluded[0]?.[0] ?? 'all'})\n`);
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


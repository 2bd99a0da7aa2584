/**
 * What `compare`, `trends`, `anomalies` and `check` share: the window and env options, one
 * scan of the store that hands over included spans, and the observations of a metric.
 */
import { DEFAULT_EXCLUDED_ENVS, DIMENSIONS, METRICS, METRIC_SPECS, dimensionValue, observe, observeFeedback } from '../analytics/index.js';
import type { Dimension, Metric } from '../analytics/index.js';
import type { SpanKind } from '../model/events.js';
import type { Feedback, SpanSummary } from '../model/span.js';
import { resolveStoreDir, scanSpans, scanSummaries, storeExists } from '../store/index.js';
import type { SkippedLine } from '../store/index.js';
import type { OptionSpec } from './command.js';
import { DIR_OPTION } from './command.js';
import { UsageError } from './io.js';
import type { Io } from './io.js';
import { parseEnvs } from './window.js';
import { noStoreMessage } from './commands/report.js';

/** Output formats of the insight commands, as for `report`. */
export const FORMATS = ['table', 'json', 'md', 'csv'] as const;
export type Format = (typeof FORMATS)[number];

/** Options every insight command has. */
export const COMMON_OPTIONS: readonly OptionSpec[] = [
  { flags: '-e, --env <list>', description: 'environments to include, comma-separated, or "all" (default: all but test and demo)' },
  { flags: '-f, --format <format>', description: 'output format', choices: FORMATS, default: 'table' },
  { flags: '--json', description: 'same as --format json' },
  { flags: '--no-cache', description: 'fold every event afresh and write no span cache' },
  DIR_OPTION,
];

export const METRIC_OPTION: OptionSpec = { flags: '-m, --metric <metric>', description: 'what to measure', choices: METRICS, default: 'success_rate' };
export const KIND_OPTION: OptionSpec = {
  flags: '-k, --kind <kind>',
  description: 'span kind for success_rate, duration and cost (default: agent)',
  choices: ['run', 'task', 'agent', 'pipeline', 'debug', 'optimization'],
};
export const BY_OPTION: OptionSpec = { flags: '-b, --by <dimension>', description: 'group by a dimension', choices: DIMENSIONS };

/** Resolved common options. */
export interface Common {
  dir: string;
  format: Format;
  envs: readonly string[] | 'all' | undefined;
  cache: boolean;
}

/** Parse the common options and check the store exists (else print the hint, return null). */
export async function commonOptions(opts: Record<string, unknown>, io: Io): Promise<Common | null> {
  const format: Format = opts['json'] === true ? 'json' : ((opts['format'] as Format | undefined) ?? 'table');
  const envs = parseEnvs(opts['env']);
  const dir = resolveStoreDir({ dir: opts['dir'] as string | undefined, env: io.env, cwd: io.cwd });
  if (!(await storeExists(dir))) {
    io.stderr.write(noStoreMessage(dir));
    return null;
  }
  return { dir, format, envs, cache: opts['cache'] !== false && io.env['AGENTMETER_NO_CACHE'] !== '1' };
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
  firstSkip: SkippedLine | undefined;
  /** Spans left out by env, per env. */
  excluded: Record<string, number>;
}

/** Whether an env is included. */
export function envFilter(envs: Common['envs']): (env: string) => boolean {
  if (envs === 'all') return () => true;
  if (envs) {
    const set = new Set(envs);
    return (e) => set.has(e);
  }
  return (e) => !DEFAULT_EXCLUDED_ENVS.includes(e);
}

/**
 * Scan spans (summaries, from the cache) started in [sinceMs, untilMs) of the included envs.
 * With `withIds`, full spans are read instead (no cache), for joins on span ids.
 */
export async function scanIncluded(
  c: Common,
  w: { sinceMs: number; untilMs: number; nowMs: number },
  onSpan: (s: SpanSummary & { spanId?: string }) => void,
  onFeedback?: (f: Feedback) => void,
  withIds = false,
): Promise<ScanInfo> {
  const included = envFilter(c.envs);
  const excluded: Record<string, number> = {};
  let firstSkip: SkippedLine | undefined;
  const spanCb = (s: SpanSummary & { spanId?: string }): void => {
    if (!(s.startMs >= w.sinceMs && s.startMs < w.untilMs)) return;
    if (!included(s.env)) {
      excluded[s.env] = (excluded[s.env] ?? 0) + 1;
      return;
    }
    onSpan(s);
  };
  const fbCb = onFeedback
    ? (f: Feedback): void => {
        if (f.tsMs >= w.sinceMs && f.tsMs < w.untilMs && included(f.env)) onFeedback(f);
      }
    : undefined;
  const onSkip = (s: SkippedLine): void => {
    firstSkip ??= s;
  };
  // Ends of spans started inside the window may land in a later day partition.
  const window = { root: c.dir, sinceMs: w.sinceMs, untilMs: w.untilMs + 86_400_000, nowMs: w.nowMs, onSkip };
  const stats = withIds
    ? await scanSpans({ ...window, onSpan: spanCb, ...(fbCb ? { onFeedback: fbCb } : {}) })
    : await scanSummaries({ ...window, cache: c.cache, onSpan: spanCb, ...(fbCb ? { onFeedback: fbCb } : {}) });
  return { skipped: stats.read.skipped, firstSkip, excluded };
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


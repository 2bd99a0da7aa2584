/**
 * The dashboard's query: a window and the filter bar's values, parsed from URL parameters
 * the same way the CLI parses its flags.
 */
import { DEFAULT_EXCLUDED_ENVS } from '../../analytics/index.js';
import { parseSince } from '../../model/index.js';
import type { Feedback, SpanSummary } from '../../model/index.js';
import { FILTER_ATTRS } from './span-index.js';

/** A parsed query. */
export interface DashboardQuery {
  sinceMs: number;
  untilMs: number;
  /** Undefined: every env but test and demo. */
  envs: readonly string[] | 'all' | undefined;
  /** Attribute name → required value. */
  where: readonly (readonly [string, string])[];
}

/** A bad parameter: answered with 400 and this message. */
export class QueryError extends Error {
  override readonly name = 'QueryError';
}

const FORMS = 'a duration (30m, 24h, 7d, 2w), "now", or an ISO date/time';

/** Parse `since`, `until`, `env`, `model`, `agent`, `task_type`, `project`. */
export function parseQuery(params: URLSearchParams, nowMs: number): DashboardQuery {
  const untilText = params.get('until') ?? '';
  const untilMs = untilText === '' ? nowMs : parseSince(untilText, nowMs);
  if (untilMs === undefined) throw new QueryError(`until=${JSON.stringify(untilText)} is not ${FORMS}`);
  const sinceText = params.get('since') || '7d';
  const sinceMs = parseSince(sinceText, untilMs);
  if (sinceMs === undefined) throw new QueryError(`since=${JSON.stringify(sinceText)} is not ${FORMS}`);
  if (sinceMs >= untilMs) throw new QueryError('since must be before until');
  if (untilMs - sinceMs > 3660 * 86_400_000) throw new QueryError('the window may span at most 10 years');
  const envText = (params.get('env') ?? '').trim();
  const envs = envText === '' ? undefined : envText === 'all' ? 'all' : envText.split(',').map((s) => s.trim()).filter((s) => s !== '');
  const where: [string, string][] = [];
  for (const [dim, attr] of Object.entries(FILTER_ATTRS)) {
    const v = params.get(dim);
    if (v !== null && v !== '') where.push([attr, v]);
  }
  return { sinceMs, untilMs, envs: Array.isArray(envs) && envs.length === 0 ? undefined : envs, where };
}

/** Whether a span or feedback passes the attribute filters. */
export function matches(q: DashboardQuery, x: SpanSummary | Feedback): boolean {
  for (const [attr, value] of q.where) if (x.attrs[attr] !== value) return false;
  return true;
}

/** Whether an env is included (the report's rule). */
export function includesEnv(q: DashboardQuery, env: string): boolean {
  if (q.envs === 'all') return true;
  if (q.envs) return q.envs.includes(env);
  return !DEFAULT_EXCLUDED_ENVS.includes(env);
}

/** The options a `ReportBuilder` takes for this query. */
export function reportOptions(q: DashboardQuery, nowMs: number): { sinceMs: number; untilMs: number; envs?: readonly string[] | 'all'; nowMs: number } {
  return { sinceMs: q.sinceMs, untilMs: q.untilMs, nowMs, ...(q.envs ? { envs: q.envs } : {}) };
}

const DAY_MS = 86_400_000;

/**
 * The window the dashboard opens on: the shortest of 7 and 30 days that holds the whole
 * store when it spans at most a month, else the last 30 days; when nothing started in the
 * last 30 days, the shortest of 90 days and a year that reaches the newest span, else the
 * 30 days up to it. A store of a month of data so opens on that month, not on its last week.
 *
 * @example
 * defaultWindow(now - 20 * DAY_MS, now - DAY_MS, now) // { since: '30d', until: '' }
 */
export function defaultWindow(firstMs: number | null, lastMs: number | null, nowMs: number): { since: string; until: string } {
  if (firstMs === null || lastMs === null) return { since: '7d', until: '' };
  if (lastMs >= nowMs - 30 * DAY_MS) return { since: firstMs >= nowMs - 7 * DAY_MS ? '7d' : '30d', until: '' };
  if (lastMs >= nowMs - 90 * DAY_MS) return { since: '90d', until: '' };
  if (lastMs >= nowMs - 365 * DAY_MS) return { since: '365d', until: '' };
  const end = (Math.floor(lastMs / DAY_MS) + 1) * DAY_MS;
  return { since: new Date(end - 30 * DAY_MS).toISOString().slice(0, 10), until: new Date(end).toISOString().slice(0, 10) };
}

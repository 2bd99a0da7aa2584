import { parseSince } from '../model/time.js';
import { UsageError } from './io.js';

const FORMS = 'a duration (30m, 24h, 7d, 2w), "now", or an ISO date/time (2025-01-31, 2025-01-31T12:00:00Z)';

/** Parse `--since`/`--until` into a window, with a usage error that lists the accepted forms. */
export function parseWindow(since: unknown, until: unknown, now: number): { sinceMs: number; untilMs: number } {
  const untilMs = until === undefined ? now : parseSince(String(until), now);
  if (untilMs === undefined) throw new UsageError(`--until ${JSON.stringify(until)} is not ${FORMS}`);
  const sinceText = since === undefined ? '7d' : String(since);
  // A relative --since counts back from --until, so `--since 7d --until 2025-02-01` is that week.
  const sinceMs = parseSince(sinceText, untilMs);
  if (sinceMs === undefined) throw new UsageError(`--since ${JSON.stringify(sinceText)} is not ${FORMS}`);
  if (sinceMs >= untilMs) throw new UsageError(`--since (${new Date(sinceMs).toISOString()}) must be before --until (${new Date(untilMs).toISOString()})`);
  return { sinceMs, untilMs };
}

/** Parse `--env`: a comma list, or `all`; undefined keeps the default (all but test and demo). */
export function parseEnvs(value: unknown): readonly string[] | 'all' | undefined {
  if (value === undefined) return undefined;
  const text = String(value).trim();
  if (text === 'all') return 'all';
  const envs = text.split(',').map((s) => s.trim()).filter((s) => s !== '');
  if (envs.length === 0) throw new UsageError('--env needs a comma-separated list of environments, or "all"');
  return envs;
}

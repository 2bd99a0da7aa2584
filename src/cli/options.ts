/**
 * The options several commands share, declared once with their parsers, so a flag means one
 * thing everywhere and a command reads it typed (`read(ENV_FILTER, opts)`) rather than by a
 * string lookup. Meanings (docs/cli.md):
 * - `--env <list>` selects environments where a command reads; `--env-tag <env>` is the
 *   env written where a command records (`--env` stays accepted there, as before).
 * - `--database <url>` is the PostgreSQL database everywhere (`--store` and `db --to` stay
 *   accepted as aliases).
 * - `--format` takes one list of formats; `--json` is `--format json`.
 * - Windows: `--since`/`--until`; each command's default is stated in its help (WINDOW_RULE).
 */
import type { EnvSelection } from '../model/index.js';
import type { OptionSpec } from './command.js';
import { UsageError } from './io.js';
import { parseEnvs, parseWindow } from './window.js';
import { isPostgresStore } from '../query/open-source.js';

/** An option declaration with the parser of its value. */
export interface TypedOption<T> extends OptionSpec {
  parse(value: unknown, all: Record<string, unknown>): T;
}

/** commander's key for a flag: `--task-type <t>` → `taskType`, `--no-cache` → `cache`. */
export function optionKey(flags: string): string {
  const long = /--([\w-]+)/.exec(flags)?.[1] ?? '';
  return long.replace(/^no-/, '').replace(/-([a-z])/g, (_m, c: string) => c.toUpperCase());
}

/** The parsed value of a declared option. */
export function read<T>(o: TypedOption<T>, opts: Record<string, unknown>): T {
  return o.parse(opts[optionKey(o.flags)], opts);
}

const text = (v: unknown): string | undefined => (v === undefined ? undefined : String(v));

/** Every output format; a command that prints fewer says which in its own `--format` choices. */
export const FORMATS = ['table', 'json', 'md', 'csv'] as const;
export type Format = (typeof FORMATS)[number];

/** `--format` with the formats a command supports (default table); `--json` overrides it. */
export function formatOption(formats: readonly Format[] = FORMATS): TypedOption<Format> {
  return {
    flags: '-f, --format <format>',
    description: 'output format',
    choices: formats,
    default: 'table',
    parse: (v, all) => (all['json'] === true ? 'json' : ((v as Format | undefined) ?? 'table')),
  };
}

/** `--json`: machine-readable output (the contract in docs/cli.md). */
export const JSON_OPTION: TypedOption<boolean> = {
  flags: '--json',
  description: 'machine-readable output (same as --format json where there is --format)',
  parse: (v) => v === true,
};

/** `--env` where a command reads: the environments to include. */
export const ENV_FILTER: TypedOption<EnvSelection> = {
  flags: '-e, --env <list>',
  description: 'environments to include, comma-separated, or "all" (default: all but test and demo)',
  parse: (v) => parseEnvs(v),
};

/** `--env-tag` where a command records: the env written on what it records. */
export function envTagOption(description = 'env tag written on the records (default: $AGENTMETER_ENV, else dev)'): TypedOption<string | undefined> {
  return { flags: '--env-tag <env>', description, aliases: ['-e, --env <env>'], parse: (v) => text(v) };
}

/** `--database`: read (or write) PostgreSQL instead of a directory. */
export const DATABASE_OPTION: TypedOption<string | undefined> = {
  flags: '--database <url>',
  description: 'PostgreSQL instead of a directory: postgres://user@host:5432/db[?schema=name] (docs/postgres.md)',
  aliases: ['--store <url>'],
  parse: (v) => {
    const url = text(v);
    if (url !== undefined && !isPostgresStore(url)) {
      throw new UsageError(`--database ${JSON.stringify(url)} is not a postgres:// URL (for a directory use --dir)`);
    }
    return url;
  },
};

/** `--wide`: lines as long as their content, however wide the terminal. */
export const WIDE_OPTION: TypedOption<boolean> = {
  flags: '--wide',
  description: 'do not fit the terminal: one line per section and per row, however long (piped output is never fitted)',
  parse: (v) => v === true,
};

/** `--no-cache`: fold every event afresh. */
export const CACHE_OPTION: TypedOption<boolean> = {
  flags: '--no-cache',
  description: 'read every event again instead of the span cache, and write none (the cache is derived data under <dir>/cache/)',
  parse: (v) => v !== false,
};

/**
 * The one rule for default windows, stated in the help of every command with a window:
 * commands that summarise a period look at the last 7 days, those that test or trend (which
 * need more data) at the last 30, and those that analyse or export history at all of it.
 */
export const WINDOW_RULE =
  'Windows: --since/--until take 30m, 24h, 7d, 2w, now, or an ISO date/time; a relative --since counts back from --until. Defaults: 7 days for summaries (report, anomalies, check), 30 days for tests and trends (compare, trends), all history for agents and export.';

/** `--since` and `--until` with a default start (`all` for all history). */
export function windowOptions(defaultSince: string | 'all'): [TypedOption<string | undefined>, TypedOption<string | undefined>] {
  return [
    {
      flags: '-s, --since <when>',
      description: `window start: 30m, 24h, 7d, 2w, or an ISO date/time (default: ${defaultSince === 'all' ? 'all history' : defaultSince})`,
      parse: (v) => text(v),
    },
    { flags: '-u, --until <when>', description: 'window end (default: now)', parse: (v) => text(v) },
  ];
}

/** The window of `--since`/`--until`, with the command's default start. */
export function readWindow(opts: Record<string, unknown>, defaultSince: string, nowMs: number): { sinceMs: number; untilMs: number } {
  return parseWindow(opts['since'] ?? defaultSince, opts['until'], nowMs);
}

/** The window of `--since`/`--until`, or undefined (all history) when neither is given. */
export function readOptionalWindow(opts: Record<string, unknown>, nowMs: number): { sinceMs: number; untilMs: number } | undefined {
  return opts['since'] !== undefined || opts['until'] !== undefined ? parseWindow(opts['since'] ?? '100000d', opts['until'], nowMs) : undefined;
}

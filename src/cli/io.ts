/** Streams and environment a command runs with; injected so tests need no subprocess. */
export interface Io {
  stdout: { write(s: string): unknown; isTTY?: boolean; columns?: number };
  stderr: { write(s: string): unknown; isTTY?: boolean };
  env: Record<string, string | undefined>;
  cwd: string;
  /** Standard input, for commands that read records from it (`record … --stdin`). */
  stdin?: AsyncIterable<string | Uint8Array>;
  /** How to run agentmeter where the user is, for printed next steps (default `agentmeter`). */
  self?: string;
}

/**
 * The command that runs agentmeter the way this process was started: `agentmeter` from
 * PATH, `npx agentmeter` from a project's `node_modules/.bin`, `node dist/cli/bin.js` in a
 * checkout (where `agentmeter` is on no PATH).
 *
 * @example
 * selfCommand('/work/app/node_modules/.bin/agentmeter', '/work/app') // 'npx agentmeter'
 */
export function selfCommand(script: string | undefined, cwd: string): string {
  if (script === undefined) return 'agentmeter';
  const s = script.replaceAll('\\', '/');
  if (s.includes('/node_modules/')) return 'npx agentmeter';
  if (/(^|\/)agentmeter$/.test(s)) return 'agentmeter';
  const c = cwd.replaceAll('\\', '/').replace(/\/$/, '');
  const rel = s.startsWith(`${c}/`) ? s.slice(c.length + 1) : s;
  return `node ${/\s/.test(rel) ? JSON.stringify(rel) : rel}`;
}

/**
 * Documented exit codes (docs/cli.md). Only the bin file sets `process.exitCode`.
 */
export const EXIT = {
  ok: 0,
  /** Unexpected failure (a bug or an I/O error): the message says which. */
  failure: 1,
  /** Wrong usage: unknown command or option, bad option value. */
  usage: 2,
  /** No store at the given directory. */
  noStore: 3,
  /** The data has problems: `validate` found bad lines, or `--strict` and lines were skipped. */
  dataErrors: 4,
  /** `check`: a quality gate failed (the reason is printed). */
  gateFailed: 5,
} as const;

/** A usage error: printed as `agentmeter: <message>` with exit code 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/**
 * Columns a text table should fit: the terminal's width when stdout is one (or $COLUMNS),
 * none when piped or with `--wide` (then lines are as long as their content).
 */
export function terminalWidth(io: Io, wide = false): number | undefined {
  if (wide) return undefined;
  const env = Number(io.env['COLUMNS']);
  if (io.stdout.isTTY === true) return io.stdout.columns !== undefined && io.stdout.columns > 0 ? io.stdout.columns : Number.isInteger(env) && env > 0 ? env : 80;
  return undefined;
}

/** Whether to colour output: never for NO_COLOR or a non-TTY. */
export function useColor(io: Io, stream: 'stdout' | 'stderr' = 'stdout'): boolean {
  if (io.env['NO_COLOR'] !== undefined && io.env['NO_COLOR'] !== '') return false;
  if (io.env['FORCE_COLOR'] !== undefined && io.env['FORCE_COLOR'] !== '0') return true;
  return io[stream].isTTY === true;
}

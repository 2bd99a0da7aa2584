/**
 * Which store a read command reads, resolved once for every reader: `--database
 * postgres://…` (alias `--store`), else the directory of `--dir`, `$AGENTMETER_DIR` or
 * `./.agentmeter`. The answers come from the query layer's `ReportSource`
 * (docs/architecture.md); the PostgreSQL module (and `pg`) is imported only when asked for.
 */
import { openSource } from '../query/open-source.js';
import type { ReportSource } from '../query/index.js';
import { DATABASE_OPTION, read } from './options.js';
import { UsageError } from './io.js';
import type { Io } from './io.js';
import type { Progress } from './progress.js';

export { NotMigratedError, loadPostgres, requireMigrated } from '../query/postgres-source.js';

/** `--database` (alias `--store`), for commands that can run on PostgreSQL. */
export const STORE_OPTION = DATABASE_OPTION;

/** Shown when the store has no events folder. */
export function noStoreMessage(dir: string, self = 'agentmeter'): string {
  return (
    `agentmeter: no store at ${dir} (no events/ folder).\n` +
    `  Record events with the SDK (createMeter({ dir })) or try the demo:\n` +
    `    ${self} demo --dir ${dir} && ${self} report --dir ${dir} --env demo\n`
  );
}

/** What `sourceOf` takes besides the options. */
export interface SourceOptions {
  /** Read a directory through the span cache (default: unless `--no-cache` or AGENTMETER_NO_CACHE=1). */
  cache?: boolean;
  onSegments?: (segments: number) => void;
  /** A progress line for the directory's scans (see progress.ts). */
  progress?: Progress;
}

/**
 * The source a read command's options name. Prints the no-store hint and returns undefined
 * when the directory holds no store (the caller exits 3).
 */
export async function sourceOf(opts: Record<string, unknown>, io: Io, o: SourceOptions = {}): Promise<ReportSource | undefined> {
  const url = read(DATABASE_OPTION, opts);
  if (url !== undefined && opts['dir'] !== undefined) throw new UsageError('--dir and --database name two stores; give one');
  const cache = o.cache ?? (opts['cache'] !== false && io.env['AGENTMETER_NO_CACHE'] !== '1');
  const source = await openSource(url !== undefined ? { kind: 'postgres', url } : { kind: 'dir', dir: opts['dir'] as string | undefined }, {
    env: io.env,
    cwd: io.cwd,
    cache,
    ...(o.onSegments ? { onSegments: o.onSegments } : {}),
    ...(o.progress ? { onProgress: progressOf(o.progress) } : {}),
  });
  if ('missing' in source) {
    io.stderr.write(noStoreMessage(source.missing, io.self));
    return undefined;
  }
  return source;
}

function progressOf(p: Progress): (s: { done: number; total: number; folded: number }) => void {
  // Segments answered from the span cache replay in milliseconds: only a cold read is worth a line.
  return (s) => p.update(s.done, s.total, s.folded > 0 ? `${s.folded} folded from events (building the span cache)` : undefined);
}

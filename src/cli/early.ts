/**
 * What a run starts before the CLI loads its commands (bin.ts): the fold workers of a read
 * that will fold segments, which then load their code while the reading thread loads its own
 * (`startFoldPoolEarly`, docs/performance.md, "Cold reads, thirteenth pass").
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { CACHE_DIR, EVENTS_DIR, resolveStoreDir } from '../store/layout.js';

/** Commands that read a store directory through the span cache, folding what it lacks. */
const READS = new Set(['report', 'agents', 'compare', 'trends', 'anomalies', 'check']);

/** Reads whose command sets the streaming heap once loaded (`streamingHeap`), which the workers' heaps follow (`streamingSoon`). */
const STREAMING = new Set(['report', 'agents']);

/**
 * The store `argv` reads when it is a read of a store directory that will fold its segments:
 * a store with events and no span cache yet (imported, copied, never read), or any store read
 * with `--no-cache`; else undefined. Not help, nor a read of PostgreSQL (`--database`, alias
 * `--store`). A read the cache serves starts its workers only if it finds segments to fold,
 * as before: workers started for nothing made a warm report a tenth slower on 2 cores.
 */
export function foldsEarly(argv: readonly string[], env: Record<string, string | undefined> = process.env, cwd = process.cwd()): string | undefined {
  const command = argv[0];
  if (command === undefined || !READS.has(command)) return undefined;
  if (argv.some((a) => a === '--help' || a === '-h' || a.startsWith('--database') || a.startsWith('--store'))) return undefined;
  const root = resolveStoreDir({ dir: dirOf(argv), env, cwd });
  if (!existsSync(join(root, EVENTS_DIR))) return undefined;
  return argv.includes('--no-cache') || env['AGENTMETER_NO_CACHE'] === '1' || !existsSync(join(root, CACHE_DIR)) ? root : undefined;
}

/** The value of `--dir` in `argv` (`--dir d`, `--dir=d`, `-d d` or `-dd`, as commander reads them), the last one given. */
function dirOf(argv: readonly string[]): string | undefined {
  let dir: string | undefined;
  for (let i = 1; i < argv.length; i++) {
    const a = argv[i] as string;
    if (a === '--') break;
    if (a === '--dir' || a === '-d') dir = argv[++i];
    else if (a.startsWith('--dir=')) dir = a.slice('--dir='.length);
    else if (a.startsWith('-d') && !a.startsWith('--')) dir = a.slice(2);
  }
  return dir;
}

/** Start the fold workers when `argv` runs such a read (`foldsEarly`). */
export async function startEarly(argv: readonly string[]): Promise<void> {
  if (foldsEarly(argv) === undefined) return;
  const [{ startFoldPoolEarly }, { streamingSoon }] = await Promise.all([import('../store/fold-pool.js'), import('../store/heap.js')]);
  if (STREAMING.has(argv[0] as string)) streamingSoon();
  startFoldPoolEarly();
}

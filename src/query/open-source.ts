/**
 * Which source a read command reads: a directory (`--dir`, `$AGENTMETER_DIR`, `./.agentmeter`)
 * or PostgreSQL (`--store postgres://…`). One resolution for every reader.
 */
import { resolveStoreDir, storeExists } from '../store/layout.js';
import type { ScanProgress } from '../store/index.js';
import { DirectorySource } from './directory-source.js';
import { PostgresSource, loadPostgres } from './postgres-source.js';
import type { ReportSource } from './source.js';

/** A store a command reads. */
export type StoreChoice = { kind: 'dir'; dir?: string | undefined } | { kind: 'postgres'; url: string };

/** Whether a string names a PostgreSQL database. */
export function isPostgresStore(value: string): boolean {
  return /^postgres(ql)?:\/\//i.test(value);
}

/** What `openSource` needs besides the choice. */
export interface OpenSourceOptions {
  env: Record<string, string | undefined>;
  cwd: string;
  /** Read a directory through the span cache (default true). */
  cache?: boolean;
  onSegments?: (segments: number) => void;
  /** Progress of a directory's scans, segment by segment. */
  onProgress?: ((p: ScanProgress) => void) | undefined;
}

/** The source, or `{ missing: dir }` when a directory store does not exist. */
export async function openSource(choice: StoreChoice, o: OpenSourceOptions): Promise<ReportSource | { missing: string }> {
  if (choice.kind === 'postgres') {
    const { redactUrl } = await loadPostgres();
    return new PostgresSource(choice.url, redactUrl(choice.url));
  }
  const dir = resolveStoreDir({ dir: choice.dir, env: o.env, cwd: o.cwd });
  if (!(await storeExists(dir))) return { missing: dir };
  return new DirectorySource(dir, { cache: o.cache !== false, ...(o.onSegments ? { onSegments: o.onSegments } : {}), onProgress: o.onProgress });
}

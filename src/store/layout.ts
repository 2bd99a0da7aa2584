/**
 * On-disk layout of a file store (docs/durability.md, "Layout"):
 *
 * ```
 * <root>/events/YYYY-MM-DD/<segment>.jsonl
 * ```
 *
 * Day folders are UTC days, so a `--since 7d` query opens only the folders it needs and
 * retention is deleting whole folders. Segment names begin with a sortable UTC timestamp, then
 * the writer's pid and a random suffix: sorting names gives roughly chronological order, and
 * no two writers ever share a file.
 */
import { constants } from 'node:fs';
import { readdir, rm, stat } from 'node:fs/promises';
import { isAbsolute, join, resolve } from 'node:path';
import { AgentmeterError } from '../model/diagnostics.js';
import { isErrno } from './errno.js';

/**
 * Flags for opening a segment (or a file derived from one) to read: a symlink planted at a
 * segment's path is refused (ELOOP), not followed to a file elsewhere. Listing keeps regular
 * files only; this also covers one swapped in between the listing and the open.
 */
export const SEGMENT_READ_FLAGS = constants.O_RDONLY | constants.O_NOFOLLOW;

/** Folder under the store root that holds the day partitions. */
export const EVENTS_DIR = 'events';

/** Folder under the store root that holds the span digests, beside the events they are derived from (scan-summaries.ts). */
export const CACHE_DIR = join('cache', 'spans-v1');

/** Default store folder name, inside the working directory. */
export const DEFAULT_STORE_DIR_NAME = '.agentmeter';

const DAY_MS = 86_400_000;
const DAY_NAME_RE = /^(\d{4})-(\d{2})-(\d{2})$/;
/** File name ending of a segment. */
export const SEGMENT_SUFFIX = '.jsonl';

/**
 * Where the store lives: the `--dir` flag, else `AGENTMETER_DIR`, else `<cwd>/.agentmeter`.
 * Relative values are resolved against `cwd`. Empty strings count as unset, so an exported but
 * blank variable does not silently point the store at the working directory itself.
 *
 * @example
 * resolveStoreDir({ dir: undefined, env: { AGENTMETER_DIR: '/var/lib/am' } }) // '/var/lib/am'
 * resolveStoreDir({ cwd: '/repo', env: {} }) // '/repo/.agentmeter'
 */
export function resolveStoreDir(opts: {
  dir?: string | undefined;
  env?: Record<string, string | undefined>;
  cwd?: string;
} = {}): string {
  const cwd = opts.cwd ?? process.cwd();
  const env = opts.env ?? process.env;
  const chosen = nonEmpty(opts.dir) ?? nonEmpty(env['AGENTMETER_DIR']) ?? DEFAULT_STORE_DIR_NAME;
  return isAbsolute(chosen) ? resolve(chosen) : resolve(cwd, chosen);
}

function nonEmpty(s: string | undefined): string | undefined {
  return s !== undefined && s.trim() !== '' ? s : undefined;
}

/** Start (Unix ms) of the UTC day a partition folder is named after, or `undefined`. */
export function partitionStartMs(day: string): number | undefined {
  const m = DAY_NAME_RE.exec(day);
  if (!m) return undefined;
  const ms = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  // Date.UTC rolls 2025-02-30 over to March; a folder with an impossible name is not ours.
  return new Date(ms).toISOString().startsWith(day) ? ms : undefined;
}

/**
 * The day partitions of a store, ascending, keeping only days that overlap the inclusive
 * window `[sinceMs, untilMs]`. Folders that are not `YYYY-MM-DD` are ignored. A missing store
 * gives an empty list.
 *
 * @example
 * await listPartitions('/repo/.agentmeter', { sinceMs: Date.now() - 7 * 86_400_000 })
 * // [{ day: '2025-01-02', path: '/repo/.agentmeter/events/2025-01-02' }, …]
 */
export async function listPartitions(
  root: string,
  window: { sinceMs?: number | undefined; untilMs?: number | undefined } = {},
): Promise<{ day: string; path: string }[]> {
  const eventsDir = join(root, EVENTS_DIR);
  const since = window.sinceMs ?? -Infinity;
  const until = window.untilMs ?? Infinity;
  const names = await readDirNames(eventsDir, 'dirs');
  const days: { day: string; path: string }[] = [];
  for (const name of names) {
    const start = partitionStartMs(name);
    if (start === undefined) continue;
    if (start <= until && start + DAY_MS > since) days.push({ day: name, path: join(eventsDir, name) });
  }
  // YYYY-MM-DD sorts lexically in date order.
  days.sort((a, b) => (a.day < b.day ? -1 : a.day > b.day ? 1 : 0));
  return days;
}

/**
 * The segment files (`*.jsonl`) of one partition folder, full paths, sorted by name (roughly
 * chronological). A missing folder gives an empty list.
 *
 * @example
 * await listSegments('/repo/.agentmeter/events/2025-01-02')
 * // ['/repo/.agentmeter/events/2025-01-02/20250102T080000123Z-4242-a1b2c3.jsonl', …]
 */
export async function listSegments(partitionPath: string): Promise<string[]> {
  const names = await readDirNames(partitionPath, 'files');
  return names
    .filter((n) => n.endsWith(SEGMENT_SUFFIX))
    .sort()
    .map((n) => join(partitionPath, n));
}

/**
 * Retention: delete every day partition strictly older than `day` (`YYYY-MM-DD`, UTC) and
 * return how many were deleted. A writer still holding a segment open in a deleted folder
 * loses what it writes there afterwards, so prune days that are well past.
 *
 * @example
 * await pruneBefore(root, '2025-01-01') // 12: deleted 2024-12-20 … 2024-12-31
 */
export async function pruneBefore(root: string, day: string): Promise<number> {
  if (partitionStartMs(day) === undefined) {
    throw new AgentmeterError('E_STORE_BAD_OPTION', `pruneBefore: expected a day as YYYY-MM-DD, got ${JSON.stringify(day)}`);
  }
  const eventsDir = join(root, EVENTS_DIR);
  let deleted = 0;
  for (const name of await readDirNames(eventsDir, 'dirs')) {
    if (partitionStartMs(name) === undefined || name >= day) continue;
    await rm(join(eventsDir, name), { recursive: true, force: true });
    // The day's derived span cache goes with its events (see scan-summaries.ts).
    await rm(join(root, CACHE_DIR, name), { recursive: true, force: true });
    deleted++;
  }
  return deleted;
}

/** Whether `<root>/events` exists: a store has been written here. */
export async function storeExists(root: string): Promise<boolean> {
  try {
    return (await stat(join(root, EVENTS_DIR))).isDirectory();
  } catch {
    return false;
  }
}

let lastSegmentMs = -Infinity;

/**
 * File name of a new segment: `20250101T120000123Z-4242-a1b2c3.jsonl`. The timestamp is the
 * creation time (not event time) so names sort in the order writers opened them; within one
 * process it strictly increases, so a segment opened in the same millisecond as the previous
 * one (rotation after a failed write) still sorts after it. The random part comes from the
 * global Web Crypto, which loads when first used: importing `node:crypto` cost every read
 * about 8 ms, and reads name no segments.
 */
export function segmentFileName(nowMs: number, pid: number): string {
  const ms = nowMs > lastSegmentMs ? nowMs : lastSegmentMs + 1;
  lastSegmentMs = ms;
  const stamp = new Date(ms).toISOString().replace(/[-:.]/g, '');
  return `${stamp}-${pid}-${Buffer.from(crypto.getRandomValues(new Uint8Array(3))).toString('hex')}${SEGMENT_SUFFIX}`;
}

async function readDirNames(path: string, want: 'dirs' | 'files'): Promise<string[]> {
  try {
    const entries = await readdir(path, { withFileTypes: true });
    return entries.filter((e) => (want === 'dirs' ? e.isDirectory() : e.isFile())).map((e) => e.name);
  } catch (e: unknown) {
    if (isErrno(e, 'ENOENT') || isErrno(e, 'ENOTDIR')) return [];
    throw e;
  }
}

/**
 * The durable cursor of a forwarder: per segment, the byte offset just past the last whole
 * line the destination has acknowledged. Stored as `<store>/cursors/<sink-id>.json`, replaced
 * atomically (temp file, fsync, rename, fsync of the folder), so a forwarder killed at any
 * instant (SIGKILL included) restarts from the last acknowledged batch; lines sent again
 * after a crash are deduplicated by the destination on event id.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../store/index.js';

/** Folder of the cursors under the store root. */
export const CURSORS_DIR = 'cursors';

/** Contents of a cursor file. */
export interface CursorState {
  version: 1;
  /** The destination, password removed, so a human can tell the files apart. */
  destination: string;
  /** `YYYY-MM-DD/<segment>.jsonl` → bytes acknowledged. */
  segments: Record<string, number>;
}

/** A stable id for a destination: the same URL always maps to the same cursor file. */
export function sinkId(prefix: string, destination: string): string {
  return `${prefix}-${createHash('sha256').update(destination).digest('hex').slice(0, 16)}`;
}

/** Path of a sink's cursor file. */
export function cursorPath(root: string, id: string): string {
  return join(root, CURSORS_DIR, `${id}.json`);
}

/** A cursor at the start of every segment. */
export function emptyCursor(destination: string): CursorState {
  return { version: 1, destination, segments: Object.create(null) as Record<string, number> };
}

/** Read a cursor; a missing or unreadable one starts from the beginning (resending is safe). */
export async function loadCursor(path: string, destination: string): Promise<CursorState> {
  try {
    const parsed = JSON.parse(await readFile(path, 'utf8')) as Partial<CursorState>;
    if (parsed.version === 1 && parsed.segments && typeof parsed.segments === 'object') {
      const segments: Record<string, number> = Object.create(null) as Record<string, number>;
      for (const [k, v] of Object.entries(parsed.segments)) if (typeof v === 'number' && v >= 0) segments[k] = v;
      return { version: 1, destination, segments };
    }
  } catch {
    // Absent (first sync) or damaged: start over; the destination drops what it already has.
  }
  return emptyCursor(destination);
}

/** Replace the cursor file atomically and durably. */
export async function saveCursor(path: string, state: CursorState): Promise<void> {
  await writeFileAtomic(path, JSON.stringify(state));
}

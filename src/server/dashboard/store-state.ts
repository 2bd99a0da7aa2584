import { stat } from 'node:fs/promises';
import { listPartitions, listSegments, storeExists } from '../../store/index.js';

/** One segment file as last seen. */
export interface SegmentState {
  day: string;
  path: string;
  size: number;
  mtimeMs: number;
}

/**
 * The store's segments with their sizes and mtimes: cheap (one stat per segment), and any
 * appended, new or deleted segment changes the signature, which is how the dashboard knows
 * to refresh without watching files.
 */
export async function readStoreState(root: string): Promise<{ segments: SegmentState[]; signature: string }> {
  const segments: SegmentState[] = [];
  if (await storeExists(root)) {
    for (const part of await listPartitions(root)) {
      for (const path of await listSegments(part.path)) {
        try {
          const st = await stat(path);
          segments.push({ day: part.day, path, size: st.size, mtimeMs: st.mtimeMs });
        } catch {
          // deleted by retention between listing and stat
        }
      }
    }
  }
  const signature = segments.map((s) => `${s.path}:${s.size}:${s.mtimeMs}`).join('\n');
  return { segments, signature };
}

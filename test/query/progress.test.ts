/**
 * Long reads report how far they are, so the CLI can show a progress line on a large store:
 * `agents`, `report orchestrator` and `report automation` (the span cache) by segment.
 */
import { describe, expect, it } from 'vitest';
import { generateDemo } from '../../src/integrations/demo.js';
import { DirectorySource } from '../../src/query/index.js';
import type { ScanProgress } from '../../src/store/index.js';
import { tempDir } from '../helpers.js';

const NOW = Date.parse('2026-12-05T12:00:00.000Z');

/** A source over ten days of demo data that records its progress, and a query over them all. */
async function demoSource(): Promise<{ source: DirectorySource; seen: ScanProgress[]; q: { sinceMs: number; untilMs: number; nowMs: number; envs: 'all' } }> {
  const dir = tempDir();
  await generateDemo({ dir, days: 10, seed: 3, now: NOW });
  const seen: ScanProgress[] = [];
  const source = new DirectorySource(dir, { onProgress: (p) => seen.push(p) });
  return { source, seen, q: { sinceMs: NOW - 10 * 86_400_000, untilMs: NOW, nowMs: NOW, envs: 'all' } };
}

describe('progress of long reads', () => {
  for (const read of ['agents', 'orchestrator', 'automation'] as const) {
    it(`${read} reads through the span cache: its first read folds every segment, the next folds none`, async () => {
      const { source, seen, q } = await demoSource();
      const first = await source[read](q);
      expect(seen.length).toBeGreaterThan(1);
      expect(seen.map((p) => p.done)).toEqual(seen.map((_, i) => i + 1));
      const total = seen.at(-1)?.total;
      expect(seen.at(-1)).toEqual({ done: total, total, folded: total });
      seen.length = 0;
      const second = await source[read](q);
      expect(seen.at(-1)).toEqual({ done: total, total, folded: 0 });
      expect(second).toEqual(first);
    });
  }
});

/**
 * Reads without a span cache (`agents`, the seed reports) report how far they are, as the
 * report's summary scan does, so the CLI can show a progress line on a large store.
 */
import { describe, expect, it } from 'vitest';
import { generateDemo } from '../../src/integrations/demo.js';
import { DirectorySource } from '../../src/query/index.js';
import type { ScanProgress } from '../../src/store/index.js';
import { tempDir } from '../helpers.js';

const NOW = Date.parse('2026-12-05T12:00:00.000Z');

describe('progress of reads that parse every event', () => {
  it('agents, report automation and report orchestrator count up to every day partition', async () => {
    const dir = tempDir();
    await generateDemo({ dir, days: 10, seed: 3, now: NOW });
    const seen: ScanProgress[] = [];
    const source = new DirectorySource(dir, { onProgress: (p) => seen.push(p) });
    const q = { sinceMs: NOW - 10 * 86_400_000, untilMs: NOW, nowMs: NOW, envs: 'all' as const };
    for (const read of [() => source.agents(q), () => source.automation(q), () => source.orchestrator(q)]) {
      seen.length = 0;
      await read();
      expect(seen.length).toBeGreaterThan(1);
      expect(seen.map((p) => p.done)).toEqual(seen.map((_, i) => i + 1));
      expect(seen.at(-1)).toEqual({ done: seen.at(-1)?.total, total: seen.at(-1)?.total, folded: 0 });
    }
  });
});

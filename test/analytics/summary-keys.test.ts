import { readFileSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { RUN_KEYS, TASK_KEYS } from '../../src/analytics/seeds/orchestrator-runs.js';
import { DETAIL_KEYS_OF, SUMMARY_NUMBER_KEYS, SUMMARY_PROFILE_KEYS } from '../../src/model/index.js';

const ANALYTICS = resolve(import.meta.dirname, '../../src/analytics');

// Reports read spans from the span cache, which keeps only the summary attributes. An
// attribute analytics reads but the cache drops would silently read as missing, so every
// attribute name analytics mentions must be a summary key (feedback keeps all attributes).
const FEEDBACK_ONLY = ['target.kind'];

/** Attribute names a source file reads (`keyAttr(x, 'k')`, `attrs['k']`, `k: 'k'` tables). */
function attributesRead(file: string): Set<string> {
  const used = new Set<string>();
  const src = readFileSync(file, 'utf8');
  for (const m of src.matchAll(/(?:Attr\([^,]+,\s*|attrs\[|^\s*\w+:\s*)'([a-z_]+(?:\.[a-z_]+)*)'/gm)) {
    const k = m[1] as string;
    if (k.includes('.') || k.includes('_') || ['project', 'operation', 'validated', 'promoted'].includes(k)) used.add(k);
  }
  return used;
}

describe('analytics reads only summary attributes', () => {
  it('every attribute key in src/analytics is kept by the span cache', () => {
    const used = new Set<string>();
    for (const f of readdirSync(ANALYTICS).filter((n) => n.endsWith('.ts'))) for (const k of attributesRead(join(ANALYTICS, f))) used.add(k);
    expect(used.size).toBeGreaterThan(10);
    const allowed = new Set([...SUMMARY_PROFILE_KEYS, ...SUMMARY_NUMBER_KEYS, ...FEEDBACK_ONLY]);
    expect([...used].filter((k) => !allowed.has(k)).sort()).toEqual([]);
  });

  // Each reads spans of DETAIL_KINDS through the span cache with the detail of their kinds.
  for (const [file, kinds, sample] of [
    ['agents.ts', ['agent', 'workflow'], 'workflow.agents_executed'],
    ['orchestrator-runs.ts', ['run', 'task', 'agent', 'pipeline', 'debug'], 'cicd.pipeline.run.id'],
    ['automation.ts', ['optimization'], 'wallclock_saved_seconds'],
  ] as const) {
    it(`${file} (read through the span cache, with detail) reads only summary attributes and the detail of ${kinds.join(', ')}`, () => {
      const used = attributesRead(join(ANALYTICS, 'seeds', file));
      expect(used).toContain(sample);
      const allowed = new Set([...SUMMARY_PROFILE_KEYS, ...SUMMARY_NUMBER_KEYS, ...kinds.flatMap((k) => DETAIL_KEYS_OF[k] ?? [])]);
      expect([...used].filter((k) => !allowed.has(k)).sort()).toEqual([]);
    });
  }

  it("the orchestrator's run and task keys are summary attributes or their kind's detail", () => {
    const summary = [...SUMMARY_PROFILE_KEYS, ...SUMMARY_NUMBER_KEYS];
    expect(RUN_KEYS.filter((k) => !summary.includes(k) && !DETAIL_KEYS_OF.run?.includes(k))).toEqual([]);
    expect(TASK_KEYS.filter((k) => !summary.includes(k) && !DETAIL_KEYS_OF.task?.includes(k))).toEqual([]);
  });
});

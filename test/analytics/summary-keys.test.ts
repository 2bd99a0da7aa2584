import { readFileSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DETAIL_KEYS, SUMMARY_NUMBER_KEYS, SUMMARY_PROFILE_KEYS } from '../../src/model/index.js';

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

  it('agents (read through the span cache, with detail) reads only summary and detail attributes', () => {
    const used = attributesRead(join(ANALYTICS, 'seeds', 'agents.ts'));
    expect(used).toContain('workflow.agents_executed');
    const allowed = new Set([...SUMMARY_PROFILE_KEYS, ...SUMMARY_NUMBER_KEYS, ...DETAIL_KEYS]);
    expect([...used].filter((k) => !allowed.has(k)).sort()).toEqual([]);
  });
});

/** `foldsEarly`: which runs start their fold workers before the CLI loads (bin.ts), on which store. */
import { mkdirSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { foldsEarly } from '../../src/cli/early.js';
import { CACHE_DIR, EVENTS_DIR } from '../../src/store/layout.js';
import { tempDir } from '../helpers.js';

/** A store with events, and a span cache when `cached`. */
function store(cached: boolean): string {
  const root = tempDir();
  mkdirSync(join(root, EVENTS_DIR, '2026-01-05'), { recursive: true });
  if (cached) mkdirSync(join(root, CACHE_DIR, '2026-01-05'), { recursive: true });
  return root;
}

describe('foldsEarly', () => {
  const env = {};

  it('starts them for a read of a store the cache does not serve yet', () => {
    const cold = store(false);
    expect(foldsEarly(['report', '--since', '30d', '--dir', cold], env)).toBe(cold);
    expect(foldsEarly(['report', 'orchestrator', `--dir=${cold}`], env)).toBe(cold);
    expect(foldsEarly(['agents'], { AGENTMETER_DIR: cold })).toBe(cold);
    expect(foldsEarly(['trends', '-d', cold], env)).toBe(cold);
    expect(foldsEarly(['anomalies', `-d${cold}`], env)).toBe(cold);
    // The last --dir given, as commander takes it.
    expect(foldsEarly(['report', '--dir', join(cold, 'missing'), '--dir', cold], env)).toBe(cold);
    // Relative to the working directory, as the CLI resolves it.
    expect(foldsEarly(['compare', '--by', 'model', '--dir', basename(cold)], env, dirname(cold))).toBe(cold);
    expect(foldsEarly(['compare', '--by', 'model', '--dir', basename(cold)], env, cold)).toBeUndefined();
  });

  it('and for any read with --no-cache', () => {
    const warm = store(true);
    expect(foldsEarly(['report', '--dir', warm], env)).toBeUndefined();
    expect(foldsEarly(['report', '--dir', warm, '--no-cache'], env)).toBe(warm);
    expect(foldsEarly(['report', '--dir', warm], { AGENTMETER_NO_CACHE: '1' })).toBe(warm);
  });

  it('not for help, a read of PostgreSQL, a missing store, a command that reads no segments, or none', () => {
    const cold = store(false);
    expect(foldsEarly(['report', '--dir', cold, '--help'], env)).toBeUndefined();
    expect(foldsEarly(['agents', '-h', '--dir', cold], env)).toBeUndefined();
    expect(foldsEarly(['report', '--database', 'postgres://127.0.0.1/x'], { AGENTMETER_DIR: cold })).toBeUndefined();
    expect(foldsEarly(['report', '--database=postgres://127.0.0.1/x'], { AGENTMETER_DIR: cold })).toBeUndefined();
    expect(foldsEarly(['trends', '--store', 'postgres://127.0.0.1/x'], { AGENTMETER_DIR: cold })).toBeUndefined();
    expect(foldsEarly(['report', '--dir', join(cold, 'missing')], env)).toBeUndefined();
    expect(foldsEarly(['record', 'span', '--dir', cold], env)).toBeUndefined();
    expect(foldsEarly(['help', 'report'], { AGENTMETER_DIR: cold })).toBeUndefined();
    expect(foldsEarly([], { AGENTMETER_DIR: cold })).toBeUndefined();
  });
});

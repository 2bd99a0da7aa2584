import { mkdirSync, writeFileSync, existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { listPartitions, listSegments, pruneBefore, resolveStoreDir, storeExists } from '../../src/store/index.js';
import { AgentmeterError } from '../../src/model/index.js';
import { tempDir } from '../helpers.js';

const DAY = 86_400_000;
const at = (day: string, time = '00:00:00.000'): number => Date.parse(`${day}T${time}Z`);

function makeStore(days: string[]): string {
  const root = tempDir();
  mkdirSync(join(root, 'events'));
  for (const d of days) mkdirSync(join(root, 'events', d), { recursive: true });
  return root;
}

describe('resolveStoreDir', () => {
  it('prefers --dir over AGENTMETER_DIR over <cwd>/.agentmeter', () => {
    const env = { AGENTMETER_DIR: '/from/env' };
    expect(resolveStoreDir({ dir: '/from/flag', env, cwd: '/work' })).toBe('/from/flag');
    expect(resolveStoreDir({ dir: undefined, env, cwd: '/work' })).toBe('/from/env');
    expect(resolveStoreDir({ env: {}, cwd: '/work' })).toBe('/work/.agentmeter');
  });

  it('resolves relative values against cwd and treats blank values as unset', () => {
    expect(resolveStoreDir({ dir: 'data/am', env: {}, cwd: '/work' })).toBe('/work/data/am');
    expect(resolveStoreDir({ env: { AGENTMETER_DIR: 'rel' }, cwd: '/work' })).toBe('/work/rel');
    expect(resolveStoreDir({ dir: '', env: { AGENTMETER_DIR: '  ' }, cwd: '/work' })).toBe('/work/.agentmeter');
  });

  it('defaults to process.env and process.cwd()', () => {
    const expected = process.env['AGENTMETER_DIR'] ? resolve(process.env['AGENTMETER_DIR']) : resolve('.agentmeter');
    expect(resolveStoreDir({})).toBe(expected);
  });
});

describe('listPartitions', () => {
  const days = ['2025-01-01', '2025-01-02', '2025-01-03', '2025-01-05'];

  it('lists day folders ascending and ignores other names', async () => {
    const root = makeStore(['2025-01-03', ...days, 'tmp', '2025-13-01', '2025-02-30', '20250104']);
    writeFileSync(join(root, 'events', '2025-01-04'), 'a file, not a day folder');
    const parts = await listPartitions(root);
    expect(parts.map((p) => p.day)).toEqual(days);
    expect(parts[0]!.path).toBe(join(root, 'events', '2025-01-01'));
  });

  it('keeps only days overlapping the inclusive window', async () => {
    const root = makeStore(days);
    const pick = async (w: { sinceMs?: number; untilMs?: number }): Promise<string[]> =>
      (await listPartitions(root, w)).map((p) => p.day);
    expect(await pick({ sinceMs: at('2025-01-02', '23:59:59.999') })).toEqual(['2025-01-02', '2025-01-03', '2025-01-05']);
    expect(await pick({ sinceMs: at('2025-01-03') })).toEqual(['2025-01-03', '2025-01-05']);
    expect(await pick({ untilMs: at('2025-01-02') })).toEqual(['2025-01-01', '2025-01-02']);
    expect(await pick({ untilMs: at('2025-01-01', '23:59:59.999') })).toEqual(['2025-01-01']);
    expect(await pick({ sinceMs: at('2025-01-02', '12:00:00.000'), untilMs: at('2025-01-03', '01:00:00.000') })).toEqual([
      '2025-01-02',
      '2025-01-03',
    ]);
    expect(await pick({ sinceMs: at('2025-01-04'), untilMs: at('2025-01-04') + DAY - 1 })).toEqual([]);
    expect(await pick({ sinceMs: at('2025-01-06') })).toEqual([]);
  });

  it('returns nothing for a missing store', async () => {
    expect(await listPartitions(join(tempDir(), 'nope'))).toEqual([]);
    expect(await listSegments(join(tempDir(), 'nope'))).toEqual([]);
  });
});

describe('listSegments', () => {
  it('lists *.jsonl files sorted by name', async () => {
    const root = makeStore(['2025-01-01']);
    const dir = join(root, 'events', '2025-01-01');
    for (const n of ['20250101T120000000Z-2-bbbbbb.jsonl', '20250101T080000000Z-9-aaaaaa.jsonl', 'notes.txt']) {
      writeFileSync(join(dir, n), '');
    }
    mkdirSync(join(dir, 'sub.jsonl'));
    expect(await listSegments(dir)).toEqual([
      join(dir, '20250101T080000000Z-9-aaaaaa.jsonl'),
      join(dir, '20250101T120000000Z-2-bbbbbb.jsonl'),
    ]);
  });
});

describe('pruneBefore', () => {
  it('deletes only day folders older than the given day', async () => {
    const root = makeStore(['2024-12-30', '2024-12-31', '2025-01-01', '2025-01-02', 'keep-me']);
    writeFileSync(join(root, 'events', '2024-12-30', 'x.jsonl'), '{}\n');
    expect(await pruneBefore(root, '2025-01-01')).toBe(2);
    expect((await listPartitions(root)).map((p) => p.day)).toEqual(['2025-01-01', '2025-01-02']);
    expect(existsSync(join(root, 'events', 'keep-me'))).toBe(true);
    expect(await pruneBefore(root, '2025-01-01')).toBe(0);
  });

  it('rejects a malformed day instead of guessing', async () => {
    const root = makeStore(['2024-12-30']);
    await expect(pruneBefore(root, '7d')).rejects.toBeInstanceOf(AgentmeterError);
    await expect(pruneBefore(root, '7d')).rejects.toMatchObject({ code: 'E_STORE_BAD_OPTION' });
    expect(await listPartitions(root)).toHaveLength(1);
  });

  it('does nothing on a missing store', async () => {
    expect(await pruneBefore(join(tempDir(), 'none'), '2025-01-01')).toBe(0);
  });
});

describe('storeExists', () => {
  it('is true only when <root>/events is a folder', async () => {
    const root = tempDir();
    expect(await storeExists(root)).toBe(false);
    writeFileSync(join(root, 'events'), '');
    expect(await storeExists(root)).toBe(false);
    expect(await storeExists(makeStore([]))).toBe(true);
  });
});

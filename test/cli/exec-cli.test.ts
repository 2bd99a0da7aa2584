// `agentmeter exec`: signals passed on to the command (SIGUSR1, SIGUSR2: Node would otherwise
// take SIGUSR1 for its inspector), and the store kept compact across many calls.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { listPartitions, listSegments, scanEvents } from '../../src/store/index.js';
import { tempDir } from '../helpers.js';

const BIN = join(resolve(import.meta.dirname, '../..'), 'dist/cli/bin.js');

beforeAll(() => {
  if (!existsSync(BIN)) throw new Error('dist/cli/bin.js is missing: run `npm run build` (npm test does)');
});

describe('agentmeter exec signals', () => {
  for (const sig of ['SIGUSR1', 'SIGUSR2'] as const) {
    it(`forwards ${sig} to the command`, { timeout: 30_000 }, async () => {
      const dir = tempDir();
      // A Node child: a shell cannot trap a signal that was ignored when it started, as the
      // test runner's processes may have it.
      const script = join(dir, 'child.mjs');
      writeFileSync(script, `process.on('${sig}', () => { console.log('got-${sig}'); process.exit(0); });\nconsole.log('ready');\nsetInterval(() => undefined, 1000);\n`);
      const child = spawn(process.execPath, [BIN, 'exec', '--agent', 'sig', '--dir', join(dir, 'store'), '--', process.execPath, script], { stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      let err = '';
      child.stderr.on('data', (d: Buffer) => (err += d.toString()));
      await new Promise<void>((ok, fail) => {
        child.stdout.on('data', (d: Buffer) => {
          out += d.toString();
          if (out.includes('ready')) ok();
        });
        child.on('close', () => fail(new Error(`exited early: ${err}`)));
      });
      child.kill(sig);
      const code = await new Promise<number | null>((ok) => child.on('close', (c) => ok(c)));
      expect(out).toContain(`got-${sig}`);
      expect(code).toBe(0);
      expect(err).not.toMatch(/Debugger listening/);
    });
  }
});

describe('agentmeter exec store', () => {
  it('many calls append to one shared segment per day, not a file each', async () => {
    const dir = tempDir();
    for (let i = 0; i < 12; i++) {
      const r = spawnSync(process.execPath, [BIN, 'exec', '--agent', `a${i}`, '--dir', dir, '--env', 'test', '--', process.execPath, '-e', '0'], { encoding: 'utf8', timeout: 20_000 });
      expect(r.status, r.stderr).toBe(0);
    }
    const days = await listPartitions(dir);
    const files = (await Promise.all(days.map((d) => listSegments(d.path)))).flat();
    expect(files.map((f) => f.split('/').pop())).toEqual(days.map(() => 'cli.jsonl'));
    let n = 0;
    const stats = await scanEvents({ root: dir, onEvent: () => n++ });
    expect({ n, skipped: stats.skipped }).toEqual({ n: 24, skipped: 0 });
  });
});

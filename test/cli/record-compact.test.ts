// Many short CLI calls keep the store compact: one shared segment per day, not a file per call.
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import type { Io } from '../../src/cli/io.js';

const dir = mkdtempSync(join(tmpdir(), 'agentmeter-compact-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function run(args: string[]): Promise<number> {
  const io: Io = { stdout: { write: () => true }, stderr: { write: () => true }, env: { NO_COLOR: '1' }, cwd: dir };
  return main(args, io);
}

it('record optimization, record invocation and the shell forms append to one segment per day', async () => {
  for (let i = 0; i < 10; i++) {
    expect(await run(['record', 'optimization', '--dir', dir, '--operation', 'matmul', '--variants-generated', '3', '--validated', '2', '--promoted', '1', '--wallclock-seconds', '5'])).toBe(0);
    expect(await run(['record', 'invocation', '--dir', dir, '--agent-name', 'coder', '--agent-type', 'development', '--task-description', 'fix'])).toBe(0);
    expect(await run(['record', 'run-start', '--dir', dir, '--project', 'p'])).toBe(0);
  }
  const days = readdirSync(join(dir, 'events'));
  const files = days.flatMap((d) => readdirSync(join(dir, 'events', d)));
  expect(files.length).toBeLessThanOrEqual(days.length);
  expect(files.every((f) => f === 'cli.jsonl')).toBe(true);
  const lines = days.flatMap((d) => readFileSync(join(dir, 'events', d, 'cli.jsonl'), 'utf8').split('\n').filter((l) => l !== ''));
  expect(lines.length).toBeGreaterThanOrEqual(30);
  for (const l of lines) expect(() => JSON.parse(l) as unknown).not.toThrow();
});

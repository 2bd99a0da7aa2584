// The README's commands, run as a new user would after `npm run demo`, print what the README
// says: every output line the README shows (but "…") is a line of the real output.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { main } from '../src/cli/main.js';
import type { Io } from '../src/cli/io.js';

const README = readFileSync(resolve(import.meta.dirname, '../README.md'), 'utf8');
const DEMO_DIR = '.agentmeter-demo';

interface Example {
  command: string;
  output: string[];
}

/** Every `$ agentmeter …` line in the README's fenced blocks, with the lines printed under it. */
function examples(): Example[] {
  const out: Example[] = [];
  const blocks = README.split(/^```[^\n]*\n/m).filter((_, i) => i % 2 === 1);
  for (const block of blocks) {
    const lines = block.split('\n');
    if (!lines[0]?.startsWith('$ agentmeter ')) continue;
    for (const line of lines) {
      if (line.startsWith('$ ')) out.push({ command: line.slice(2).replace(/\s+#.*$/, ''), output: [] });
      else if (line.trim() !== '' && line.trim() !== '…' && !line.startsWith('```')) out[out.length - 1]?.output.push(line.trimEnd());
    }
  }
  return out;
}

/** Split a command line as a shell would (no quotes are used in the README's examples). */
function argv(command: string, dir: string): { args: string[]; jq?: string } {
  const [cmd, jq] = command.split(' | jq ');
  const args = (cmd ?? '').trim().split(/\s+/).slice(1).map((a) => (a === DEMO_DIR ? dir : a));
  return jq ? { args, jq: jq.trim() } : { args };
}

/** `jq .a.b` on a JSON text, printed as jq prints a scalar. */
function jqPath(json: string, path: string): string {
  let v: unknown = JSON.parse(json);
  for (const key of path.split('.').filter((k) => k !== '')) v = (v as Record<string, unknown>)[key];
  return JSON.stringify(v);
}

async function run(args: string[], cwd: string): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const io: Io = { stdout: { write: (t: string) => (out += t) }, stderr: { write: (t: string) => (err += t) }, env: { NO_COLOR: '1' }, cwd };
  return { code: await main(args, io), out, err };
}

// The demo ends when it runs and the README's figures were taken with it ending at this
// moment: the clock (Date only; timers stay real) is pinned there for demo and reports alike.
const README_NOW = Date.parse('2026-12-05T00:00:00.000Z');
const cwd = mkdtempSync(join(tmpdir(), 'agentmeter-readme-'));
const dir = join(cwd, DEMO_DIR);
beforeAll(async () => {
  vi.useFakeTimers({ toFake: ['Date'], now: README_NOW });
  // What `npm run demo` writes.
  expect((await run(['demo', '--dir', dir], cwd)).code).toBe(0);
});
afterAll(() => {
  vi.useRealTimers();
  rmSync(cwd, { recursive: true, force: true });
});

describe("the README's examples", () => {
  const all = examples();
  it('are found', () => {
    expect(all.length).toBeGreaterThanOrEqual(5);
  });
  for (const ex of all) {
    it(ex.command, async () => {
      const { args, jq } = argv(ex.command, dir);
      const r = await run(args, cwd);
      expect([0, 5], r.err).toContain(r.code);
      expect(r.err).not.toMatch(/\n\s+at /);
      const printed = (jq ? jqPath(r.out, jq) : r.out).split('\n').map((l) => l.trimEnd());
      for (const line of ex.output) expect(printed, `README line not printed:\n${line}\n\nprinted:\n${printed.join('\n')}`).toContain(line);
    });
  }
});

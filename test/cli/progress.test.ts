/**
 * Progress lines go to stderr in a terminal only: never when stderr is piped (no `isTTY`),
 * never with `--json`, never for NO_PROGRESS=1, and not for work shorter than a second.
 */
import { describe, expect, it } from 'vitest';
import type { Io } from '../../src/cli/io.js';
import { progressLine } from '../../src/cli/progress.js';

function fakeIo(isTTY: boolean, env: Record<string, string> = {}): { io: Io; err: string[] } {
  const err: string[] = [];
  const io: Io = { stdout: { write: () => true }, stderr: { write: (s: string) => err.push(s), isTTY }, env, cwd: '/' };
  return { io, err };
}

describe('progressLine', () => {
  it('draws done/total after a second, at most every 100 ms, and clears itself at the end', () => {
    const { io, err } = fakeIo(true);
    let t = 0;
    const p = progressLine(io, 'reading segments', { nowMs: () => t });
    p.update(1, 120);
    expect(err).toEqual([]);
    t = 1000;
    p.update(12, 120, '12 folded from events');
    t = 1050;
    p.update(13, 120);
    t = 1200;
    p.update(30, 120);
    expect(err).toEqual(['\r\x1b[Kreading segments: 12/120 (10 %), 12 folded from events', '\r\x1b[Kreading segments: 30/120 (25 %)']);
    p.update(120, 120);
    expect(err.at(-1)).toBe('\r\x1b[K');
    p.end();
    expect(err).toHaveLength(3);
  });

  it('writes nothing when stderr is not a terminal, with --json, or with NO_PROGRESS=1', () => {
    for (const [tty, json, env] of [[false, false, {}], [true, true, {}], [true, false, { NO_PROGRESS: '1' }]] as const) {
      const { io, err } = fakeIo(tty, env);
      let t = 0;
      const p = progressLine(io, 'reading segments', { json, nowMs: () => t });
      t = 5000;
      p.update(3, 10);
      p.end();
      expect(err).toEqual([]);
    }
  });
});

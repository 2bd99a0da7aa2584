import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach } from 'vitest';

const dirs: string[] = [];

/** A fresh temporary directory, removed after the test. */
export function tempDir(prefix = 'agentmeter-'): string {
  const d = mkdtempSync(join(tmpdir(), prefix));
  dirs.push(d);
  return d;
}

const children: ChildProcess[] = [];

/** A child process that must not outlive its test: killed after the test if still running. */
export function killAfterTest<T extends ChildProcess>(child: T): T {
  children.push(child);
  return child;
}

afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** How long a test waits for something before it fails: generous for a loaded 2-core machine, finite. */
export const WAIT_MS = 30_000;

/**
 * Wait until `cond()` holds, checking every few milliseconds, for at most `timeoutMs`; then fail
 * naming `what` was awaited. The one way tests wait for something to happen: never a fixed sleep.
 */
export async function waitFor(cond: () => boolean | Promise<boolean>, what: string, timeoutMs = WAIT_MS): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

let eventSeq = 0;
/** A valid complete agent span event, with a fresh id; `over` replaces fields. */
export function testEvent(over: Record<string, unknown> = {}): Record<string, unknown> {
  eventSeq++;
  const id = `01934a2b-0000-7000-8000-${String(eventSeq).padStart(12, '0')}`;
  return {
    v: 1, id, ts: '2025-01-02T03:04:05.678Z', type: 'span', span_id: id, run_id: id, env: 'test', kind: 'agent',
    name: 'coding', parent_id: null, start_ts: '2025-01-02T03:04:05.000Z', duration_ms: 678, status: 'success',
    attrs: { 'gen_ai.agent.name': 'coding' }, ...over,
  };
}

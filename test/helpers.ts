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

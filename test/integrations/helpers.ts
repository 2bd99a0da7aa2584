import { spawn } from 'node:child_process';
import { join, resolve } from 'node:path';
import { scanSpans } from '../../src/store/index.js';
import type { Feedback, Span } from '../../src/model/span.js';

export const FIXTURES = resolve(import.meta.dirname, '../fixtures/seeds');

/** Every span and feedback of a store, sorted by span id. */
export async function readStore(dir: string): Promise<{ spans: Span[]; feedback: Feedback[]; duplicates: number }> {
  const spans: Span[] = [];
  const feedback: Feedback[] = [];
  const { fold } = await scanSpans({ root: dir, nowMs: Date.parse('2030-01-01T00:00:00Z'), onSpan: (s) => spans.push(s), onFeedback: (f) => feedback.push(f) });
  spans.sort((a, b) => (a.spanId < b.spanId ? -1 : 1));
  feedback.sort((a, b) => (a.spanId < b.spanId ? -1 : 1));
  return { spans, feedback, duplicates: fold.duplicates };
}

/** What must survive a round trip: everything but the import marker and timing-derived end. */
export function comparable(s: Span): unknown {
  const attrs = { ...s.attrs };
  delete attrs['import.source'];
  return { spanId: s.spanId, runId: s.runId, kind: s.kind, name: s.name, startMs: s.startMs, durationMs: s.durationMs, status: s.status, state: s.state, attrs };
}

/** The built CLI the process tests run. */
export const BIN = join(resolve(import.meta.dirname, '../..'), 'dist/cli/bin.js');

/** What one hook process did. */
export interface HookResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * One `agentmeter hook` process; the payload goes through its stdin pipe in `chunks` parts,
 * each written `gapMs` after the one before (the hook must wait for the end of the pipe, not
 * for a sleep). Asynchronous, so several can overlap.
 */
export function runHookProcess(dir: string, text: string, opts: { chunks?: number; gapMs?: number } = {}): Promise<HookResult> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [BIN, 'hook'], { env: { ...process.env, AGENTMETER_DIR: dir, AGENTMETER_ENV: 'test', CLAUDE_PROJECT_DIR: '' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', fail);
    child.on('close', (code) => done({ code, stdout, stderr }));
    const n = opts.chunks ?? 1;
    const size = Math.ceil(text.length / n);
    const parts = Array.from({ length: n }, (_, i) => text.slice(i * size, (i + 1) * size));
    const writeNext = (): void => {
      const part = parts.shift();
      if (part === undefined) {
        child.stdin.end();
        return;
      }
      child.stdin.write(part);
      setTimeout(writeNext, opts.gapMs ?? 0);
    };
    writeNext();
  });
}

/**
 * The CLI in-process: `main(argv, io)` with captured output, the way `bin.js` calls it but
 * without a subprocess, so CLI tests exercise the sources directly and cost no Node start-up.
 * A few smoke tests still run the built binary (test/cli/cli.test.ts, the process tests).
 */
import { Readable } from 'node:stream';
import { resolve } from 'node:path';
import { main } from '../../src/cli/main.js';

export const ROOT = resolve(import.meta.dirname, '../..');

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  /** Added to the environment (which starts from this process's, with NO_COLOR and no AGENTMETER_DIR). */
  env?: Record<string, string | undefined>;
  cwd?: string;
  /** Standard input, for `record … --stdin`. */
  input?: string;
}

/** Run `agentmeter <args>` in this process and return its exit code and output. */
export async function runCli(args: readonly string[], o: CliOptions = {}): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  const code = await main(args, {
    stdout: { write: (s: string) => (stdout += s), isTTY: false },
    stderr: { write: (s: string) => (stderr += s), isTTY: false },
    env: { ...process.env, NO_COLOR: '1', AGENTMETER_DIR: '', ...o.env },
    cwd: o.cwd ?? ROOT,
    stdin: Readable.from(o.input === undefined ? [] : [o.input]),
  });
  return { code, stdout, stderr };
}

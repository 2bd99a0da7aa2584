import type { Io } from './io.js';

/** One option of a command, in commander's flag syntax. */
export interface OptionSpec {
  flags: string;
  description: string;
  default?: string | boolean;
  choices?: readonly string[];
  /** Older spellings still accepted (hidden from help), e.g. `--store <url>` for `--database <url>`. */
  aliases?: readonly string[];
}

/** A command as data: metadata, arguments, options and a `run` that returns an exit code. */
export interface CommandSpec {
  name: string;
  /** One line for the command list. */
  summary: string;
  /** Examples and details shown after the options in `--help`. */
  help?: string;
  args?: readonly { name: string; description: string; required?: boolean }[];
  options: readonly OptionSpec[];
  /** Options after the first argument belong to it (`exec -- cmd --flag`), not to this command. */
  passThrough?: boolean;
  run(args: string[], options: Record<string, unknown>, io: Io): Promise<number>;
}

/** `--dir`, shared by every command that reads or writes a store. */
export const DIR_OPTION: OptionSpec = {
  flags: '-d, --dir <path>',
  description: 'store directory (default: $AGENTMETER_DIR, else ./.agentmeter)',
};

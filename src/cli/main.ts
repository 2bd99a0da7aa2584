import { Command, CommanderError, Option } from 'commander';
import { AgentmeterError, missingDependency } from '../model/diagnostics.js';
import type { CommandSpec } from './command.js';
import { EXIT, UsageError } from './io.js';
import type { Io } from './io.js';
import { dashboardCommand } from './commands/dashboard.js';
import { demoCommand } from './commands/demo.js';
import { reportCommand } from './commands/report.js';
import { validateCommand } from './commands/validate.js';
import { agentsCommand } from './commands/agents.js';
import { exportCommand } from './commands/export.js';
import { importCommand } from './commands/import.js';
import { recordCommand } from './commands/record.js';
import { compareCommand } from './commands/compare.js';
import { trendsCommand } from './commands/trends.js';
import { anomaliesCommand } from './commands/anomalies.js';
import { checkCommand } from './commands/check.js';
import { alertCommand } from './commands/alert.js';
import { execCommand } from './commands/exec.js';
import { hookCommand } from './commands/hook.js';
import { initCommand } from './commands/init.js';
import { serveCommand } from './commands/serve.js';

import { syncCommand } from './commands/sync.js';
import { dbCommand } from './commands/db.js';
import { NotMigratedError } from './stores.js';

/** Every command, in help order. */
export const COMMANDS: readonly CommandSpec[] = [
  reportCommand,
  agentsCommand,
  compareCommand,
  trendsCommand,
  anomaliesCommand,
  checkCommand,
  alertCommand,
  recordCommand,
  execCommand,
  hookCommand,
  initCommand,
  importCommand,
  exportCommand,
  serveCommand,
  syncCommand,
  dbCommand,
  dashboardCommand,
  demoCommand,
  validateCommand,
];

const VERSION = '0.1.0';

const ROOT_HELP = `
Getting started:
  $ agentmeter demo --dir /tmp/am             write 30 days of demo data
  $ agentmeter report --dir /tmp/am --env demo --since 30d --by model
  $ agentmeter compare --dir /tmp/am --env demo --by variant     is the difference real?

Record from code:  import { createMeter } from 'agentmeter'   (docs/sdk.md)
Store:             ./.agentmeter, or $AGENTMETER_DIR, or --dir
Scale out:         agentmeter sync --to postgres://… | otlp+http://host:4318   (docs/postgres.md)
Exit codes:        0 ok, 1 unexpected failure, 2 usage error, 3 no store, 4 data errors, 5 check gate failed (docs/cli.md)`;

/**
 * Run the CLI with injected streams and return the exit code. Only `bin.ts` touches
 * `process.exitCode`.
 */
export async function main(argv: readonly string[], io: Io): Promise<number> {
  let code: number = EXIT.ok;
  const program = new Command('agentmeter')
    .description('Local-first telemetry and analytics for AI agents and automation pipelines.')
    .version(VERSION, '-V, --version')
    .addHelpText('after', ROOT_HELP)
    .showHelpAfterError('(add --help for usage)')
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.stdout.write(s), writeErr: (s) => io.stderr.write(s) });
  for (const spec of COMMANDS) {
    const cmd = program.command(spec.name).summary(spec.summary).description(spec.summary);
    for (const a of spec.args ?? []) cmd.argument(a.required ? `<${a.name}>` : `[${a.name}]`, a.description);
    const aliases: { alias: string; key: string }[] = [];
    for (const o of spec.options) {
      const opt = new Option(o.flags, o.description);
      if (o.choices) opt.choices(o.choices);
      if (o.default !== undefined) opt.default(o.default);
      cmd.addOption(opt);
      for (const flags of o.aliases ?? []) {
        const alias = new Option(flags, `alias of ${opt.long ?? o.flags}`).hideHelp();
        if (o.choices) alias.choices(o.choices);
        cmd.addOption(alias);
        aliases.push({ alias: alias.attributeName(), key: opt.attributeName() });
      }
    }
    if (spec.help) cmd.addHelpText('after', spec.help);
    if (spec.passThrough) {
      program.enablePositionalOptions();
      cmd.passThroughOptions();
    }
    cmd.exitOverride();
    cmd.configureOutput({ writeOut: (s) => io.stdout.write(s), writeErr: (s) => io.stderr.write(s) });
    cmd.action(async (...params: unknown[]) => {
      const command = params[params.length - 1] as Command;
      const args = command.args;
      const opts = command.opts();
      for (const { alias, key } of aliases) {
        if (opts[alias] === undefined) continue;
        if (opts[key] !== undefined && command.getOptionValueSource(key) === 'cli' && opts[key] !== opts[alias]) {
          throw new UsageError(`--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)} was given twice under two names, with two values`);
        }
        if (opts[key] === undefined || command.getOptionValueSource(key) === 'default') opts[key] = opts[alias];
        delete opts[alias];
      }
      code = await spec.run(args, opts, io);
    });
  }
  try {
    if (argv.length === 0) {
      program.outputHelp();
      return EXIT.usage;
    }
    await program.parseAsync([...argv], { from: 'user' });
    return code;
  } catch (e: unknown) {
    if (e instanceof CommanderError) {
      // Help and version are printed by commander and exit 0; parse errors were printed too.
      return e.exitCode === 0 ? EXIT.ok : EXIT.usage;
    }
    if (e instanceof UsageError) {
      io.stderr.write(`agentmeter: ${e.message}\n(add --help for usage)\n`);
      return EXIT.usage;
    }
    if (e instanceof NotMigratedError) {
      io.stderr.write(`agentmeter: ${e.message}\n`);
      return EXIT.noStore;
    }
    const missing = missingDependency(e);
    if (missing) {
      io.stderr.write(`agentmeter: ${missing.code}: ${missing.message}\n`);
      return EXIT.failure;
    }
    if (e instanceof AgentmeterError) {
      io.stderr.write(`agentmeter: ${e.code}: ${e.message}\n`);
      return EXIT.failure;
    }
    const err = e as { code?: unknown; message?: unknown; path?: unknown };
    io.stderr.write(`agentmeter: unexpected failure: ${String(err?.message ?? e)}${typeof err?.code === 'string' ? ` (${err.code})` : ''}\n`);
    if (io.env['AGENTMETER_DEBUG'] === '1' && e instanceof Error && e.stack) io.stderr.write(e.stack + '\n');
    return EXIT.failure;
  }
}

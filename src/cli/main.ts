import { Command, CommanderError, Option } from 'commander';
import { AgentmeterError, missingDependency } from '../model/diagnostics.js';
import type { CommandSpec } from './command.js';
import { EXIT, UsageError } from './io.js';
import type { Io } from './io.js';
import { NotMigratedError } from './stores.js';

/**
 * Every command by name, in help order, each module loaded only when needed: a run loads
 * the one it runs (loading all of them, with what they import, took 50–70 ms of every
 * start, a twentieth of a warm report). The list, the root help and a mistyped command's
 * suggestion load them all.
 */
export const COMMANDS: Readonly<Record<string, () => Promise<CommandSpec>>> = {
  report: async () => (await import('./commands/report.js')).reportCommand,
  agents: async () => (await import('./commands/agents.js')).agentsCommand,
  compare: async () => (await import('./commands/compare.js')).compareCommand,
  trends: async () => (await import('./commands/trends.js')).trendsCommand,
  anomalies: async () => (await import('./commands/anomalies.js')).anomaliesCommand,
  check: async () => (await import('./commands/check.js')).checkCommand,
  alert: async () => (await import('./commands/alert.js')).alertCommand,
  record: async () => (await import('./commands/record.js')).recordCommand,
  exec: async () => (await import('./commands/exec.js')).execCommand,
  hook: async () => (await import('./commands/hook.js')).hookCommand,
  init: async () => (await import('./commands/init.js')).initCommand,
  import: async () => (await import('./commands/import.js')).importCommand,
  export: async () => (await import('./commands/export.js')).exportCommand,
  serve: async () => (await import('./commands/serve.js')).serveCommand,
  sync: async () => (await import('./commands/sync.js')).syncCommand,
  db: async () => (await import('./commands/db.js')).dbCommand,
  dashboard: async () => (await import('./commands/dashboard.js')).dashboardCommand,
  demo: async () => (await import('./commands/demo.js')).demoCommand,
  validate: async () => (await import('./commands/validate.js')).validateCommand,
};

/** The specs a run needs: the command it names, else all of them. */
async function commandsFor(argv: readonly string[]): Promise<CommandSpec[]> {
  const name = argv[0];
  const one = name !== undefined && Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  return one ? [await one()] : Promise.all(Object.values(COMMANDS).map((load) => load()));
}

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
  for (const spec of await commandsFor(argv)) {
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

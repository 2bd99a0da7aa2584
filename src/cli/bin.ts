#!/usr/bin/env node
// `agentmeter hook` runs on every Claude Code tool call: it is dispatched here, before the
// CLI framework and the commands are loaded, so the process costs little more than starting
// Node (bench/hook-startup.mjs). Everything else goes through main().
const argv = process.argv.slice(2);

if (argv[0] === 'hook' && !argv.includes('--help') && !argv.includes('-h')) {
  const { runHookFromStdin } = await import('../integrations/claude-code/hook.js');
  await runHookFromStdin({
    argv: argv.slice(1),
    env: process.env,
    cwd: process.cwd(),
    stderr: (s) => process.stderr.write(s),
  });
  // Claude Code reads exit 2 as "block the tool": a telemetry hook always exits 0. Exit at
  // once: a stdin read abandoned at its deadline must not keep the process alive.
  process.exit(0);
} else {
  // `agentmeter … | head` closes the pipe early: that is the reader's choice, not a failure.
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw e;
  });
  // A read's fold workers start loading their code now, beside the CLI's (early.ts).
  await (await import('./early.js')).startEarly(argv);
  const { main } = await import('./main.js');
  const { selfCommand } = await import('./io.js');
  process.exitCode = await main(argv, {
    self: selfCommand(process.argv[1], process.cwd()),
    stdout: process.stdout,
    stderr: process.stderr,
    env: process.env,
    cwd: process.cwd(),
    stdin: process.stdin,
  });
}

import { spawn } from 'node:child_process';
import { dashboardRoutes, listen, DEFAULT_HOST } from '../../server/index.js';
import { DirectorySource } from '../../query/index.js';
import { resolveStoreDir, storeExists } from '../../store/index.js';
import { progressLine } from '../progress.js';
import type { CommandSpec } from '../command.js';
import { DIR_OPTION } from '../command.js';
import { EXIT, UsageError } from '../io.js';
import { noStoreMessage } from './report.js';

/** Default port: unassigned by IANA, next to OTLP's 4317/4318. */
export const DEFAULT_DASHBOARD_PORT = 4319;

function parsePort(value: unknown): number {
  if (value === undefined) return DEFAULT_DASHBOARD_PORT;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65_535) throw new UsageError(`--port must be a whole number from 0 to 65535, got ${JSON.stringify(value)}`);
  return n;
}

/** Resolves on SIGINT or SIGTERM (the command runs until then). */
function untilSignal(): Promise<string> {
  return new Promise((resolve) => {
    const stop = (sig: string) => {
      process.off('SIGINT', onInt);
      process.off('SIGTERM', onTerm);
      resolve(sig);
    };
    const onInt = () => stop('SIGINT');
    const onTerm = () => stop('SIGTERM');
    process.on('SIGINT', onInt);
    process.on('SIGTERM', onTerm);
  });
}

function openBrowser(url: string): void {
  const cmd = process.platform === 'darwin' ? 'open' : process.platform === 'win32' ? 'explorer' : 'xdg-open';
  try {
    const child = spawn(cmd, [url], { stdio: 'ignore', detached: true });
    child.on('error', () => undefined);
    child.unref();
  } catch {
    // No opener: the URL is printed anyway.
  }
}

export const dashboardCommand: CommandSpec = {
  name: 'dashboard',
  summary: 'serve the web dashboard for a local store (read-only, 127.0.0.1 by default)',
  options: [
    { flags: '-p, --port <n>', description: `port to listen on; 0 picks a free one (default: ${DEFAULT_DASHBOARD_PORT})` },
    { flags: '--host <address>', description: `address to bind; anything but loopback exposes your data (default: ${DEFAULT_HOST})` },
    { flags: '--open', description: 'open the dashboard in the default browser' },
    DIR_OPTION,
  ],
  help: `
Examples:
  $ agentmeter dashboard                       the store in ./.agentmeter, on http://127.0.0.1:${DEFAULT_DASHBOARD_PORT}
  $ agentmeter demo --dir /tmp/demo && agentmeter dashboard --dir /tmp/demo --open
  $ agentmeter dashboard --port 0              any free port (the URL is printed)
  $ curl -s 'http://127.0.0.1:${DEFAULT_DASHBOARD_PORT}/api/overview?since=30d&env=all' | jq .report.runs

The first line on stdout is the URL. The store is read into memory once and re-read (only
what changed) when new events arrive; pages update without a reload. Stop with Ctrl-C.
JSON API: docs/dashboard.md.`,
  async run(_args, opts, io) {
    const port = parsePort(opts['port']);
    const host = opts['host'] === undefined ? DEFAULT_HOST : String(opts['host']);
    const dir = resolveStoreDir({ dir: opts['dir'] as string | undefined, env: io.env, cwd: io.cwd });
    if (!(await storeExists(dir))) {
      io.stderr.write(noStoreMessage(dir));
      return EXIT.noStore;
    }
    // The first load of a store without a span cache reads every event: say how far it is.
    const progress = progressLine(io, 'reading segments');
    let starting = true;
    const source = new DirectorySource(dir, { onProgress: (s) => (starting ? progress.update(s.done, s.total) : undefined) });
    const app = dashboardRoutes({ dir, source });
    io.stderr.write(`reading ${dir} …\n`);
    const t0 = Date.now();
    // Load before listening, so the first page is answered from memory.
    const meta = (await (await app.request('/api/meta')).json()) as { spans: number; runs: number; default_env: string; values: { model: Record<string, number> } };
    starting = false;
    progress.end();
    // Answer each page's default view once: the first visitor gets it from the cache, and the
    // aggregation code is compiled before anyone waits on it (the first pass is 2-3× slower).
    const env = meta.default_env === '' ? '' : `&env=${meta.default_env}`;
    for (const path of ['overview', 'agents', 'automation', 'breakdown']) await app.request(`/api/${path}?since=7d${env}`);
    // …and one filtered view, so the filter path is compiled too.
    const model = Object.keys(meta.values.model)[0];
    if (model !== undefined) await app.request(`/api/overview?since=7d${env}&model=${encodeURIComponent(model)}`);
    io.stderr.write(`${meta.spans} spans, ${meta.runs} runs in memory (${((Date.now() - t0) / 1000).toFixed(1)} s)\n`);
    let server;
    try {
      server = await listen(app, { host, port });
    } catch (e: unknown) {
      const err = e as { code?: string; message?: string };
      io.stderr.write(`agentmeter: cannot listen on ${host}:${port}: ${err.code ?? err.message ?? String(e)}\n`);
      return EXIT.failure;
    }
    io.stdout.write(`${server.url}/\n`);
    if (!['127.0.0.1', '::1', 'localhost'].includes(host)) {
      io.stderr.write(`agentmeter: listening on ${host}: anyone who can reach this address can read the store's data (there is no login)\n`);
    }
    io.stderr.write(`dashboard for ${dir} at ${server.url}/ (Ctrl-C to stop)\n`);
    if (opts['open'] === true) openBrowser(`${server.url}/`);
    await untilSignal();
    await server.close();
    return EXIT.ok;
  },
};

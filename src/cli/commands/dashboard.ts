import { spawn } from 'node:child_process';
import { DEFAULT_HOST } from '../../server/defaults.js';
import { OPTIONAL_PACKAGES, loadOptional } from '../../model/index.js';
import { DirectorySource } from '../../query/index.js';
import { resolveStoreDir, storeExists } from '../../store/index.js';
import { progressLine } from '../progress.js';
import type { CommandSpec } from '../command.js';
import { DIR_OPTION } from '../command.js';
import { EXIT, UsageError } from '../io.js';
import { noStoreMessage } from './report.js';

/** The server layer, loaded when a command serves (its HTTP packages are optional). */
export function loadServer(): Promise<typeof import('../../server/index.js')> {
  return loadOptional('the server (serve, dashboard)', OPTIONAL_PACKAGES['the server (serve, dashboard)'] ?? [], () => import('../../server/index.js'));
}

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

/** Why listening failed, in words: a busy port names the port and the way out. */
export function listenFailure(e: unknown, host: string, port: number): string {
  const cause = (e as { cause?: { code?: string } }).cause;
  const code = cause?.code ?? (e as { code?: string }).code;
  if (code === 'EADDRINUSE') return `cannot listen on ${host}:${port}: the port is in use (EADDRINUSE); choose another with --port, or --port 0 for a free one`;
  if (code === 'EACCES') return `cannot listen on ${host}:${port}: permission denied (EACCES); ports below 1024 need privileges, choose another with --port`;
  if (code === 'EADDRNOTAVAIL') return `cannot listen on ${host}:${port}: this machine has no such address (EADDRNOTAVAIL); check --host`;
  return `cannot listen on ${host}:${port}: ${code ?? (e as { message?: string }).message ?? String(e)}`;
}

export const dashboardCommand: CommandSpec = {
  name: 'dashboard',
  summary: 'serve the web dashboard for a local store (read-only, 127.0.0.1 by default)',
  options: [
    { flags: '-p, --port <n>', description: `port to listen on; 0 picks a free one (default: ${DEFAULT_DASHBOARD_PORT})` },
    { flags: '--host <address>', description: `address to bind; anything but loopback exposes your data (default: ${DEFAULT_HOST})` },
    { flags: '--allow-host <names>', description: 'comma-separated Host names accepted besides loopback and --host (DNS rebinding protection)' },
    { flags: '--open', description: 'open the dashboard in the default browser' },
    DIR_OPTION,
  ],
  help: `
Examples:
  $ agentmeter dashboard                       the store in ./.agentmeter, on http://127.0.0.1:${DEFAULT_DASHBOARD_PORT}
  $ agentmeter demo --dir /tmp/demo && agentmeter dashboard --dir /tmp/demo --open
  $ agentmeter dashboard --port 0              any free port (the URL is printed)
  $ curl -s 'http://127.0.0.1:${DEFAULT_DASHBOARD_PORT}/api/overview?since=30d&env=all' | jq .report.runs

Requests naming another Host (or a cross-site Origin) get 403, as with serve: a web page
cannot rebind its domain to 127.0.0.1 and read the store. Bound to 0.0.0.0, name the hosts
it is reached by with --allow-host.

The first line on stdout is the URL. The store is read into memory once and re-read (only
what changed) when new events arrive; pages update without a reload. Stop with Ctrl-C.
JSON API: docs/dashboard.md.`,
  async run(_args, opts, io) {
    const { dashboardRoutes, listen } = await loadServer();
    const port = parsePort(opts['port']);
    const host = opts['host'] === undefined ? DEFAULT_HOST : String(opts['host']);
    const dir = resolveStoreDir({ dir: opts['dir'] as string | undefined, env: io.env, cwd: io.cwd });
    if (!(await storeExists(dir))) {
      io.stderr.write(noStoreMessage(dir, io.self));
      return EXIT.noStore;
    }
    const names = typeof opts['allowHost'] === 'string' ? opts['allowHost'].split(',').map((s) => s.trim()).filter((s) => s !== '') : [];
    // The first load of a store without a span cache reads every event: say how far it is.
    const progress = progressLine(io, 'reading the store');
    let starting = true;
    const source = new DirectorySource(dir, { onProgress: (s) => (starting ? progress.update(s.done, s.total) : undefined) });
    const app = dashboardRoutes({ dir, source });
    // Bind first: a busy port fails at once, before seconds of reading a large store. Requests
    // that arrive while the store loads wait for it; the URL is printed once it is loaded.
    let server;
    try {
      server = await listen(app, { host, port, allowedHosts: names });
    } catch (e: unknown) {
      io.stderr.write(`agentmeter: ${listenFailure(e, host, port)}\n`);
      return EXIT.failure;
    }
    io.stderr.write(`reading ${dir} …\n`);
    const t0 = Date.now();
    const meta = (await (await app.request('/api/meta')).json()) as { spans: number; runs: number; default_env: string; default_window: { since: string; until: string }; values: { model: Record<string, number> } };
    starting = false;
    progress.end();
    // Answer each page's default view once: the first visitor gets it from the cache, and the
    // aggregation code is compiled before anyone waits on it (the first pass is 2-3× slower).
    const w = meta.default_window;
    const view = `since=${w.since}${w.until === '' ? '' : `&until=${w.until}`}${meta.default_env === '' ? '' : `&env=${meta.default_env}`}`;
    for (const path of ['overview', 'agents', 'automation', 'breakdown']) await app.request(`/api/${path}?${view}`);
    // …and one filtered view, so the filter path is compiled too.
    const model = Object.keys(meta.values.model)[0];
    if (model !== undefined) await app.request(`/api/overview?${view}&model=${encodeURIComponent(model)}`);
    io.stderr.write(`${meta.spans} spans, ${meta.runs} runs in memory (${((Date.now() - t0) / 1000).toFixed(1)} s)\n`);
    io.stdout.write(`${server.url}/\n`);
    if (!['127.0.0.1', '::1', 'localhost'].includes(host)) {
      io.stderr.write(`agentmeter: listening on ${host}: anyone who can reach this address can read the store's data (there is no login)\n`);
      if (names.length === 0 && (host === '0.0.0.0' || host === '::')) {
        io.stderr.write(`agentmeter: only loopback Host names are accepted; add the names this machine is reached by with --allow-host\n`);
      }
    }
    io.stderr.write(`dashboard for ${dir} at ${server.url}/ (Ctrl-C to stop)\n`);
    if (opts['open'] === true) openBrowser(`${server.url}/`);
    await untilSignal();
    await server.close();
    return EXIT.ok;
  },
};

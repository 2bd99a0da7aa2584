import { DEFAULT_PORT } from '../../server/defaults.js';
import { loadServer } from './dashboard.js';
import { createLocalSink, resolveStoreDir, storeWriteProblem } from '../../store/index.js';
import type { CommandSpec } from '../command.js';
import { DIR_OPTION } from '../command.js';
import { EXIT, UsageError } from '../io.js';
import { STORE_OPTION, loadPostgres, requireMigrated } from '../stores.js';
import { DATABASE_OPTION, envTagOption, read } from '../options.js';
import { listenFailure } from './dashboard.js';
import type { EventSink } from '../../model/index.js';

function parsePort(v: unknown): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new UsageError(`--port must be a whole number from 0 to 65535, got ${JSON.stringify(v)}`);
  return n;
}

function parseBytes(v: unknown): number {
  const m = /^(\d+)\s*(k|m|kib|mib|kb|mb)?$/i.exec(String(v).trim());
  if (!m) throw new UsageError(`--max-body must be a size like 16m or 512k, got ${JSON.stringify(v)}`);
  const unit = (m[2] ?? '').toLowerCase();
  const n = Number(m[1]) * (unit.startsWith('m') ? 1024 * 1024 : unit.startsWith('k') ? 1024 : 1);
  if (n < 1024) throw new UsageError('--max-body must be at least 1k');
  return n;
}

export const serveCommand: CommandSpec = {
  name: 'serve',
  summary: 'HTTP ingest: POST /v1/events (agentmeter events) and /v1/traces (OTLP/HTTP JSON or protobuf) into the store',
  options: [
    { flags: '-p, --port <n>', description: `port (0 picks a free one)`, default: String(DEFAULT_PORT) },
    { flags: '--host <host>', description: 'address to bind; beyond loopback a token is required', default: '127.0.0.1' },
    { flags: '--token <token>', description: 'require Authorization: Bearer <token> (default: $AGENTMETER_TOKEN)' },
    { flags: '--allow-host <names>', description: 'comma-separated Host names accepted besides loopback (DNS rebinding protection)' },
    { flags: '--max-body <size>', description: 'largest request body, before and after gzip', default: '16m' },
    { ...envTagOption('env of OTLP spans whose resource names none'), default: 'dev' },
    { flags: '--durability <mode>', description: 'sync: 200 after fsync (survives power loss); flush: 200 after write (survives a crash of the server)', default: 'sync', choices: ['sync', 'flush'] },
    { ...STORE_OPTION, description: 'write to PostgreSQL instead of the directory: postgres://user@host:5432/db (several servers may share one database; docs/postgres.md)' },
    { flags: '--no-dashboard', description: 'ingest only: do not serve the web dashboard and its /api on the same port' },
    DIR_OPTION,
  ],
  help: `
Answers 200 only once the events are fsync'd to the store; 400 lists rejected events by
index and field (the valid ones of the batch are kept); 401 without the token; 413 over
the body limit; 403 for a foreign Host or Origin. Stops on SIGINT/SIGTERM. docs/server.md.
The web dashboard of the same store is served on the same port at / (its JSON API under
/api, behind the token when one is set); --no-dashboard leaves it out. docs/dashboard.md.

Examples:
  $ agentmeter serve
  $ curl -s localhost:4318/v1/events -H 'content-type: application/x-ndjson' --data-binary @events.jsonl
  $ OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:4318 OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf python agent.py
  $ agentmeter serve --host 0.0.0.0 --token "$(openssl rand -hex 16)" --allow-host metrics.internal
  $ agentmeter db migrate --database postgres://agentmeter@db:5432/telemetry
  $ agentmeter serve --database postgres://agentmeter@db:5432/telemetry --token "$TOKEN" --host 0.0.0.0`,
  async run(_args, opts, io) {
    const { acceptedHosts, createApp, dashboardRoutes, isLoopbackHost, listen, tokenProblem } = await loadServer();
    const port = parsePort(opts['port']);
    const host = String(opts['host'] ?? '127.0.0.1');
    const token = typeof opts['token'] === 'string' && opts['token'] !== '' ? opts['token'] : io.env['AGENTMETER_TOKEN'] || undefined;
    if (!isLoopbackHost(host) && token === undefined) {
      throw new UsageError(`--host ${host} listens beyond loopback: give --token (or set AGENTMETER_TOKEN)`);
    }
    if (token !== undefined) {
      const problem = tokenProblem(token);
      if (problem !== undefined) throw new UsageError(`${typeof opts['token'] === 'string' && opts['token'] !== '' ? '--token' : 'AGENTMETER_TOKEN'}: ${problem}`);
    }
    const names = typeof opts['allowHost'] === 'string' ? opts['allowHost'].split(',').map((s) => s.trim()).filter((s) => s !== '') : [];
    const allowed = acceptedHosts(host, names, token !== undefined);
    const dir = resolveStoreDir({ dir: opts['dir'] as string | undefined, env: io.env, cwd: io.cwd });
    const durability = opts['durability'] === 'flush' ? 'flush' : 'sync';
    const url = read(DATABASE_OPTION, opts);
    const store = url !== undefined ? { kind: 'postgres' as const, url } : { kind: 'dir' as const };
    let sink: EventSink;
    let counts: () => { stored: number; dropped: number; setAside?: number };
    let where = `store ${dir}, ${durability}`;
    if (store.kind === 'postgres') {
      const pgm = await loadPostgres();
      const pool = await pgm.openPool(pgm.parsePostgresUrl(store.url), { max: 1 });
      try {
        await requireMigrated(pgm, pool, store.url);
      } finally {
        await pool.end().catch(() => undefined);
      }
      const pg = new pgm.PostgresSink(pgm.parsePostgresUrl(store.url), {
        onSetAside: (i) => io.stderr.write(`agentmeter serve: ${i.count} event(s) refused by PostgreSQL, set aside (${i.reason}); agentmeter db set-aside lists them\n`),
      });
      sink = pg;
      // A batch is answered 200 only once its transaction committed; failures are answered 503.
      // Events PostgreSQL refused are set aside in the database (agentmeter db set-aside).
      counts = () => ({ stored: pg.stats.events - pg.stats.setAside, dropped: 0, setAside: pg.stats.setAside });
      where = `store ${pgm.redactUrl(store.url)}`;
    } else {
      const problem = storeWriteProblem(dir);
      if (problem !== undefined) {
        io.stderr.write(`agentmeter serve: ${problem}: the server would answer 503 to every request; choose a writable --dir (or AGENTMETER_DIR)\n`);
        return EXIT.failure;
      }
      const local = createLocalSink({ root: dir, durability, onDiagnostic: (d) => io.stderr.write(`agentmeter serve: ${d.code} ${d.message}\n`) });
      sink = local;
      counts = () => ({ stored: local.stats.written, dropped: local.stats.dropped });
    }
    // The dashboard reads the directory store; with --database postgres:// it is left out.
    const withDashboard = opts['dashboard'] !== false && store.kind === 'dir';
    const app = createApp({
      sink,
      token,
      allowedHosts: allowed,
      maxBodyBytes: parseBytes(opts['maxBody']),
      defaultEnv: String(opts['envTag'] ?? 'dev'),
      onDiagnostic: (d) => io.stderr.write(`agentmeter serve: ${d.code} ${d.message}\n`),
      ...(withDashboard ? { mount: (a) => void a.route('/', dashboardRoutes({ dir })) } : {}),
    });
    let server;
    try {
      server = await listen(app, { host, port, hasToken: token !== undefined, allowedHosts: names });
    } catch (e: unknown) {
      if ((e as { code?: string }).code !== 'E_SERVER_LISTEN') throw e;
      io.stderr.write(`agentmeter: ${listenFailure(e, host, port)}\n`);
      await sink.shutdown();
      return EXIT.failure;
    }
    io.stderr.write(`agentmeter serve: listening on ${server.url} (${where}${token ? ', token required' : ''}); Ctrl-C stops\n`);
    if (withDashboard) io.stderr.write(`agentmeter serve: dashboard at ${server.url}/\n`);
    await new Promise<void>((resolve) => {
      const stop = (): void => {
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
        resolve();
      };
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
    });
    await server.close();
    await sink.shutdown();
    const { stored, dropped, setAside } = counts();
    io.stderr.write(`agentmeter serve: stopped; ${stored} events stored, ${setAside ? `${setAside} set aside, ` : ''}${dropped} dropped\n`);
    return dropped > 0 ? EXIT.failure : EXIT.ok;
  },
};

/**
 * The one place that opens a port. The apps themselves are pure `(Request) => Response`
 * handlers (tested without a socket); this binds one to an address, 127.0.0.1 unless told
 * otherwise. A server that accepts writes refuses to listen beyond loopback without a
 * token: an ingest server on a network must not accept events from anyone who can reach it.
 */
import type { AddressInfo } from 'node:net';
import { createAdaptorServer } from '@hono/node-server';
import { AgentmeterError } from '../model/diagnostics.js';
import { acceptedHosts, isLoopbackHost, withHostCheck } from './host-check.js';
import { DEFAULT_HOST, DEFAULT_PORT } from './defaults.js';

/** Anything with a fetch handler: a Hono app, or `{ fetch }`. */
export interface FetchApp {
  fetch(req: Request): Response | Promise<Response>;
}

/** Options of `listen`. */
export interface ListenOptions {
  /** Default 127.0.0.1. */
  host?: string | undefined;
  /** Default 4318 (the OTLP/HTTP port); 0 picks a free one. */
  port?: number | undefined;
  /**
   * For servers that accept writes: whether the app was created with a token. When given
   * and false, a non-loopback host is refused. Read-only servers (the dashboard) omit it.
   */
  hasToken?: boolean | undefined;
  /**
   * Host names accepted besides loopback (DNS rebinding protection, applied to every request
   * of every listener: host-check.ts). The bind address itself is added when it is one
   * address beyond loopback; `'*'` accepts any.
   */
  allowedHosts?: readonly string[] | undefined;
}

/** A listening server. */
export interface RunningServer {
  /** e.g. `http://127.0.0.1:4318` */
  url: string;
  host: string;
  port: number;
  /** Stop accepting connections; open requests get a moment to finish, long polls are cut. */
  close(): Promise<void>;
}

export { DEFAULT_HOST, DEFAULT_PORT };

// How long close() lets requests in flight finish before cutting their connections.
const CLOSE_GRACE_MS = 2000;

/**
 * Serve `app` on `host:port`.
 *
 * @example
 * const server = await listen(createApp({ sink }), { port: 0, hasToken: false });
 * console.log(server.url); // http://127.0.0.1:39127
 * await server.close();
 */
export async function listen(app: FetchApp, opts: ListenOptions = {}): Promise<RunningServer> {
  const host = opts.host ?? DEFAULT_HOST;
  const port = opts.port ?? DEFAULT_PORT;
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new AgentmeterError('E_SERVER_BAD_OPTION', `port must be 0–65535, got ${String(port)}`);
  if (opts.hasToken === false && !isLoopbackHost(host)) {
    throw new AgentmeterError('E_SERVER_TOKEN_REQUIRED', `listening on ${host} (beyond loopback) needs a token (--token or AGENTMETER_TOKEN)`);
  }
  const fetch = withHostCheck(app, acceptedHosts(host, opts.allowedHosts ?? [], opts.hasToken === true));
  const server = createAdaptorServer({ fetch, hostname: host });
  await new Promise<void>((resolve, reject) => {
    const onError = (e: Error & { code?: string }): void =>
      reject(new AgentmeterError('E_SERVER_LISTEN', `cannot listen on ${host}:${port}: ${e.code ?? e.message}`, { cause: e }));
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolve();
    });
  });
  const addr = server.address() as AddressInfo;
  const shown = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
  const sockets = server as { closeIdleConnections?: () => void; closeAllConnections?: () => void };
  return {
    url: `http://${shown}:${addr.port}`,
    host: addr.address,
    port: addr.port,
    close: () =>
      new Promise<void>((resolve) => {
        const cut = setTimeout(() => sockets.closeAllConnections?.(), CLOSE_GRACE_MS);
        server.close(() => {
          clearTimeout(cut);
          resolve();
        });
        sockets.closeIdleConnections?.();
      }),
  };
}

/**
 * The one place that opens a port. Binds 127.0.0.1 unless told otherwise, and refuses to
 * listen beyond loopback without a token: an ingest server on a network must not accept
 * writes from anyone who can reach it.
 */
import type { AddressInfo } from 'node:net';
import { createAdaptorServer } from '@hono/node-server';
import type { Hono } from 'hono';
import { AgentmeterError } from '../model/diagnostics.js';
import { isLoopbackHost } from './host-check.js';

/** Options of `listen`. */
export interface ListenOptions {
  /** Default 127.0.0.1. */
  host?: string | undefined;
  /** Default 4318 (the OTLP/HTTP port); 0 picks a free one. */
  port?: number | undefined;
  /** Whether the app was created with a token; required for a non-loopback host. */
  hasToken: boolean;
}

/** A listening server. */
export interface RunningServer {
  /** e.g. `http://127.0.0.1:4318` */
  url: string;
  host: string;
  port: number;
  /** Stop accepting connections and wait for open requests to finish. */
  close(): Promise<void>;
}

/** Default port: the OTLP/HTTP port, so OpenTelemetry exporters work unconfigured. */
export const DEFAULT_PORT = 4318;

/**
 * Serve `app` on `host:port`.
 *
 * @example
 * const server = await listen(createApp({ sink }), { port: 0, hasToken: false });
 * console.log(server.url); // http://127.0.0.1:39127
 * await server.close();
 */
export async function listen(app: Hono, opts: ListenOptions): Promise<RunningServer> {
  const host = opts.host ?? '127.0.0.1';
  const port = opts.port ?? DEFAULT_PORT;
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new AgentmeterError('E_SERVER_BAD_OPTION', `port must be 0–65535, got ${String(port)}`);
  if (!isLoopbackHost(host) && !opts.hasToken) {
    throw new AgentmeterError('E_SERVER_TOKEN_REQUIRED', `listening on ${host} (beyond loopback) needs a token (--token or AGENTMETER_TOKEN)`);
  }
  const server = createAdaptorServer({ fetch: app.fetch, hostname: host });
  await new Promise<void>((resolve, reject) => {
    const onError = (e: Error): void => reject(new AgentmeterError('E_SERVER_LISTEN', `cannot listen on ${host}:${port}: ${e.message}`, { cause: e }));
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolve();
    });
  });
  const addr = server.address() as AddressInfo;
  const shown = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
  return {
    url: `http://${shown}:${addr.port}`,
    host: addr.address,
    port: addr.port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        (server as { closeIdleConnections?: () => void }).closeIdleConnections?.();
      }),
  };
}

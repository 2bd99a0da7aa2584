/**
 * The one place that opens a port. The apps themselves are pure `(Request) => Response`
 * handlers (tested without a socket); this binds one to an address, 127.0.0.1 by default so
 * nothing is exposed to the network unless asked for.
 */
import { serve } from '@hono/node-server';
import type { AddressInfo } from 'node:net';

/** Where to listen. Port 0 picks a free port (tests). */
export interface ListenOptions {
  host?: string;
  port?: number;
}

/** A listening server: its base URL and a way to stop it. */
export interface Listening {
  url: string;
  close(): Promise<void>;
}

/** Default bind address: loopback only. */
export const DEFAULT_HOST = '127.0.0.1';

/**
 * Serve a fetch handler over HTTP until `close()`.
 *
 * @example
 * const { url, close } = await listen(app.fetch, { port: 0 });
 */
export function listen(fetchHandler: (req: Request) => Response | Promise<Response>, o: ListenOptions = {}): Promise<Listening> {
  const hostname = o.host ?? DEFAULT_HOST;
  return new Promise<Listening>((resolve, reject) => {
    const server = serve({ fetch: fetchHandler, hostname, port: o.port ?? 0 }, (info: AddressInfo) => {
      const host = info.family === 'IPv6' || info.address.includes(':') ? `[${info.address}]` : info.address;
      resolve({
        url: `http://${host}:${info.port}`,
        close: () =>
          new Promise<void>((done) => {
            // Long polls and keep-alive sockets would hold close() open.
            (server as { closeAllConnections?: () => void }).closeAllConnections?.();
            server.close(() => done());
          }),
      });
    });
    server.once('error', reject);
  });
}

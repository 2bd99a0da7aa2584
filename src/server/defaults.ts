/**
 * The server's defaults, in a module of their own that loads no HTTP library, so the CLI
 * can name them in its help without loading the optional server packages.
 */

/** Default bind address: loopback only. */
export const DEFAULT_HOST = '127.0.0.1';

/** Default port: the OTLP/HTTP port, so OpenTelemetry exporters work unconfigured. */
export const DEFAULT_PORT = 4318;

/**
 * Destinations of `agentmeter sync --to …`: a PostgreSQL URL or an OTLP/HTTP collector
 * (`otlp+http://host:4318`). Each sink module is imported only when its destination is used.
 */
import type { EventSink } from '../model/index.js';
import { UsageError } from './io.js';
import { isPostgresStore, loadPostgres } from '../query/index.js';

/** A sink ready to use, with the id and label its cursor is kept under. */
export interface Destination {
  kind: 'postgres' | 'otlp';
  sink: EventSink;
  /** Names the cursor file `<dir>/cursors/<id>.json`. */
  id: string;
  /** The destination without secrets, for messages and the cursor file. */
  label: string;
}

/** `OTEL_EXPORTER_OTLP_HEADERS`: `k=v,k2=v2`, values URL-encoded (OpenTelemetry's format). */
export function parseOtlpHeaders(text: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (!text) return out;
  for (const part of text.split(',')) {
    const eq = part.indexOf('=');
    if (eq <= 0) continue;
    const k = part.slice(0, eq).trim();
    if (k === '' || k === '__proto__') continue;
    out[k] = decodeURIComponent(part.slice(eq + 1).trim());
  }
  return out;
}

/** Open the sink a `--to` value names. */
export async function openDestination(to: string, env: Record<string, string | undefined>): Promise<Destination> {
  const { sinkId } = await import('../sinks/index.js');
  if (isPostgresStore(to)) {
    const pgm = await loadPostgres();
    const target = pgm.parsePostgresUrl(to);
    const label = pgm.redactUrl(to);
    const u = new URL(target.url);
    // The cursor follows the database and schema, not the credentials used to reach it.
    const key = `${u.hostname}:${u.port || '5432'}${u.pathname}#${target.schema ?? ''}`;
    return { kind: 'postgres', sink: new pgm.PostgresSink(target), id: sinkId('postgres', key), label };
  }
  const m = /^otlp\+(https?):\/\/(.+)$/i.exec(to);
  if (m) {
    const otlp = await import('../sinks/otlp/index.js');
    const endpoint = `${(m[1] as string).toLowerCase()}://${m[2] as string}`;
    const headers = parseOtlpHeaders(env['OTEL_EXPORTER_OTLP_HEADERS']);
    const serviceName = env['OTEL_SERVICE_NAME'];
    const sink = new otlp.OtlpHttpSink({ endpoint, headers, resource: serviceName ? { serviceName } : {} });
    return { kind: 'otlp', sink, id: sinkId('otlp', endpoint), label: endpoint };
  }
  throw new UsageError(`--to ${JSON.stringify(to)}: expected postgres://user@host:5432/db or otlp+http://host:4318`);
}

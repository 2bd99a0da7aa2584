/**
 * The HTTP app: a pure `(Request) => Promise<Response>` handler (`app.fetch`), tested without
 * a socket; only `listen.ts` opens a port. Routes: `GET /healthz`, `POST /v1/events`
 * (agentmeter events), `POST /v1/traces` and `POST /v1/logs` (OTLP/HTTP JSON or protobuf:
 * spans, and feedback as evaluation events), `POST /v1/metrics` (answered, not stored).
 * Further routes (the dashboard's read-only API and files)
 * are mounted through `mount`. See docs/server.md.
 */
import { Hono } from 'hono';
import { bearerAuth } from 'hono/bearer-auth';
import { HTTPException } from 'hono/http-exception';
import type { EventSink } from '../model/sink.js';
import { AgentmeterError } from '../model/diagnostics.js';
import { createRedactor } from '../model/redact.js';
import { BodyBudget } from './body.js';
import { BodyWork } from './body-work.js';
import { hostProblem } from './host-check.js';
import { tokenProblem } from './token.js';
import { ingestEvents } from './ingest-events.js';
import { ingestOtlp, ingestOtlpLogs, ingestOtlpMetrics } from './ingest-otlp.js';
import type { Diagnostic } from '../model/diagnostics.js';

/** Default largest accepted body, before and after decompression. */
export const DEFAULT_MAX_BODY_BYTES = 16 * 1024 * 1024;

/** Default bytes of request bodies held at once across requests (`maxInFlightBodyBytes`). */
const DEFAULT_IN_FLIGHT_BODY_BYTES = 64 * 1024 * 1024;

/** Options of `createApp`. */
export interface AppOptions {
  /** Where accepted events go: the local store (`createLocalSink`), PostgreSQL … */
  sink: EventSink;
  /** Required bearer token for `/v1/*` (and mounted routes under `/api`); none when unset. */
  token?: string | undefined;
  /** Largest body in bytes, checked before parsing and after decompression. Default 16 MiB. */
  maxBodyBytes?: number | undefined;
  /** Host names accepted besides loopback; `'*'` accepts any (only with a token). */
  allowedHosts?: readonly string[] | undefined;
  /** `env` of OTLP spans whose resource names none. Default `dev`. */
  defaultEnv?: string | undefined;
  /**
   * Bytes of request bodies all requests together may hold at once; a request that would pass
   * it gets 503 with `Retry-After` before its body is read. Default 64 MiB (or `maxBodyBytes`,
   * when larger: one request of the largest size is always taken).
   */
  maxInFlightBodyBytes?: number | undefined;
  /** Mount further routes on the same app (e.g. the dashboard's `/api/…` and static files). */
  mount?: ((app: Hono) => void) | undefined;
  /**
   * Told what the server did not store besides rejections: content attributes an OTLP
   * producer sent (prompts, completions …), each key named the first time it is seen.
   */
  onDiagnostic?: ((d: Diagnostic) => void) | undefined;
}

/**
 * Create the ingest app.
 *
 * @example
 * const app = createApp({ sink: createLocalSink({ root: '.agentmeter' }) });
 * const res = await app.fetch(new Request('http://127.0.0.1/healthz'));
 */
export function createApp(options: AppOptions): Hono {
  if (options === null || typeof options !== 'object' || typeof options.sink?.export !== 'function') {
    throw new AgentmeterError('E_SERVER_BAD_OPTION', 'createApp: options.sink must be an EventSink');
  }
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  if (!Number.isInteger(maxBodyBytes) || maxBodyBytes <= 0) {
    throw new AgentmeterError('E_SERVER_BAD_OPTION', `createApp: maxBodyBytes must be a positive integer, got ${String(maxBodyBytes)}`);
  }
  const allowedHosts = (options.allowedHosts ?? []).map((h) => h.toLowerCase());
  if (allowedHosts.includes('*') && !options.token) {
    throw new AgentmeterError('E_SERVER_BAD_OPTION', 'createApp: accepting any Host needs a token');
  }
  if (options.token !== undefined) {
    const problem = tokenProblem(options.token);
    if (problem !== undefined) throw new AgentmeterError('E_SERVER_BAD_OPTION', `createApp: ${problem}`);
  }
  const app = new Hono();
  app.use('*', async (c, next) => {
    const problem = hostProblem(c.req.raw, allowedHosts);
    if (problem !== undefined) return c.json({ error: problem }, 403);
    await next();
    return undefined;
  });
  if (options.token) {
    const auth = bearerAuth({
      token: options.token,
      noAuthenticationHeader: { message: { error: 'missing token: send Authorization: Bearer <token>' } },
      invalidToken: { message: { error: 'invalid token' } },
      invalidAuthenticationHeader: { message: { error: 'malformed Authorization header: expected Bearer <token>' } },
    });
    app.use('/v1/*', auth);
    app.use('/api/*', auth);
  }
  app.get('/healthz', (c) => c.json({ status: 'ok' }));
  const work = new BodyWork(createRedactor());
  const budget = new BodyBudget(options.maxInFlightBodyBytes ?? Math.max(DEFAULT_IN_FLIGHT_BODY_BYTES, maxBodyBytes));
  const defaultEnv = options.defaultEnv ?? 'dev';
  app.post('/v1/events', ingestEvents({ sink: options.sink, maxBodyBytes, budget, work }));
  const otlp = { sink: options.sink, maxBodyBytes, defaultEnv, budget, work, ...(options.onDiagnostic ? { onDiagnostic: options.onDiagnostic } : {}) };
  app.post('/v1/traces', ingestOtlp(otlp));
  app.post('/v1/logs', ingestOtlpLogs(otlp));
  app.post('/v1/metrics', ingestOtlpMetrics(otlp));
  options.mount?.(app);
  app.notFound((c) => c.json({ error: `no route ${c.req.method} ${new URL(c.req.url).pathname}` }, 404));
  app.onError((e, c) => (e instanceof HTTPException ? e.getResponse() : c.json({ error: `internal error: ${e.message}` }, 500)));
  return app;
}

/**
 * `OtlpHttpSink`: exports spans to an OpenTelemetry collector over OTLP/HTTP JSON
 * (`/v1/traces`) and feedback as `gen_ai.evaluation.result` events (`/v1/logs`).
 *
 * OTLP has no "span started" message, so a span is exported when its end is read: starts
 * wait in memory (the model's `SpanFolder` pairs them), and `remember` lets a resumed sync
 * feed back the starts it had already acknowledged. Retries follow the OTLP/HTTP spec:
 * 429, 502, 503 and 504 (and network errors) are retryable, honouring `Retry-After`; any
 * other status (400 bad data, 413 too large …) is not. Requests already encoded but not
 * accepted are kept and sent first on the next export, so a retried batch loses nothing.
 */
import { AgentmeterError, SpanFolder, feedbackFromEvent } from '../../model/index.js';
import type { AgentmeterEvent, EventSink, ExportResult, Feedback, Span } from '../../model/index.js';
import { feedbackToOtlpLogs, spansToOtlp } from './encode.js';
import type { OtlpResource } from './encode.js';

/** Options of an `OtlpHttpSink`. */
export interface OtlpHttpSinkOptions {
  /** Collector base URL, e.g. `http://localhost:4318` (`/v1/traces` and `/v1/logs` are appended). */
  endpoint: string;
  /** Extra request headers (auth tokens …). */
  headers?: Record<string, string>;
  resource?: OtlpResource;
  /** Spans (or feedback records) per request. Default 512, OpenTelemetry's batch size. */
  maxPerRequest?: number;
  /** Per-request timeout. Default 10 s. */
  timeoutMs?: number;
  /** Injected for tests; default the global `fetch`. */
  fetch?: typeof fetch;
}

/** What an `OtlpHttpSink` has done. */
export interface OtlpHttpSinkStats {
  requests: number;
  spans: number;
  feedback: number;
  /** Spans the collector reported as rejected in a partial success. */
  rejected: number;
}

interface PendingRequest {
  path: '/v1/traces' | '/v1/logs';
  body: string;
  spans: number;
  feedback: number;
}

const RETRYABLE = new Set([429, 502, 503, 504]);

/** `Retry-After` as milliseconds: delta-seconds or an HTTP date. */
export function parseRetryAfter(value: string | null, nowMs: number = Date.now()): number | undefined {
  if (value === null || value.trim() === '') return undefined;
  const t = value.trim();
  if (/^\d+$/.test(t)) return Number(t) * 1000;
  const at = Date.parse(t);
  return Number.isFinite(at) ? Math.max(0, at - nowMs) : undefined;
}


/**
 * An `EventSink` for any OpenTelemetry collector.
 *
 * @example
 * const sink = new OtlpHttpSink({ endpoint: 'http://localhost:4318' });
 * await sink.export(events);
 * await sink.shutdown();
 */
export class OtlpHttpSink implements EventSink {
  readonly stats: OtlpHttpSinkStats = { requests: 0, spans: 0, feedback: 0, rejected: 0 };
  readonly #base: string;
  readonly #headers: Record<string, string>;
  readonly #resource: OtlpResource;
  readonly #max: number;
  readonly #timeoutMs: number;
  readonly #fetch: typeof fetch;
  readonly #ready: Span[] = [];
  readonly #folder: SpanFolder;
  readonly #unsent: PendingRequest[] = [];
  readonly #feedbackSeen = new Set<string>();
  #priming = false;
  #closed = false;

  constructor(o: OtlpHttpSinkOptions) {
    let url: URL;
    try {
      url = new URL(o.endpoint);
    } catch {
      throw new AgentmeterError('E_OTLP_BAD_URL', `not a URL: ${o.endpoint}`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new AgentmeterError('E_OTLP_BAD_URL', `OTLP endpoint must be http(s): ${o.endpoint}`);
    this.#base = url.toString().replace(/\/+$/, '');
    this.#headers = { 'content-type': 'application/json', ...(o.headers ?? {}) };
    this.#resource = o.resource ?? {};
    this.#max = o.maxPerRequest ?? 512;
    this.#timeoutMs = o.timeoutMs ?? 10_000;
    this.#fetch = o.fetch ?? fetch;
    this.#folder = new SpanFolder({ onSpan: (s) => (this.#priming ? undefined : this.#ready.push(s)) });
  }

  /**
   * Feed events already exported before (a resumed sync's acknowledged lines), so spans
   * whose end comes later get their start's name and attributes; nothing is sent.
   */
  remember(events: readonly AgentmeterEvent[]): void {
    this.#priming = true;
    try {
      for (const e of events) if (e.type !== 'feedback') this.#folder.add(e);
    } finally {
      this.#priming = false;
    }
  }

  async export(batch: readonly AgentmeterEvent[]): Promise<ExportResult> {
    if (this.#closed) return { ok: false, error: new AgentmeterError('E_SINK_CLOSED', 'OtlpHttpSink is shut down'), retryable: false };
    const feedback: Feedback[] = [];
    for (const e of batch) {
      if (e.type === 'feedback') {
        // A retried batch carries the same feedback again; it was queued the first time.
        if (this.#feedbackSeen.has(e.id)) continue;
        this.#feedbackSeen.add(e.id);
        feedback.push(feedbackFromEvent(e));
      } else this.#folder.add(e);
    }
    this.#queue(feedback);
    return this.#drain();
  }

  async flush(): Promise<void> {
    await this.#drain();
  }

  async shutdown(): Promise<void> {
    if (this.#closed) return;
    await this.#drain();
    this.#closed = true;
  }

  #queue(feedback: Feedback[]): void {
    const spans = this.#ready.splice(0);
    for (let i = 0; i < spans.length; i += this.#max) {
      const part = spans.slice(i, i + this.#max);
      this.#unsent.push({ path: '/v1/traces', body: JSON.stringify(spansToOtlp(part, this.#resource)), spans: part.length, feedback: 0 });
    }
    for (let i = 0; i < feedback.length; i += this.#max) {
      const part = feedback.slice(i, i + this.#max);
      this.#unsent.push({ path: '/v1/logs', body: JSON.stringify(feedbackToOtlpLogs(part, this.#resource)), spans: 0, feedback: part.length });
    }
  }

  async #drain(): Promise<ExportResult> {
    while (this.#unsent.length > 0) {
      const req = this.#unsent[0] as PendingRequest;
      const r = await this.#send(req);
      if (!r.ok) {
        // Refused for good: the request would fail forever, so it is not kept.
        if (!r.retryable) this.#unsent.shift();
        return r;
      }
      this.#unsent.shift();
    }
    return { ok: true };
  }

  async #send(req: PendingRequest): Promise<ExportResult> {
    let res: Response;
    try {
      res = await this.#fetch(this.#base + req.path, {
        method: 'POST',
        headers: this.#headers,
        body: req.body,
        signal: AbortSignal.timeout(this.#timeoutMs),
      });
    } catch (e: unknown) {
      return { ok: false, error: new AgentmeterError('E_OTLP_NETWORK', `cannot reach ${this.#base}${req.path}`, { cause: e }), retryable: true };
    }
    this.stats.requests++;
    const text = await res.text().catch(() => '');
    if (res.ok) {
      this.stats.spans += req.spans;
      this.stats.feedback += req.feedback;
      this.stats.rejected += rejectedCount(text);
      return { ok: true };
    }
    const retryable = RETRYABLE.has(res.status);
    const error = new AgentmeterError('E_OTLP_HTTP', `${req.path} answered ${res.status}${text ? `: ${text.slice(0, 200)}` : ''}`);
    return { ok: false, error, retryable, ...(retryable ? { retryAfterMs: parseRetryAfter(res.headers.get('retry-after')) } : {}) };
  }
}

function rejectedCount(body: string): number {
  if (!body.includes('partialSuccess')) return 0;
  try {
    const p = (JSON.parse(body) as { partialSuccess?: { rejectedSpans?: unknown; rejectedLogRecords?: unknown } }).partialSuccess;
    return Number(p?.rejectedSpans ?? 0) + Number(p?.rejectedLogRecords ?? 0) || 0;
  } catch {
    return 0;
  }
}

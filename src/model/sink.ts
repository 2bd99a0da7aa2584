/**
 * The one contract every destination of events implements: the local segment store behind
 * the ingest server, PostgreSQL, an OTLP exporter. Batching and retry are wrappers around
 * any sink, not features of each one (the shape of OpenTelemetry JS's `SpanExporter`).
 */
import type { AgentmeterEvent } from './events.js';

/**
 * Outcome of one `export`. `ok: true` means every event of the batch is durable at the
 * destination (as durable as that sink promises). A failed batch says whether sending the
 * same batch again may succeed; sinks are idempotent on event `id`, so a retry never
 * duplicates.
 */
export type ExportResult =
  | { ok: true }
  | { ok: false; error: Error; retryable: boolean; retryAfterMs?: number | undefined };

/** A destination of events. */
export interface EventSink {
  /** Write one batch; resolves once it is durable (or failed). Never rejects. */
  export(batch: readonly AgentmeterEvent[]): Promise<ExportResult>;
  /**
   * Optional: `export` of a batch whose events arrived as JSON text, `lines[i]` being the
   * text of `batch[i]` (one line, no newline; `JSON.parse(lines[i])` gives `batch[i]`). A
   * sink that stores lines (the local store) writes them as they are instead of encoding
   * the events again; callers use `export` when a sink lacks it. Same result as `export`.
   */
  exportLines?(batch: readonly AgentmeterEvent[], lines: readonly string[]): Promise<ExportResult>;
  /** Push out anything the sink still holds. */
  flush(): Promise<void>;
  /** Flush, then release connections and files; later exports fail with `retryable: false`. */
  shutdown(): Promise<void>;
}

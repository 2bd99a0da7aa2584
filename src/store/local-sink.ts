/**
 * The local segment store as an `EventSink`: what sits behind `agentmeter serve` by default.
 * In the default `sync` mode an export resolves `ok` only after its lines were written and
 * fsync'd, one `write` + `fsync` per UTC day in the batch, so an HTTP 200 means durable.
 */
import { encodeLine } from '../model/codec.js';
import type { AgentmeterEvent } from '../model/events.js';
import { AgentmeterError } from '../model/diagnostics.js';
import type { Diagnostic } from '../model/diagnostics.js';
import type { EventSink, ExportResult } from '../model/sink.js';
import { SegmentWriter } from './segment-writer.js';
import type { Durability, WriterStats } from './segment-writer.js';
import type { WriterFs } from './writer-fs.js';

/** Options of `createLocalSink`. */
export interface LocalSinkOptions {
  /** Store root. */
  root: string;
  /** `sync` (default): durable on power loss before `export` resolves; `flush`: survives a crash of this process only. */
  durability?: Exclude<Durability, 'buffered'> | undefined;
  onDiagnostic?: ((d: Diagnostic) => void) | undefined;
  /** Fault-injection seam for tests. */
  fs?: WriterFs | undefined;
}

/** A local sink also exposes its writer's counters. */
export interface LocalSink extends EventSink {
  readonly stats: Readonly<WriterStats>;
}

/**
 * Create a sink that appends to this process's own segments under `root`.
 *
 * @example
 * const sink = createLocalSink({ root: '/srv/agentmeter' });
 * const r = await sink.export([event]);
 * if (!r.ok) console.error(r.error.message);
 */
export function createLocalSink(opts: LocalSinkOptions): LocalSink {
  const durability = opts.durability ?? 'sync';
  if (durability !== 'sync' && durability !== 'flush') {
    throw new AgentmeterError('E_STORE_BAD_OPTION', `createLocalSink: durability must be sync or flush, got ${JSON.stringify(durability)}`);
  }
  const writer = new SegmentWriter({ root: opts.root, durability, onDiagnostic: opts.onDiagnostic, fs: opts.fs, handleSignals: false });
  let closed = false;
  return {
    get stats() {
      return writer.stats;
    },
    export(batch: readonly AgentmeterEvent[]): Promise<ExportResult> {
      if (closed) return Promise.resolve({ ok: false, error: new AgentmeterError('E_SINK_CLOSED', 'sink is shut down'), retryable: false });
      if (batch.length === 0) return Promise.resolve({ ok: true });
      // Group by UTC day: one write (and one fsync) per day partition touched.
      const days = new Map<string, { text: string; count: number; tsMs: number }>();
      for (const e of batch) {
        const day = e.ts.slice(0, 10);
        const g = days.get(day);
        if (g === undefined) days.set(day, { text: encodeLine(e), count: 1, tsMs: Date.parse(e.ts) });
        else {
          g.text += encodeLine(e);
          g.count++;
        }
      }
      let failed = 0;
      for (const g of days.values()) if (!writer.appendLines(g.text, g.count, g.tsMs)) failed += g.count;
      if (failed === 0) return Promise.resolve({ ok: true });
      return Promise.resolve({
        ok: false,
        error: new AgentmeterError('E_STORE_WRITE_FAILED', `${failed} of ${batch.length} event(s) could not be written to ${opts.root}`),
        retryable: true,
      });
    },
    flush(): Promise<void> {
      return Promise.resolve();
    },
    shutdown(): Promise<void> {
      closed = true;
      writer.close();
      return Promise.resolve();
    },
  };
}

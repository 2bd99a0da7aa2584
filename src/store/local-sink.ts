/**
 * The local segment store as an `EventSink`: what sits behind `agentmeter serve` by default.
 * In the default `sync` mode an export resolves `ok` only after its lines were written and
 * fsync'd, so an HTTP 200 means durable. The write is one `write` per UTC day of the batch;
 * the fsync runs on the thread pool (group commit): while it runs the server parses the
 * next requests, and one fsync covers every export written before it started, instead of
 * each request holding the event loop for its own fsync. `exportLines` writes the JSON text
 * the events arrived as (the ingest server's NDJSON lines) instead of encoding them again.
 */
import { unlinkSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { encodeLine } from '../model/codec.js';
import type { AgentmeterEvent } from '../model/events.js';
import { AgentmeterError } from '../model/diagnostics.js';
import type { Diagnostic } from '../model/diagnostics.js';
import type { EventSink, ExportResult } from '../model/sink.js';
import { SegmentWriter } from './segment-writer.js';
import type { Durability, WriterStats } from './segment-writer.js';
import type { WriterFs } from './writer-fs.js';
import { nodeWriterFs } from './writer-fs.js';
import { errnoText } from './errno.js';
import { EVENTS_DIR } from './layout.js';

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

/** A local sink also exposes its writer's counters, and always stores lines as received. */
export interface LocalSink extends EventSink {
  readonly stats: Readonly<WriterStats>;
  exportLines(batch: readonly AgentmeterEvent[], lines: readonly string[]): Promise<ExportResult>;
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
  const grouped = durability === 'sync';
  const writer = new SegmentWriter({ root: opts.root, durability: 'flush', onDiagnostic: opts.onDiagnostic, fs: opts.fs, handleSignals: false, trackUnsynced: grouped });
  let closed = false;
  let syncing: Promise<void> | undefined;
  let queued: Promise<void> | undefined;
  const syncNow = async (): Promise<void> => {
    const { files, dirs } = writer.takeUnsynced();
    await Promise.all(files.map((f) => fsyncPath(f, false)));
    await Promise.all(dirs.map((d) => fsyncPath(d, true)));
  };
  // Resolves once a sync that began after this call has finished: every write made before
  // the call is then durable.
  const commit = (): Promise<void> => {
    if (syncing === undefined) {
      const run = syncNow().finally(() => {
        syncing = undefined;
      });
      syncing = run;
      return run;
    }
    queued ??= syncing
      .catch(() => undefined)
      .then(() => {
        queued = undefined;
        return commit();
      });
    return queued;
  };
  // Writes the batch (as received when `lines` is given), then, in sync mode, waits for the
  // group commit that covers it.
  const store = async (batch: readonly AgentmeterEvent[], lines: readonly string[] | undefined): Promise<ExportResult> => {
    if (closed) return { ok: false, error: new AgentmeterError('E_SINK_CLOSED', 'sink is shut down'), retryable: false };
    if (batch.length === 0) return { ok: true };
    // Group by UTC day: one write (and one fsync) per day partition touched.
    const days = new Map<string, { text: string; count: number; tsMs: number }>();
    let day = '';
    let g: { text: string; count: number; tsMs: number } | undefined;
    for (let i = 0; i < batch.length; i++) {
      const e = batch[i] as AgentmeterEvent;
      const given = lines?.[i];
      // A line with a newline in it would become two lines of the store: encode it instead.
      const text = given !== undefined && given.indexOf('\n') < 0 ? given + '\n' : encodeLine(e);
      if (g === undefined || !e.ts.startsWith(day)) {
        day = e.ts.slice(0, 10);
        g = days.get(day);
        if (g === undefined) {
          g = { text: '', count: 0, tsMs: Date.parse(e.ts) };
          days.set(day, g);
        }
      }
      g.text += text;
      g.count++;
    }
    let failed = 0;
    for (const d of days.values()) if (!writer.appendLines(d.text, d.count, d.tsMs)) failed += d.count;
    if (failed > 0) {
      return { ok: false, error: new AgentmeterError('E_STORE_WRITE_FAILED', `${failed} of ${batch.length} event(s) could not be written to ${opts.root}`), retryable: true };
    }
    if (!grouped) return { ok: true };
    try {
      await commit();
      return { ok: true };
    } catch (e: unknown) {
      opts.onDiagnostic?.({ code: 'E_STORE_FSYNC_FAILED', message: `fsync under ${opts.root} failed: ${e instanceof Error ? e.message : String(e)}`, cause: e });
      return { ok: false, error: new AgentmeterError('E_STORE_FSYNC_FAILED', `events written but not confirmed durable: ${e instanceof Error ? e.message : String(e)}`, { cause: e }), retryable: true };
    }
  };
  return {
    get stats() {
      return writer.stats;
    },
    export(batch: readonly AgentmeterEvent[]): Promise<ExportResult> {
      return store(batch, undefined);
    },
    exportLines(batch: readonly AgentmeterEvent[], lines: readonly string[]): Promise<ExportResult> {
      return store(batch, lines.length === batch.length ? lines : undefined);
    },
    async flush(): Promise<void> {
      if (grouped) await commit().catch(() => undefined);
    },
    async shutdown(): Promise<void> {
      closed = true;
      await this.flush();
      writer.close();
    },
  };
}

/** fsync a file or folder by path (any descriptor of a file syncs its data on POSIX). */
async function fsyncPath(path: string, isDir: boolean): Promise<void> {
  const fh = await open(path, 'r');
  try {
    await fh.sync();
  } catch (e: unknown) {
    // Some filesystems refuse fsync on a folder (EINVAL, EISDIR); the files themselves are synced.
    if (!isDir) throw e;
  } finally {
    await fh.close();
  }
}

/**
 * Why events cannot be written under `root`, or `undefined` when they can: the events folder
 * is created if missing and a file made and removed in it. A server refuses to start on a
 * store it cannot write (a read-only file system), instead of answering 503 to every request.
 *
 * @example
 * const problem = storeWriteProblem('/srv/agentmeter'); // 'cannot write under /srv/agentmeter (EROFS: …)'
 */
export function storeWriteProblem(root: string): string | undefined {
  const dir = join(root, EVENTS_DIR);
  const probe = join(dir, `.write-probe-${process.pid}-${Date.now()}`);
  try {
    nodeWriterFs.mkdirp(dir);
    const fd = nodeWriterFs.openNew(probe);
    nodeWriterFs.close(fd);
    unlinkSync(probe);
    return undefined;
  } catch (e: unknown) {
    const message = e instanceof Error ? e.message.replace(/^[A-Z]+: /, '').replace(/, \w+ '.*'$/, '') : String(e);
    return `cannot write under ${root} (${errnoText(e)}: ${message})`;
  }
}

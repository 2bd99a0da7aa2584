/**
 * The forwarder behind `agentmeter sync`: reads a file store segment by segment from each
 * segment's cursor, sends whole lines in batches to an `EventSink`, and moves the cursor only
 * after the sink acknowledged the batch. Retries follow the sink's answer (`retryable`,
 * `retryAfterMs`); a refused batch stops the sync with the cursor before it.
 */
import { open, stat } from 'node:fs/promises';
import { basename } from 'node:path';
import type { FileHandle } from 'node:fs/promises';
import type { AgentmeterEvent, EventSink, ExportResult } from '../model/index.js';
import { listPartitions, listSegments, storeExists } from '../store/index.js';
import { SEGMENT_READ_FLAGS } from '../store/layout.js';
import { cursorPath, emptyCursor, loadCursor, saveCursor } from './cursor.js';
import { EncodePool } from './encode-pool.js';
import type { EncoderRef } from './encode-pool.js';
import { decodeLines } from './line-codec.js';
import type { EncodedLines } from './line-codec.js';

/** Options of `syncStore`. */
export interface SyncOptions {
  /** Store root (the folder holding `events/`). */
  root: string;
  sink: EventSink;
  /** Names the cursor file: one cursor per destination. */
  sinkId: string;
  /** Destination for the cursor file's human-readable field (no secrets). */
  destination: string;
  /** Events per batch. Default 5000. */
  batchSize?: number;
  /** Ignore the stored cursor and send everything (it is rewritten as batches are acknowledged). */
  fromStart?: boolean;
  /** Attempts per batch for retryable failures before giving up. Default 8. */
  maxAttempts?: number;
  /** Stops between batches (and cuts a retry wait short). */
  signal?: AbortSignal;
  /** After each acknowledged batch. */
  onProgress?: (p: SyncProgress) => void;
  /** Before waiting to retry a batch. */
  onRetry?: (attempt: number, waitMs: number, error: Error) => void;
  /** Injected for tests; default setTimeout. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** Worker threads encoding for an `EncodingSink`; 0 encodes on this thread. Default 2 from four cores up, else 0. */
  encodeThreads?: number;
}

/** Rows already encoded by a sink's own encoder, sent as they are. */
export interface EncodedBatch {
  chunks: Uint8Array[];
  /** Events in the chunks. */
  count: number;
  /** What the encoder said the rows need (PostgreSQL: their days). */
  keys: string[];
}

/**
 * A sink that takes rows encoded off the main thread: `syncStore` decodes, validates and
 * encodes lines in worker threads with `encoder` and hands the bytes to `exportEncoded`.
 * `syncStore` may have two batches exporting at once (their cursors still move in order), so
 * each must commit on its own.
 */
export interface EncodingSink extends EventSink {
  readonly encoder: EncoderRef;
  exportEncoded(batch: EncodedBatch): Promise<ExportResult>;
}

/** Running totals of one sync pass. */
export interface SyncProgress {
  segments: number;
  batches: number;
  /** Events acknowledged by the sink. */
  events: number;
  /** Bytes of segments acknowledged. */
  bytes: number;
  /** Lines that are not valid events: skipped, never sent, counted. */
  skipped: number;
  /** Segments ending in a line without its newline (a writer still writing, or one killed). */
  tornTails: number;
}

/** Outcome of one sync pass. */
export type SyncResult =
  | ({ ok: true } & SyncProgress)
  | ({ ok: false; error: Error; retryable: boolean } & SyncProgress);

const CHUNK = 1 << 20;

interface Pending {
  events: AgentmeterEvent[];
  chunks: Uint8Array[];
  count: number;
  keys: Set<string>;
  /** Segment key → offset once this batch is acknowledged. */
  offsets: Map<string, number>;
  bytes: number;
}

function defaultSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(done, ms);
    function done(): void {
      clearTimeout(t);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}

/**
 * Forward everything not yet acknowledged, once. Run it again (or in a loop, `--watch`) for
 * events written later.
 *
 * @example
 * const sink = new PostgresSink(parsePostgresUrl(url));
 * const r = await syncStore({ root: '.agentmeter', sink, sinkId: 'pg-main', destination: url });
 * await sink.shutdown();
 */
export async function syncStore(o: SyncOptions): Promise<SyncResult> {
  const progress: SyncProgress = { segments: 0, batches: 0, events: 0, bytes: 0, skipped: 0, tornTails: 0 };
  const path = cursorPath(o.root, o.sinkId);
  const cursor = o.fromStart ? emptyCursor(o.destination) : await loadCursor(path, o.destination);
  const batchSize = o.batchSize ?? 5000;
  const fresh = (): Pending => ({ events: [], chunks: [], count: 0, keys: new Set(), offsets: new Map(), bytes: 0 });
  let pending = fresh();
  const encoding = isEncoding(o.sink) ? o.sink : undefined;

  // Batches are delivered while the next is read and parsed, so reading and the
  // destination's work overlap (bench/postgres-sync.mjs). An encoding sink takes two at once:
  // the next batch's COPY runs while the previous one commits and its cursor is saved, so the
  // database does not wait on either. Cursors still move in order: a batch's offsets are
  // saved only once it and every batch before it are acknowledged.
  const window = encoding ? 2 : 1;
  const flights: Promise<SyncResult | undefined>[] = [];
  let last: Promise<SyncResult | undefined> = Promise.resolve(undefined);
  const deliver = (batch: Pending): Promise<SyncResult | undefined> => {
    const exported = exportWithRetry(o, () =>
      encoding && batch.events.length === 0
        ? encoding.exportEncoded({ chunks: batch.chunks, count: batch.count, keys: [...batch.keys] })
        : o.sink.export(batch.events),
    );
    exported.catch(() => undefined);
    const before = last;
    const acked = (async (): Promise<SyncResult | undefined> => {
      const failed = await before;
      const r = await exported;
      if (failed) return failed;
      if (!r.ok) return { ...progress, ...r };
      for (const [k, off] of batch.offsets) cursor.segments[k] = off;
      await saveCursor(path, cursor);
      progress.batches++;
      progress.events += batch.count;
      progress.bytes += batch.bytes;
      o.onProgress?.({ ...progress });
      return undefined;
    })();
    acked.catch(() => undefined);
    last = acked;
    return acked;
  };
  /** Wait for every batch in flight; the first failure, if any. */
  const settle = async (): Promise<SyncResult | undefined> => {
    const f = await last;
    flights.length = 0;
    return f;
  };
  const send = async (): Promise<SyncResult | undefined> => {
    while (flights.length >= window) {
      const failed = await flights.shift();
      if (failed) return (await settle()) ?? failed;
    }
    if (pending.offsets.size === 0) return undefined;
    const batch = pending;
    pending = fresh();
    flights.push(deliver(batch));
    return undefined;
  };
  const finish = async (): Promise<SyncResult> => (await settle()) ?? { ok: true, ...progress };

  if (await storeExists(o.root)) {
    const segments: { key: string; day: string; file: string; size: number; from: number }[] = [];
    for (const part of await listPartitions(o.root)) {
      for (const file of await listSegments(part.path)) {
        const key = `${part.day}/${basename(file)}`;
        const size = await stat(file).then((st) => st.size, () => undefined);
        // Removed by retention between listing and stat: nothing left to send.
        if (size !== undefined) segments.push({ key, day: part.day, file, size, from: cursor.segments[key] ?? 0 });
      }
    }
    // Once per sink: in --watch the same sink already holds what later passes would re-read.
    if (isRemembering(o.sink) && !primed.has(o.sink)) {
      primed.add(o.sink);
      await prime(o.sink, segments);
    }
    // Chunks are decoded (and, for an encoding sink, encoded) in worker threads while the
    // next ones are read; they join the batch in file order, so cursors still move in order.
    const pool = encoding && segments.some((s) => s.size > s.from) ? new EncodePool(encoding.encoder, o.encodeThreads) : undefined;
    const depth = pool ? Math.max(2, pool.threads * 2) : 0;
    const queue: Queued[] = [];
    const take = async (): Promise<SyncResult | undefined> => {
      const q = queue.shift() as Queued;
      let r: Awaited<Queued['result']>;
      try {
        r = await q.result;
      } catch (e: unknown) {
        // An encoding worker died (out of memory, say): the batch in flight still lands in the
        // cursor, then the sync stops before this chunk.
        const f = await settle();
        return f ?? { ok: false, error: e instanceof Error ? e : new Error(String(e)), retryable: false, ...progress };
      }
      if (r) {
        if ('data' in r) {
          if (r.count > 0) pending.chunks.push(r.data);
          pending.count += r.count;
          for (const k of r.keys) pending.keys.add(k);
        } else {
          for (const e of r.events) pending.events.push(e);
          pending.count += r.events.length;
        }
        progress.skipped += r.skipped;
      }
      pending.offsets.set(q.key, q.end);
      pending.bytes += q.bytes;
      if (q.torn) progress.tornTails++;
      if (pending.count >= batchSize) return send();
      return undefined;
    };
    try {
      for (const seg of segments) {
        if (o.signal?.aborted) return await finish();
        if (seg.size <= seg.from) continue;
        progress.segments++;
        const fh = await open(seg.file, SEGMENT_READ_FLAGS).catch(() => undefined);
        if (!fh) continue;
        try {
          for await (const chunk of wholeLines(fh, seg.from, seg.size)) {
            const result =
              chunk.data === undefined
                ? undefined
                : pool
                  ? pool.encode(chunk.data)
                  : Promise.resolve(decodeLines(Buffer.from(chunk.data.buffer, chunk.data.byteOffset, chunk.data.byteLength).toString('utf8')));
            // A rejected encoding is awaited (and reported) in order by `take`.
            result?.catch(() => undefined);
            queue.push({ key: seg.key, end: chunk.end, bytes: chunk.bytes, torn: chunk.torn, result });
            while (queue.length > depth) {
              const failed = await take();
              if (failed) return failed;
              if (o.signal?.aborted) return await finish();
            }
          }
        } finally {
          await fh.close();
        }
      }
      while (queue.length > 0) {
        const failed = await take();
        if (failed) return failed;
        if (o.signal?.aborted) return await finish();
      }
    } finally {
      await pool?.close();
    }
    const failed = (await send()) ?? (await settle());
    if (failed) return failed;
    // Cursors of segments deleted by retention are dropped, so the file does not grow forever.
    const live = new Set(segments.map((s) => s.key));
    let pruned = false;
    for (const k of Object.keys(cursor.segments)) {
      if (!live.has(k)) {
        delete cursor.segments[k];
        pruned = true;
      }
    }
    if (pruned) await saveCursor(path, cursor);
  }
  return { ok: true, ...progress };
}

interface Queued {
  key: string;
  end: number;
  bytes: number;
  torn: boolean;
  result: Promise<EncodedLines | { events: AgentmeterEvent[]; skipped: number }> | undefined;
}

function isEncoding(sink: EventSink): sink is EncodingSink {
  const e = sink as Partial<EncodingSink>;
  return typeof e.exportEncoded === 'function' && e.encoder !== undefined;
}

/** A sink that holds state between batches (OTLP waits for span ends) and can be primed. */
export interface RememberingSink extends EventSink {
  remember(events: readonly AgentmeterEvent[]): void;
}

const primed = new WeakSet<EventSink>();

function isRemembering(sink: EventSink): sink is RememberingSink {
  return typeof (sink as Partial<RememberingSink>).remember === 'function';
}

/**
 * Give a remembering sink the already-acknowledged events of the days that still have
 * unsent data (and the day before each): a span started before an interruption and ended
 * after it is then exported whole.
 */
async function prime(sink: RememberingSink, segments: readonly { day: string; file: string; from: number; size: number }[]): Promise<void> {
  const days = new Set<string>();
  for (const s of segments) {
    if (s.size <= s.from) continue;
    days.add(s.day);
    days.add(new Date(Date.parse(`${s.day}T00:00:00Z`) - 86_400_000).toISOString().slice(0, 10));
  }
  for (const s of segments) {
    if (s.from === 0 || !days.has(s.day)) continue;
    const fh = await open(s.file, SEGMENT_READ_FLAGS).catch(() => undefined);
    if (!fh) continue;
    try {
      for await (const chunk of wholeLines(fh, 0, s.from)) {
        if (chunk.data) sink.remember(decodeLines(Buffer.from(chunk.data).toString('utf8')).events);
      }
    } finally {
      await fh.close();
    }
  }
}

async function exportWithRetry(
  o: SyncOptions,
  exportBatch: () => Promise<ExportResult>,
): Promise<{ ok: true } | { ok: false; error: Error; retryable: boolean }> {
  const max = o.maxAttempts ?? 8;
  const sleep = o.sleep ?? defaultSleep;
  for (let attempt = 1; ; attempt++) {
    const r = await exportBatch();
    if (r.ok) return r;
    if (!r.retryable || attempt >= max || o.signal?.aborted) return { ok: false, error: r.error, retryable: r.retryable };
    // Exponential backoff from 500 ms, capped at 30 s, unless the destination said when.
    const wait = r.retryAfterMs ?? Math.min(30_000, 500 * 2 ** (attempt - 1));
    o.onRetry?.(attempt, wait, r.error);
    await sleep(wait, o.signal);
  }
}

/**
 * Whole lines of a segment between `from` and `size`, in chunks of their own buffers (handed
 * to worker threads); never past the last `\n`. `data` excludes that last newline.
 */
async function* wholeLines(
  fh: FileHandle,
  from: number,
  size: number,
): AsyncGenerator<{ data: Uint8Array | undefined; end: number; bytes: number; torn: boolean }> {
  let pos = from;
  let carry: Buffer | undefined;
  while (pos < size) {
    const want = Math.min(CHUNK, size - pos);
    // The previous chunk's partial line first, then the read after it: no concatenation.
    const held = carry ? carry.length : 0;
    const buf = Buffer.allocUnsafeSlow(held + want);
    if (carry) carry.copy(buf, 0);
    const { bytesRead } = await fh.read(buf, held, want, pos);
    if (bytesRead === 0) break;
    pos += bytesRead;
    const data = buf.subarray(0, held + bytesRead);
    const lastNl = data.lastIndexOf(10);
    if (lastNl === -1) {
      carry = Buffer.from(data);
      continue;
    }
    const consumed = lastNl + 1;
    const end = pos - (data.length - consumed);
    carry = consumed < data.length ? Buffer.from(data.subarray(consumed)) : undefined;
    yield { data: data.subarray(0, lastNl), end, bytes: consumed, torn: false };
  }
  // A tail without its newline is left for later: a live writer may still finish the line.
  if (carry && carry.length > 0) yield { data: undefined, end: size - carry.length, bytes: 0, torn: true };
}

/**
 * Decoding, validating and encoding lines for a destination, in worker threads when there are
 * cores for them, so the main thread only reads segments and streams encoded rows: parsing
 * costs more CPU per event than the database's COPY (bench/postgres-sync.mjs). With no
 * threads, or where worker threads cannot run (the sources executed untranspiled, as in
 * tests), the same functions run on the calling thread.
 */
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { encodeLines } from './line-codec.js';
import type { EncodeChunk, EncodeEvents, EncodedLines } from './line-codec.js';

/** Where a destination's encoder lives: a module URL and the name of its `EncodeEvents` export. */
export interface EncoderRef {
  module: string;
  exportName: string;
  /** An `EncodeChunk` export of the same module, used instead of `exportName` when given. */
  chunkExportName?: string;
}

/** The chunk encoder of `ref`, loaded. */
export async function loadEncoder(ref: EncoderRef): Promise<EncodeChunk> {
  const m = (await import(ref.module)) as Record<string, unknown>;
  if (ref.chunkExportName !== undefined) return m[ref.chunkExportName] as EncodeChunk;
  const encode = m[ref.exportName] as EncodeEvents;
  return (bytes) => encodeLines(bytes, encode);
}

interface Waiting {
  resolve: (r: EncodedLines) => void;
  reject: (e: Error) => void;
}

const WORKER_URL = new URL('./encode-worker.js', import.meta.url);

/**
 * Worker threads by default: two from four cores up, none below. Workers cost CPU of their
 * own (a second copy of the JIT's work, handing buffers over, encoding to bytes: 7–40 % more per
 * event, bench/postgres-sync.mjs), so on two cores, where the database's backend already
 * takes one, encoding on the main thread is faster; with cores to spare they take the
 * parsing off the thread that streams to the database.
 */
export function defaultEncodeThreads(): number {
  return availableParallelism() >= 4 ? 2 : 0;
}

/** Encodes chunks of whole lines in order of completion per call; callers await in their order. */
export class EncodePool {
  readonly threads: number;
  readonly #workers: Worker[] = [];
  readonly #waiting = new Map<number, Waiting>();
  readonly #ref: EncoderRef;
  #inline: Promise<EncodeChunk> | undefined;
  #next = 0;
  #failed: Error | undefined;

  /** `threads` 0 encodes on the calling thread. */
  constructor(ref: EncoderRef, threads = defaultEncodeThreads()) {
    this.#ref = ref;
    const usable = WORKER_URL.pathname.endsWith('.js') && existsSync(fileURLToPath(WORKER_URL));
    this.threads = usable ? threads : 0;
    for (let i = 0; i < this.threads; i++) {
      const w = new Worker(WORKER_URL, { workerData: ref });
      w.on('message', (m: { id: number; result?: EncodedLines; error?: string }) => {
        const p = this.#waiting.get(m.id);
        this.#waiting.delete(m.id);
        if (m.result) p?.resolve({ ...m.result, data: new Uint8Array(m.result.data.buffer, m.result.data.byteOffset, m.result.data.byteLength) });
        else p?.reject(new Error(m.error ?? 'encoding failed'));
      });
      w.on('error', (e) => this.#fail(e));
      w.on('exit', (code) => {
        if (code !== 0) this.#fail(new Error(`encoding worker exited with code ${code}`));
      });
      this.#workers.push(w);
    }
  }

  /** Encode whole lines (UTF-8, `\n`-separated). The bytes are handed over: do not reuse them. */
  encode(bytes: Uint8Array): Promise<EncodedLines> {
    if (this.#failed) return Promise.reject(this.#failed);
    if (this.threads === 0) {
      this.#inline ??= loadEncoder(this.#ref);
      return this.#inline.then((enc) => enc(bytes));
    }
    const id = this.#next++;
    const w = this.#workers[id % this.#workers.length] as Worker;
    return new Promise<EncodedLines>((resolve, reject) => {
      this.#waiting.set(id, { resolve, reject });
      const whole = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength;
      const own = whole ? bytes : bytes.slice();
      w.postMessage({ id, bytes: own }, [own.buffer as ArrayBuffer]);
    });
  }

  async close(): Promise<void> {
    const ws = this.#workers.splice(0);
    this.#failed ??= new Error('encoding pool closed');
    for (const p of this.#waiting.values()) p.reject(this.#failed);
    this.#waiting.clear();
    await Promise.all(ws.map((w) => w.terminate()));
  }

  #fail(e: Error): void {
    this.#failed ??= e;
    for (const p of this.#waiting.values()) p.reject(e);
    this.#waiting.clear();
  }
}

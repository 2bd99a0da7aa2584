/**
 * Where request bodies are parsed, checked and redacted. A small body is handled on the event
 * loop; a large one in a worker thread, so one large request does not hold up the others:
 * `JSON.parse` of a 14.5 MB body with 1.2 M keys alone takes over a second here, and checking
 * and redacting it as long again, during which `/healthz` and every small request waited.
 * Where worker threads cannot run (the sources executed untranspiled, as in tests), or once
 * the worker has failed, the same functions run on the event loop.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { AgentmeterEvent } from '../model/events.js';
import type { Rejection } from './event-checks.js';
import { checkEventsBody } from './ingest-events.js';
import type { CheckedBody } from './ingest-events.js';
import { checkOtlpBody } from './ingest-otlp.js';
import type { CheckedOtlp, SignalKey } from './ingest-otlp.js';
import type { TraceMemory } from './otlp/trace-memory.js';

/** Bodies from this size on go to the worker thread (measured: ~10 ms of parsing and checking). */
export const OFFLOAD_BYTES = 1024 * 1024;

const WORKER_URL = new URL('./body-worker.js', import.meta.url);

/** A job for the worker. */
export type WorkerJob =
  | { id: number; kind: 'events'; bytes: Uint8Array }
  | { id: number; kind: 'otlp'; bytes: Uint8Array; key: SignalKey; defaultEnv: string; protobuf: boolean };

/** The worker's answer: events come back as their lines (cheap to hand over), OTLP events whole. */
export type WorkerResult =
  | { id: number; kind: 'events'; result: { ok: false; error: string } | { ok: true; lines: string[]; ts: string[]; rejected: Rejection[] } }
  | { id: number; kind: 'otlp'; result: CheckedOtlp }
  | { id: number; kind: 'error'; error: string };

interface Waiting {
  resolve: (r: WorkerResult) => void;
  reject: (e: Error) => void;
}

/** Parses, checks and redacts bodies, large ones off the event loop. */
export class BodyWork {
  readonly #redact: (text: string) => string;
  readonly #offloadBytes: number;
  #worker: Worker | undefined;
  #failed = false;
  #next = 0;
  readonly #waiting = new Map<number, Waiting>();

  constructor(redact: (text: string) => string, offloadBytes = OFFLOAD_BYTES) {
    this.#redact = redact;
    this.#offloadBytes = offloadBytes;
  }

  /**
   * A `POST /v1/events` body. `linesOnly`: the sink stores the lines as given and reads only
   * each event's `ts` (the local store), so a large body's events need not be rebuilt here.
   */
  async events(bytes: Buffer, linesOnly: boolean): Promise<CheckedBody> {
    const r = await this.#run(bytes, { kind: 'events' });
    if (r === undefined) return checkEventsBody(bytes.toString('utf8'), this.#redact);
    if (r.kind !== 'events') throw new Error(r.kind === 'error' ? r.error : 'unexpected worker answer');
    const res = r.result;
    if (!res.ok) return res;
    let events: AgentmeterEvent[];
    if (linesOnly) {
      // The local sink files each line under its event's day and stores the line itself.
      events = res.ts.map((ts) => ({ ts }) as AgentmeterEvent);
    } else {
      events = [];
      let since = 0;
      for (const line of res.lines) {
        events.push(JSON.parse(line) as AgentmeterEvent);
        since += line.length;
        // Other requests are answered between slices of the work.
        if (since > 256 * 1024) {
          since = 0;
          await new Promise<void>((resolve) => setImmediate(resolve));
        }
      }
    }
    return { ok: true, events, kept: res.lines, rejected: res.rejected };
  }

  /**
   * An OTLP/HTTP body (JSON or protobuf). `memory` (spans of earlier requests, for roll-ups)
   * is used where the body is mapped on the event loop; a large body is mapped on its own.
   */
  async otlp(bytes: Buffer, key: SignalKey, defaultEnv: string, protobuf = false, memory?: TraceMemory): Promise<CheckedOtlp> {
    const r = await this.#run(bytes, { kind: 'otlp', key, defaultEnv, protobuf });
    if (r === undefined) return checkOtlpBody(bytes, key, defaultEnv, this.#redact, protobuf, memory);
    if (r.kind !== 'otlp') throw new Error(r.kind === 'error' ? r.error : 'unexpected worker answer');
    return r.result;
  }

  /** Stop the worker (it never keeps the process alive; this frees it sooner). */
  async close(): Promise<void> {
    const w = this.#worker;
    this.#worker = undefined;
    if (w !== undefined) await w.terminate();
  }

  /** The worker's answer, or `undefined` to do the work here. */
  async #run(bytes: Buffer, job: { kind: 'events' } | { kind: 'otlp'; key: SignalKey; defaultEnv: string; protobuf: boolean }): Promise<WorkerResult | undefined> {
    if (bytes.length < this.#offloadBytes) return undefined;
    const worker = this.#start();
    if (worker === undefined) return undefined;
    const id = ++this.#next;
    // The body is copied once into memory the worker can take over.
    const copy = new Uint8Array(bytes.length);
    copy.set(bytes);
    try {
      return await new Promise<WorkerResult>((resolve, reject) => {
        this.#waiting.set(id, { resolve, reject });
        // Held while it has work (a request waits on it), let go when idle.
        worker.ref();
        worker.postMessage({ id, ...job, bytes: copy } as WorkerJob, [copy.buffer]);
      });
    } catch {
      return undefined;
    }
  }

  #start(): Worker | undefined {
    if (this.#worker !== undefined) return this.#worker;
    if (this.#failed || !WORKER_URL.pathname.endsWith('.js') || !existsSync(fileURLToPath(WORKER_URL))) return undefined;
    const w = new Worker(WORKER_URL);
    w.on('message', (m: WorkerResult) => {
      const p = this.#waiting.get(m.id);
      this.#waiting.delete(m.id);
      if (this.#waiting.size === 0) w.unref();
      p?.resolve(m);
    });
    const fail = (e: Error): void => {
      this.#failed = true;
      this.#worker = undefined;
      for (const p of this.#waiting.values()) p.reject(e);
      this.#waiting.clear();
    };
    w.on('error', fail);
    w.on('exit', (code) => {
      if (this.#worker === w) fail(new Error(`body worker exited with code ${code}`));
    });
    // Idle (after the listeners: attaching a 'message' listener refs the worker again).
    w.unref();
    this.#worker = w;
    return w;
  }
}

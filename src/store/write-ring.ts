/**
 * The write ring of a buffered writer: a few slots of shared memory through which batches of
 * encoded lines go to a writer thread, so the host's thread pays for the UTF-8 copy and not
 * for the `write` itself (on this kind of machine a 64 KiB write into the page cache costs up
 * to ≈ 240 µs of CPU, more than building the 125 events in it; docs/performance.md).
 *
 * The host does not wait for the thread to append: while the next slot is taken the batch
 * keeps gathering (SegmentWriter), and past that limit the host takes back the queued
 * batches and writes them itself, in order. It waits only in `drain` (flush, close, exit,
 * rotation, and before any write of its own), for at most the one write the thread is in;
 * a slot the thread has not picked up is taken back and written on the spot.
 *
 * Slot life: FREE → (host fills it) FULL → (thread) WRITING → DONE → (host collects the
 * outcome) FREE; or FULL → (host takes it back) TAKEN → DONE. Slots are filled in sequence
 * order and written oldest first by whoever holds the ring's write lock, so the batches reach
 * each segment in order even when both sides write. A segment whose write failed or came back
 * short may have a torn last line: nothing more is appended to it, by either side (its later
 * slots come back SKIPPED, for the host to write into a fresh segment).
 */
import { existsSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { writeAll } from './write-all.js';

export const FREE = 0;
export const FULL = 1;
export const WRITING = 2;
export const DONE = 3;
export const TAKEN = 4;

/** What `offer` returns for a batch larger than a slot. */
export const TOO_BIG = -2;

/** errno of a slot not written because its segment failed before. */
export const ERRNO_SKIPPED = -100_002;
/** errno of a slot whose write on the thread never returned. */
export const ERRNO_TIMED_OUT = -110;

// Control words.
export const PUBLISHED = 0; // bumped on every FULL slot; the thread waits on it
export const READY = 1; // 1 once the thread runs its loop
export const STOP = 2; // 1: the thread exits once no slot is FULL
export const FINISHED = 3; // bumped on every DONE slot; a draining host waits on it
export const SLEEPING = 4; // 1 while the thread waits without a timeout: wake it
export const LOCK = 5; // who writes slots now: 0 nobody, 1 the thread, 2 the host
export const FAILED = 6; // 4 words: the latest segments whose write failed (0: none)
export const FAILED_WORDS = 4;
const HEADER_WORDS = 12;
export const LOCK_THREAD = 1;
export const LOCK_HOST = 2;

// Words of a slot.
export const STATE = 0;
export const SEQ = 1;
export const FD = 2;
export const SEGMENT = 3;
export const LENGTH = 4;
export const EVENTS = 5;
export const WROTE = 6;
export const ERRNO = 7;
export const SHORT = 8;
export const SLOT_WORDS = 12;

/** What the writer thread receives. */
export interface RingShape {
  buffer: SharedArrayBuffer;
  slots: number;
  slotBytes: number;
}

export function controlWords(slots: number): number {
  return HEADER_WORDS + slots * SLOT_WORDS;
}

export function slotWord(slot: number, word: number): number {
  return HEADER_WORDS + slot * SLOT_WORDS + word;
}

/** Whether `segment` failed earlier: nothing more may be appended to it. */
export function isFailed(ctrl: Int32Array, segment: number): boolean {
  for (let i = 0; i < FAILED_WORDS; i++) if (Atomics.load(ctrl, FAILED + i) === segment) return true;
  return false;
}

/** Remember a failed segment (the oldest of four is forgotten). */
export function markFailed(ctrl: Int32Array, segment: number): void {
  if (isFailed(ctrl, segment)) return;
  for (let i = FAILED_WORDS - 1; i > 0; i--) Atomics.store(ctrl, FAILED + i, Atomics.load(ctrl, FAILED + i - 1));
  Atomics.store(ctrl, FAILED, segment);
}

/**
 * Write slot `s` and mark it DONE; the caller holds the write lock and has set the slot's
 * state (WRITING or TAKEN). Shared by the thread and a host taking slots back.
 */
export function writeSlot(ctrl: Int32Array, data: Uint8Array, slotBytes: number, s: number): void {
  const segment = Atomics.load(ctrl, slotWord(s, SEGMENT));
  if (isFailed(ctrl, segment)) {
    Atomics.store(ctrl, slotWord(s, WROTE), 0);
    Atomics.store(ctrl, slotWord(s, ERRNO), ERRNO_SKIPPED);
    Atomics.store(ctrl, slotWord(s, SHORT), 0);
  } else {
    const o = writeAll(Atomics.load(ctrl, slotWord(s, FD)), data, s * slotBytes, Atomics.load(ctrl, slotWord(s, LENGTH)));
    if (o.errno !== 0 || o.short) markFailed(ctrl, segment);
    Atomics.store(ctrl, slotWord(s, WROTE), o.wrote);
    Atomics.store(ctrl, slotWord(s, ERRNO), o.errno);
    Atomics.store(ctrl, slotWord(s, SHORT), o.short ? 1 : 0);
  }
  Atomics.store(ctrl, slotWord(s, STATE), DONE);
  Atomics.add(ctrl, FINISHED, 1);
  Atomics.notify(ctrl, FINISHED);
}

/**
 * Under the write lock (`who`), write every FULL slot, oldest first, marking each `as`
 * (WRITING or TAKEN). Returns how many, or -1 if the other side holds the lock.
 */
export function writeQueued(ctrl: Int32Array, data: Uint8Array, slots: number, slotBytes: number, who: number, as: number): number {
  if (Atomics.compareExchange(ctrl, LOCK, 0, who) !== 0) return -1;
  let n = 0;
  for (let s = oldestFull(ctrl, slots); s >= 0; s = oldestFull(ctrl, slots)) {
    // By compare-and-swap: a host giving up on a stuck thread returns slots without the lock.
    if (Atomics.compareExchange(ctrl, slotWord(s, STATE), FULL, as) !== FULL) continue;
    writeSlot(ctrl, data, slotBytes, s);
    n++;
  }
  Atomics.store(ctrl, LOCK, 0);
  return n;
}

/** The FULL slot with the lowest sequence number, or -1. */
export function oldestFull(ctrl: Int32Array, slots: number): number {
  return oldestIn(ctrl, slots, FULL);
}

/** The slot in `state` with the lowest sequence number (wrapping), or -1; `skip`ped slots aside. */
function oldestIn(ctrl: Int32Array, slots: number, state: number, skip?: ReadonlySet<number>): number {
  let best = -1;
  let bestSeq = 0;
  for (let s = 0; s < slots; s++) {
    if (Atomics.load(ctrl, slotWord(s, STATE)) !== state || skip?.has(s) === true) continue;
    const seq = Atomics.load(ctrl, slotWord(s, SEQ));
    if (best < 0 || ((seq - bestSeq) | 0) < 0) {
      best = s;
      bestSeq = seq;
    }
  }
  return best;
}

/** The outcome of one batch, as the host collects it. */
export interface SlotOutcome {
  fd: number;
  segment: number;
  events: number;
  /** The batch's bytes, when it was not written whole (empty otherwise). */
  bytes: Uint8Array;
  wrote: number;
  /** 0, a negative errno, `ERRNO_SKIPPED` or `ERRNO_NO_PROGRESS`. */
  errno: number;
  short: boolean;
}

/**
 * The writer thread's script for a ring module at `moduleUrl`: compiled, the script beside it.
 * undefined where it is missing (a bundle without it: writes stay synchronous).
 * Run from the TypeScript sources (the tests, under vitest), the thread runs the build's copy,
 * `dist/store/writer-thread.js`, since Node 20 cannot start a worker from TypeScript; its
 * protocol is this module's as long as it was built from the same sources, so a missing or
 * older build is an error that says to run `npm run build` (`npm test` builds first), never a
 * silent switch to synchronous writes that would leave the thread untested.
 */
export function threadScriptUrl(moduleUrl: string): URL | undefined {
  if (!moduleUrl.endsWith('.ts')) {
    const compiled = new URL('./writer-thread.js', moduleUrl);
    return compiled.protocol === 'file:' && existsSync(fileURLToPath(compiled)) ? compiled : undefined;
  }
  const script = new URL('../../dist/store/writer-thread.js', moduleUrl);
  const built = fileURLToPath(script);
  if (!existsSync(built)) {
    throw new Error(`writer thread: running from the TypeScript sources, the thread runs ${built}, which does not exist: run \`npm run build\` first`);
  }
  const builtMs = statSync(built).mtimeMs;
  for (const name of ['writer-thread.ts', 'write-ring.ts', 'write-all.ts']) {
    const source = fileURLToPath(new URL(`./${name}`, moduleUrl));
    if (existsSync(source) && statSync(source).mtimeMs > builtMs) {
      throw new Error(`writer thread: ${built} is older than ${source}: run \`npm run build\` so the thread speaks this ring's protocol`);
    }
  }
  return script;
}

let workerUrl: URL | null | undefined;
const EMPTY = new Uint8Array(0);
const SLOTS = 4; // a power of two: slots are picked by `seq & (SLOTS - 1)`
// A slot the thread has not picked up after this long is written by a draining host itself.
const PICKUP_WAIT_MS = 200;

/** The host's side of the ring. */
export class WriteRing {
  readonly #ctrl: Int32Array;
  readonly #data: Buffer;
  readonly #slotBytes: number;
  readonly #worker: Worker;
  /** How long a write in progress on the thread is waited for before its events are given up. */
  readonly #writingWaitMs: number;
  #seq = 0;
  #dead = false;
  /** Slots a stuck thread still holds, and their descriptors: never reused or closed. */
  readonly #abandoned = new Set<number>();
  readonly #stuckFds = new Set<number>();

  /** A ring with its writer thread, or undefined where a thread cannot start. */
  static start(slotBytes: number, writingWaitMs: number): WriteRing | undefined {
    // Outside a source run this cannot throw; from the sources, a missing build must be seen.
    workerUrl ??= threadScriptUrl(import.meta.url) ?? null;
    if (workerUrl === null) return undefined;
    try {
      return new WriteRing(slotBytes, writingWaitMs, workerUrl);
    } catch {
      return undefined;
    }
  }

  private constructor(slotBytes: number, writingWaitMs: number, script: URL) {
    this.#slotBytes = slotBytes;
    this.#writingWaitMs = writingWaitMs;
    const ctrlBytes = controlWords(SLOTS) * 4;
    const buffer = new SharedArrayBuffer(ctrlBytes + SLOTS * slotBytes);
    this.#ctrl = new Int32Array(buffer, 0, controlWords(SLOTS));
    this.#data = Buffer.from(buffer, ctrlBytes, SLOTS * slotBytes);
    const shape: RingShape = { buffer, slots: SLOTS, slotBytes };
    this.#worker = new Worker(script, { workerData: shape, stdout: false, stderr: false });
    // The thread must never keep the host alive, and its death only turns writes synchronous.
    this.#worker.unref();
    this.#worker.on('error', () => (this.#dead = true));
    this.#worker.on('exit', () => (this.#dead = true));
  }

  /** Whether the thread runs its loop (until then the host writes what does not fit). */
  get started(): boolean {
    return Atomics.load(this.#ctrl, READY) === 1 && !this.#dead;
  }

  /**
   * Copy `text` into the next slot for the thread to append to `fd`. Returns the bytes
   * queued, -1 when that slot is not free yet, or `TOO_BIG` when the text does not fit a slot.
   */
  offer(fd: number, segment: number, text: string, events: number): number {
    if (this.#dead) return -1;
    const ctrl = this.#ctrl;
    const s = this.#seq & (SLOTS - 1);
    if (Atomics.load(ctrl, slotWord(s, STATE)) !== FREE) return -1;
    if (text.length * 3 > this.#slotBytes && Buffer.byteLength(text) > this.#slotBytes) return TOO_BIG;
    const n = this.#data.write(text, s * this.#slotBytes, this.#slotBytes, 'utf8');
    ctrl[slotWord(s, FD)] = fd;
    ctrl[slotWord(s, SEGMENT)] = segment;
    ctrl[slotWord(s, LENGTH)] = n;
    ctrl[slotWord(s, EVENTS)] = events;
    ctrl[slotWord(s, SEQ)] = this.#seq;
    this.#seq = (this.#seq + 1) | 0;
    Atomics.store(ctrl, slotWord(s, STATE), FULL);
    Atomics.add(ctrl, PUBLISHED, 1);
    // A busy thread polls; waking one costs the host a system call (and the machine an
    // interrupt), so only a sleeping thread is woken, or any when this took the last slot.
    if (Atomics.load(ctrl, SLEEPING) === 1 || Atomics.load(ctrl, slotWord(this.#seq & (SLOTS - 1), STATE)) !== FREE) Atomics.notify(ctrl, PUBLISHED, 1);
    return n;
  }

  /** Whether the thread is inside a write of a slot now (the tests wait on this). */
  get writing(): boolean {
    for (let s = 0; s < SLOTS; s++) if (Atomics.load(this.#ctrl, slotWord(s, STATE)) === WRITING) return true;
    return false;
  }

  /** Whether a write to `segment` failed or came back short: nothing more may go to it. */
  failed(segment: number): boolean {
    return isFailed(this.#ctrl, segment);
  }

  /** Whether any slot is queued or being written. */
  busy(): boolean {
    for (let s = 0; s < SLOTS; s++) {
      if (this.#abandoned.has(s)) continue;
      const st = Atomics.load(this.#ctrl, slotWord(s, STATE));
      if (st === FULL || st === WRITING) return true;
    }
    return false;
  }

  /** Hand every finished slot, oldest first, to `done`, then free it. */
  collect(done: (o: SlotOutcome) => void): void {
    const ctrl = this.#ctrl;
    for (let s = oldestIn(ctrl, SLOTS, DONE, this.#abandoned); s >= 0; s = oldestIn(ctrl, SLOTS, DONE, this.#abandoned)) {
      const o = this.#outcome(s, Atomics.load(ctrl, slotWord(s, ERRNO)), Atomics.load(ctrl, slotWord(s, WROTE)));
      // Freed before `done` runs: a listener that calls back in (flushSync, append, exit) must
      // find this batch counted already, not count it again or see its slot still taken.
      Atomics.store(ctrl, slotWord(s, STATE), FREE);
      done(o);
    }
  }

  /** The outcome of slot `s`; its bytes are copied when they will be needed after it is freed. */
  #outcome(s: number, errno: number, wrote: number): SlotOutcome {
    const ctrl = this.#ctrl;
    const at = s * this.#slotBytes;
    const length = ctrl[slotWord(s, LENGTH)] as number;
    return {
      fd: ctrl[slotWord(s, FD)] as number,
      segment: ctrl[slotWord(s, SEGMENT)] as number,
      events: ctrl[slotWord(s, EVENTS)] as number,
      bytes: errno === 0 ? EMPTY : Buffer.from(this.#data.subarray(at, at + length)),
      wrote,
      errno,
      short: Atomics.load(ctrl, slotWord(s, SHORT)) === 1,
    };
  }

  /**
   * Wait until no slot is queued or being written, taking back the queued ones the thread has
   * not picked up (it has not started yet, or makes no progress; with `takeBack`, at once:
   * the host writes them itself rather than wait), then collect. Batches reach the file in order
   * either way.
   */
  drain(done: (o: SlotOutcome) => void, takeBack = false): void {
    const ctrl = this.#ctrl;
    let lastProgress = Date.now();
    for (;;) {
      const finished = Atomics.load(ctrl, FINISHED);
      const at = Date.now();
      if (takeBack || Atomics.load(ctrl, READY) !== 1 || this.#dead || at - lastProgress >= PICKUP_WAIT_MS) {
        // Fails while the thread is in a write: it is waited for below, then this runs again.
        writeQueued(ctrl, this.#data, SLOTS, this.#slotBytes, LOCK_HOST, TAKEN);
      }
      if (!this.busy()) break;
      if (at - lastProgress >= this.#writingWaitMs) {
        this.#abandonWriting(done);
        break;
      }
      if (Atomics.wait(ctrl, FINISHED, finished, 10) !== 'timed-out') lastProgress = Date.now();
    }
    this.collect(done);
  }

  /**
   * A write of the thread that has not returned within the wait given to `start`: the ring is not used
   * again. Its batch is counted as dropped (ETIMEDOUT; its bytes may still reach the file
   * later) and its segment gets nothing more; the thread keeps the slot and the descriptor
   * (see `holds`). The batches queued behind it come back SKIPPED, for the host to write to
   * a new segment.
   */
  #abandonWriting(done: (o: SlotOutcome) => void): void {
    this.#dead = true;
    const ctrl = this.#ctrl;
    for (let s = 0; s < SLOTS; s++) {
      if (this.#abandoned.has(s) || Atomics.load(ctrl, slotWord(s, STATE)) !== WRITING) continue;
      this.#abandoned.add(s);
      this.#stuckFds.add(ctrl[slotWord(s, FD)] as number);
      markFailed(ctrl, ctrl[slotWord(s, SEGMENT)] as number);
      done(this.#outcome(s, ERRNO_TIMED_OUT, 0));
    }
    for (let s = oldestFull(ctrl, SLOTS); s >= 0; s = oldestFull(ctrl, SLOTS)) {
      if (Atomics.compareExchange(ctrl, slotWord(s, STATE), FULL, TAKEN) !== FULL) continue;
      const o = this.#outcome(s, ERRNO_SKIPPED, 0);
      Atomics.store(ctrl, slotWord(s, STATE), FREE);
      done(o);
    }
  }

  /** Whether descriptor `fd` may still be written by a thread stuck in a write: never close it. */
  holds(fd: number): boolean {
    return this.#stuckFds.has(fd);
  }

  /** Stop the thread once it is idle; call after `drain`. */
  close(): void {
    Atomics.store(this.#ctrl, STOP, 1);
    Atomics.add(this.#ctrl, PUBLISHED, 1);
    Atomics.notify(this.#ctrl, PUBLISHED);
  }
}

/**
 * The writer thread of a buffered `SegmentWriter` (see write-ring.ts): appends each FULL slot
 * to its segment, oldest first, and sleeps until the host publishes the next one.
 */
import { workerData } from 'node:worker_threads';
import { LOCK_THREAD, PUBLISHED, READY, SLEEPING, STOP, WRITING, controlWords, writeQueued } from './write-ring.js';
import type { RingShape } from './write-ring.js';

const { buffer, slots, slotBytes } = workerData as RingShape;
const ctrl = new Int32Array(buffer, 0, controlWords(slots));
const data = new Uint8Array(buffer, controlWords(slots) * 4, slots * slotBytes);

// While batches keep coming the thread polls (the host then never pays for waking it); after
// a quiet spell it sleeps until woken.
const POLL_MS = 0.5;
const IDLE_MS = 100;

/** Write every FULL slot, oldest first, unless the host is writing them; whether there was one. */
function writeFull(): boolean {
  return writeQueued(ctrl, data, slots, slotBytes, LOCK_THREAD, WRITING) !== 0;
}

Atomics.store(ctrl, READY, 1);
let lastWork = performance.now();
for (;;) {
  const seen = Atomics.load(ctrl, PUBLISHED);
  if (writeFull()) lastWork = performance.now();
  if (Atomics.load(ctrl, STOP) === 1) break;
  if (performance.now() - lastWork < IDLE_MS) {
    Atomics.wait(ctrl, PUBLISHED, seen, POLL_MS);
    continue;
  }
  // Say so before the last look: a slot published after it finds the flag set and wakes us.
  Atomics.store(ctrl, SLEEPING, 1);
  if (!writeFull() && Atomics.load(ctrl, STOP) !== 1) Atomics.wait(ctrl, PUBLISHED, seen);
  Atomics.store(ctrl, SLEEPING, 0);
  lastWork = performance.now();
}

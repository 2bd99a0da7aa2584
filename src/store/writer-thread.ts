/**
 * The writer thread of a buffered `SegmentWriter` (see write-ring.ts): appends each FULL slot
 * to its segment, oldest first, and sleeps until the host publishes the next one.
 */
import { workerData } from 'node:worker_threads';
import { FULL, PUBLISHED, READY, STATE, STOP, WRITING, controlWords, oldestFull, slotWord, writeSlot } from './write-ring.js';
import type { RingShape } from './write-ring.js';

const { buffer, slots, slotBytes } = workerData as RingShape;
const ctrl = new Int32Array(buffer, 0, controlWords(slots));
const data = new Uint8Array(buffer, controlWords(slots) * 4, slots * slotBytes);

Atomics.store(ctrl, READY, 1);
for (;;) {
  const seen = Atomics.load(ctrl, PUBLISHED);
  for (let s = oldestFull(ctrl, slots); s >= 0; s = oldestFull(ctrl, slots)) {
    // The host may have taken the slot back (TAKEN) between the scan and here.
    if (Atomics.compareExchange(ctrl, slotWord(s, STATE), FULL, WRITING) === FULL) writeSlot(ctrl, data, slotBytes, s);
  }
  if (Atomics.load(ctrl, STOP) === 1) break;
  Atomics.wait(ctrl, PUBLISHED, seen, 1000);
}

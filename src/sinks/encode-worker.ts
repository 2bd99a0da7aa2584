/**
 * Worker thread of `EncodePool`: decodes whole lines, validates them and encodes the valid
 * events with the destination's encoder, off the thread that streams to the destination.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { loadEncoder } from './encode-pool.js';
import type { EncoderRef } from './encode-pool.js';

const encode = await loadEncoder(workerData as EncoderRef);
const port = parentPort;
port?.on('message', (msg: { id: number; bytes: Uint8Array }) => {
  try {
    const r = encode(msg.bytes);
    port.postMessage({ id: msg.id, result: r }, [r.data.buffer as ArrayBuffer]);
  } catch (e: unknown) {
    port.postMessage({ id: msg.id, error: e instanceof Error ? e.message : String(e) });
  }
});

/**
 * Worker thread of `EncodePool`: decodes whole lines, validates them and encodes the valid
 * events with the destination's encoder, off the thread that streams to the destination.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { encodeLines } from './line-codec.js';
import type { EncodeEvents } from './line-codec.js';

interface Setup {
  module: string;
  exportName: string;
}

const setup = workerData as Setup;
const encode = ((await import(setup.module)) as Record<string, unknown>)[setup.exportName] as EncodeEvents;
const port = parentPort;
port?.on('message', (msg: { id: number; bytes: Uint8Array }) => {
  try {
    const r = encodeLines(msg.bytes, encode);
    port.postMessage({ id: msg.id, result: r }, [r.data.buffer as ArrayBuffer]);
  } catch (e: unknown) {
    port.postMessage({ id: msg.id, error: e instanceof Error ? e.message : String(e) });
  }
});

import { setFlagsFromString } from 'node:v8';

/**
 * Heap settings for a command that streams a store: what it keeps is bounded (groups, a few
 * fields per span), and nearly all it allocates is garbage soon. V8 would still grow its
 * young generation to 32 MB over a long read, and let the old one grow by up to 4× what is
 * live before collecting; kept small (young generation at its initial size, old one doubling
 * at most), a report over 1,000,000 events peaks 30–40 MB lower for no measurable time
 * (docs/performance.md).
 */
export function streamingHeap(): void {
  streaming = true;
  setStreamingFlags();
}

let streaming = false;

function setStreamingFlags(): void {
  setFlagsFromString('--semi-space-growth-factor=1');
  setFlagsFromString('--heap-growing-percent=100');
}

/**
 * A fold worker is about to start, with a young generation of `youngMb` (fold-pool.ts). V8's
 * flags are the process's, and a starting worker sets the growth factor back to V8's
 * minimum of 2 as its heap is configured, after which the reading thread's young generation
 * grew to 32 MB in every cold read. So with `streamingHeap`, the worker's young generation
 * starts at its full size (it need not grow), and `foldWorkerOnline` sets the flags again.
 */
export function foldWorkerStarting(youngMb: number): void {
  if (streaming) setFlagsFromString(`--min-semi-space-size=${Math.floor(youngMb / 2)}`);
}

/** A fold worker's heap is configured: the reading thread's settings again (`foldWorkerStarting`). */
export function foldWorkerOnline(): void {
  if (streaming) setStreamingFlags();
}

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
 * Fold workers are about to start, `threads` of them beside the reading thread, with a young
 * generation of `youngMb` each (fold-pool.ts). V8's flags are the process's, read by each
 * isolate as it is made:
 *
 * - A starting worker sets the growth factor back to V8's minimum of 2 as its heap is
 *   configured, after which the reading thread's young generation grew to 32 MB in every cold
 *   read. So with `streamingHeap`, the worker's young generation starts at its full size (it
 *   need not grow), and `foldWorkerOnline` sets the flags again once every worker is.
 * - When the workers and the reading thread are more than the cores, every core is busy with
 *   them, and V8's background threads compiling a worker's optimized code only take turns
 *   with them while the worker runs its unoptimized code the longer: the workers compile on
 *   their own threads (`--no-concurrent-recompilation`). A cold report took about 4 % less
 *   time and CPU on 2 cores (docs/performance.md, "Cold reads, ninth pass"). The reading
 *   thread, made already, keeps compiling in the background.
 */
export function foldWorkerStarting(youngMb: number, threads: number, cores: number): void {
  if (threads <= 0) return;
  starting += threads;
  if (streaming || streamsSoon) setFlagsFromString(`--min-semi-space-size=${Math.floor(youngMb / 2)}`);
  inlineCompiles = threads + 1 > cores;
  if (inlineCompiles) setFlagsFromString('--no-concurrent-recompilation');
}

/**
 * The command about to run will call `streamingHeap` once its code is loaded: fold workers
 * started before that (`startFoldPoolEarly`) size their heaps as they would after it. The
 * reading thread's own settings still wait for `streamingHeap`, so it loads its modules
 * with V8's.
 */
export function streamingSoon(): void {
  streamsSoon = true;
}
let streamsSoon = false;

/** Workers whose isolates may not be made yet: each is made on its own thread, after `new Worker` returns. */
let starting = 0;
let inlineCompiles = false;

/** A fold worker is online, its isolate made: once every one is, the reading thread's settings again (`foldWorkerStarting`). */
export function foldWorkerOnline(): void {
  if (--starting > 0) return;
  starting = 0;
  if (streaming) setStreamingFlags();
  if (inlineCompiles) setFlagsFromString('--concurrent-recompilation');
}

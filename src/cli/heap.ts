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
  setFlagsFromString('--semi-space-growth-factor=1');
  setFlagsFromString('--heap-growing-percent=100');
}

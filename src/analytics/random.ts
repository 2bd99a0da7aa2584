/**
 * A seeded pseudo-random generator, so every resampling and subsampling in a report is
 * reproducible: the same data gives the same numbers on every machine.
 */

/**
 * mulberry32 (Tommy Ettinger, public domain): 32-bit state, uniform in [0, 1). Small and
 * fast; plenty for subsampling and simulation, not for cryptography.
 *
 * @example
 * const rand = mulberry32(42); rand() // 0.6011037519201636
 */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Standard normal deviates by the Box–Muller transform over `rand`. */
export function normalDeviate(rand: () => number): number {
  const u = 1 - rand();
  const v = rand();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

/** k items drawn without replacement (partial Fisher–Yates on a copy). */
export function sampleWithoutReplacement<T>(xs: readonly T[], k: number, rand: () => number): T[] {
  const a = xs.slice();
  const take = Math.min(k, a.length);
  for (let i = 0; i < take; i++) {
    const j = i + Math.floor(rand() * (a.length - i));
    const t = a[i] as T;
    a[i] = a[j] as T;
    a[j] = t;
  }
  return a.slice(0, take);
}

/**
 * A set of 53-bit integer hashes in one Float64Array with open addressing. Inserting into a
 * `Set<number>` allocates a heap number for every value above 2^31; this does not, which
 * matters when a report dedupes half a million span ids.
 */
export class HashSet53 {
  #table: Float64Array;
  #mask: number;
  #size = 0;

  constructor(capacity = 1024) {
    let cap = 16;
    while (cap < capacity * 2) cap *= 2;
    this.#table = new Float64Array(cap).fill(-1);
    this.#mask = cap - 1;
  }

  get size(): number {
    return this.#size;
  }

  /** Add `h` (a non-negative integer below 2^53); false if it was already present. */
  add(h: number): boolean {
    if ((this.#size + 1) * 2 > this.#table.length) this.#grow();
    return this.#insert(this.#table, this.#mask, h);
  }

  has(h: number): boolean {
    const t = this.#table;
    // Low bits of the hash are as random as the high ones (FNV lanes), so mask directly.
    for (let i = h % (this.#mask + 1); ; i = (i + 1) & this.#mask) {
      const v = t[i] as number;
      if (v === h) return true;
      if (v === -1) return false;
    }
  }

  #insert(t: Float64Array, mask: number, h: number): boolean {
    for (let i = h % (mask + 1); ; i = (i + 1) & mask) {
      const v = t[i] as number;
      if (v === h) return false;
      if (v === -1) {
        t[i] = h;
        if (t === this.#table) this.#size++;
        return true;
      }
    }
  }

  #grow(): void {
    const old = this.#table;
    const next = new Float64Array(old.length * 2).fill(-1);
    const mask = next.length - 1;
    for (const v of old) if (v !== -1) this.#insert(next, mask, v);
    this.#table = next;
    this.#mask = mask;
  }
}

/**
 * A set of 53-bit integer hashes in one Float64Array with open addressing. Inserting into a
 * `Set<number>` allocates a heap number for every value above 2^31; this does not, which
 * matters when a report dedupes half a million span ids.
 *
 * A hash's slot is its low bits, `h & mask` (both classes): a bitwise operator takes a number
 * modulo 2^32 in a machine instruction, where `h % size` of a number above 2^31 is a
 * floating-point remainder, a call, which made inserting half a million hashes take 1.7
 * times as long.
 */
export class HashSet53 {
  #table: Float64Array;
  #mask: number;
  #size = 0;

  constructor(capacity = 1024) {
    const cap = slotsFor(capacity);
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
    for (let i = h & this.#mask; ; i = (i + 1) & this.#mask) {
      const v = t[i] as number;
      if (v === h) return true;
      if (v === -1) return false;
    }
  }

  /** Room for `n` hashes in all without growing (a reader that knows about how many are coming). */
  reserve(n: number): void {
    // In one step: each doubling is a table of fresh memory to fill.
    if (n * 2 > this.#table.length) this.#grow(slotsFor(n));
  }

  #insert(t: Float64Array, mask: number, h: number): boolean {
    for (let i = h & mask; ; i = (i + 1) & mask) {
      const v = t[i] as number;
      if (v === h) return false;
      if (v === -1) {
        t[i] = h;
        if (t === this.#table) this.#size++;
        return true;
      }
    }
  }

  #grow(slots = this.#table.length * 2): void {
    const old = this.#table;
    const next = new Float64Array(slots).fill(-1);
    const mask = next.length - 1;
    for (let i = 0; i < old.length; i++) if ((old[i] as number) !== -1) this.#insert(next, mask, old[i] as number);
    this.#table = next;
    this.#mask = mask;
  }
}

/**
 * A map from 53-bit integer keys to non-negative integers, in typed arrays with open
 * addressing: a `Map<number, number>` boxes every key above 2^31 and hashes it as a double.
 */
export class HashMap53 {
  #keys: Float64Array;
  #values: Int32Array;
  #mask: number;
  #size = 0;

  constructor(capacity = 1024) {
    const cap = slotsFor(capacity);
    this.#keys = new Float64Array(cap).fill(-1);
    this.#values = new Int32Array(cap);
    this.#mask = cap - 1;
  }

  get size(): number {
    return this.#size;
  }

  /** The value of `h` (a non-negative integer below 2^53), or -1. */
  get(h: number): number {
    const t = this.#keys;
    for (let i = h & this.#mask; ; i = (i + 1) & this.#mask) {
      const k = t[i] as number;
      if (k === h) return this.#values[i] as number;
      if (k === -1) return -1;
    }
  }

  /** Set `h` to `v` (a non-negative 32-bit integer). */
  set(h: number, v: number): void {
    if ((this.#size + 1) * 2 > this.#keys.length) this.#grow();
    const t = this.#keys;
    for (let i = h & this.#mask; ; i = (i + 1) & this.#mask) {
      const k = t[i] as number;
      if (k === h || k === -1) {
        if (k === -1) this.#size++;
        t[i] = h;
        this.#values[i] = v;
        return;
      }
    }
  }

  #grow(): void {
    const keys = this.#keys;
    const values = this.#values;
    this.#keys = new Float64Array(keys.length * 2).fill(-1);
    this.#values = new Int32Array(keys.length * 2);
    this.#mask = keys.length * 2 - 1;
    this.#size = 0;
    for (let i = 0; i < keys.length; i++) if ((keys[i] as number) !== -1) this.set(keys[i] as number, values[i] as number);
  }
}

/** Slots for `capacity` keys: a power of two, at least twice as many (at most half full). */
function slotsFor(capacity: number): number {
  let cap = 16;
  while (cap < capacity * 2) cap *= 2;
  return cap;
}

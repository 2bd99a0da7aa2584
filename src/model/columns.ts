/**
 * Helpers for data kept in columns (the span cache's digests, the feedback table, the
 * orchestrator's span rows): typed arrays grown by copying, and strings kept once by number.
 */

/** `a` copied into a typed array of its type with `size` elements (columns grown in place of arrays of numbers). */
export function grown<T extends Float64Array | Uint32Array | Int32Array | Uint8Array>(a: T, size: number): T {
  const b = new (a.constructor as new (n: number) => T)(size);
  b.set(a);
  return b;
}

/**
 * An empty array made to hold any value from the start. An array begun as `[]` holds small
 * integers until something else comes; that change of its elements' kind throws away the
 * optimized code that saw the array before it, to be compiled again, once per such list per
 * segment in a fold worker (docs/performance.md, "Cold reads, eighth pass"). One sliced
 * from `[null]` holds any value from the start.
 */
export function anyList<T>(): T[] {
  return [null].slice(0, 0) as T[];
}

/** The index of `s` in `list`, added if new; `index` maps each string of `list` to its index. */
export function intern(index: Map<string, number>, list: string[], s: string): number {
  let i = index.get(s);
  if (i === undefined) {
    i = list.length;
    index.set(s, i);
    list.push(s);
  }
  return i;
}

/**
 * `intern` for a caller that often knows a string is new to `list` (a record fold, which
 * asks once per interned text: tape-fold.ts): `distinct` adds such a string without a `Map`
 * lookup, which would only hash it to find it missing, and `index` looks a string up as
 * `intern` does, indexing the strings added by `distinct` first. Once `index` added a string,
 * one said to be new may be that one, and `distinct` looks it up too.
 */
export class InternList {
  readonly list: string[];
  readonly #index = new Map<string, number>();
  /** Strings of `list` from here on were added by `distinct` and are not yet in `#index`. */
  #indexed = 0;
  /** `index` added a string. */
  #lookedUp = false;

  constructor(list: string[]) {
    this.list = list;
  }

  /** The index of `s` in the list, added if new. */
  index(s: string): number {
    const list = this.list;
    for (; this.#indexed < list.length; this.#indexed++) this.#index.set(list[this.#indexed] as string, this.#indexed);
    const before = list.length;
    const i = intern(this.#index, list, s);
    if (list.length > before) this.#lookedUp = true;
    this.#indexed = list.length;
    return i;
  }

  /** `index` of a string the caller knows differs from every string it gave `distinct` before. */
  distinct(s: string): number {
    if (this.#lookedUp) return this.index(s);
    this.list.push(s);
    return this.list.length - 1;
  }
}


import type { JsonValue } from './events.js';

/** Deeper values are dropped: recursive walkers and `JSON.stringify` crash at a few thousand levels (docs/event-format.md, "Numbers"). */
const MAX_CLEAN_DEPTH = 8;

/**
 * A host's value as JSON fit for an event: strings through `redact`, non-finite numbers as
 * null, `__proto__` keys (prototype pollution on a later merge) and values nested deeper than
 * 8 levels dropped, functions and symbols left out (undefined).
 *
 * @example
 * cleanJson({ a: Infinity, b: ['x'] }, (s) => s.toUpperCase()); // { a: null, b: ['X'] }
 */
export function cleanJson(v: unknown, redact: (text: string) => string, depth = 0): JsonValue | undefined {
  if (v === null) return null;
  switch (typeof v) {
    case 'string':
      return redact(v);
    case 'number':
      return Number.isFinite(v) ? v : null;
    case 'boolean':
      return v;
    case 'object': {
      if (depth > MAX_CLEAN_DEPTH) return undefined;
      if (Array.isArray(v)) {
        const out: JsonValue[] = [];
        for (const x of v) {
          const j = cleanJson(x, redact, depth + 1);
          if (j !== undefined) out.push(j);
        }
        return out;
      }
      const o: { [key: string]: JsonValue } = {};
      for (const k of Object.keys(v)) {
        if (k === '__proto__') continue;
        const j = cleanJson((v as Record<string, unknown>)[k], redact, depth + 1);
        if (j !== undefined) o[k] = j;
      }
      return o;
    }
    default:
      return undefined;
  }
}

/**
 * Checks every ingested value passes before it is kept: nesting depth (deep bodies crash
 * recursive walkers; docs/server.md), no `__proto__` keys (a parsed `__proto__` pollutes
 * prototypes through a naive merge), the event schema, and a UTC timestamp.
 */
import type { AgentmeterEvent } from '../model/events.js';
import { MAX_DEPTH } from '../model/codec.js';
import { validateEvent } from '../model/validate.js';

/** One value that was not kept, and why, named by field. */
export interface Rejection {
  /** Position in the request (0-based). */
  index: number;
  /** NDJSON line number (1-based), when the body was NDJSON. */
  line?: number;
  /** The event's `id`, when it had a string one. */
  id?: string;
  error: string;
}

const ISO_UTC = /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])T([01]\d|2[0-3]):[0-5]\d:[0-5]\d(?:\.\d{1,9})?Z$/;

/** Whether `t` is a UTC ISO-8601 timestamp naming a real day (no `Date.parse`: it costs ~1 µs). */
function isUtcTimestamp(t: unknown): boolean {
  if (typeof t !== 'string') return false;
  const m = ISO_UTC.exec(t);
  if (m === null) return false;
  const day = Number(m[2]);
  if (day <= 28) return true;
  const year = Number(t.slice(0, 4));
  const month = Number(m[1]);
  const last = month === 2 ? (year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28) : [4, 6, 9, 11].includes(month) ? 30 : 31;
  return day <= last;
}
const TS_FIELDS = ['ts', 'start_ts'] as const;

/** The first structural problem of `value` (too deep, a forbidden key), or `undefined`. */
export function structureProblem(value: unknown, maxDepth: number = MAX_DEPTH): string | undefined {
  if (value === null || typeof value !== 'object') return undefined;
  // Hot path (every ingested event): parallel stacks, no paths; the path of a problem is
  // found by a second, slower walk only when there is one.
  const values: unknown[] = [value];
  const depths: number[] = [1];
  while (values.length > 0) {
    const v = values.pop() as object;
    const d = depths.pop() as number;
    if (d > maxDepth) return describe(value, maxDepth);
    if (Array.isArray(v)) {
      for (const x of v as unknown[]) {
        if (x !== null && typeof x === 'object') {
          values.push(x);
          depths.push(d + 1);
        }
      }
      continue;
    }
    for (const k in v) {
      if (k === '__proto__') return describe(value, maxDepth);
      const x = (v as Record<string, unknown>)[k];
      if (x !== null && typeof x === 'object') {
        values.push(x);
        depths.push(d + 1);
      }
    }
  }
  return undefined;
}

/** The same walk, keeping paths, to name where the problem is. */
function describe(value: unknown, maxDepth: number): string {
  const stack: [unknown, number, string][] = [[value, 1, '']];
  while (stack.length > 0) {
    const [v, d, path] = stack.pop() as [unknown, number, string];
    if (d > maxDepth) return `${path || '/'} is nested deeper than ${maxDepth} levels`;
    if (Array.isArray(v)) {
      for (let i = 0; i < v.length; i++) {
        const x: unknown = v[i];
        if (x !== null && typeof x === 'object') stack.push([x, d + 1, `${path}/${i}`]);
      }
    } else {
      for (const k of Object.keys(v as object)) {
        if (k === '__proto__') return `${path}/__proto__: key not allowed`;
        const x = (v as Record<string, unknown>)[k];
        if (x !== null && typeof x === 'object') stack.push([x, d + 1, `${path}/${k}`]);
      }
    }
  }
  return 'invalid structure';
}

/** Check one ingested value: the event, or a field-level reason it is rejected. */
export function checkEvent(value: unknown): { ok: true; event: AgentmeterEvent } | { ok: false; error: string } {
  const structural = structureProblem(value);
  if (structural !== undefined) return { ok: false, error: structural };
  const r = validateEvent(value);
  if (!r.ok) return r;
  const e = r.event as unknown as Record<string, unknown>;
  for (const f of TS_FIELDS) {
    const t = e[f];
    if (t === undefined) continue;
    if (!isUtcTimestamp(t)) {
      return { ok: false, error: `/${f} must be a UTC ISO-8601 timestamp ending in Z, got ${JSON.stringify(t)}` };
    }
  }
  return { ok: true, event: r.event };
}

/** The `id` of a value, when it has a string one (for naming rejections). */
export function idOf(value: unknown): string | undefined {
  if (value === null || typeof value !== 'object') return undefined;
  const id = (value as Record<string, unknown>)['id'];
  return typeof id === 'string' ? id.slice(0, 64) : undefined;
}

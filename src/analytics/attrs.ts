import type { BaseAttributes } from '../model/events.js';

/**
 * A finite number attribute, else `undefined`. Writers in other languages send numbers as
 * `null` (our codec's spelling of NaN/Infinity) or occasionally as numeric strings; only
 * finite numbers are ever added into a report.
 */
export function numberAttr(attrs: BaseAttributes, key: string): number | undefined {
  const v = attrs[key];
  if (typeof v === 'number') return Number.isFinite(v) ? v : undefined;
  if (typeof v === 'string' && v.trim() !== '') {
    const n = Number(v);
    return Number.isFinite(n) ? n : undefined;
  }
  return undefined;
}

/**
 * A scalar attribute as a group key, else `undefined` (null, objects and arrays have no key).
 * A NUL character reads as U+FFFD, as PostgreSQL stores it (jsonb cannot hold NUL), so a
 * key is the same from every store (docs/postgres.md).
 */
export function keyAttr(attrs: BaseAttributes, key: string): string | undefined {
  const v = attrs[key];
  if (typeof v === 'string') return v === '' ? undefined : v.includes('\0') ? v.replaceAll('\0', '\uFFFD') : v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return undefined;
}

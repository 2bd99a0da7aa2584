/**
 * JSON as Python's `json.dumps` writes it, for the files the seed systems' own readers load.
 *
 * Python tells an int from a float (`565` vs `565.0`), and the orchestrator seed's
 * `MetricsAnalyzer` groups runs by the text of a number (`temp_0` and `temp_0.0` are two
 * groups), so a value the seed writes as a float is wrapped in `pyFloat` and printed with
 * its `.0`. Separators are Python's (`", "`, `": "`), non-ASCII is `\uXXXX`-escaped
 * (`ensure_ascii`), and non-finite numbers are written as `null` (Python would write
 * `Infinity`, which is not JSON).
 */

/** A number Python holds as a float. */
export class PyFloat {
  readonly value: number;
  constructor(value: number) {
    this.value = value;
  }

  /** Plain `JSON.stringify` sees the number. */
  toJSON(): number {
    return this.value;
  }
}

/** Mark a number as a Python float; `null` stays `null`. */
export function pyFloat(n: number | null | undefined): PyFloat | null {
  return n === null || n === undefined || !Number.isFinite(n) ? null : new PyFloat(n);
}

/** Python's `repr` of a float. */
export function pyFloatText(n: number): string {
  if (Number.isInteger(n) && Math.abs(n) < 1e16) return `${n}.0`;
  const s = String(n);
  const m = /^(-?[\d.]+)e([+-]?)(\d+)$/.exec(s);
  if (!m) return s;
  return `${m[1] as string}e${m[2] === '-' ? '-' : '+'}${(m[3] as string).padStart(2, '0')}`;
}

function str(s: string): string {
  return JSON.stringify(s).replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

function dump(v: unknown, indent: number | undefined, depth: number): string {
  if (v === null || v === undefined) return 'null';
  if (v instanceof PyFloat) return Number.isFinite(v.value) ? pyFloatText(v.value) : 'null';
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : 'null';
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (typeof v === 'string') return str(v);
  const pad = indent === undefined ? '' : '\n' + ' '.repeat(indent * (depth + 1));
  const end = indent === undefined ? '' : '\n' + ' '.repeat(indent * depth);
  const sep = indent === undefined ? ', ' : ',';
  if (Array.isArray(v)) {
    if (v.length === 0) return '[]';
    return `[${v.map((x) => pad + dump(x, indent, depth + 1)).join(sep)}${end}]`;
  }
  const entries = Object.entries(v as Record<string, unknown>).filter(([, x]) => x !== undefined);
  if (entries.length === 0) return '{}';
  return `{${entries.map(([k, x]) => `${pad}${str(k)}: ${dump(x, indent, depth + 1)}`).join(sep)}${end}}`;
}

/** `json.dumps(value)` (one JSON-lines record). */
export function pyJsonLine(value: unknown): string {
  return dump(value, undefined, 0);
}

/** `json.dump(value, f, indent=2)`: what the seeds write for their JSON documents (no trailing newline). */
export function pyJsonDocument(value: unknown): string {
  return dump(value, 2, 0);
}

/** Python's `datetime.isoformat()` of a UTC instant (naive: no zone), microseconds only when non-zero. */
export function pyIsoformat(ms: number): string {
  const iso = new Date(ms).toISOString();
  const frac = iso.slice(20, 23);
  return iso.slice(0, 19) + (frac === '000' ? '' : `.${frac}000`);
}

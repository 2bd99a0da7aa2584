/**
 * Reading the seeds' own files: JSONL that Python wrote (bare `Infinity`/`NaN`, float epoch
 * timestamps, a torn last line) and JSON documents that a crash may have left half written.
 * Bad lines are skipped and counted with file and line, never fatal.
 */
import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { decodeLine } from '../model/codec.js';
import { stringifyFinite } from '../model/codec.js';

function isErrno(e: unknown, code: string): boolean {
  return typeof e === 'object' && e !== null && (e as { code?: unknown }).code === code;
}

/** A source line or file that was skipped. `line` 0 means the whole file. */
export interface SourceSkip {
  file: string;
  line: number;
  reason: string;
}

/** What an import read and wrote. */
export interface ImportResult {
  /** Source files read. */
  files: number;
  /** Source records read (lines or documents). */
  records: number;
  /** Spans written (started, ended or complete). */
  spans: number;
  /** Feedback events written. */
  feedback: number;
  /** Events the store refused (see diagnostics). */
  dropped: number;
  skipped: number;
  /** The first 20 skipped lines. */
  samples: SourceSkip[];
}

export function emptyImportResult(): ImportResult {
  return { files: 0, records: 0, spans: 0, feedback: 0, dropped: 0, skipped: 0, samples: [] };
}

export function addSkip(r: ImportResult, s: SourceSkip): void {
  r.skipped++;
  if (r.samples.length < 20) r.samples.push(s);
}

/** A plain object (not null, not an array), else undefined. */
export function asObject(v: unknown): Record<string, unknown> | undefined {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
}

/**
 * Stream the objects of a JSONL file. Returns false when the file does not exist. Lines that
 * are not JSON objects are passed to `onSkip`.
 */
export async function readJsonl(
  file: string,
  onRecord: (o: Record<string, unknown>, line: number) => void,
  onSkip: (s: SourceSkip) => void,
): Promise<boolean> {
  const stream = createReadStream(file, { encoding: 'utf8' });
  const opened = await new Promise<boolean>((resolve, reject) => {
    stream.once('open', () => resolve(true));
    stream.once('error', (e) => (isErrno(e, 'ENOENT') ? resolve(false) : reject(e)));
  });
  if (!opened) return false;
  const rl = createInterface({ input: stream, crlfDelay: Infinity });
  let n = 0;
  for await (const text of rl) {
    n++;
    if (text.trim() === '') continue;
    const d = decodeLine(text);
    if (!d.ok) {
      onSkip({ file, line: n, reason: `invalid JSON: ${d.error}` });
      continue;
    }
    const o = asObject(d.value);
    if (!o) {
      onSkip({ file, line: n, reason: 'not a JSON object' });
      continue;
    }
    onRecord(o, n);
  }
  return true;
}

/** Read a JSON document (Python's `Infinity` tolerated); `undefined` when missing, a reason when bad. */
export async function readJsonDocument(file: string): Promise<{ ok: true; value: Record<string, unknown> } | { ok: false; reason: string } | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e: unknown) {
    if (isErrno(e, 'ENOENT')) return undefined;
    return { ok: false, reason: `unreadable (${e instanceof Error ? e.message : String(e)})` };
  }
  // decodeLine handles one line; a pretty-printed document is one JSON value all the same.
  const d = decodeLine(text);
  if (!d.ok) return { ok: false, reason: `invalid JSON: ${d.error}` };
  const o = asObject(d.value);
  return o ? { ok: true, value: o } : { ok: false, reason: 'not a JSON object' };
}


/** A JSON document as the seeds write it: two-space indent, non-finite numbers as null. */
export function jsonDocument(value: unknown): string {
  return stringifyFinite(value, 2) + '\n';
}

/** JSON lines, non-finite numbers as null. */
export function jsonLines(values: readonly unknown[]): string {
  return values.map((v) => stringifyFinite(v)).join('\n') + (values.length > 0 ? '\n' : '');
}

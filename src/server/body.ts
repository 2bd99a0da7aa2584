/**
 * Reading a request body under a limit. The limit is checked against `Content-Length` before
 * a byte is read, again while the stream is read (a missing or lying length), and again on
 * the decompressed size, so a small gzip bomb cannot expand past it. All requests together
 * hold at most a budget of body bytes: a request that would pass it is answered 503 with
 * `Retry-After` before its body is read (twenty connections each sending 15 MiB once took the
 * server from 65 to 365 MB).
 */
import { gunzipSync } from 'node:zlib';
import type { Context } from 'hono';

/** Bytes of request bodies held at once, across requests. */
export class BodyBudget {
  readonly limit: number;
  #held = 0;

  constructor(limit: number) {
    this.limit = limit;
  }

  /** Bytes held now. */
  get held(): number {
    return this.#held;
  }

  /** Take `n` bytes if they fit (a lone request always fits: it is bounded by the body limit). */
  tryTake(n: number): boolean {
    if (this.#held > 0 && this.#held + n > this.limit) return false;
    this.#held += n;
    return true;
  }

  give(n: number): void {
    this.#held = Math.max(0, this.#held - n);
  }
}

/** A body (call `release` once done with it), or the status and message to answer with. */
export type BodyResult =
  | { ok: true; bytes: Buffer; release: () => void }
  | { ok: false; status: 413 | 415 | 400 | 503; message: string };

/** Answer a failed `readBody`: 503s say when to retry. */
export function bodyError(c: Context, body: Extract<BodyResult, { ok: false }>): Response {
  if (body.status === 503) c.header('Retry-After', '1');
  return c.json({ error: body.message }, body.status);
}

/**
 * Read and, for `Content-Encoding: gzip`, decompress `req`'s body; at most `maxBytes` either
 * way, and within `budget` with all other requests' bodies.
 */
export async function readBody(req: Request, maxBytes: number, budget?: BodyBudget): Promise<BodyResult> {
  const tooLarge = (what: string): BodyResult => ({ ok: false, status: 413, message: `${what} is over the ${maxBytes}-byte limit` });
  const busy: BodyResult = { ok: false, status: 503, message: 'the server holds as many request bodies as it may at once: retry shortly' };
  const declared = req.headers.get('content-length');
  if (declared !== null && Number(declared) > maxBytes) return tooLarge('body');
  const encoding = (req.headers.get('content-encoding') ?? 'identity').trim().toLowerCase();
  if (encoding !== 'identity' && encoding !== 'gzip') {
    return { ok: false, status: 415, message: `Content-Encoding ${encoding} is not supported (use gzip or none)` };
  }
  let taken = 0;
  const take = (n: number): boolean => {
    if (budget === undefined) return true;
    if (!budget.tryTake(n)) return false;
    taken += n;
    return true;
  };
  const release = (): void => {
    budget?.give(taken);
    taken = 0;
  };
  let raw: Buffer;
  try {
    if (declared !== null && /^\d+$/.test(declared.trim())) {
      if (!take(Number(declared))) return busy;
      // A declared length bounds the body (the HTTP parser delivers no more than it), so the
      // body is read in one call: the Node adapter then reads the socket directly instead of
      // through a web stream, which costs several µs per event of a large batch.
      raw = Buffer.from(await req.arrayBuffer());
    } else {
      const read = await readLimited(req, maxBytes, take);
      if (read === 'busy') {
        release();
        return busy;
      }
      if (read === undefined) {
        release();
        return tooLarge('body');
      }
      raw = read;
    }
  } catch (e: unknown) {
    release();
    throw e;
  }
  if (raw.length > maxBytes) {
    release();
    return tooLarge('body');
  }
  if (encoding === 'identity') return { ok: true, bytes: raw, release };
  let bytes: Buffer;
  try {
    bytes = gunzipSync(raw, { maxOutputLength: maxBytes });
  } catch (e: unknown) {
    release();
    if ((e as { code?: unknown }).code === 'ERR_BUFFER_TOO_LARGE' || e instanceof RangeError) return tooLarge('decompressed body');
    return { ok: false, status: 400, message: `body is not valid gzip (${e instanceof Error ? e.message : String(e)})` };
  }
  if (!take(bytes.length)) {
    release();
    return busy;
  }
  return { ok: true, bytes, release };
}

/** Read a body of unknown length; `undefined` as soon as it passes `maxBytes`, `'busy'` past the budget. */
async function readLimited(req: Request, maxBytes: number, take: (n: number) => boolean): Promise<Buffer | undefined | 'busy'> {
  const chunks: Uint8Array[] = [];
  let total = 0;
  if (req.body !== null) {
    const reader = req.body.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.byteLength;
      if (total > maxBytes || !take(value.byteLength)) {
        await reader.cancel().catch(() => undefined);
        return total > maxBytes ? undefined : 'busy';
      }
      chunks.push(value);
    }
  }
  return Buffer.concat(chunks, total);
}

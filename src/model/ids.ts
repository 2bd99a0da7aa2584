/**
 * UUIDv7 (RFC 9562): 48-bit Unix milliseconds, then random bits. Time-ordered, so ids sort
 * in write order and double as the dedupe key. Random bytes come from a pooled buffer
 * refilled 4 KiB at a time: one `getRandomValues` call per id costs more than the rest of
 * the id together.
 */
const POOL_BYTES = 4096;
const pool = new Uint8Array(POOL_BYTES);
let poolOffset = POOL_BYTES;

const HEX: string[] = [];
for (let i = 0; i < 256; i++) HEX.push(i.toString(16).padStart(2, '0'));
/** Char codes of the 16 hex digits. */
const HEX_CODE = Uint8Array.from('0123456789abcdef', (c) => c.charCodeAt(0));

// Monotonic within one millisecond: a 12-bit counter in rand_a, seeded randomly each ms.
// Up to 1 s back (an NTP slew, or milliseconds borrowed after 4096 ids in one) continues
// the current sequence; further back (replayed history) starts afresh at the given time:
// ids stay unique through their random bits and keep the time they were given.
const MAX_BACKWARD_MS = 1000;
let lastMs = -1;
let counter = 0;

function randomBytes(n: number): number {
  if (poolOffset + n > POOL_BYTES) {
    globalThis.crypto.getRandomValues(pool);
    poolOffset = 0;
  }
  const at = poolOffset;
  poolOffset += n;
  return at;
}

/**
 * A new UUIDv7 string.
 *
 * @example
 * uuidv7() // '019a3f2e-7c41-7d2a-9b1e-3f0c2d4e5a6b'
 */
export function uuidv7(nowMs: number = Date.now()): string {
  const at = randomBytes(10);
  if (nowMs > lastMs || nowMs < lastMs - MAX_BACKWARD_MS) {
    lastMs = nowMs;
    counter = ((pool[at] as number) << 4) & 0x7ff; // leave headroom before overflow
  } else {
    counter++;
    if (counter > 0xfff) {
      // 4096 ids in one ms: borrow the next millisecond rather than repeat an id.
      lastMs++;
      counter = 0;
    }
    nowMs = lastMs;
  }
  // The 22 characters after the time as one flat string (String.fromCharCode of char codes):
  // built from two-character pieces it was a chain of ten joins, which every line holding
  // the id copied piece by piece again (bench/record.mjs).
  const p = pool;
  const b8 = 0x80 | ((p[at + 1] as number) & 0x3f);
  const x = (i: number): number => HEX_CODE[i] as number;
  const hi = (i: number): number => x((p[at + i] as number) >>> 4);
  const lo = (i: number): number => x((p[at + i] as number) & 0x0f);
  const tail = String.fromCharCode(
    0x37, x((counter >>> 8) & 0x0f), x((counter >>> 4) & 0x0f), x(counter & 0x0f), 0x2d,
    x(b8 >>> 4), x(b8 & 0x0f), hi(2), lo(2), 0x2d,
    hi(3), lo(3), hi(4), lo(4), hi(5), lo(5), hi(6), lo(6), hi(7), lo(7), hi(8), lo(8),
  );
  return timePrefix(nowMs) + tail;
}

let prefixMs = NaN;
let prefixText = '';
let prefixFlat = 0;

/** The first 14 characters (`xxxxxxxx-xxxx-`), cached for the current millisecond. */
function timePrefix(ms: number): string {
  if (ms !== prefixMs) {
    const hi = Math.floor(ms / 0x10000);
    const lo = ms & 0xffff;
    prefixText =
      `${HEX[(hi >>> 24) & 0xff] as string}${HEX[(hi >>> 16) & 0xff] as string}${HEX[(hi >>> 8) & 0xff] as string}` +
      `${HEX[hi & 0xff] as string}-${HEX[(lo >>> 8) & 0xff] as string}${HEX[lo & 0xff] as string}-`;
    // Reading a character makes V8 join the pieces once, not again in every id of this ms.
    prefixFlat = prefixText.charCodeAt(prefixFlat & 1);
    prefixMs = ms;
  }
  return prefixText;
}

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Whether `s` looks like a UUID (any version). */
export function isUuid(s: string): boolean {
  return UUID_RE.test(s);
}

/** The Unix milliseconds embedded in a UUIDv7. */
export function uuidv7Time(id: string): number {
  return parseInt(id.slice(0, 8) + id.slice(9, 13), 16);
}

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
  const p = pool;
  const b6 = HEX[0x70 | ((counter >>> 8) & 0x0f)] as string;
  const b7 = HEX[counter & 0xff] as string;
  const b8 = HEX[0x80 | ((p[at + 1] as number) & 0x3f)] as string;
  const h = (i: number): string => HEX[p[at + i] as number] as string;
  return `${timePrefix(nowMs)}${b6}${b7}-${b8}${h(2)}-${h(3)}${h(4)}${h(5)}${h(6)}${h(7)}${h(8)}`;
}

let prefixMs = NaN;
let prefixText = '';

/** The first 14 characters (`xxxxxxxx-xxxx-`), cached for the current millisecond. */
function timePrefix(ms: number): string {
  if (ms !== prefixMs) {
    const hi = Math.floor(ms / 0x10000);
    const lo = ms & 0xffff;
    prefixText =
      `${HEX[(hi >>> 24) & 0xff] as string}${HEX[(hi >>> 16) & 0xff] as string}${HEX[(hi >>> 8) & 0xff] as string}` +
      `${HEX[hi & 0xff] as string}-${HEX[(lo >>> 8) & 0xff] as string}${HEX[lo & 0xff] as string}-`;
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

/**
 * Canonical UUIDs packed into 16 bytes and back: columns of ids (the span cache's digests,
 * the feedback table, the orchestrator's agent rows) keep 16 bytes an id instead of a string
 * of about 56.
 */
// Lowercase hex digits of every byte value, as character codes: byte b at 2b and 2b + 1.
const HEX_CODES = new Uint8Array(512);
for (let i = 0; i < 256; i++) {
  const h = i.toString(16).padStart(2, '0');
  HEX_CODES[2 * i] = h.charCodeAt(0);
  HEX_CODES[2 * i + 1] = h.charCodeAt(1);
}
// Where each byte's two digits go in the canonical text (dashes at 8, 13, 18 and 23).
const DIGIT_AT = [0, 2, 4, 6, 9, 11, 14, 16, 19, 21, 24, 26, 28, 30, 32, 34];
// The canonical text's character codes, dashes in place (a plain array: `String.fromCharCode`
// reads it as fast as a Buffer is decoded, and the model stays free of Node's APIs).
const uuidText: number[] = new Array<number>(36).fill(45);

// 0–15 for each lowercase hex digit's character code, -1 for every other code below 128.
const HEX_VALUE = new Int8Array(128).fill(-1);
for (let i = 0; i < 16; i++) HEX_VALUE[i.toString(16).charCodeAt(0)] = i;

/**
 * Write a lowercase canonical UUID as 16 bytes at `at`; false for any other text (the bytes
 * written so far are garbage then, and unused).
 */
export function packUuid(s: string, out: Uint8Array, at: number): boolean {
  if (s.length !== 36 || s.charCodeAt(8) !== 45 || s.charCodeAt(13) !== 45 || s.charCodeAt(18) !== 45 || s.charCodeAt(23) !== 45) return false;
  for (let i = 0; i < 16; i++) {
    const j = DIGIT_AT[i] as number;
    const a = s.charCodeAt(j);
    const b = s.charCodeAt(j + 1);
    // Codes of 128 and up read as undefined: not a digit.
    const hi = a < 128 ? (HEX_VALUE[a] as number) : -1;
    const lo = b < 128 ? (HEX_VALUE[b] as number) : -1;
    if ((hi | lo) < 0) return false;
    out[at + i] = (hi << 4) | lo;
  }
  return true;
}

/**
 * The canonical text of the UUID packed at `at`. Made from one scratch array of character
 * codes as one flat string: a template of 20 parts makes a rope of about 500 bytes per id
 * (ten times the flat string), which a span cache replay keeping many ids cannot afford.
 */
export function unpackUuid(b: Uint8Array, at: number): string {
  for (let i = 0; i < 16; i++) {
    const v = (b[at + i] as number) * 2;
    const p = DIGIT_AT[i] as number;
    uuidText[p] = HEX_CODES[v] as number;
    uuidText[p + 1] = HEX_CODES[v + 1] as number;
  }
  return String.fromCharCode.apply(null, uuidText);
}

/**
 * What a bearer token may be. A client sends `Authorization: Bearer <token>`, and the
 * header's token must match RFC 6750's `b64token` (letters, digits, `-._~+/`, then `=`
 * padding); the server parses the header that way, so a token outside that syntax could
 * never be sent correctly: every request would get 400. It is refused at start-up instead.
 */

const B64TOKEN = /^[A-Za-z0-9._~+/-]+=*$/;

/** Why `token` cannot be a bearer token, or `undefined` when it can. */
export function tokenProblem(token: string): string | undefined {
  if (typeof token !== 'string' || token === '') return 'the token is empty';
  if (B64TOKEN.test(token)) return undefined;
  const bad = [...new Set(token.replace(/[A-Za-z0-9._~+/=-]/g, ''))].map((c) => JSON.stringify(c)).join(', ');
  return `the token holds characters a Bearer token cannot carry (${bad || 'an "=" before the end'}): use letters, digits and - . _ ~ + / (e.g. openssl rand -hex 16)`;
}

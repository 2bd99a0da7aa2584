/**
 * Ids derived from other ids. Claude Code runs each hook in a new process, so the process
 * that sees a sub-agent start and the one that sees it end share no memory and no file: both
 * compute the same span id from the session id and the `tool_use_id` instead of looking it
 * up in state rewritten in place (which loses updates under concurrency: docs/oak.md).
 */
import { createHash } from 'node:crypto';

/**
 * A UUID (version 8, RFC 9562 "custom") from the SHA-256 of `parts`: the same parts always
 * give the same id, different parts practically never collide.
 *
 * @example
 * derivedUuid('claude-code.run', 'b3f1…') // '5a1c…-…-8…-…' (same input, same id)
 */
export function derivedUuid(...parts: readonly string[]): string {
  const h = createHash('sha256');
  for (const p of parts) h.update(`${p.length}:${p}\u0000`);
  const b = h.digest();
  b[6] = ((b[6] as number) & 0x0f) | 0x80;
  b[8] = ((b[8] as number) & 0x3f) | 0x80;
  const x = b.toString('hex', 0, 16);
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20, 32)}`;
}

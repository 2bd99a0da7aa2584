/** Helpers for Node system errors (`{ code: 'ENOSPC', syscall: 'write', … }`). */

/** Whether `e` is a Node system error with the given `code`. */
export function isErrno(e: unknown, code: string): boolean {
  return typeof e === 'object' && e !== null && (e as { code?: unknown }).code === code;
}

/** Whether `e` came from a system call (and not, say, from a caller's callback). */
export function isSystemError(e: unknown): boolean {
  if (typeof e !== 'object' || e === null) return false;
  const { code, syscall } = e as { code?: unknown; syscall?: unknown };
  return typeof code === 'string' && typeof syscall === 'string';
}

/** The errno code of `e` (`ENOSPC`), else its message. */
export function errnoText(e: unknown): string {
  if (typeof e === 'object' && e !== null) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') return code;
  }
  return e instanceof Error ? e.message : String(e);
}

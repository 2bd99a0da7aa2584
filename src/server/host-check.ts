/**
 * DNS-rebinding defence: a web page can make a browser send requests to 127.0.0.1 under a
 * hostname the attacker controls, so a loopback server must still check the `Host` it was
 * addressed by, and refuse cross-site `Origin`s.
 */

/** Host names every server accepts: loopback. */
export const LOOPBACK_HOSTS: readonly string[] = ['localhost', '127.0.0.1', '::1', '[::1]'];

/** Whether `host` (a name or address, no port) is a loopback address. */
export function isLoopbackHost(host: string): boolean {
  const h = host.toLowerCase();
  return LOOPBACK_HOSTS.includes(h) || /^127(?:\.\d{1,3}){3}$/.test(h) || h.endsWith('.localhost');
}

/**
 * Why a request must be refused, or `undefined` when its Host and Origin are acceptable.
 * `allowed` lists extra host names; `'*'` accepts any (only sensible behind a token).
 */
export function hostProblem(req: Request, allowed: readonly string[]): string | undefined {
  if (allowed.includes('*')) return undefined;
  const ok = (hostname: string): boolean => isLoopbackHost(hostname) || allowed.includes(hostname.toLowerCase());
  let hostname: string;
  try {
    hostname = new URL(req.url).hostname;
  } catch {
    return 'unparsable request URL';
  }
  if (!ok(hostname)) return `Host ${JSON.stringify(hostname)} is not allowed (DNS rebinding protection; add it with --allow-host)`;
  const origin = req.headers.get('origin');
  if (origin !== null) {
    let originHost: string | undefined;
    try {
      originHost = new URL(origin).hostname;
    } catch {
      originHost = undefined;
    }
    if (originHost === undefined || originHost === '' || !ok(originHost)) return `Origin ${JSON.stringify(origin)} is not allowed`;
  }
  return undefined;
}

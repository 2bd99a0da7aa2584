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

/** Whether `host` binds every address (`0.0.0.0`, `::`). */
export function isWildcardHost(host: string): boolean {
  return host === '0.0.0.0' || host === '::' || host === '[::]';
}

/**
 * The Host names a listener bound to `bindHost` accepts besides loopback: the `--allow-host`
 * names, the bind address itself when it is one address beyond loopback, and, bound to every
 * address with a token and no names given, any (`'*'`: callers come by names no one can
 * list; the token guards). Without a token a wildcard bind accepts loopback and the names
 * given only: a read-only listener has no other guard against DNS rebinding.
 */
export function acceptedHosts(bindHost: string, allowHosts: readonly string[], hasToken: boolean): string[] {
  const out = allowHosts.map((h) => h.trim().toLowerCase()).filter((h) => h !== '');
  if (!isLoopbackHost(bindHost) && !isWildcardHost(bindHost)) out.push(bindHost.toLowerCase());
  if (isWildcardHost(bindHost) && hasToken && out.length === 0) out.push('*');
  return out;
}

/**
 * `app` behind the Host/Origin check: every listener applies it (`listen`), so a read-only
 * app (the dashboard) is guarded as the ingest app is.
 */
export function withHostCheck<A extends { fetch(req: Request): Response | Promise<Response> }>(app: A, allowed: readonly string[]): (req: Request) => Response | Promise<Response> {
  const names = allowed.map((h) => h.toLowerCase());
  return (req) => {
    const problem = hostProblem(req, names);
    if (problem === undefined) return app.fetch(req);
    return new Response(JSON.stringify({ error: problem }), { status: 403, headers: { 'content-type': 'application/json' } });
  };
}

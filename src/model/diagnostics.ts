/**
 * The internal diagnostic channel. Recording code never throws into its host: it reports a
 * problem here once per distinct code, counts every occurrence, and carries on. The default
 * listener writes one line to stderr; tests and hosts can install their own.
 */

/** One reported problem. */
export interface Diagnostic {
  /** Stable code, e.g. `E_SDK_BAD_ARGUMENT`, `E_STORE_WRITE_FAILED`. */
  code: string;
  message: string;
  cause?: unknown;
}

/** Receives diagnostics. */
export type DiagnosticListener = (d: Diagnostic) => void;

/** Counts by code, plus the first-report de-duplication. */
export class DiagnosticChannel {
  readonly counts = new Map<string, number>();
  readonly #summarized = new Map<string, number>();
  #listener: DiagnosticListener;

  constructor(listener: DiagnosticListener) {
    this.#listener = listener;
  }

  /** Count `d`; pass it to the listener only the first time its code is seen. */
  report(d: Diagnostic): void {
    const n = (this.counts.get(d.code) ?? 0) + 1;
    this.counts.set(d.code, n);
    if (n !== 1) return;
    try {
      this.#listener(d);
    } catch {
      // A broken listener must not break recording either.
    }
  }

  /**
   * Tell the listener, once per code, how many of a code were counted beyond the one it was
   * shown (a meter's close calls this), so a hidden repeat is never unknown.
   */
  summarize(): void {
    for (const [code, n] of this.counts) {
      const told = this.#summarized.get(code) ?? 1;
      if (n <= told) continue;
      this.#summarized.set(code, n);
      try {
        this.#listener({ code, message: `${n} in all; ${n - 1} after the first were counted, not shown` });
      } catch {
        // As in report: a broken listener must not break the host.
      }
    }
  }

  /** Total number of diagnostics reported. */
  get total(): number {
    let t = 0;
    for (const n of this.counts.values()) t += n;
    return t;
  }
}

/**
 * A listener that prints `agentmeter: CODE message` on stderr; the first line of a code says
 * that repeats are counted, and the meter's close prints how many there were.
 */
export function stderrListener(write: (s: string) => void): DiagnosticListener {
  const seen = new Set<string>();
  return (d) => {
    const first = !seen.has(d.code);
    seen.add(d.code);
    write(`agentmeter: ${d.code} ${d.message}${first ? ' (repeats of this are counted, not printed: meter.stats().diagnostics)' : ''}\n`);
  };
}

/** The one error class for unexpected failures, with a stable `code` and `cause`. */
export class AgentmeterError extends Error {
  readonly code: string;

  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'AgentmeterError';
    this.code = code;
  }
}

/**
 * Load a part that needs optional packages (the server: `hono`, `@hono/node-server`;
 * PostgreSQL: `pg`, `pg-copy-streams`), turning "module not found" into a clear
 * `E_MISSING_DEPENDENCY` that says what to install. A recording-only install
 * (`npm install agentmeter --omit=optional`) leaves them out.
 *
 * @example
 * const server = await loadOptional('agentmeter serve', ['hono', '@hono/node-server'], () => import('./server/index.js'));
 */
export async function loadOptional<T>(what: string, packages: readonly string[], load: () => Promise<T>): Promise<T> {
  try {
    return await load();
  } catch (e: unknown) {
    throw missingDependency(e, what, packages) ?? e;
  }
}

/** The optional packages, by the part that needs them. */
export const OPTIONAL_PACKAGES: Readonly<Record<string, readonly string[]>> = {
  'the server (serve, dashboard)': ['hono', '@hono/node-server', '@opentelemetry/otlp-transformer'],
  'PostgreSQL support': ['pg', 'pg-copy-streams'],
};

/**
 * `E_MISSING_DEPENDENCY` for a "module not found" of one of `packages` (of any optional
 * package when none are given), else undefined.
 */
export function missingDependency(e: unknown, what?: string, packages?: readonly string[]): AgentmeterError | undefined {
  const err = e as { code?: unknown; message?: unknown };
  if (err?.code !== 'ERR_MODULE_NOT_FOUND' && err?.code !== 'MODULE_NOT_FOUND') return undefined;
  const message = typeof err.message === 'string' ? err.message : '';
  const named = (p: string): boolean => message.includes(`'${p}'`) || message.includes(`"${p}"`);
  const [part, needed] = packages ? [what ?? 'this command', packages] : (Object.entries(OPTIONAL_PACKAGES).find(([, ps]) => ps.some(named)) ?? []);
  if (part === undefined || needed === undefined || !needed.some(named)) return undefined;
  return new AgentmeterError('E_MISSING_DEPENDENCY', `${part} needs the optional packages ${needed.join(' and ')}, which are not installed (an install with --omit=optional leaves them out): npm install ${needed.join(' ')}`, { cause: e });
}

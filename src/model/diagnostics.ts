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

  /** Total number of diagnostics reported. */
  get total(): number {
    let t = 0;
    for (const n of this.counts.values()) t += n;
    return t;
  }
}

/** A listener that prints `agentmeter: CODE message` on stderr. */
export function stderrListener(write: (s: string) => void): DiagnosticListener {
  return (d) => write(`agentmeter: ${d.code} ${d.message}\n`);
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

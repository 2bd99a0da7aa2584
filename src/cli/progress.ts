/**
 * Progress of long work on stderr: one line, rewritten in place, shown only in a terminal
 * (never when stderr is piped or redirected, never with `--json`, never for NO_PROGRESS=1)
 * and only once the work has run for a second, so quick commands print nothing extra.
 */
import type { Io } from './io.js';

/** Reports how far a piece of work is. */
export interface Progress {
  /** `done` of `total` units (segments, files…); the line clears itself when done reaches total. */
  update(done: number, total: number, note?: string): void;
  /** Clear the line (idempotent). */
  end(): void;
}

const SILENT: Progress = { update: () => undefined, end: () => undefined };

/** Shown after this long, redrawn at most this often. */
const SHOW_AFTER_MS = 1000;
const REDRAW_MS = 100;

/**
 * A progress line for `label`, or a silent one when stderr is no terminal or `json` is set.
 *
 * @example
 * const progress = progressLine(io, 'reading segments', { json: opts['json'] === true });
 * progress.update(12, 120); // "reading segments: 12/120 (10 %)" on stderr, in a terminal
 */
export function progressLine(io: Io, label: string, o: { json?: boolean; nowMs?: () => number } = {}): Progress {
  if (o.json === true || io.stderr.isTTY !== true || io.env['NO_PROGRESS'] === '1') return SILENT;
  const now = o.nowMs ?? Date.now;
  const started = now();
  let lastDraw = -Infinity;
  let shown = false;
  const end = (): void => {
    if (shown) io.stderr.write('\r\x1b[K');
    shown = false;
  };
  return {
    update(done, total, note) {
      if (done >= total) {
        end();
        return;
      }
      const t = now();
      if (t - started < SHOW_AFTER_MS || t - lastDraw < REDRAW_MS) return;
      lastDraw = t;
      shown = true;
      const pct = total > 0 ? Math.floor((100 * done) / total) : 0;
      io.stderr.write(`\r\x1b[K${label}: ${done}/${total} (${pct} %)${note ? `, ${note}` : ''}`);
    },
    end,
  };
}

/**
 * For work that cannot count its units (an import reading another system's files, an
 * export): the time it has run, redrawn every second from the second second on. `stop()`
 * clears the line; the timer never keeps the process alive.
 *
 * @example
 * const ticking = elapsedLine(io, 'importing', { json: opts['json'] === true });
 * try { await work(); } finally { ticking.stop(); }
 */
export function elapsedLine(io: Io, label: string, o: { json?: boolean } = {}): { stop(): void } {
  if (o.json === true || io.stderr.isTTY !== true || io.env['NO_PROGRESS'] === '1') return { stop: () => undefined };
  const started = Date.now();
  let shown = false;
  const timer = setInterval(() => {
    shown = true;
    io.stderr.write(`\r\x1b[K${label} … ${Math.round((Date.now() - started) / 1000)} s`);
  }, SHOW_AFTER_MS);
  timer.unref();
  return {
    stop() {
      clearInterval(timer);
      if (shown) io.stderr.write('\r\x1b[K');
      shown = false;
    },
  };
}

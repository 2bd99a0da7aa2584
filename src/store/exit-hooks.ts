/**
 * One shared set of process hooks for every buffered writer in the process: a single `exit`
 * listener and a single listener per signal, however many writers exist, so a host that opens
 * many writers never trips Node's max-listeners warning and the hooks are removed when the
 * last writer closes.
 *
 * Installing a SIGINT/SIGTERM listener cancels Node's default "terminate" action. To keep the
 * host's behaviour unchanged, the handler flushes and then, if ours was the only listener for
 * that signal, removes itself and re-raises the signal so the default action (and the exit
 * status a parent shell expects, 128+n) still happens. This is the pattern of `signal-exit`.
 */

/** Something that can be flushed synchronously and never throws. */
export interface Flushable {
  flushSync(): void;
}

const HOOKED_SIGNALS: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM'];

const onExitSet = new Set<Flushable>();
const onSignalSet = new Set<Flushable>();
let exitInstalled = false;
let signalsInstalled = false;

function flushAll(set: Set<Flushable>): void {
  for (const w of set) {
    try {
      w.flushSync();
    } catch {
      // flushSync never throws by contract; this guards the other writers against a bug.
    }
  }
}

function handleExit(): void {
  flushAll(onExitSet);
}

function handleSignal(sig: NodeJS.Signals): void {
  flushAll(onSignalSet);
  if (process.listenerCount(sig) > 1) return; // the host handles this signal itself
  process.removeListener(sig, handleSignal);
  if (process.listenerCount(sig) === 0) process.kill(process.pid, sig);
}

/** Flush `w` when the process exits normally (including `process.exit()` and uncaught errors). */
export function flushOnExit(w: Flushable): void {
  onExitSet.add(w);
  if (!exitInstalled) {
    process.on('exit', handleExit);
    exitInstalled = true;
  }
}

/** Flush `w` on SIGINT/SIGTERM, keeping the default termination when nobody else listens. */
export function flushOnSignals(w: Flushable): void {
  onSignalSet.add(w);
  // Checked per signal: a re-raise removes our listener, and the process may survive it.
  for (const sig of HOOKED_SIGNALS) {
    if (!process.listeners(sig).includes(handleSignal)) process.on(sig, handleSignal);
  }
  signalsInstalled = true;
}

/** Forget `w`; remove the process listeners when no writer needs them any more. */
export function unhook(w: Flushable): void {
  onExitSet.delete(w);
  onSignalSet.delete(w);
  if (exitInstalled && onExitSet.size === 0) {
    process.removeListener('exit', handleExit);
    exitInstalled = false;
  }
  if (signalsInstalled && onSignalSet.size === 0) {
    for (const sig of HOOKED_SIGNALS) process.removeListener(sig, handleSignal);
    signalsInstalled = false;
  }
}

/**
 * Reading a hook payload from file descriptor 0, whole, whatever the pipe looks like.
 *
 * `readFileSync(0)` is not enough: once anything touches `process.stdin`, Node switches a
 * piped fd 0 to non-blocking mode, and a read that finds the pipe momentarily empty fails
 * with `EAGAIN` — so a payload over the pipe buffer (64 KiB on Linux, a sub-agent's output
 * rides in `tool_response`), or one written late or in two chunks, came back empty. The
 * writer (Claude Code) may also hand over a non-blocking pipe itself. This reader never
 * touches `process.stdin`; it reads fd 0 in the thread pool until end of file, retries
 * `EAGAIN` after a short pause, and gives up after a bounded wait, returning what it has.
 */
import { read } from 'node:fs';
import { isatty } from 'node:tty';

/** What came in on stdin. */
export interface StdinPayload {
  /** The text read, `undefined` when stdin is a terminal or could not be read at all. */
  text: string | undefined;
  /** Why reading stopped before end of file, when it did. */
  incomplete?: 'timeout' | 'too_large' | 'error';
  /** Bytes received. */
  bytes: number;
}

/** Options of `readStdin`. */
export interface ReadStdinOptions {
  /** File descriptor to read. Default 0. */
  fd?: number;
  /** Stop after this many bytes. Default 32 MiB. */
  maxBytes?: number;
  /**
   * Give up when end of file has not come this long after the start. Default 5,000 ms: half
   * the 10 s Claude Code gives the hook (`init claude-code` registers `timeout: 10`), so the
   * event is still written in time when a writer never closes the pipe.
   */
  deadlineMs?: number;
}

const CHUNK_BYTES = 64 * 1024;
/** Pause before reading a non-blocking pipe again after `EAGAIN`. */
const RETRY_MS = 2;

/**
 * Read fd 0 until end of file, within a deadline. Never rejects.
 *
 * @example
 * const { text } = await readStdin();
 */
export function readStdin(options: ReadStdinOptions = {}): Promise<StdinPayload> {
  const fd = options.fd ?? 0;
  const maxBytes = options.maxBytes ?? 32 * 1024 * 1024;
  const deadlineMs = options.deadlineMs ?? 5_000;
  if (isatty(fd)) return Promise.resolve({ text: undefined, bytes: 0 });
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let bytes = 0;
    let settled = false;
    const finish = (incomplete?: StdinPayload['incomplete']): void => {
      if (settled) return;
      settled = true;
      clearTimeout(deadline);
      const text = bytes === 0 && incomplete === 'error' ? undefined : Buffer.concat(chunks, bytes).toString('utf8');
      resolve(incomplete === undefined ? { text, bytes } : { text, bytes, incomplete });
    };
    // A blocking read left in the thread pool at the deadline is abandoned; the hook exits.
    const deadline = setTimeout(() => finish('timeout'), deadlineMs);
    deadline.unref();
    const next = (): void => {
      const buf = Buffer.allocUnsafe(Math.min(CHUNK_BYTES, maxBytes - bytes + 1));
      read(fd, buf, 0, buf.length, null, (err, n) => {
        if (settled) return;
        if (err) {
          if (err.code === 'EAGAIN' || err.code === 'EWOULDBLOCK' || err.code === 'EINTR') {
            setTimeout(next, RETRY_MS);
            return;
          }
          // EOF on a closed or absent stdin reads as an error on some platforms.
          finish(err.code === 'EOF' ? undefined : 'error');
          return;
        }
        if (n === 0) {
          finish();
          return;
        }
        chunks.push(buf.subarray(0, n));
        bytes += n;
        if (bytes > maxBytes) {
          bytes = maxBytes;
          chunks.splice(0, chunks.length, Buffer.concat(chunks).subarray(0, maxBytes));
          finish('too_large');
          return;
        }
        next();
      });
    };
    next();
  });
}

/**
 * Reading a hook payload from stdin, whole, whatever the pipe looks like.
 *
 * `readFileSync(0)` is not enough: once anything touches `process.stdin`, Node switches a
 * piped fd 0 to non-blocking mode, and a read that finds the pipe momentarily empty fails
 * with `EAGAIN` — so a payload over the pipe buffer (64 KiB on Linux, a sub-agent's output
 * rides in `tool_response`), or one written late or in two chunks, came back empty. The
 * writer (Claude Code) may also hand over a non-blocking pipe itself.
 *
 * A regular file or a device (`< payload.json`, `/dev/null`) is read synchronously: it
 * cannot block. A pipe or socket (what Claude Code passes; Node's `spawn` makes a socket
 * pair) is read as a stream through the event loop until its end, with a deadline. Not
 * with `fs.read` in the thread pool: a read still blocked there at the deadline keeps the
 * process from exiting (libuv joins its threads at exit) until the writer closes the pipe.
 */
import { fstatSync, readSync } from 'node:fs';
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

/** A readable stream as `process.stdin` is one. */
export interface StdinStream {
  on(event: 'data', f: (chunk: Buffer | string) => void): unknown;
  on(event: 'end' | 'close', f: () => void): unknown;
  on(event: 'error', f: (e: Error) => void): unknown;
  removeAllListeners(): unknown;
  pause(): unknown;
  destroy?(): unknown;
}

/** Options of `readStdin`. */
export interface ReadStdinOptions {
  /** File descriptor of stdin. Default 0. */
  fd?: number;
  /** The stream to read fd 0 through when it is a pipe or socket. Default `process.stdin`, created only then. */
  stream?: () => StdinStream;
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

/**
 * Read stdin until end of file, within a deadline. Never rejects.
 *
 * @example
 * const { text } = await readStdin();
 */
export function readStdin(options: ReadStdinOptions = {}): Promise<StdinPayload> {
  const fd = options.fd ?? 0;
  const maxBytes = options.maxBytes ?? 32 * 1024 * 1024;
  if (isatty(fd)) return Promise.resolve({ text: undefined, bytes: 0 });
  let pipe: boolean;
  try {
    const st = fstatSync(fd);
    pipe = !(st.isFile() || st.isCharacterDevice() || st.isBlockDevice());
  } catch {
    return Promise.resolve({ text: undefined, bytes: 0, incomplete: 'error' });
  }
  if (!pipe) return Promise.resolve(readFileWhole(fd, maxBytes));
  return readStream((options.stream ?? (() => process.stdin))(), maxBytes, options.deadlineMs ?? 5_000);
}

function readFileWhole(fd: number, maxBytes: number): StdinPayload {
  const chunks: Buffer[] = [];
  let bytes = 0;
  try {
    for (;;) {
      const buf = Buffer.allocUnsafe(Math.min(CHUNK_BYTES, maxBytes - bytes + 1));
      const n = readSync(fd, buf, 0, buf.length, null);
      if (n === 0) break;
      chunks.push(buf.subarray(0, n));
      bytes += n;
      if (bytes > maxBytes) return { text: Buffer.concat(chunks).toString('utf8', 0, maxBytes), bytes: maxBytes, incomplete: 'too_large' };
    }
  } catch {
    return bytes === 0 ? { text: undefined, bytes, incomplete: 'error' } : { text: Buffer.concat(chunks, bytes).toString('utf8'), bytes, incomplete: 'error' };
  }
  return { text: Buffer.concat(chunks, bytes).toString('utf8'), bytes };
}

function readStream(stream: StdinStream, maxBytes: number, deadlineMs: number): Promise<StdinPayload> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let bytes = 0;
    let settled = false;
    const finish = (incomplete?: StdinPayload['incomplete']): void => {
      if (settled) return;
      settled = true;
      clearTimeout(deadline);
      stream.removeAllListeners();
      stream.pause();
      // Let go of the pipe so the process can exit although the writer still holds it open.
      if (incomplete !== undefined) stream.destroy?.();
      const text = bytes === 0 && incomplete === 'error' ? undefined : Buffer.concat(chunks, bytes).toString('utf8', 0, Math.min(bytes, maxBytes));
      resolve(incomplete === undefined ? { text, bytes } : { text, bytes: Math.min(bytes, maxBytes), incomplete });
    };
    const deadline = setTimeout(() => finish('timeout'), deadlineMs);
    stream.on('data', (chunk) => {
      const b = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
      chunks.push(b);
      bytes += b.length;
      if (bytes > maxBytes) finish('too_large');
    });
    stream.on('end', () => finish());
    stream.on('close', () => finish());
    stream.on('error', () => finish('error'));
  });
}

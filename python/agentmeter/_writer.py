"""Append-only writer of one process's segments: the Python twin of src/store/segment-writer.ts.

Every writer creates its own segment files (``O_EXCL``) and never appends to anyone else's:
a process killed in the middle of a ``write`` leaves a torn last line in its own file only,
where the reader skips it (docs/durability.md). Each write hands the OS whole lines. After a
failed or short write the writer continues in a new segment, never after a torn tail.

Modes (the same words and loss bounds as the TypeScript writer):

- ``sync``: ``write`` + ``fsync`` per event (and the folders of a new segment are fsync'd);
- ``flush``: one ``write`` per event; survives ``kill -9`` of the process;
- ``buffered``: lines gather in memory and are written, one ``write`` per day, when the
  batch reaches ``max_buffer_bytes`` (64 KiB of characters), every ``flush_interval_ms``
  (a daemon thread), at interpreter exit (``atexit``), on SIGTERM when the host has not set
  its own handler, and on ``flush()``/``close()``. ``kill -9`` loses at most the unwritten
  batch.

Threads of one process share a writer (a lock guards it); a forked child starts with an
empty batch and its own segments, so the parent's buffered events are never written twice.
"""
from __future__ import annotations

import atexit
import errno as errno_mod
import os
import signal
import threading
import time
import weakref
from typing import Dict, List, Optional

from ._encode import encode_utf8
from ._model import AgentmeterError, DiagnosticChannel

DURABILITIES = ("sync", "flush", "buffered")
EVENTS_DIR = "events"
DAY_MS = 86_400_000
# Late events for yesterday are normal around midnight; older days are rare, so their
# segments are closed rather than holding descriptors open for the life of the host.
MAX_OPEN_PARTITIONS = 3
_O_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_APPEND | getattr(os, "O_CLOEXEC", 0)

_last_segment_ms = -1
_name_lock = threading.Lock()


def segment_file_name(now_ms: int, pid: int) -> str:
    """``20250101T120000123Z-4242-a1b2c3.jsonl``: creation time, pid, random suffix (src/store/layout.ts)."""
    global _last_segment_ms
    with _name_lock:
        ms = now_ms if now_ms > _last_segment_ms else _last_segment_ms + 1
        _last_segment_ms = ms
    t = time.gmtime(ms // 1000)
    stamp = "%04d%02d%02dT%02d%02d%02d%03dZ" % (t.tm_year, t.tm_mon, t.tm_mday, t.tm_hour, t.tm_min, t.tm_sec, ms % 1000)
    return "%s-%d-%s.jsonl" % (stamp, pid, os.urandom(3).hex())


def utc_day(ms: int) -> str:
    t = time.gmtime(ms // 1000)
    return "%04d-%02d-%02d" % (t.tm_year, t.tm_mon, t.tm_mday)


def resolve_store_dir(dir: Optional[str] = None) -> str:
    """The ``dir`` given, else ``$AGENTMETER_DIR``, else ``./.agentmeter``; blank counts as unset."""
    chosen = dir if dir is not None and dir.strip() != "" else None
    if chosen is None:
        env = os.environ.get("AGENTMETER_DIR")
        chosen = env if env is not None and env.strip() != "" else ".agentmeter"
    return os.path.abspath(chosen)


class _Partition:
    __slots__ = ("start_ms", "end_ms", "dir", "fd", "path", "size", "buf", "chars", "pending")

    def __init__(self, start_ms: int, dir: str) -> None:
        self.start_ms = start_ms
        self.end_ms = start_ms + DAY_MS
        self.dir = dir
        self.fd = -1
        self.path = ""
        self.size = 0
        self.buf: List[str] = []
        self.chars = 0
        self.pending = 0


class WriterStats:
    """Counters of a writer: ``appended = written + dropped + (events still buffered)``."""

    __slots__ = ("appended", "written", "dropped", "bytes", "segments")

    def __init__(self) -> None:
        self.appended = 0
        self.written = 0
        self.dropped = 0
        self.bytes = 0
        self.segments = 0


# Strong references: a writer the host dropped without close() still has its batch written
# at exit (the TypeScript writer's exit hook holds its writers the same way).
_live: "set[SegmentWriter]" = set()
_signal_installed = False


def _flush_all() -> None:
    for w in list(_live):
        try:
            w.flush()
        except Exception:
            pass


def _on_sigterm(signum: int, frame: object) -> None:
    _flush_all()
    # Terminate as the process would have without us (exit status 128 + 15 to a shell).
    try:
        signal.signal(signum, signal.SIG_DFL)
    except Exception:
        pass
    os.kill(os.getpid(), signum)


def _install_signal() -> None:
    global _signal_installed
    if _signal_installed:
        return
    _signal_installed = True
    try:
        # Only where nobody else handles SIGTERM, and only the main thread may install one.
        if threading.current_thread() is threading.main_thread() and signal.getsignal(signal.SIGTERM) == signal.SIG_DFL:
            signal.signal(signal.SIGTERM, _on_sigterm)
    except Exception:
        pass


atexit.register(_flush_all)


def _after_fork_in_child() -> None:
    global _name_lock
    # Another thread may have held it at the fork; the child has only this thread.
    _name_lock = threading.Lock()
    for w in list(_live):
        w._forked()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)


class SegmentWriter:
    """Appends encoded event lines (each ending in ``\\n``) to this process's own segments."""

    def __init__(
        self,
        root: str,
        durability: str = "buffered",
        flush_interval_ms: float = 1000,
        max_buffer_bytes: int = 64 * 1024,
        max_segment_bytes: int = 64 * 1024 * 1024,
        diagnostics: Optional[DiagnosticChannel] = None,
        handle_signals: bool = True,
    ) -> None:
        if not isinstance(root, str) or root == "":
            raise AgentmeterError("E_STORE_BAD_OPTION", "SegmentWriter: root must be a non-empty path")
        if durability not in DURABILITIES:
            raise AgentmeterError("E_STORE_BAD_OPTION", f"durability must be sync, flush or buffered, got {durability!r}")
        for name, v in (("flush_interval_ms", flush_interval_ms), ("max_buffer_bytes", max_buffer_bytes), ("max_segment_bytes", max_segment_bytes)):
            if isinstance(v, bool) or not isinstance(v, (int, float)) or not (0 < v < float("inf")):
                raise AgentmeterError("E_STORE_BAD_OPTION", f"{name} must be a positive number, got {v!r}")
        self._events_dir = os.path.join(root, EVENTS_DIR)
        self.mode = durability
        self._interval = flush_interval_ms / 1000.0
        self._max_chars = max_buffer_bytes
        self._max_segment = max_segment_bytes
        self._diag = diagnostics or DiagnosticChannel()
        self.stats = WriterStats()
        self._parts: Dict[int, _Partition] = {}
        self._current: Optional[_Partition] = None
        self._pending_chars = 0
        self._closed = False
        # Re-entrant: a SIGTERM handler runs on the main thread, possibly inside append.
        self._lock = threading.RLock()
        self._timer: Optional[threading.Thread] = None
        self._wake = threading.Event()
        self._pid = os.getpid()
        _live.add(self)
        if durability == "buffered" and handle_signals:
            _install_signal()

    # -- appending ----------------------------------------------------------------------

    def append(self, line: str, ts_ms: int) -> bool:
        """Append one line to the partition of ``ts_ms``; ``False`` when it was dropped (counted)."""
        with self._lock:
            st = self.stats
            st.appended += 1
            if self._closed:
                return self._reject("E_STORE_CLOSED", "append after close(): event dropped")
            p = self._current
            if p is None or not (p.start_ms <= ts_ms < p.end_ms):
                p = self._partition_for(ts_ms)
            if self.mode == "buffered":
                p.buf.append(line)
                p.pending += 1
                n = len(line)
                p.chars += n
                self._pending_chars += n
                if self._timer is None:
                    self._start_timer()
                if self._pending_chars >= self._max_chars:
                    return self._flush_locked()
                return True
            if p.fd >= 0 and self.mode == "flush":
                # One event, one write: the common case of flush mode, without _write's
                # bookkeeping. A short or failed write goes the long way (nothing was lost yet
                # only if nothing was written, so only then).
                try:
                    data = line.encode("utf-8")
                except UnicodeEncodeError:
                    return self._write(p, line, 1)
                try:
                    n = os.write(p.fd, data)
                except OSError:
                    return self._write(p, line, 1)
                st.bytes += n
                p.size += n
                if n == len(data):
                    st.written += 1
                    if p.size >= self._max_segment:
                        self._close_segment(p)
                    return True
                return self._finish_short(p, data, n)
            return self._write(p, line, 1)

    def flush(self) -> bool:
        """Write every buffered line now (no-op in ``flush``/``sync`` mode). Never raises."""
        if self.mode != "buffered":
            return True
        with self._lock:
            if os.getpid() != self._pid:
                return True
            return self._flush_locked()

    def close(self) -> None:
        """Flush, close the segments, stop the timer. Idempotent."""
        with self._lock:
            if self._closed:
                return
            self.flush()
            self._closed = True
            for p in self._parts.values():
                self._close_segment(p)
            self._parts.clear()
            self._current = None
        self._wake.set()
        _live.discard(self)

    # -- internals ----------------------------------------------------------------------

    def _reject(self, code: str, message: str) -> bool:
        self.stats.dropped += 1
        self._diag.report(code, message)
        return False

    def _partition_for(self, ts_ms: int) -> _Partition:
        ms = int(ts_ms) if -8.64e15 + DAY_MS <= ts_ms <= 8.64e15 - DAY_MS else time.time_ns() // 1_000_000
        start = ms - ms % DAY_MS
        p = self._parts.get(start)
        if p is None:
            if len(self._parts) >= MAX_OPEN_PARTITIONS:
                oldest = min(self._parts.values(), key=lambda x: x.start_ms)
                if oldest.pending > 0:
                    self._flush_one(oldest)
                self._close_segment(oldest)
                del self._parts[oldest.start_ms]
                if self._current is oldest:
                    self._current = None
            p = _Partition(start, os.path.join(self._events_dir, utc_day(start)))
            self._parts[start] = p
        self._current = p
        return p

    def _flush_locked(self) -> bool:
        ok = True
        for p in list(self._parts.values()):
            if p.pending > 0 and not self._flush_one(p):
                ok = False
        self._pending_chars = 0
        return ok

    def _flush_one(self, p: _Partition) -> bool:
        text = "".join(p.buf)
        events = p.pending
        p.buf = []
        p.pending = 0
        self._pending_chars -= p.chars
        p.chars = 0
        return self._write(p, text, events)

    def _write(self, p: _Partition, text: str, events: int) -> bool:
        st = self.stats
        if p.fd < 0 and not self._open_segment(p):
            st.dropped += events
            return False
        data = encode_utf8(text)
        total = len(data)
        done = 0
        short = False
        failure: Optional[BaseException] = None
        synced = True
        try:
            done = os.write(p.fd, data)
            if done < total:
                # A disk filling up writes short before it fails: finish the batch or find out why not.
                short = True
                view = memoryview(data)
                while done < total:
                    n = os.write(p.fd, view[done:])
                    if n <= 0:
                        raise OSError(errno_mod.EIO, f"write made no progress after {done} of {total} bytes")
                    done += n
            if self.mode == "sync":
                synced = False
                os.fsync(p.fd)
                synced = True
        except BaseException as e:  # noqa: B902 - a KeyboardInterrupt mid-write must not lose count
            failure = e
        st.bytes += done
        p.size += done
        if failure is None:
            st.written += events
            if short or p.size >= self._max_segment:
                self._close_segment(p)
            return True
        whole = 0 if (not synced or done == 0) else data.count(b"\n", 0, done)
        st.written += whole
        st.dropped += events - whole
        self._diag.report(
            "E_STORE_WRITE_FAILED",
            f"write to {p.path} failed ({_errno_text(failure)}): {events - whole} event(s) dropped; later events go to a new segment",
            failure,
        )
        # Never append after a possibly torn tail: the next write opens a new segment.
        self._close_segment(p)
        if not isinstance(failure, Exception):
            raise failure
        return False

    def _finish_short(self, p: _Partition, data: bytes, done: int) -> bool:
        """A write that came back short: finish the line or find out why not."""
        st = self.stats
        total = len(data)
        try:
            while done < total:
                n = os.write(p.fd, memoryview(data)[done:])
                if n <= 0:
                    raise OSError(errno_mod.EIO, f"write made no progress after {done} of {total} bytes")
                done += n
                st.bytes += n
                p.size += n
        except OSError as e:
            st.dropped += 1
            self._diag.report("E_STORE_WRITE_FAILED", f"write to {p.path} failed ({_errno_text(e)}): 1 event(s) dropped; later events go to a new segment", e)
            self._close_segment(p)
            return False
        st.written += 1
        # After a short write the disk is in trouble: a fresh segment keeps any damage at its own end.
        self._close_segment(p)
        return True

    def _open_segment(self, p: _Partition) -> bool:
        path = p.dir
        try:
            os.makedirs(p.dir, exist_ok=True)
            attempt = 0
            while True:
                path = os.path.join(p.dir, segment_file_name(time.time_ns() // 1_000_000, os.getpid()))
                try:
                    p.fd = os.open(path, _O_FLAGS, 0o644)
                    break
                except FileExistsError:
                    attempt += 1
                    if attempt > 3:
                        raise
        except Exception as e:
            self._diag.report("E_STORE_WRITE_FAILED", f"cannot create a segment at {path} ({_errno_text(e)}): events dropped", e)
            return False
        p.path = path
        p.size = 0
        self.stats.segments += 1
        if self.mode == "sync":
            # A synced line in a file whose name was never synced can vanish on power loss.
            for d in (p.dir, self._events_dir, os.path.dirname(self._events_dir)):
                _fsync_dir(d)
        return True

    def _close_segment(self, p: _Partition) -> None:
        if p.fd < 0:
            return
        fd = p.fd
        p.fd = -1
        p.size = 0
        try:
            os.close(fd)
        except Exception as e:
            self._diag.report("E_STORE_CLOSE_FAILED", f"closing {p.path} failed ({_errno_text(e)})", e)

    def _start_timer(self) -> None:
        ref = weakref.ref(self)
        wake = self._wake
        interval = self._interval

        def tick() -> None:
            while True:
                if wake.wait(interval):
                    return
                w = ref()
                if w is None or w._closed:
                    return
                try:
                    w.flush()
                except Exception:
                    pass
                del w

        t = threading.Thread(target=tick, name="agentmeter-flush", daemon=True)
        self._timer = t
        t.start()

    def _forked(self) -> None:
        # The child shares the parent's descriptors: it writes its own segments from now on,
        # and the parent's batch is the parent's to write.
        self._lock = threading.RLock()
        self._pid = os.getpid()
        for p in self._parts.values():
            self.stats.appended -= p.pending
            if p.fd >= 0:
                try:
                    os.close(p.fd)
                except OSError:
                    pass
            p.fd = -1
            p.size = 0
            p.buf = []
            p.chars = 0
            p.pending = 0
        self._pending_chars = 0
        self._wake = threading.Event()
        self._timer = None


def _fsync_dir(path: str) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _errno_text(e: BaseException) -> str:
    if isinstance(e, OSError) and e.errno is not None:
        name = errno_mod.errorcode.get(e.errno, str(e.errno))
        return f"{name}: {e.strerror}"
    return str(e) or type(e).__name__


"""Ids, timestamps, status words and diagnostics: the Python twins of src/model/.

- ids are UUIDv7 (RFC 9562) as src/model/ids.ts makes them: 48 bits of Unix milliseconds,
  a 12-bit counter seeded randomly each millisecond (so ids of one process sort in write
  order), then random bits;
- timestamps are UTC ISO-8601 with ``Z`` and milliseconds (``Date.prototype.toISOString``);
- status words map to the canonical statuses as src/model/status.ts maps them.
"""
from __future__ import annotations

import os
import sys
from math import floor as _floor
import threading
import time
from typing import Any, Callable, Dict, Optional

# --- ids -------------------------------------------------------------------------------

_POOL_HEX = 8192
_hex = ""
_hex_at = _POOL_HEX
_last_ms = -1
_counter = 0
_prefix_ms = -1
_prefix = ""
# Up to 1 s back (an NTP slew, or milliseconds borrowed after 4096 ids in one) continues
# the current sequence; further back (replayed history) starts afresh at the given time.
_MAX_BACKWARD_MS = 1000
# The variant bits `10`: the first hex digit of the fourth group is 8, 9, a or b.
_VARIANT = {c: "89ab"[int(c, 16) & 3] for c in "0123456789abcdef"}
_id_lock = threading.Lock()


def _reset_after_fork() -> None:
    # A child must not hand out the parent's remaining random digits again.
    global _hex, _hex_at, _id_lock
    _hex = ""
    _hex_at = _POOL_HEX
    _id_lock = threading.Lock()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_reset_after_fork)


def uuid7(now_ms: Optional[int] = None) -> str:
    """A new UUIDv7, e.g. ``'019a3f2e-7c41-7d2a-9b1e-3f0c2d4e5a6b'``."""
    global _hex, _hex_at, _last_ms, _counter, _prefix_ms, _prefix
    ms = time.time_ns() // 1_000_000 if now_ms is None else int(now_ms)
    with _id_lock:
        at = _hex_at
        if at + 18 > _POOL_HEX:
            # One os.urandom call per 450 ids: a call per id costs more than the rest of it.
            _hex = os.urandom(_POOL_HEX // 2).hex()
            at = 0
        _hex_at = at + 18
        pool = _hex
        if ms > _last_ms or ms < _last_ms - _MAX_BACKWARD_MS:
            _last_ms = ms
            _counter = (int(pool[at : at + 2], 16) << 4) & 0x7FF  # headroom before overflow
        else:
            _counter += 1
            if _counter > 0xFFF:
                # 4096 ids in one ms: borrow the next millisecond rather than repeat an id.
                _last_ms += 1
                _counter = 0
            ms = _last_ms
        counter = _counter
        if ms != _prefix_ms:
            h = "%012x" % (ms & 0xFFFFFFFFFFFF)
            _prefix = h[:8] + "-" + h[8:] + "-7"
            _prefix_ms = ms
        prefix = _prefix
    return "%s%03x-%s%s-%s" % (prefix, counter, _VARIANT[pool[at + 2]], pool[at + 3 : at + 6], pool[at + 6 : at + 18])


# --- time ------------------------------------------------------------------------------

_iso_sec = None
_iso_prefix = ""
_iso_last_ms = None
_iso_last = ""


def iso_ms(ms: int) -> str:
    """UTC ISO-8601 with ``Z`` and millisecond precision (``new Date(ms).toISOString()``)."""
    global _iso_sec, _iso_prefix, _iso_last_ms, _iso_last
    if ms == _iso_last_ms:
        return _iso_last
    sec, milli = divmod(int(ms), 1000)
    if sec != _iso_sec:
        t = time.gmtime(sec)
        _iso_prefix = "%04d-%02d-%02dT%02d:%02d:%02d." % (t.tm_year, t.tm_mon, t.tm_mday, t.tm_hour, t.tm_min, t.tm_sec)
        _iso_sec = sec
    text = "%s%03dZ" % (_iso_prefix, milli)
    _iso_last_ms, _iso_last = ms, text
    return text


def now_ms() -> int:
    """Unix milliseconds, an integer like ``Date.now()``."""
    return time.time_ns() // 1_000_000


def js_round(x: float) -> int:
    """``Math.round``: halves round up (Python's ``round`` rounds them to even)."""
    return _floor(x + 0.5)


# --- status ----------------------------------------------------------------------------

STATUS_WORDS: Dict[str, str] = {
    "success": "success",
    "succeeded": "success",
    "successful": "success",
    "completed": "success",
    "complete": "success",
    "passed": "success",
    "pass": "success",
    "ok": "success",
    "resolved": "success",
    "failure": "failure",
    "failed": "failure",
    "fail": "failure",
    "error": "failure",
    "errored": "failure",
    "timeout": "failure",
    "timed_out": "failure",
    "unresolved": "failure",
    "partial": "partial",
    "unknown": "unknown",
    "skipped": "skipped",
    "skip": "skipped",
    "cancelled": "cancelled",
    "canceled": "cancelled",
    "cancellation": "cancelled",
    "stopped": "cancelled",
    "aborted": "cancelled",
    "interrupted": "cancelled",
}

FEEDBACK_SOURCES = ("human", "automated_tests", "build_system", "linter", "llm_judge", "other")


def normalize_status(word: Any) -> str:
    """A writer's status word as a canonical status; unrecognised words are ``unknown``."""
    if isinstance(word, bool):
        return "success" if word else "failure"
    if type(word) is str:
        s = STATUS_WORDS.get(word)
        if s is not None:
            return s
    elif not isinstance(word, str):
        return "unknown"
    return STATUS_WORDS.get(word.strip().lower(), "unknown")


def pipeline_result(status: str) -> str:
    """OpenTelemetry ``cicd.pipeline.result`` of a canonical status."""
    return {"success": "success", "failure": "failure", "cancelled": "cancellation", "skipped": "skip"}.get(status, "error")


# --- diagnostics -----------------------------------------------------------------------


class AgentmeterError(ValueError):
    """Bad options (raised at once, at setup) and other unexpected failures, with a stable ``code``."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


class Diagnostic:
    """One reported problem: a stable ``code`` (``E_SDK_BAD_ARGUMENT`` …), a message, a cause."""

    __slots__ = ("code", "message", "cause")

    def __init__(self, code: str, message: str, cause: Optional[BaseException] = None) -> None:
        self.code = code
        self.message = message
        self.cause = cause

    def __repr__(self) -> str:
        return f"Diagnostic({self.code!r}, {self.message!r})"


def stderr_listener(d: Diagnostic) -> None:
    try:
        sys.stderr.write(f"agentmeter: {d.code} {d.message}\n")
    except Exception:
        pass


class DiagnosticChannel:
    """Counts problems by code and passes each code's first one to the listener."""

    def __init__(self, listener: Optional[Callable[[Diagnostic], None]] = None) -> None:
        self.counts: Dict[str, int] = {}
        self._listener = listener or stderr_listener

    def report(self, code: str, message: str, cause: Optional[BaseException] = None) -> None:
        n = self.counts.get(code, 0) + 1
        self.counts[code] = n
        if n != 1:
            return
        try:
            self._listener(Diagnostic(code, message, cause))
        except Exception:
            # A broken listener must not break recording either.
            pass

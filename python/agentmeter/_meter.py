"""The recording API: ``Meter`` and its run, task, agent and debug handles.

The semantics are the TypeScript SDK's (src/sdk/, docs/sdk.md) with Python names; the events
are the same bytes, modulo ids and times (test/vectors/events.json holds cases both test
suites check). Recording calls never raise into the host: a bad argument is reported once
through the diagnostic channel (stderr by default), counted, and recorded as well as
possible. Bad options raise ``AgentmeterError`` at once.
"""
from __future__ import annotations

import functools
import os
import re
from typing import Any, Callable, Dict, Optional, Sequence, TypeVar, Union

from ._encode import js_number, optional_number
from ._model import FEEDBACK_SOURCES, STATUS_WORDS, AgentmeterError, Diagnostic, DiagnosticChannel, js_round, normalize_status, pipeline_result, uuid7
from ._recorder import Attrs, Recorder, SpanContext
from ._writer import DURABILITIES, SegmentWriter, resolve_store_dir
from .redact import create_redactor

__all__ = ["Meter", "Run", "Task", "Agent", "DebugCycle", "SpanRef"]

MAX_DESCRIPTION = 500
TARGET_KEYS = ("project", "gen_ai.request.model", "gen_ai.provider.name", "gen_ai.request.temperature", "task.type")
_ENV_RE = re.compile(r"^[A-Za-z0-9_.-]{1,64}\Z")

F = TypeVar("F", bound=Callable[..., Any])


def _guarded(fallback: Any = None) -> Callable[[F], F]:
    """Recording never raises into the host: an unexpected failure is reported and counted."""

    def wrap(fn: F) -> F:
        @functools.wraps(fn)
        def inner(self: Any, *args: Any, **kwargs: Any) -> Any:
            try:
                return fn(self, *args, **kwargs)
            except Exception as e:  # noqa: BLE001
                try:
                    self._rec.diagnostics.report("E_SDK_INTERNAL", f"{fn.__name__} failed: {type(e).__name__}: {e}", e)
                except Exception:
                    pass
                return fallback(self) if callable(fallback) else fallback

        return inner  # type: ignore[return-value]

    return wrap


def _internal(handle: Any, what: str, e: Exception) -> None:
    try:
        handle._rec.diagnostics.report("E_SDK_INTERNAL", f"{what} failed: {type(e).__name__}: {e}", e)
    except Exception:
        pass


def _is_str(v: Any) -> bool:
    return isinstance(v, str) and v != ""


def _finite(rec: Recorder, v: Any, what: str) -> Optional[float]:
    if v is None:
        return None
    n = optional_number(v)
    if n is None:
        rec.bad(f"{what} must be a finite number, got {v!r}")
    return n


def _status(rec: Recorder, word: Any, what: str) -> str:
    s = normalize_status(word)
    if s == "unknown" and word != "unknown":
        rec.bad(f"{what}: unrecognised status {word!r}")
    return s


def _status_detail(word: Any, s: str, attrs: Attrs) -> None:
    if isinstance(word, str) and word != s:
        attrs["status.detail"] = word


ErrorInput = Union[str, BaseException, Dict[str, Any], None]


def _set_error(rec: Recorder, error: ErrorInput, attrs: Attrs) -> None:
    if error is None:
        return
    if isinstance(error, str):
        attrs["error.message"] = rec.redact(error)
    elif isinstance(error, BaseException):
        attrs["error.type"] = type(error).__name__
        attrs["error.message"] = rec.redact(str(error))
    elif isinstance(error, dict):
        if _is_str(error.get("type")):
            attrs["error.type"] = error["type"]
        if _is_str(error.get("message")):
            attrs["error.message"] = rec.redact(error["message"])


def _key_text(key: Any) -> str:
    if isinstance(key, (int, float)) and not isinstance(key, bool):
        return js_number(key)
    return str(key)


class SpanRef:
    """Anything with a span id: what ``record_pipeline`` and ``record_optimization`` return."""

    __slots__ = ("id", "_ctx", "_name")

    def __init__(self, ctx: SpanContext, name: str) -> None:
        self.id = ctx.span_id
        self._ctx = ctx
        self._name = name

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self._ctx.kind} {self.id}>"


class _Span(SpanRef):
    __slots__ = ("_rec", "_start_ms", "_start_perf", "_ended")

    def __init__(self, rec: Recorder, ctx: SpanContext, name: str, parent_id: Optional[str], attrs: Attrs) -> None:
        super().__init__(ctx, name)
        self._rec = rec
        self._ended = False
        self._start_ms = rec.now()
        self._start_perf = rec.perf()
        rec.start(ctx, name, parent_id, attrs, self._start_ms)

    @property
    def ended(self) -> bool:
        """Whether ``end`` was already called."""
        return self._ended

    def _finish(self, status: str, attrs: Attrs) -> None:
        rec = self._rec
        if self._ended:
            rec.diagnostics.report("E_SDK_ALREADY_ENDED", f"{self._ctx.kind} span {self.id} ended twice; the second end is ignored")
            return
        self._ended = True
        d = rec.perf() - self._start_perf
        rec.end(self._ctx, self._start_ms, js_round(d * 1000) / 1000, status, attrs, self._start_ms + js_round(d))

    def __enter__(self: Any) -> Any:
        return self

    def __exit__(self, exc_type: Any, exc: Optional[BaseException], tb: Any) -> bool:
        if not self._ended:
            if exc is None:
                self._end_ok()
            else:
                self._end_failed(exc)
        return False

    def _end_ok(self) -> None:
        self.end(status="success")  # type: ignore[attr-defined]

    def _end_failed(self, exc: BaseException) -> None:
        self.end(status="failure", error=exc)  # type: ignore[attr-defined]


class Agent(_Span):
    """One agent invocation. End it with ``end(status=…)``, or use it as a ``with`` block."""

    __slots__ = ()

    def end(
        self,
        status: str = "unknown",
        error: ErrorInput = None,
        tokens: Union[None, int, float, Dict[str, Any]] = None,
        cost_usd: Optional[float] = None,
        files_modified: Optional[Sequence[str]] = None,
        files_created: Optional[Sequence[str]] = None,
        tools_used: Optional[Sequence[str]] = None,
        attrs: Optional[Dict[str, Any]] = None,
    ) -> None:
        """Finish the invocation: ``agent.end(status="success", tokens={"input": 1200, "output": 340}, cost_usd=0.004)``."""
        # The hot path of recording (bench/python-record.py): checks are written out inline,
        # and the never-raise guard is a try block here rather than a wrapping call.
        try:
            rec = self._rec
            s = STATUS_WORDS.get(status) if type(status) is str else None
            if s is None:
                s = _status(rec, status, "agent.end")
            a: Attrs = {}
            if s != status and type(status) is str:
                a["status.detail"] = status
            if error is not None:
                _set_error(rec, error, a)
            if tokens is not None:
                if type(tokens) is dict:
                    i = tokens.get("input")
                    o = tokens.get("output")
                    if i is not None:
                        if _num(i):
                            a["gen_ai.usage.input_tokens"] = i
                        else:
                            rec.bad(f"tokens.input must be a finite number, got {i!r}")
                    if o is not None:
                        if _num(o):
                            a["gen_ai.usage.output_tokens"] = o
                        else:
                            rec.bad(f"tokens.output must be a finite number, got {o!r}")
                elif _num(tokens):
                    a["gen_ai.usage.total_tokens"] = tokens
                else:
                    rec.bad(f"tokens must be a finite number or a dict, got {tokens!r}")
            if cost_usd is not None:
                if _num(cost_usd):
                    a["cost_usd"] = cost_usd
                else:
                    rec.bad(f"cost_usd must be a finite number, got {cost_usd!r}")
            if files_modified is not None or files_created is not None:
                redact = rec.redact
                if type(files_modified) in (list, tuple):
                    a["files_modified"] = [redact(x) for x in files_modified if type(x) is str and x]  # type: ignore[union-attr]
                if type(files_created) in (list, tuple):
                    a["files_created"] = [redact(x) for x in files_created if type(x) is str and x]  # type: ignore[union-attr]
            if type(tools_used) in (list, tuple):
                a["tools_used"] = [x for x in tools_used if type(x) is str and x]  # type: ignore[union-attr]
            if attrs is not None:
                rec.extra(attrs, a)
            self._finish(s, a)
        except Exception as e:  # noqa: BLE001
            _internal(self, "end", e)


def _num(v: Any) -> bool:
    """A finite number, not a bool (``v - v`` is NaN for ±inf and NaN)."""
    t = type(v)
    return t is int or (t is float and v - v == 0) or (t is not bool and isinstance(v, (int, float)) and v - v == 0)


class DebugCycle(_Span):
    """One debugging cycle: ``attempt()`` per fix attempt, then ``end(resolved=…)``.

    As a ``with`` block it ends resolved when the block finishes and unresolved when an
    exception escapes (which is re-raised).
    """

    __slots__ = ("_attempts",)

    def __init__(self, rec: Recorder, ctx: SpanContext, name: str, parent_id: Optional[str], attrs: Attrs) -> None:
        self._attempts = 0
        super().__init__(rec, ctx, name, parent_id, attrs)

    @property
    def attempts(self) -> int:
        """Number of attempts recorded so far."""
        return self._attempts

    @_guarded()
    def attempt(self, attrs: Optional[Dict[str, Any]] = None) -> None:
        """Record one fix attempt (written at once, so a crash mid-cycle still shows it)."""
        rec = self._rec
        if self._ended:
            rec.bad("debug attempt after the cycle ended")
            return
        self._attempts += 1
        a: Attrs = {"debug.attempt": self._attempts}
        rec.extra(attrs, a)
        rec.point(self._ctx, "debug.attempt", a, rec.now())

    @_guarded()
    def end(self, resolved: Any = None, attrs: Optional[Dict[str, Any]] = None) -> None:
        """Finish the cycle."""
        rec = self._rec
        if not isinstance(resolved, bool):
            rec.bad("debug end needs resolved=True or False")
        ok = bool(resolved)
        a: Attrs = {"debug.attempts": self._attempts, "debug.resolved": ok}
        rec.extra(attrs, a)
        self._finish("success" if ok else "failure", a)

    def _end_ok(self) -> None:
        self.end(resolved=True)

    def _end_failed(self, exc: BaseException) -> None:
        self.end(resolved=False, attrs={"error.type": type(exc).__name__})


def _agent_under(rec: Recorder, parent: SpanContext, name: Any, kind: Any, model: Any, description: Any, attrs: Any, attempt: int) -> Agent:
    if not (type(name) is str and name):
        rec.bad("start_agent needs name=…")
        name = "unnamed-agent"
    ctx = parent.child(uuid7(rec.now()), "agent", {"gen_ai.request.model": model} if model is not None and _is_str(model) else None)
    a: Attrs = {"gen_ai.agent.name": name}
    if kind is not None and _is_str(kind):
        a["agent.type"] = kind
    a["agent.attempt"] = attempt
    if description is not None and _is_str(description):
        a["task_description"] = rec.redact_short(description)
    if attrs is not None:
        rec.extra(attrs, a)
    return Agent(rec, ctx, name, parent.span_id, a)


def _end_with(rec: Recorder, status: Any, error: ErrorInput, attrs: Any, what: str) -> tuple:
    s = _status(rec, status, what)
    a: Attrs = {}
    _status_detail(status, s, a)
    _set_error(rec, error, a)
    rec.extra(attrs, a)
    return s, a


class Task(_Span):
    """One task (an issue, a ticket): agents, pipeline attempts and debugging cycles inside it."""

    __slots__ = ("_agent_attempts", "_pipeline_attempts")

    def __init__(self, rec: Recorder, ctx: SpanContext, name: str, parent_id: Optional[str], attrs: Attrs) -> None:
        self._agent_attempts: Dict[str, int] = {}
        self._pipeline_attempts = 0
        super().__init__(rec, ctx, name, parent_id, attrs)

    def start_agent(
        self, name: str, type: Optional[str] = None, model: Optional[str] = None, description: Optional[str] = None, attrs: Optional[Dict[str, Any]] = None
    ) -> Agent:
        """Start an agent invocation; repeated names count as retries (``agent.attempt`` > 1)."""
        try:  # the never-raise guard, inline on this hot path
            # (`type` is the agent type here, not the builtin.)
            key = name if name.__class__ is str and name else "unnamed-agent"
            n = self._agent_attempts.get(key, 0) + 1
            self._agent_attempts[key] = n
            return _agent_under(self._rec, self._ctx, name, type, model, description, attrs, n)
        except Exception as e:  # noqa: BLE001
            _internal(self, "start_agent", e)
            return _noop_agent()  # type: ignore[no-any-return]

    @_guarded(lambda self: _noop_ref())
    def record_pipeline(
        self,
        id: Union[str, int],
        status: str,
        commit: Optional[str] = None,
        triggered_by: Optional[str] = None,
        name: Optional[str] = None,
        duration_ms: Optional[float] = None,
        attrs: Optional[Dict[str, Any]] = None,
    ) -> SpanRef:
        """Record one CI pipeline attempt; the first one decides the first-attempt pass rate."""
        rec = self._rec
        if isinstance(id, bool) or not isinstance(id, (str, int, float)):
            rec.bad("record_pipeline needs id=…, status=…")
            id = ""
        self._pipeline_attempts += 1
        s = _status(rec, status, "record_pipeline")
        pid = _key_text(id)
        a: Attrs = {"cicd.pipeline.run.id": pid, "cicd.pipeline.result": pipeline_result(s), "pipeline.attempt": self._pipeline_attempts}
        _status_detail(status, s, a)
        if _is_str(commit):
            a["vcs.ref.head.revision"] = commit
        if _is_str(triggered_by):
            a["cicd.pipeline.trigger"] = triggered_by
        if _is_str(name):
            a["cicd.pipeline.name"] = name
        rec.extra(attrs, a)
        now = rec.now()
        duration = _finite(rec, duration_ms, "duration_ms")
        ctx = self._ctx.child(uuid7(rec.now()), "pipeline")
        rec.complete(ctx, "pipeline " + pid, self._ctx.span_id, now if duration is None else now - duration, duration, s, a, now)
        return SpanRef(ctx, "pipeline " + pid)

    @_guarded(lambda self: _noop_debug())
    def start_debug(self, agent: str, error_type: str, error_message: Optional[str] = None, attrs: Optional[Dict[str, Any]] = None) -> DebugCycle:
        """Open a debugging cycle for an error."""
        rec = self._rec
        if not _is_str(agent) or not _is_str(error_type):
            rec.bad("start_debug needs agent=…, error_type=…")
        et = error_type if _is_str(error_type) else "unknown"
        a: Attrs = {"error.type": et}
        if _is_str(agent):
            a["gen_ai.agent.name"] = agent
        if _is_str(error_message):
            a["error.message"] = rec.redact(error_message)  # type: ignore[arg-type]
        rec.extra(attrs, a)
        return DebugCycle(rec, self._ctx.child(uuid7(rec.now()), "debug"), "debug " + et, self._ctx.span_id, a)

    @_guarded()
    def end(self, status: str = "unknown", error: ErrorInput = None, attrs: Optional[Dict[str, Any]] = None) -> None:
        """Finish the task: ``completed``/``success``, ``failed``/``failure``, ``skipped`` …"""
        s, a = _end_with(self._rec, status, error, attrs, "task.end")
        self._finish(s, a)


def _optimization(
    rec: Recorder,
    parent: Optional[SpanContext],
    operation: Any,
    variants_generated: Any,
    validated: Any,
    promoted: Any,
    baseline_latency_ms: Any,
    optimized_latency_ms: Any,
    wallclock_seconds: Any,
    autotune_samples: Any,
    validation_failures: Any,
    search_depth: Any,
    status: Any,
    attrs: Any,
) -> SpanRef:
    if not _is_str(operation):
        rec.bad("record_optimization needs operation=…, variants_generated=…, validated=…, promoted=…, wallclock_seconds=…")
        operation = "unknown"
    a: Attrs = {
        "operation": operation,
        "variants_generated": _finite(rec, variants_generated, "variants_generated"),
        "validated": _finite(rec, validated, "validated"),
        "promoted": _finite(rec, promoted, "promoted"),
        "baseline_latency_ms": _finite(rec, baseline_latency_ms, "baseline_latency_ms"),
        "optimized_latency_ms": _finite(rec, optimized_latency_ms, "optimized_latency_ms"),
        "wallclock_seconds": _finite(rec, wallclock_seconds, "wallclock_seconds"),
    }
    for key, v in (("autotune_samples", autotune_samples), ("validation_failures", validation_failures), ("search_depth", search_depth)):
        n = _finite(rec, v, key)
        if n is not None:
            a[key] = n
    rec.extra(attrs, a)
    p = a.get("promoted")
    if status is not None:
        s = _status(rec, status, "record_optimization")
    else:
        s = "success" if optional_number(p) is not None and p > 0 else "failure"
    now = rec.now()
    wall = a.get("wallclock_seconds")
    duration = wall * 1000 if optional_number(wall) is not None else None
    span_id = uuid7(rec.now())
    ctx = parent.child(span_id, "optimization") if parent is not None else SpanContext(span_id, span_id, "optimization", {}, "")
    name = "optimize " + str(operation)
    rec.complete(ctx, name, parent.span_id if parent is not None else None, now if duration is None else now - js_round(duration), duration, s, a, now)
    return SpanRef(ctx, name)


class Run(_Span):
    """One run of the host system: the root of a trace. Use it as a ``with`` block."""

    __slots__ = ("_agent_attempts",)

    def __init__(self, rec: Recorder, ctx: SpanContext, name: str, parent_id: Optional[str], attrs: Attrs) -> None:
        self._agent_attempts: Dict[str, int] = {}
        super().__init__(rec, ctx, name, parent_id, attrs)

    @property
    def run_id(self) -> str:
        """The trace id shared by every span of this run (equal to ``id``)."""
        return self._ctx.run_id

    @_guarded(lambda self: _noop_task())
    def start_task(self, key: Union[str, int], type: Optional[str] = None, description: Optional[str] = None, attrs: Optional[Dict[str, Any]] = None) -> Task:
        """Start a task (an issue, a ticket)."""
        rec = self._rec
        if isinstance(key, bool) or not isinstance(key, (str, int, float)):
            rec.bad("start_task needs key=…")
            key = ""
        k = _key_text(key)
        a: Attrs = {"task.key": k}
        if isinstance(key, (int, float)) and float(key).is_integer():
            a["issue_iid"] = key
        if _is_str(description):
            a["task_description"] = rec.redact_short(description)  # type: ignore[arg-type]
        rec.extra(attrs, a)
        ctx = self._ctx.child(uuid7(rec.now()), "task", {"task.type": type} if _is_str(type) else None)
        return Task(rec, ctx, "task " + k, self._ctx.span_id, a)

    def start_agent(
        self, name: str, type: Optional[str] = None, model: Optional[str] = None, description: Optional[str] = None, attrs: Optional[Dict[str, Any]] = None
    ) -> Agent:
        """Start an agent invocation outside any task."""
        try:
            key = name if _is_str(name) else "unnamed-agent"
            n = self._agent_attempts.get(key, 0) + 1
            self._agent_attempts[key] = n
            return _agent_under(self._rec, self._ctx, name, type, model, description, attrs, n)
        except Exception as e:  # noqa: BLE001
            _internal(self, "start_agent", e)
            return _noop_agent()  # type: ignore[no-any-return]

    @_guarded(lambda self: _noop_ref())
    def record_optimization(
        self,
        operation: str,
        variants_generated: Optional[float] = None,
        validated: Optional[float] = None,
        promoted: Optional[float] = None,
        baseline_latency_ms: Optional[float] = None,
        optimized_latency_ms: Optional[float] = None,
        wallclock_seconds: Optional[float] = None,
        autotune_samples: Optional[float] = None,
        validation_failures: Optional[float] = None,
        search_depth: Optional[float] = None,
        status: Optional[str] = None,
        attrs: Optional[Dict[str, Any]] = None,
    ) -> SpanRef:
        """Record an optimisation session inside this run."""
        return _optimization(
            self._rec, self._ctx, operation, variants_generated, validated, promoted, baseline_latency_ms, optimized_latency_ms,
            wallclock_seconds, autotune_samples, validation_failures, search_depth, status, attrs,
        )

    @_guarded()
    def end(self, status: str = "unknown", error: ErrorInput = None, attrs: Optional[Dict[str, Any]] = None) -> None:
        """Finish the run: ``completed``, ``failed``, ``stopped`` (or canonical statuses)."""
        s, a = _end_with(self._rec, status, error, attrs, "run.end")
        self._finish(s, a)


class Meter:
    """The recording API. Create one per process.

    >>> meter = Meter(env="prod")                      # dir: $AGENTMETER_DIR or ./.agentmeter
    >>> with meter.start_run(project="shop") as run:
    ...     task = run.start_task(key=123, type="bug_fix")
    ...     task.start_agent(name="coding").end(status="success", tokens={"input": 5200, "output": 800})
    ...     task.end(status="completed")
    >>> meter.close()
    """

    def __init__(
        self,
        dir: Optional[str] = None,
        durability: Optional[str] = None,
        env: Optional[str] = None,
        redact: Optional[Dict[str, Any]] = None,
        enabled: Optional[bool] = None,
        flush_interval_ms: Optional[float] = None,
        on_diagnostic: Optional[Callable[[Diagnostic], None]] = None,
        clock: Optional[Callable[[], float]] = None,
    ) -> None:
        if enabled is None:
            enabled = os.environ.get("AGENTMETER_DISABLED") != "1"
        if env is None:
            env = os.environ.get("AGENTMETER_ENV") or "dev"
        if not isinstance(env, str) or not _ENV_RE.match(env):
            raise AgentmeterError("E_SDK_BAD_OPTION", f"env must be 1-64 letters, digits, '.', '_' or '-', got {env!r}")
        durability = durability or "buffered"
        if durability not in DURABILITIES:
            raise AgentmeterError("E_SDK_BAD_OPTION", f"durability must be one of {', '.join(DURABILITIES)}, got {durability!r}")
        if clock is not None and not callable(clock):
            raise AgentmeterError("E_SDK_BAD_OPTION", "clock must be a function returning Unix ms")
        if redact is not None and not isinstance(redact, dict):
            raise AgentmeterError("E_SDK_BAD_OPTION", "redact must be a dict of home_dirs, max_length, extra_patterns")
        self.dir = resolve_store_dir(dir)
        self.env = env
        self.enabled = bool(enabled)
        self._rec: Recorder
        if not self.enabled:
            self._rec = None  # type: ignore[assignment]
            return
        ropts = dict(redact or {})
        home_dirs = list(ropts.get("home_dirs") or []) + [os.path.expanduser("~")]
        ropts["home_dirs"] = home_dirs
        unknown = sorted(set(ropts) - {"home_dirs", "max_length", "extra_patterns"})
        if unknown:
            raise AgentmeterError("E_SDK_BAD_OPTION", f"redact takes home_dirs, max_length and extra_patterns, not {', '.join(unknown)}")
        redact_full = create_redactor(**ropts)
        short = dict(ropts)
        short["max_length"] = min(MAX_DESCRIPTION, ropts.get("max_length") or MAX_DESCRIPTION)
        redact_short = create_redactor(**short)
        diagnostics = DiagnosticChannel(on_diagnostic)
        writer = SegmentWriter(
            self.dir,
            durability=durability,
            flush_interval_ms=1000 if flush_interval_ms is None else flush_interval_ms,
            diagnostics=diagnostics,
        )
        self._rec = Recorder(writer, env, diagnostics, redact_full, redact_short, clock)

    def __enter__(self) -> "Meter":
        return self

    def __exit__(self, *exc: Any) -> bool:
        self.close()
        return False

    @_guarded(lambda self: _noop_run())
    def start_run(
        self,
        project: str,
        llm: Optional[Dict[str, Any]] = None,
        mode: Optional[str] = None,
        tags: Optional[Dict[str, str]] = None,
        key: Optional[str] = None,
        attrs: Optional[Dict[str, Any]] = None,
    ) -> Run:
        """Start a run: one execution of the host system."""
        rec = self._rec
        if rec is None:
            return _noop_run()
        if not _is_str(project):
            rec.bad("start_run needs project=…, llm={provider, model, temperature}")
        inherited: Attrs = {"project": project if _is_str(project) else "(none)"}
        if isinstance(llm, dict):
            if isinstance(llm.get("provider"), str):
                inherited["gen_ai.provider.name"] = llm["provider"]
            if isinstance(llm.get("model"), str):
                inherited["gen_ai.request.model"] = llm["model"]
            t = llm.get("temperature")
            if optional_number(t) is not None:
                inherited["gen_ai.request.temperature"] = t
            elif "temperature" in llm and t is not None:
                rec.bad("llm temperature must be a finite number")
        a: Attrs = {}
        if isinstance(mode, str):
            a["mode"] = mode
        if isinstance(key, str):
            a["run.key"] = key
        if isinstance(tags, dict):
            a["tags"] = {k: rec.redact(v) for k, v in tags.items() if isinstance(k, str) and isinstance(v, str) and k != "__proto__"}
        rec.extra(attrs, a)
        span_id = uuid7(rec.now())
        return Run(rec, SpanContext(span_id, span_id, "run", inherited), "run " + inherited["project"], None, a)

    @_guarded(lambda self: _noop_ref())
    def record_optimization(
        self,
        operation: str,
        variants_generated: Optional[float] = None,
        validated: Optional[float] = None,
        promoted: Optional[float] = None,
        baseline_latency_ms: Optional[float] = None,
        optimized_latency_ms: Optional[float] = None,
        wallclock_seconds: Optional[float] = None,
        autotune_samples: Optional[float] = None,
        validation_failures: Optional[float] = None,
        search_depth: Optional[float] = None,
        status: Optional[str] = None,
        attrs: Optional[Dict[str, Any]] = None,
    ) -> SpanRef:
        """Record one optimisation session (kernel autotuning …) outside any run."""
        if self._rec is None:
            return _noop_ref()
        return _optimization(
            self._rec, None, operation, variants_generated, validated, promoted, baseline_latency_ms, optimized_latency_ms,
            wallclock_seconds, autotune_samples, validation_failures, search_depth, status, attrs,
        )

    @_guarded()
    def feedback(
        self,
        target: Union[SpanRef, str],
        success: Optional[bool] = None,
        rating: Optional[float] = None,
        source: str = "human",
        notes: Optional[str] = None,
        would_use_again: Optional[bool] = None,
        alternative: Optional[str] = None,
        attrs: Optional[Dict[str, Any]] = None,
    ) -> None:
        """Score a span (by handle or id): ``meter.feedback(agent, success=True, rating=4, source="human")``."""
        rec = self._rec
        if rec is None:
            return
        span_id = target if isinstance(target, str) else getattr(target, "id", None)
        if not _is_str(span_id):
            rec.bad("feedback needs a span handle or id")
            return
        r: Optional[float] = None
        if rating is not None:
            if optional_number(rating) is not None and 1 <= rating <= 5:
                r = rating
            else:
                rec.bad(f"feedback rating must be a number from 1 to 5, got {rating!r}")
        if source not in FEEDBACK_SOURCES:
            rec.bad(f"feedback source must be one of {', '.join(FEEDBACK_SOURCES)}")
            source = "other"
        a: Attrs = {}
        known = target._ctx if isinstance(target, SpanRef) and target._ctx is not None else None
        if known is not None:
            a["target.kind"] = known.kind
            for k in TARGET_KEYS:
                if k in known.inherited:
                    a[k] = known.inherited[k]
            if known.kind == "agent":
                a["gen_ai.agent.name"] = target._name  # type: ignore[union-attr]
        if isinstance(notes, str):
            a["feedback.notes"] = rec.redact(notes)
        if isinstance(would_use_again, bool):
            a["would_use_again"] = would_use_again
        if isinstance(alternative, str):
            a["alternative_agent_suggested"] = alternative
        rec.extra(attrs, a)
        rec.feedback(span_id, known.run_id if known is not None else None, success if isinstance(success, bool) else None, r, source, a, rec.now())  # type: ignore[arg-type]

    def flush(self) -> None:
        """Write what is buffered now."""
        if self._rec is not None:
            self._rec.writer.flush()

    def close(self) -> None:
        """Flush and release the store; later events are counted as dropped."""
        if self._rec is not None:
            self._rec.close()

    def stats(self) -> Dict[str, Any]:
        """Counters: ``recorded``, ``written``, ``dropped``, ``bad_arguments``, ``diagnostics`` by code."""
        if self._rec is None:
            return {"recorded": 0, "written": 0, "dropped": 0, "bad_arguments": 0, "diagnostics": {}}
        w = self._rec.writer.stats
        d = dict(self._rec.diagnostics.counts)
        return {"recorded": w.appended, "written": w.written, "dropped": w.dropped, "bad_arguments": d.get("E_SDK_BAD_ARGUMENT", 0), "diagnostics": d}


# Disabled recording is a set of no-op objects, not a flag checked on every call; handles
# still carry ids so host code keeps working.


class _Noop:
    """A handle that records nothing (disabled meter, or a call that failed inside)."""

    def __init__(self) -> None:
        self.id = uuid7()
        self.run_id = self.id
        self.attempts = 0
        self.ended = False

    def __getattr__(self, name: str) -> Any:
        if name.startswith("start_"):
            return lambda *a, **k: _Noop()
        if name.startswith("record_"):
            return lambda *a, **k: _Noop()
        return lambda *a, **k: None

    def __enter__(self) -> "_Noop":
        return self

    def __exit__(self, *exc: Any) -> bool:
        return False


def _noop_run() -> Any:
    return _Noop()


_noop_task = _noop_agent = _noop_debug = _noop_ref = _noop_run

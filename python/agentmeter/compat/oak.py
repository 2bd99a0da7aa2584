"""claude-oak-agents' ``TelemetryLogger`` (``telemetry/logger.py``) on agentmeter's store.

Same constructor, methods, argument names, defaults and return values as upstream, so
switching is one import line::

    from agentmeter.compat.oak import TelemetryLogger   # was: from telemetry.logger import TelemetryLogger

An invocation is an ``agent`` span of the session's run (its id is the span id; pass it to
another process and update it there); feedback is a ``feedback`` event; a workflow is a
``workflow`` span with ``agent_handoff`` events. Upstream rewrote its whole log on every
update, so parallel updates lost each other; here nothing is ever rewritten.

As upstream:

- repeated ``update_invocation`` calls merge field by field (a later call sets only the
  fields it passes). The merged outcome is written once the invocation's updates are
  over: ``update_window_seconds`` (default 5) after its last update, or at ``flush()``,
  ``close()`` or process exit, whichever comes first (a ``kill -9`` in between loses the
  outcome, not the invocation). An update arriving after that is written too, merged,
  but reports keep the first outcome (a span's first end wins);
- ``log_success_metric`` requires ``quality_rating`` from 1 to 5 and raises ``ValueError``
  otherwise, before recording anything;
- ``get_session_id`` returns the session id; every ``log_invocation`` field is kept
  (``spec_id``, ``spec_section``, ``q_value``, ``exploration``, ``learning_enabled`` …).

Unlike upstream, ``update_invocation`` of an id this process never logged does not raise:
it may have been logged by another process (a Claude Code hook).
``agentmeter export oak`` writes upstream's files from the store; ``agentmeter agents``
reports on it.
"""
from __future__ import annotations

import atexit
import os
import threading
import time
from pathlib import Path
from typing import Any, Dict, List, Optional

from .._encode import optional_number
from .._meter import Meter
from .._model import FEEDBACK_SOURCES, normalize_status, uuid7
from .._recorder import SpanContext
from ._meter import shared_meter

__all__ = ["TelemetryLogger"]

MAX_DESCRIPTION = 500
# Invocations remembered for same-process updates; older ones are updated like remote ones.
MAX_KNOWN = 10_000

_UPDATE_FIELDS = ("duration_seconds", "outcome_status", "error_message", "files_modified", "files_created", "tools_used", "tests_passed", "build_succeeded", "reward")

# Held until close(): a logger the host dropped still has its updates written at exit.
_loggers: "set[TelemetryLogger]" = set()


@atexit.register
def _write_pending() -> None:
    for logger in list(_loggers):
        try:
            logger.flush()
        except Exception:
            pass


def _after_fork_in_child() -> None:
    # The parent's timer thread does not exist in a child: start another on the next update.
    for logger in list(_loggers):
        logger._timer = None
        logger._stop = threading.Event()
        logger._lock = threading.RLock()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)


def _workflow_span_id(workflow_id: str) -> str:
    # The span id `agentmeter import oak` gives a workflow (src/integrations/oak/import.ts).
    return "wf_" + workflow_id


class TelemetryLogger:
    """Logs agent invocations and success metrics (upstream's class, on agentmeter's store)."""

    def __init__(self, telemetry_dir: Optional[Path] = None, *, meter: Optional[Meter] = None, update_window_seconds: float = 5.0) -> None:
        # Upstream kept its files here; events go to the store ($AGENTMETER_DIR), and
        # `agentmeter export oak --out <dir>` writes upstream's files from them.
        self.telemetry_dir = Path(telemetry_dir) if telemetry_dir is not None else None
        self._meter = meter or shared_meter()
        self._rec = self._meter._rec
        self.session_id = uuid7()
        self._known: Dict[str, Dict[str, Any]] = {}
        self._pending: Dict[str, Dict[str, Any]] = {}
        # Outcomes already written, so a late update still merges with what came before.
        self._written: Dict[str, Dict[str, Any]] = {}
        self._window = float(update_window_seconds)
        self._timer: Optional[threading.Thread] = None
        self._stop = threading.Event()
        self._workflows: Dict[str, float] = {}
        self._lock = threading.RLock()
        _loggers.add(self)

    # -- upstream's methods ---------------------------------------------------------------

    def log_invocation(
        self,
        agent_name: str,
        agent_type: str,
        task_description: str,
        state_features: Optional[Dict[str, Any]] = None,
        parent_invocation_id: Optional[str] = None,
        workflow_id: Optional[str] = None,
        spec_id: Optional[str] = None,
        spec_section: Optional[List[str]] = None,
        metadata: Optional[Dict[str, Any]] = None,
        agent_variant: Optional[str] = None,
        task_type: Optional[str] = None,
        q_value: Optional[float] = None,
        exploration: Optional[bool] = None,
        learning_enabled: bool = False,
    ) -> str:
        """An agent starts; returns the invocation id."""
        invocation_id = uuid7()
        rec = self._rec
        if rec is None:
            return invocation_id
        try:
            with self._lock:
                name = agent_name if isinstance(agent_name, str) and agent_name else "unnamed-agent"
                if name == "unnamed-agent":
                    rec.bad("log_invocation needs agent_name")
                features = state_features if isinstance(state_features, dict) else None
                ttype = task_type
                if ttype is None and features is not None and isinstance(features.get("task"), dict):
                    ttype = features["task"].get("type")
                a: Dict[str, Any] = {"gen_ai.agent.name": name}
                if isinstance(agent_type, str):
                    a["agent.type"] = agent_type
                if isinstance(ttype, str):
                    a["task.type"] = ttype
                if isinstance(task_description, str):
                    a["task_description"] = rec.redact_short(task_description)
                extra: Dict[str, Any] = {}
                if features is not None:
                    extra["state_features"] = features
                if isinstance(parent_invocation_id, str):
                    a["parent_invocation_id"] = parent_invocation_id
                if isinstance(workflow_id, str):
                    a["workflow.id"] = workflow_id
                for key, v in (("spec_id", spec_id), ("spec_section", spec_section), ("agent_variant", agent_variant), ("q_value", q_value), ("exploration", exploration), ("learning_enabled", learning_enabled), ("metadata", metadata)):
                    if v is not None:
                        extra[key] = v
                rec.extra(extra, a)
                now = rec.now()
                ctx = SpanContext(invocation_id, self.session_id, "agent", {}, "")
                rec.start(ctx, name, parent_invocation_id if isinstance(parent_invocation_id, str) else None, a, now)
                if len(self._known) >= MAX_KNOWN:
                    self._known.pop(next(iter(self._known)))
                self._known[invocation_id] = {"name": name, "start_ms": now, "task_type": ttype if isinstance(ttype, str) else None}
        except Exception as e:  # recording never raises into the host
            rec.diagnostics.report("E_COMPAT_FAILED", f"log_invocation failed: {e}", e)
        return invocation_id

    def update_invocation(
        self,
        invocation_id: str,
        duration_seconds: Optional[float] = None,
        outcome_status: Optional[str] = None,
        error_message: Optional[str] = None,
        files_modified: Optional[List[str]] = None,
        files_created: Optional[List[str]] = None,
        tools_used: Optional[List[str]] = None,
        tests_passed: Optional[bool] = None,
        build_succeeded: Optional[bool] = None,
        reward: Optional[float] = None,
    ) -> None:
        """Completion data for an invocation; fields passed as ``None`` keep their earlier value."""
        rec = self._rec
        if rec is None:
            return
        if not isinstance(invocation_id, str) or invocation_id == "":
            rec.bad("update_invocation needs an invocation id")
            return
        given = {
            "duration_seconds": duration_seconds, "outcome_status": outcome_status, "error_message": error_message,
            "files_modified": files_modified, "files_created": files_created, "tools_used": tools_used,
            "tests_passed": tests_passed, "build_succeeded": build_succeeded, "reward": reward,
        }
        with self._lock:
            merged = self._pending.get(invocation_id)
            if merged is None:
                merged = dict(self._written.get(invocation_id, {}))
                self._pending[invocation_id] = merged
            for k, v in given.items():
                if v is not None:
                    merged[k] = v
            merged["_updated_ms"] = rec.now()
            merged["_updated_at"] = time.monotonic()
            if self._timer is None:
                self._start_timer()

    def log_success_metric(
        self,
        invocation_id: str,
        success: bool,
        quality_rating: int,
        feedback_source: str = "human",
        feedback_notes: Optional[str] = None,
        would_use_again: Optional[bool] = None,
        alternative_agent_suggested: Optional[str] = None,
    ) -> None:
        """Feedback on an invocation. ``quality_rating`` must be 1–5 (``ValueError`` otherwise)."""
        if not 1 <= quality_rating <= 5:
            raise ValueError("quality_rating must be between 1 and 5")
        rec = self._rec
        if rec is None:
            return
        try:
            with self._lock:
                known = self._known.get(invocation_id)
                a: Dict[str, Any] = {"target.kind": "agent"}
                if known is not None:
                    a["gen_ai.agent.name"] = known["name"]
                    if known["task_type"] is not None:
                        a["task.type"] = known["task_type"]
                if isinstance(feedback_notes, str):
                    a["feedback.notes"] = rec.redact(feedback_notes)
                if isinstance(would_use_again, bool):
                    a["would_use_again"] = would_use_again
                if isinstance(alternative_agent_suggested, str):
                    a["alternative_agent_suggested"] = alternative_agent_suggested
                source = feedback_source if feedback_source in FEEDBACK_SOURCES else "other"
                if source != feedback_source and isinstance(feedback_source, str):
                    a["feedback.source_detail"] = feedback_source
                rating = optional_number(quality_rating)
                rec.feedback(
                    invocation_id, self.session_id if known is not None else None,
                    success if isinstance(success, bool) else None, rating, source, a, rec.now(),
                )
        except Exception as e:
            rec.diagnostics.report("E_COMPAT_FAILED", f"log_success_metric failed: {e}", e)

    def get_session_id(self) -> str:
        """Return the current session id."""
        return self.session_id

    def log_workflow_start(self, workflow_id: str, project_name: str, agent_plan: List[str], estimated_duration: Optional[int] = None) -> None:
        """A multi-agent workflow begins."""
        rec = self._rec
        if rec is None:
            return
        try:
            span_id = _workflow_span_id(str(workflow_id))
            a: Dict[str, Any] = {"workflow.id": str(workflow_id), "session_id": self.session_id}
            if isinstance(project_name, str):
                a["project"] = project_name
            if isinstance(agent_plan, (list, tuple)):
                a["workflow.agent_plan"] = [x for x in agent_plan if isinstance(x, str)]
            if estimated_duration is not None:
                rec.extra({"estimated_duration": estimated_duration}, a)
            now = rec.now()
            with self._lock:
                self._workflows[str(workflow_id)] = now
            rec.start(SpanContext(span_id, span_id, "workflow", {}, ""), "workflow " + str(workflow_id), None, a, now)
        except Exception as e:
            rec.diagnostics.report("E_COMPAT_FAILED", f"log_workflow_start failed: {e}", e)

    def log_agent_handoff(self, workflow_id: str, from_agent: str, to_agent: str, artifacts: List[str]) -> None:
        """One agent hands its artifacts to the next."""
        rec = self._rec
        if rec is None:
            return
        try:
            span_id = _workflow_span_id(str(workflow_id))
            a: Dict[str, Any] = {"from_agent": from_agent, "to_agent": to_agent, "session_id": self.session_id}
            if isinstance(artifacts, (list, tuple)):
                a["artifacts"] = [rec.redact(x) for x in artifacts if isinstance(x, str)]
            rec.extra({}, a)
            rec.point(SpanContext(span_id, span_id, "workflow", {}, ""), "agent_handoff", a, rec.now())
        except Exception as e:
            rec.diagnostics.report("E_COMPAT_FAILED", f"log_agent_handoff failed: {e}", e)

    def log_workflow_complete(self, workflow_id: str, duration_seconds: int, success: bool, agents_executed: List[str]) -> None:
        """The workflow ends."""
        rec = self._rec
        if rec is None:
            return
        try:
            now = rec.now()
            with self._lock:
                started = self._workflows.pop(str(workflow_id), None)
            secs = optional_number(duration_seconds)
            duration = secs * 1000 if secs is not None else (now - started if started is not None else None)
            a: Dict[str, Any] = {"workflow.id": str(workflow_id), "session_id": self.session_id}
            if isinstance(agents_executed, (list, tuple)):
                a["workflow.agents_executed"] = [x for x in agents_executed if isinstance(x, str)]
            span_id = _workflow_span_id(str(workflow_id))
            start = started if started is not None else now - (duration or 0)
            rec.end(SpanContext(span_id, span_id, "workflow", {}, ""), start, duration if duration is not None else 0, "success" if success else "failure", a, now)
        except Exception as e:
            rec.diagnostics.report("E_COMPAT_FAILED", f"log_workflow_complete failed: {e}", e)

    # -- agentmeter's additions -----------------------------------------------------------

    def flush(self) -> None:
        """Write the merged outcome of every updated invocation, then what the meter buffers."""
        if self._rec is None:
            return
        self._write_due(None)
        self._meter.flush()

    def close(self) -> None:
        """Flush. The shared meter stays open for other loggers (it is flushed at exit)."""
        self.flush()
        self._stop.set()
        _loggers.discard(self)

    def _write_due(self, now: Optional[float]) -> None:
        """Write the outcomes last updated before ``now - window`` (all of them for ``None``)."""
        rec = self._rec
        with self._lock:
            due = [i for i, u in self._pending.items() if now is None or u["_updated_at"] <= now - self._window]
            for invocation_id in due:
                u = self._pending.pop(invocation_id)
                try:
                    self._write_end(invocation_id, u)
                except Exception as e:
                    rec.diagnostics.report("E_COMPAT_FAILED", f"update_invocation failed: {e}", e)
                if len(self._written) >= MAX_KNOWN:
                    self._written.pop(next(iter(self._written)))
                self._written[invocation_id] = u

    def _start_timer(self) -> None:
        stop = self._stop
        tick = max(0.01, min(1.0, self._window / 2))

        def run() -> None:
            while not stop.wait(tick):
                try:
                    self._write_due(time.monotonic())
                except Exception:
                    pass

        self._timer = threading.Thread(target=run, name="agentmeter-oak-updates", daemon=True)
        self._timer.start()

    def _write_end(self, invocation_id: str, u: Dict[str, Any]) -> None:
        rec = self._rec
        known = self._known.get(invocation_id)
        now = u.get("_updated_ms", rec.now())
        secs = optional_number(u.get("duration_seconds"))
        if secs is not None and secs < 0:
            secs = None
        duration = secs * 1000 if secs is not None else (now - known["start_ms"] if known is not None else None)
        start = known["start_ms"] if known is not None else now - (duration or 0)
        word = u.get("outcome_status", "unknown")
        status = normalize_status(word)
        a: Dict[str, Any] = {}
        if isinstance(word, str) and word != status:
            a["status.detail"] = word
        for key in ("files_modified", "files_created"):
            if isinstance(u.get(key), (list, tuple)):
                a[key] = [rec.redact(x) for x in u[key] if isinstance(x, str)]
        if isinstance(u.get("tools_used"), (list, tuple)):
            a["tools_used"] = [x for x in u["tools_used"] if isinstance(x, str)]
        if isinstance(u.get("error_message"), str):
            a["error.message"] = rec.redact(u["error_message"])
        for key in ("tests_passed", "build_succeeded"):
            if isinstance(u.get(key), bool):
                a[key] = u[key]
        if optional_number(u.get("reward")) is not None:
            a["reward"] = u["reward"]
        if duration is None:
            a["duration.unknown"] = True
        rec.end(SpanContext(invocation_id, self.session_id, "agent", {}, ""), start, duration, status, a, now)  # type: ignore[arg-type]

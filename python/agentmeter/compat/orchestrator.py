"""AgenticSys's ``RunLogger`` and ``IssueTracker`` (``src/orchestrator/analytics``) on
agentmeter's store.

Same constructors, methods, argument names and return values as upstream, so switching is
one import line::

    from agentmeter.compat.orchestrator import RunLogger, IssueTracker

A run is a ``run`` span (its ``run.key`` is the ``run_id``), an issue a ``task`` span under
it, agents, pipeline attempts and debugging cycles its children. Nothing is written as JSON
files while the run goes on; ``agentmeter export orchestrator-runs`` writes upstream's layout
from the store, ``agentmeter report orchestrator`` reports on it.

The counts are upstream's:

- a run's ``success_rate`` is ``total_successes / len(issues_processed) * 100``
  (``record_success``/``record_error`` are the host's own counters, kept on the run's end);
- an issue's errors are one per debugging cycle started (``errors``, ``total_errors``), and
  an agent's retries one per debug attempt of the cycles it works on (``agent.retries`` on
  the issue's end, which ``report orchestrator`` takes as given);
- ``finalize_issue`` returns upstream's final report (a dict), ``get_run_summary`` upstream's
  summary.

Differences, on purpose: any agent name works (upstream knows planning, coding, testing,
review and raises ``KeyError`` for others); ``run_id`` is upstream's
``run_%Y%m%d_%H%M%S_project_<id>`` in UTC with a random suffix, so two runs started in the
same second no longer share one; nothing is printed.
"""
from __future__ import annotations

import datetime as _dt
import os
import threading
from typing import Any, Dict, List, Optional

from .._meter import Agent, DebugCycle, Meter, Run, Task
from ._meter import shared_meter

__all__ = ["RunLogger", "IssueTracker"]

_AGENTS = ("planning", "coding", "testing", "review")

# Runs of this process by run_id, so an IssueTracker built from (run_id, issue_iid), as
# upstream's supervisor builds it, records under its run.
_runs: Dict[str, "RunLogger"] = {}
_runs_lock = threading.Lock()


def _iso_local(ms: float) -> str:
    # Upstream writes naive local times (datetime.now().isoformat()).
    return _dt.datetime.fromtimestamp(ms / 1000).isoformat()


class RunLogger:
    """Logs one system run: configuration, issues processed, successes and errors."""

    def __init__(self, project_id: str, config: Dict[str, Any], *, meter: Optional[Meter] = None) -> None:
        self._meter = meter or shared_meter()
        rec = self._meter._rec
        now = rec.now() if rec is not None else _dt.datetime.now().timestamp() * 1000
        self.project_id = project_id
        self.run_id = self._generate_run_id(now)
        self.start_time = _dt.datetime.fromtimestamp(now / 1000)
        self.end_time: Optional[_dt.datetime] = None
        config = config if isinstance(config, dict) else {}
        self.llm_config = {
            "provider": config.get("llm_provider", "unknown"),
            "model": config.get("llm_model", "unknown"),
            "temperature": config.get("llm_temperature", 0.0),
        }
        self.mode = config.get("mode", "implement_all")
        self.specific_issue = config.get("specific_issue")
        self.issues_processed: List[Any] = []
        self.total_errors = 0
        self.total_successes = 0
        llm: Dict[str, Any] = {}
        for key, field in (("provider", "llm_provider"), ("model", "llm_model"), ("temperature", "llm_temperature")):
            if field in config:
                llm[key] = config[field]
        self.run: Run = self._meter.start_run(
            project=str(project_id), llm=llm, mode=self.mode if isinstance(self.mode, str) else None,
            key=self.run_id, attrs={"specific_issue": self.specific_issue},
        )
        with _runs_lock:
            _runs[self.run_id] = self

    def _generate_run_id(self, now_ms: float) -> str:
        stamp = _dt.datetime.fromtimestamp(now_ms / 1000, _dt.timezone.utc).strftime("%Y%m%d_%H%M%S")
        return f"run_{stamp}_project_{self.project_id}_{os.urandom(3).hex()}"

    def add_issue(self, issue_iid: int) -> None:
        """Track that an issue is being processed (each call counts, as upstream)."""
        self.issues_processed.append(issue_iid)

    def record_error(self) -> None:
        """Increment the error counter."""
        self.total_errors += 1

    def record_success(self) -> None:
        """Increment the success counter."""
        self.total_successes += 1

    def _totals(self) -> Dict[str, Any]:
        n = len(self.issues_processed)
        return {
            "issues_processed": list(self.issues_processed),
            "total_issues": n,
            "total_successes": self.total_successes,
            "total_errors": self.total_errors,
            "success_rate": (self.total_successes / n * 100) if n else 0,
        }

    def finalize_run(self, status: str = "completed") -> None:
        """End the run: ``completed``, ``failed`` or ``stopped``."""
        self.end_time = _dt.datetime.now()
        self.run.end(status=status, attrs=self._totals())
        self._meter.flush()
        with _runs_lock:
            _runs.pop(self.run_id, None)

    def get_run_summary(self) -> Dict[str, Any]:
        """Upstream's current run summary."""
        return {
            "run_id": self.run_id,
            "llm_config": self.llm_config,
            "issues_processed": len(self.issues_processed),
            "successes": self.total_successes,
            "errors": self.total_errors,
        }


class IssueTracker:
    """Metrics of one issue: agents, pipeline attempts, debugging cycles, errors."""

    def __init__(self, run_id: str, issue_iid: int, *, meter: Optional[Meter] = None) -> None:
        self.run_id = run_id
        self.issue_iid = issue_iid
        with _runs_lock:
            owner = _runs.get(run_id)
        if owner is not None:
            self._meter = owner._meter
            run = owner.run
        else:
            # A run logged by another process (or none): the issue gets a run of its own,
            # keyed by the same run_id.
            self._meter = meter or shared_meter()
            run = self._meter.start_run(project="(unknown)", key=run_id)
            self._own_run: Optional[Run] = run
        if owner is not None:
            self._own_run = None
        rec = self._meter._rec
        self._now = (lambda: rec.now()) if rec is not None else (lambda: _dt.datetime.now().timestamp() * 1000)
        self.start_time = _dt.datetime.fromtimestamp(self._now() / 1000)
        self.end_time: Optional[_dt.datetime] = None
        self.agent_metrics: Dict[str, Dict[str, Any]] = {
            a: {"attempts": 0, "successes": 0, "failures": 0, "duration": 0, "retries": 0} for a in _AGENTS
        }
        self.pipeline_attempts: List[Dict[str, Any]] = []
        self.failed_pipelines = 0
        self.succeeded_pipelines = 0
        self.debugging_cycles: List[Dict[str, Any]] = []
        self.errors: List[Dict[str, Any]] = []
        self.current_cycle: Optional[Dict[str, Any]] = None
        self._task: Task = run.start_task(key=issue_iid)
        self._agents: Dict[str, List[Agent]] = {}
        self._agent_start: Dict[str, float] = {}
        self._cycle: Optional[DebugCycle] = None
        self._finalized = False

    def _metric(self, agent_name: str) -> Dict[str, Any]:
        m = self.agent_metrics.get(agent_name)
        if m is None:
            m = self.agent_metrics[agent_name] = {"attempts": 0, "successes": 0, "failures": 0, "duration": 0, "retries": 0}
        return m

    def start_agent(self, agent_name: str) -> None:
        """An agent starts an attempt on the issue."""
        self._metric(agent_name)["attempts"] += 1
        self._agent_start[agent_name] = self._now()
        self._agents.setdefault(agent_name, []).append(self._task.start_agent(name=agent_name))

    def end_agent(self, agent_name: str, success: bool) -> None:
        """The agent's attempt ends."""
        m = self._metric(agent_name)
        started = self._agent_start.pop(agent_name, None)
        if started is not None:
            m["duration"] += (self._now() - started) / 1000
        if success:
            m["successes"] += 1
        else:
            m["failures"] += 1
        handles = self._agents.get(agent_name)
        if handles:
            handles.pop().end(status="success" if success else "failure")

    def record_pipeline_attempt(self, pipeline_id: str, status: str, commit_sha: Optional[str] = None) -> None:
        """One CI pipeline attempt: ``success``, ``failed``, ``running`` …"""
        self.pipeline_attempts.append({"pipeline_id": pipeline_id, "status": status, "commit_sha": commit_sha, "timestamp": _iso_local(self._now())})
        if status == "success":
            self.succeeded_pipelines += 1
        elif status == "failed":
            self.failed_pipelines += 1
        self._task.record_pipeline(id=pipeline_id, status=status, commit=commit_sha)

    def start_debugging_cycle(self, agent: str, error_type: str, error_message: str) -> None:
        """A debugging cycle starts; its error counts as one of the issue's errors."""
        now = _iso_local(self._now())
        rec = self._meter._rec
        message = rec.redact(error_message) if rec is not None and isinstance(error_message, str) else error_message
        if self._cycle is not None and not self._cycle.ended:
            # Upstream drops a cycle that is replaced before it ends.
            self._cycle.end(resolved=False, attrs={"debug.replaced": True})
        self.current_cycle = {"agent": agent, "error_type": error_type, "error_message": message, "start_time": now, "attempts": 0, "resolved": False}
        self.errors.append({"type": error_type, "message": message, "agent": agent, "timestamp": now})
        self._cycle = self._task.start_debug(agent=agent, error_type=error_type, error_message=error_message)

    def record_debug_attempt(self) -> None:
        """One fix attempt in the current cycle: a retry of the cycle's agent."""
        if self.current_cycle:
            self.current_cycle["attempts"] += 1
            self._metric(self.current_cycle["agent"])["retries"] += 1
            if self._cycle is not None:
                self._cycle.attempt()

    def end_debugging_cycle(self, resolved: bool) -> None:
        """The current cycle ends, resolved or not."""
        if self.current_cycle:
            now = self._now()
            self.current_cycle["end_time"] = _iso_local(now)
            self.current_cycle["resolved"] = resolved
            start = _dt.datetime.fromisoformat(self.current_cycle["start_time"])
            self.current_cycle["duration_seconds"] = (_dt.datetime.fromisoformat(self.current_cycle["end_time"]) - start).total_seconds()
            self.debugging_cycles.append(self.current_cycle)
            self.current_cycle = None
            if self._cycle is not None:
                self._cycle.end(resolved=bool(resolved))
                self._cycle = None

    def finalize_issue(self, status: str) -> Dict[str, Any]:
        """End the issue (``completed``, ``failed`` or ``skipped``) and return upstream's final report."""
        now = self._now()
        self.end_time = _dt.datetime.fromtimestamp(now / 1000)
        duration = (self.end_time - self.start_time).total_seconds()
        total_cycles = len(self.debugging_cycles)
        resolved = sum(1 for c in self.debugging_cycles if c["resolved"])
        total_pipelines = len(self.pipeline_attempts)
        total_retries = sum(m["retries"] for m in self.agent_metrics.values())
        report = {
            "run_id": self.run_id,
            "issue_iid": self.issue_iid,
            "status": status,
            "start_time": self.start_time.isoformat(),
            "end_time": self.end_time.isoformat(),
            "duration_seconds": duration,
            "agent_metrics": {a: dict(m) for a, m in self.agent_metrics.items()},
            "total_agent_retries": total_retries,
            "pipeline_attempts": total_pipelines,
            "succeeded_pipelines": self.succeeded_pipelines,
            "failed_pipelines": self.failed_pipelines,
            "pipeline_success_rate": (self.succeeded_pipelines / total_pipelines * 100) if total_pipelines > 0 else 0,
            "pipeline_details": self.pipeline_attempts,
            "total_errors": len(self.errors),
            "debugging_cycles": total_cycles,
            "resolved_cycles": resolved,
            "debugging_success_rate": (resolved / total_cycles * 100) if total_cycles > 0 else 0,
            "debugging_details": self.debugging_cycles,
            "errors": self.errors,
        }
        if not self._finalized:
            self._finalized = True
            # Agents still running stay open: upstream counts their attempt, not an outcome.
            retries = {a: m["retries"] for a, m in self.agent_metrics.items() if m["attempts"] > 0 or m["retries"] > 0}
            self._task.end(status=status, attrs={"errors": self.errors, "agent.retries": retries, "total_errors": len(self.errors)})
            if self._own_run is not None:
                self._own_run.end(status="unknown")
            self._meter.flush()
        return report

"""Scripted sessions of the seed systems, written against upstream's API only.

The same functions drive upstream's classes once (``generate_seed_fixtures.py``, which
records what upstream's own code writes and computes) and agentmeter's facades in the tests
(``test_compat.py``), with nothing but the class passed in changed: the one-import-line
switch. They need no clock: every number compared is a count, a rate, or a duration the
host passes itself.
"""
from __future__ import annotations

from typing import Any, Dict, List

# (agent, type, task type, updates [(kwargs), …] or None for never updated, rating or None)
OAK_INVOCATIONS: List[Any] = [
    ("frontend-developer", "development", "feature_development", [{"duration_seconds": 120.5, "outcome_status": "success", "files_modified": ["src/Settings.tsx"], "tools_used": ["Edit", "Read"]}], 4),
    ("frontend-developer", "development", "feature_development", [{"duration_seconds": 95.0, "outcome_status": "success"}], 5),
    ("frontend-developer", "development", "bug_fix", [{"duration_seconds": 300.25, "outcome_status": "failure", "error_message": "tests failed in src/cart.ts"}], 2),
    ("frontend-developer", "development", "bug_fix", [{"duration_seconds": 42.0, "outcome_status": "partial"}], None),
    # Repeated updates merge field by field: duration first, outcome later.
    ("backend-architect", "architecture", "design", [{"duration_seconds": 600.0}, {"outcome_status": "success"}], 4),
    ("backend-architect", "architecture", "design", [{"outcome_status": "success"}, {"duration_seconds": 480.5, "files_created": ["docs/adr-7.md"]}], 3),
    ("backend-architect", "architecture", "refactoring", [{"duration_seconds": 200.0, "outcome_status": "failure", "error_message": "timeout"}, {"tests_passed": False}], 1),
    ("debug-specialist", "quality", "bug_fix", [{"duration_seconds": 33.3, "outcome_status": "success", "tests_passed": True}], 5),
    ("debug-specialist", "quality", "bug_fix", [{"duration_seconds": 61.0, "outcome_status": "success", "build_succeeded": True}], None),
    ("qa-specialist", "quality", "testing", [{"duration_seconds": 15.0, "outcome_status": "failure"}, {"outcome_status": "success", "reward": 0.5}], 4),
]


def oak_session(TelemetryLogger: Any, telemetry_dir: Any) -> Dict[str, Any]:
    """One session of sub-agent invocations, outcomes, feedback and a workflow."""
    logger = TelemetryLogger(telemetry_dir)
    ids = []
    logger.log_workflow_start("wf-1", "shop", ["backend-architect", "frontend-developer"], estimated_duration=900)
    for name, atype, ttype, updates, rating in OAK_INVOCATIONS:
        inv = logger.log_invocation(
            agent_name=name, agent_type=atype, task_description=f"{ttype} work for {name}",
            state_features={"task": {"type": ttype, "scope": "small"}}, workflow_id="wf-1",
        )
        ids.append(inv)
        for u in updates:
            logger.update_invocation(inv, **u)
        if rating is not None:
            logger.log_success_metric(inv, success=rating >= 3, quality_rating=rating, feedback_notes="scripted")
    logger.log_agent_handoff("wf-1", "backend-architect", "frontend-developer", ["docs/adr-7.md"])
    logger.log_workflow_complete("wf-1", 1500, True, ["backend-architect", "frontend-developer"])
    return {"session_id": logger.get_session_id(), "invocations": ids}


# Per issue: list of steps. ("agent", name, success) | ("pipeline", id, status) |
# ("debug", agent, error_type, attempts, resolved) | ("finalize", status)
ORCHESTRATOR_ISSUES: List[Any] = [
    (101, [("agent", "planning", True), ("agent", "coding", True), ("pipeline", "5001", "success"), ("agent", "review", True), ("finalize", "completed")]),
    (102, [
        ("agent", "coding", True), ("pipeline", "5002", "failed"),
        ("debug", "testing", "test_failure", 2, True),
        ("agent", "testing", False), ("agent", "testing", True),
        ("pipeline", "5003", "success"), ("finalize", "completed"),
    ]),
    (103, [
        ("agent", "coding", False), ("agent", "coding", True), ("pipeline", "5004", "failed"),
        ("debug", "coding", "build_error", 3, False),
        ("pipeline", "5005", "failed"),
        ("debug", "testing", "test_failure", 1, False),
        ("pipeline", "5006", "canceled"), ("finalize", "failed"),
    ]),
    # Never finalised: the run stops while it is being worked on.
    (104, [("agent", "planning", True), ("agent", "coding", True), ("pipeline", "5007", "failed"), ("debug", "testing", "lint_error", 1, True)]),
]


def orchestrator_session(RunLogger: Any, IssueTracker: Any) -> Dict[str, Any]:
    """One run over four issues, as upstream's supervisor drives the loggers."""
    run = RunLogger("168", {"llm_provider": "deepseek", "llm_model": "deepseek-chat", "llm_temperature": 0.0, "mode": "implement_all"})
    reports = []
    for iid, steps in ORCHESTRATOR_ISSUES:
        run.add_issue(iid)
        tracker = IssueTracker(run.run_id, iid)
        for step in steps:
            kind = step[0]
            if kind == "agent":
                tracker.start_agent(step[1])
                tracker.end_agent(step[1], step[2])
            elif kind == "pipeline":
                tracker.record_pipeline_attempt(step[1], step[2], commit_sha="c" + step[1])
            elif kind == "debug":
                tracker.start_debugging_cycle(step[1], step[2], f"{step[2]} in issue {iid}")
                for _ in range(step[3]):
                    tracker.record_debug_attempt()
                tracker.end_debugging_cycle(step[4])
            elif kind == "finalize":
                reports.append(tracker.finalize_issue(step[1]))
                if step[1] == "completed":
                    run.record_success()
                else:
                    run.record_error()
    summary = run.get_run_summary()
    run.finalize_run("stopped")
    return {"run_id": run.run_id, "reports": reports, "summary": summary}

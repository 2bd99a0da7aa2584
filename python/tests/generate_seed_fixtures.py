"""Run the scripted sessions (seed_sessions.py) against the seed systems' own code once and
keep what it writes and computes as fixtures (fixtures/seeds/). Upstream code is not part of
this repository: pass checkouts of it.

    python -m tests.generate_seed_fixtures <claude-oak-agents checkout> <AgenticSys checkout>

claude-oak-agents: telemetry/logger.py and telemetry/analyzer.py (TelemetryAnalyzer.
generate_statistics). AgenticSys: src/orchestrator/analytics (RunLogger, IssueTracker).
"""
from __future__ import annotations

import contextlib
import io
import json
import os
import shutil
import sys
import tempfile

from .seed_sessions import orchestrator_session, oak_session

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fixtures", "seeds")


def main() -> None:
    oak_root, agenticsys_root = sys.argv[1], sys.argv[2]
    os.makedirs(OUT, exist_ok=True)
    sys.path.insert(0, os.path.join(oak_root, "telemetry"))
    from logger import TelemetryLogger  # type: ignore[import-not-found]
    from analyzer import TelemetryAnalyzer  # type: ignore[import-not-found]

    tmp = tempfile.mkdtemp()
    try:
        oak_session(TelemetryLogger, tmp)
        stats = TelemetryAnalyzer(tmp).generate_statistics()
        for name in ("agent_invocations.jsonl", "success_metrics.jsonl", "workflow_events.jsonl"):
            shutil.copy(os.path.join(tmp, name), os.path.join(OUT, "oak_" + name))
    finally:
        shutil.rmtree(tmp)
    stats.pop("generated_at", None)
    with open(os.path.join(OUT, "oak_generate_statistics.json"), "w") as f:
        json.dump(stats, f, indent=2, sort_keys=True)

    sys.path.insert(0, os.path.join(agenticsys_root, "src", "orchestrator", "analytics"))
    from run_logger import RunLogger  # type: ignore[import-not-found]
    from issue_tracker import IssueTracker  # type: ignore[import-not-found]

    tmp = tempfile.mkdtemp()
    cwd = os.getcwd()
    try:
        os.chdir(tmp)  # upstream writes logs/runs/ under the working directory
        with contextlib.redirect_stdout(io.StringIO()):
            out = orchestrator_session(RunLogger, IssueTracker)
        with open(os.path.join("logs", "runs", out["run_id"] + "_final.json")) as f:
            final = json.load(f)
        live = {}
        issues_dir = os.path.join("logs", "runs", out["run_id"], "issues")
        for name in sorted(os.listdir(issues_dir)):
            if name.endswith("_metrics.json"):
                with open(os.path.join(issues_dir, name)) as f:
                    live[name] = json.load(f)
    finally:
        os.chdir(cwd)
        shutil.rmtree(tmp)
    with open(os.path.join(OUT, "orchestrator_upstream.json"), "w") as f:
        json.dump({"final": final, "reports": out["reports"], "summary": out["summary"], "live_metrics": live}, f, indent=2, sort_keys=True)


if __name__ == "__main__":
    main()

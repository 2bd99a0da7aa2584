"""The facades: the seeds' scripted sessions (seed_sessions.py), replayed with only the
import changed, give the numbers upstream's own code computed on the same session
(fixtures/seeds/, made by generate_seed_fixtures.py from upstream's classes)."""
from __future__ import annotations

import glob
import json
import math
import os
import subprocess
import sys
import unittest

from agentmeter import Meter

from .helpers import CLI, PYTHON_DIR, TempStore, node_cli, read_lines

FIXTURES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fixtures", "seeds")


def replay(store: str, code: str) -> None:
    """Run a session in a fresh process, as a host would (exit writes what is pending)."""
    env = dict(os.environ, PYTHONPATH=PYTHON_DIR, AGENTMETER_DIR=store, AGENTMETER_ENV="prod")
    p = subprocess.run([sys.executable, "-c", code], cwd=PYTHON_DIR, env=env, capture_output=True, text=True, timeout=120)
    if p.returncode != 0:
        raise AssertionError(p.stderr)


def load(name: str):  # type: ignore[no-untyped-def]
    with open(os.path.join(FIXTURES, name), encoding="utf-8") as f:
        return json.load(f)


class Oak(TempStore):
    def test_the_scripted_session_gives_upstream_analyzer_numbers_in_agentmeter_agents(self) -> None:
        replay(self.dir, f"from agentmeter.compat.oak import TelemetryLogger\nfrom tests.seed_sessions import oak_session\noak_session(TelemetryLogger, {os.path.join(self.dir, 'telemetry')!r})\n")
        upstream = load("oak_generate_statistics.json")
        got = {a["agent_name"]: a for a in node_cli("agents", "--dir", self.dir, "--json")["agents"]}
        self.assertEqual(sum(a["invocation_count"] for a in got.values()), upstream["total_invocations"])
        for name, up in upstream["agents"].items():
            with self.subTest(name):
                a = got[name]
                self.assertEqual(a["invocation_count"], up["invocation_count"])
                self.assertEqual(round(a["success_rate"], 3), up["success_rate"])
                self.assertEqual(round(a["average_quality"], 2), up["average_quality"])
                self.assertEqual(round(a["average_duration_seconds"], 2), up["average_duration_seconds"])
                self.assertEqual(sorted(a["common_task_types"]), sorted(up["common_task_types"]))

    def test_upstream_contract(self) -> None:
        from agentmeter.compat.oak import TelemetryLogger

        meter = Meter(dir=self.dir, env="test", durability="flush")
        logger = TelemetryLogger(meter=meter)
        self.assertEqual(logger.get_session_id(), logger.session_id)
        inv = logger.log_invocation("a", "development", "t", spec_id="SPEC-1", spec_section=["2.2"], q_value=0.5, exploration=True, learning_enabled=True)
        for bad in (0, 6):
            with self.assertRaises(ValueError):
                logger.log_success_metric(inv, True, bad)
        logger.update_invocation(inv, duration_seconds=3)
        logger.update_invocation(inv, outcome_status="success")
        logger.update_invocation(inv, files_modified=["x.py"])
        logger.close()
        events = [json.loads(x) for x in read_lines(self.dir)]
        start = next(e for e in events if e["type"] == "span.start")
        for k, v in (("spec_id", "SPEC-1"), ("spec_section", ["2.2"]), ("q_value", 0.5), ("exploration", True), ("learning_enabled", True)):
            self.assertEqual(start["attrs"][k], v)
        ends = [e for e in events if e["type"] == "span.end"]
        self.assertEqual(len(ends), 1)
        self.assertEqual((ends[0]["status"], ends[0]["duration_ms"], ends[0]["attrs"]["files_modified"]), ("success", 3000, ["x.py"]))
        self.assertFalse(any(e["type"] == "feedback" for e in events))


    def test_an_invocation_logged_in_one_process_is_updated_in_another(self) -> None:
        # Claude Code runs each hook in a process of its own: start in one, outcome in the next.
        env = dict(os.environ, PYTHONPATH=PYTHON_DIR, AGENTMETER_DIR=self.dir, AGENTMETER_ENV="prod")
        start = "from agentmeter.compat.oak import TelemetryLogger\nprint(TelemetryLogger().log_invocation('security-auditor', 'security', 'audit'))\n"
        p = subprocess.run([sys.executable, "-c", start], cwd=PYTHON_DIR, env=env, capture_output=True, text=True, timeout=120)
        self.assertEqual(p.returncode, 0, p.stderr)
        inv = p.stdout.strip()
        end = f"from agentmeter.compat.oak import TelemetryLogger\nl = TelemetryLogger()\nl.update_invocation({inv!r}, duration_seconds=12.0, outcome_status='success')\nl.log_success_metric({inv!r}, True, 5)\n"
        p = subprocess.run([sys.executable, "-c", end], cwd=PYTHON_DIR, env=env, capture_output=True, text=True, timeout=120)
        self.assertEqual(p.returncode, 0, p.stderr)
        (a,) = node_cli("agents", "--dir", self.dir, "--json")["agents"]
        self.assertEqual((a["agent_name"], a["invocation_count"], a["success_rate"], a["average_quality"], a["average_duration_seconds"]), ("security-auditor", 1, 1, 5, 12))

    def test_an_outcome_is_written_a_window_after_its_last_update_and_late_updates_merge(self) -> None:
        import time

        from agentmeter.compat.oak import TelemetryLogger

        meter = Meter(dir=self.dir, env="test", durability="flush")
        logger = TelemetryLogger(meter=meter, update_window_seconds=3600)
        inv = logger.log_invocation("a", "development", "t")
        logger.update_invocation(inv, outcome_status="success")
        logger.update_invocation(inv, duration_seconds=7)
        ends = lambda: [json.loads(x) for x in read_lines(self.dir) if '"span.end"' in x]  # noqa: E731
        logger._write_due(time.monotonic())
        self.assertEqual(ends(), [])  # still inside the window
        logger._write_due(time.monotonic() + 3601)
        self.assertEqual([(e["status"], e["duration_ms"]) for e in ends()], [("success", 7000)])
        logger.update_invocation(inv, tests_passed=True)  # late: written again, merged
        logger.close()
        self.assertEqual([(e["status"], e["duration_ms"], e["attrs"].get("tests_passed")) for e in ends()], [("success", 7000, None), ("success", 7000, True)])
        # The window's own timer writes without flush() (bounded wait on the file, no sleep-and-hope).
        logger2 = TelemetryLogger(meter=meter, update_window_seconds=0.05)
        inv2 = logger2.log_invocation("b", "development", "t")
        logger2.update_invocation(inv2, outcome_status="failure")
        deadline = time.monotonic() + 60
        while not any(e["span_id"] == inv2 for e in ends()):
            self.assertLess(time.monotonic(), deadline, "the update timer never wrote the outcome")
            logger2._stop.wait(0.01)
        logger2.close()
        meter.close()


class Orchestrator(TempStore):
    def test_the_scripted_run_gives_upstream_reports_and_totals(self) -> None:
        from agentmeter.compat.orchestrator import IssueTracker, RunLogger

        from .seed_sessions import orchestrator_session

        upstream = load("orchestrator_upstream.json")
        meter = Meter(dir=self.dir, env="prod", durability="flush")
        import agentmeter.compat._meter as shared

        shared._shared, saved = meter, shared._shared
        try:
            out = orchestrator_session(RunLogger, IssueTracker)
        finally:
            shared._shared = saved
        meter.close()
        # finalize_issue returns upstream's report; get_run_summary upstream's summary.
        numbers = ("issue_iid", "status", "total_agent_retries", "pipeline_attempts", "succeeded_pipelines", "failed_pipelines",
                   "pipeline_success_rate", "total_errors", "debugging_cycles", "resolved_cycles", "debugging_success_rate")
        self.assertEqual(len(out["reports"]), len(upstream["reports"]))
        for mine, up in zip(out["reports"], upstream["reports"]):
            self.assertEqual(sorted(mine), sorted(up))
            self.assertEqual({k: mine[k] for k in numbers}, {k: up[k] for k in numbers})
            strip = lambda ms: {a: {k: v for k, v in m.items() if k != "duration"} for a, m in ms.items()}  # noqa: E731
            self.assertEqual(strip(mine["agent_metrics"]), strip(up["agent_metrics"]))
            self.assertEqual([(e["type"], e["agent"]) for e in mine["errors"]], [(e["type"], e["agent"]) for e in up["errors"]])
        summary = dict(out["summary"], run_id=None)
        self.assertEqual(summary, dict(upstream["summary"], run_id=None))
        run_end = next(json.loads(x) for x in read_lines(self.dir) if '"kind":"run"' in x and '"span.end"' in x)
        for k in ("total_successes", "total_errors", "total_issues", "success_rate", "issues_processed"):
            self.assertEqual(run_end["attrs"][k], upstream["final"][k], k)
        # The store, read back by `agentmeter export orchestrator-runs`: upstream's issue reports.
        out_dir = os.path.join(self.dir, "export")
        p = subprocess.run(["node", CLI, "export", "orchestrator-runs", "--dir", self.dir, "--out", out_dir], capture_output=True, text=True, timeout=120)
        self.assertEqual(p.returncode, 0, p.stderr)
        for up in upstream["reports"]:
            with self.subTest(issue=up["issue_iid"]):
                (path,) = glob.glob(os.path.join(out_dir, "*", "issues", f"issue_{up['issue_iid']}_report.json"))
                with open(path, encoding="utf-8") as f:
                    exported = json.load(f)
                self.assertEqual({k: exported[k] for k in numbers}, {k: up[k] for k in numbers})
                for agent, m in up["agent_metrics"].items():
                    if m["attempts"] or m["retries"]:
                        e = exported["agent_metrics"][agent]
                        self.assertEqual((e["attempts"], e["successes"], e["failures"], e["retries"]), (m["attempts"], m["successes"], m["failures"], m["retries"]))
        # `report orchestrator`: cycles, resolutions and retries over every issue, the
        # unfinished one included (upstream's live metrics file for it).
        r = node_cli("report", "orchestrator", "--dir", self.dir, "--json")
        finished = upstream["reports"]
        live = upstream["live_metrics"]["issue_104_metrics.json"]
        self.assertEqual(r["issues"], len(upstream["final"]["issues_processed"]))
        self.assertEqual(r["debugging"]["cycles"], sum(x["debugging_cycles"] for x in finished) + live["debugging_cycles"])
        self.assertEqual(r["first_pipeline"]["pipelines"], sum(x["pipeline_attempts"] for x in finished) + live["pipeline_attempts"])
        retries = {}
        for x in [*finished, live]:
            for agent, m in x["agent_metrics"].items():
                retries[agent] = retries.get(agent, 0) + m["retries"]
        self.assertEqual({a["agent"]: a["retries"] for a in r["agent_retries"]}, {a: n for a, n in retries.items() if a in {b["agent"] for b in r["agent_retries"]}})


class Disabled(TempStore):
    def test_every_facade_runs_its_session_and_writes_nothing_when_recording_is_off(self) -> None:
        code = (
            "from agentmeter.compat.oak import TelemetryLogger\n"
            "from agentmeter.compat.orchestrator import RunLogger, IssueTracker\n"
            "from tests.seed_sessions import oak_session, orchestrator_session\n"
            "oak_session(TelemetryLogger, None)\n"
            "assert orchestrator_session(RunLogger, IssueTracker)['summary']['successes'] == 2\n"
        )
        env = dict(os.environ, PYTHONPATH=PYTHON_DIR, AGENTMETER_DIR=self.dir, AGENTMETER_DISABLED="1")
        p = subprocess.run([sys.executable, "-W", "error", "-c", code], cwd=PYTHON_DIR, env=env, capture_output=True, text=True, timeout=120)
        self.assertEqual((p.returncode, p.stderr), (0, ""))
        self.assertFalse(os.path.exists(os.path.join(self.dir, "events")))


class Automation(TempStore):
    RECORDS = [
        {"operation": "matmul", "variants_generated": 12, "validated": 9, "promoted": 2, "baseline_latency_ms": 4.1, "optimized_latency_ms": 2.6, "wallclock_seconds": 340, "autotune_samples": 96},
        {"operation": "conv2d", "variants_generated": 30, "validated": 0, "promoted": 0, "baseline_latency_ms": 9.0, "optimized_latency_ms": None, "wallclock_seconds": 120, "validation_failures": 30},
        {"operation": "softmax", "variants_generated": 8, "validated": 8, "promoted": 1, "baseline_latency_ms": 0.5, "optimized_latency_ms": 0.2, "wallclock_seconds": 45.5, "device": "NVIDIA A100", "gpu_uuid": "GPU-1f2e"},
    ]

    def test_one_session_per_call_reported_by_report_automation(self) -> None:
        dropped = []
        lines = json.dumps(self.RECORDS)
        replay(self.dir, f"import json\nfrom agentmeter.compat.automation import AutomationMetrics\nm = AutomationMetrics(on_dropped_fields=print)\nfor r in json.loads({lines!r}):\n    assert m.record(r)\n")
        r = node_cli("report", "automation", "--dir", self.dir, "--json")["current"]
        recs = self.RECORDS
        self.assertEqual(r["sessions"], len(recs))
        for k in ("variants_generated", "validated", "promoted", "autotune_samples", "validation_failures"):
            self.assertEqual(r[k], sum(x.get(k, 0) for x in recs), k)
        self.assertAlmostEqual(r["wallclock_seconds"]["total"], sum(x["wallclock_seconds"] for x in recs))
        sp = [x["baseline_latency_ms"] / x["optimized_latency_ms"] for x in recs if x["optimized_latency_ms"]]
        self.assertAlmostEqual(r["speedup_geomean"], math.exp(sum(math.log(s) for s in sp) / len(sp)))
        self.assertAlmostEqual(r["session_success_rate"], sum(1 for x in recs if x["promoted"] > 0) / len(recs))
        text = "\n".join(read_lines(self.dir))
        self.assertNotIn("GPU-1f2e", text)
        self.assertIn("NVIDIA A100", text)
        del dropped

    def test_disabled_records_nothing(self) -> None:
        from agentmeter.compat.automation import AutomationMetrics

        m = AutomationMetrics(enabled=False)
        self.assertFalse(m.record(self.RECORDS[0]))
        self.assertEqual(read_lines(self.dir), [])


if __name__ == "__main__":
    unittest.main()

"""The Meter: the tour read back by the CLI, with-blocks, never raising, options, stats."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import unittest

from agentmeter import AgentmeterError, Meter

from .helpers import PYTHON_DIR, TempStore, node_cli, read_lines


def tour(meter: Meter) -> None:
    with meter.start_run(project="shop", llm={"provider": "deepseek", "model": "deepseek-chat", "temperature": 0}) as run:
        task = run.start_task(key=123, type="bug_fix")
        coder = task.start_agent(name="coding", type="development")
        coder.end(status="success", tokens={"input": 5200, "output": 800}, cost_usd=0.0031)
        meter.feedback(coder, success=True, rating=4, source="human")
        task.record_pipeline(id="4259", status="failed")
        cycle = task.start_debug(agent="testing", error_type="test_failure")
        cycle.attempt()
        cycle.end(resolved=True)
        task.end(status="completed")
    meter.record_optimization(
        operation="matmul", variants_generated=12, validated=9, promoted=2,
        baseline_latency_ms=4.1, optimized_latency_ms=2.6, wallclock_seconds=340,
    )
    meter.close()


class Tour(TempStore):
    def test_the_tour_reads_back_through_agentmeter_report(self) -> None:
        meter = Meter(dir=self.dir, env="prod")
        tour(meter)
        self.assertEqual(meter.stats()["written"], 12)
        self.assertEqual(meter.stats()["dropped"], 0)
        self.assertEqual(meter.stats()["diagnostics"], {})  # nothing failed inside, silently
        r = node_cli("report", "--dir", self.dir, "--env", "prod", "--json")
        self.assertEqual(r["skipped_lines"], 0)
        self.assertEqual((r["runs"]["total"], r["runs"]["success"]), (1, 1))
        self.assertEqual((r["tasks"]["total"], r["tasks"]["success"]), (1, 1))
        self.assertEqual((r["agents"]["total"], r["agents"]["success"]), (1, 1))
        self.assertEqual(r["agents"]["tokens"]["input"], 5200)
        self.assertEqual(r["agents"]["tokens"]["output"], 800)
        self.assertAlmostEqual(r["agents"]["cost_usd"], 0.0031)
        self.assertEqual((r["pipelines"]["total"], r["pipelines"]["failed"], r["pipelines"]["first_attempt"]), (1, 1, {"tasks": 1, "passed": 0}))
        self.assertEqual((r["debugging"]["cycles"], r["debugging"]["resolved"]), (1, 1))
        self.assertEqual(r["debugging"]["attempts_per_cycle"], 1)
        o = r["optimizations"]
        self.assertEqual((o["sessions"], o["variants_generated"], o["validated"], o["promoted"]), (1, 12, 9, 2))
        self.assertAlmostEqual(o["speedup_geomean"], 4.1 / 2.6)
        self.assertEqual((r["feedback"]["count"], r["feedback"]["mean_rating"]), (1, 4))
        v = subprocess.run(["node", os.path.join(PYTHON_DIR, "..", "dist", "cli", "bin.js"), "validate", "--dir", self.dir, "--json"], capture_output=True, text=True, timeout=60)
        self.assertEqual(v.returncode, 0, v.stdout + v.stderr)

    def test_a_with_block_ends_failed_when_an_exception_escapes_and_reraises_it(self) -> None:
        meter = Meter(dir=self.dir, env="test", durability="flush", on_diagnostic=lambda d: None)
        with self.assertRaises(KeyError):
            with meter.start_run(project="p") as run:
                with run.start_task(key=1) as task:
                    with task.start_agent(name="coding"):
                        raise KeyError("missing")
        meter.close()
        ends = [json.loads(x) for x in read_lines(self.dir) if '"span.end"' in x]
        self.assertEqual([e["kind"] for e in ends], ["agent", "task", "run"])
        for e in ends:
            self.assertEqual(e["status"], "failure")
            self.assertEqual(e["attrs"]["error.type"], "KeyError")
        with meter.start_run(project="p") as run:  # after close: counted as dropped, not raised
            pass
        self.assertGreater(meter.stats()["dropped"], 0)

    def test_a_with_block_that_finishes_ends_in_success_and_an_explicit_end_wins(self) -> None:
        meter = Meter(dir=self.dir, env="test", durability="flush")
        with meter.start_run(project="p") as run:
            with run.start_task(key="T-1") as task:
                task.end(status="skipped")
            with run.start_task(key="T-2").start_debug(agent="a", error_type="e") as cycle:
                cycle.attempt()
        meter.close()
        ends = {json.loads(x)["kind"] + str(json.loads(x)["attrs"].get("debug.resolved", "")): json.loads(x)["status"] for x in read_lines(self.dir) if '"span.end"' in x}
        self.assertEqual(ends, {"task": "skipped", "debugTrue": "success", "run": "success"})


class NeverRaises(TempStore):
    def test_bad_arguments_are_counted_and_recorded_as_well_as_possible(self) -> None:
        seen = []
        meter = Meter(dir=self.dir, env="test", durability="flush", on_diagnostic=seen.append)
        run = meter.start_run(project=None)  # type: ignore[arg-type]
        task = run.start_task(key=object())  # type: ignore[arg-type]
        a = task.start_agent(name="")
        a.end(status="success", tokens="many", cost_usd=float("nan"), attrs={"f": print, "ok": 1})  # type: ignore[arg-type]
        a.end(status="success")
        meter.feedback(a, rating=9, source="robot")  # type: ignore[arg-type]
        meter.feedback(None, success=True)  # type: ignore[arg-type]
        meter.close()
        stats = meter.stats()
        self.assertGreaterEqual(stats["bad_arguments"], 6)
        self.assertEqual(stats["diagnostics"]["E_SDK_ALREADY_ENDED"], 1)
        self.assertEqual(len([d for d in seen if d.code == "E_SDK_BAD_ARGUMENT"]), 1)  # reported once per code
        lines = [json.loads(x) for x in read_lines(self.dir)]
        self.assertEqual(lines[0]["attrs"]["project"], "(none)")
        end = next(x for x in lines if x["type"] == "span.end")
        self.assertEqual(end["attrs"], {"ok": 1})
        fb = next(x for x in lines if x["type"] == "feedback")
        self.assertEqual((fb["rating"], fb["source"]), (None, "other"))

    def test_a_failure_inside_recording_is_reported_not_raised(self) -> None:
        meter = Meter(dir=self.dir, env="test", durability="flush", on_diagnostic=lambda d: None)
        run = meter.start_run(project="p")

        def boom(*a: object) -> None:
            raise OSError("disk on fire")

        run._rec.writer.append = boom  # type: ignore[method-assign]
        task = run.start_task(key=1)
        self.assertTrue(task.id)
        task.end(status="completed")
        self.assertGreaterEqual(meter.stats()["diagnostics"]["E_SDK_INTERNAL"], 1)
        meter.close()

    def test_bad_options_raise_at_once(self) -> None:
        for kwargs in ({"env": "has space"}, {"durability": "always"}, {"clock": 5}, {"redact": {"max_length": 3}}, {"redact": {"maxLength": 100}}):
            with self.subTest(kwargs):
                with self.assertRaises(AgentmeterError):
                    Meter(dir=self.dir, **kwargs)  # type: ignore[arg-type]

    def test_disabled_is_a_noop_with_ids(self) -> None:
        meter = Meter(dir=self.dir, enabled=False)
        with meter.start_run(project="p") as run:
            a = run.start_task(key=1).start_agent(name="x")
            a.end(status="success")
            self.assertTrue(a.id)
        meter.feedback(a, success=True)
        meter.close()
        self.assertFalse(os.path.exists(os.path.join(self.dir, "events")))

    def test_store_dir_and_env_come_from_the_environment(self) -> None:
        env = dict(os.environ, AGENTMETER_DIR=self.dir, AGENTMETER_ENV="staging", PYTHONPATH=PYTHON_DIR)
        code = "from agentmeter import Meter\nm = Meter()\nm.start_run(project='p').end(status='completed')\n"
        p = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60)
        self.assertEqual(p.returncode, 0, p.stderr)
        lines = [json.loads(x) for x in read_lines(self.dir)]
        self.assertEqual([x["env"] for x in lines], ["staging", "staging"])


class Privacy(TempStore):
    def test_free_text_is_redacted_on_the_write_path(self) -> None:
        meter = Meter(dir=self.dir, env="test", durability="flush", redact={"extra_patterns": [r"ACME-\d{8}"]})
        run = meter.start_run(project="p", tags={"owner": "carol@example.com"})
        t = run.start_task(key=1, description="see " + os.path.expanduser("~") + "/notes and ACME-12345678")
        t.end(status="failed", error="git push https://bot:hunter2@git.example.com failed", attrs={"nested": {"k": ["password=hunter2"]}})
        meter.close()
        text = "\n".join(read_lines(self.dir))
        for secret in ("carol@example.com", "hunter2", "ACME-12345678", os.path.expanduser("~") + "/"):
            self.assertNotIn(secret, text)
        self.assertIn("[REDACTED:custom]", text)
        self.assertIn('"task_description":"see ~/notes', text)


class Threads(TempStore):
    def test_threads_share_a_meter_without_losing_or_tearing_lines(self) -> None:
        meter = Meter(dir=self.dir, env="test", flush_interval_ms=5)
        run = meter.start_run(project="p")

        def work(n: int) -> None:
            t = run.start_task(key=n)
            for i in range(200):
                t.start_agent(name=f"a{i % 3}").end(status="success")
            t.end(status="completed")

        threads = [threading.Thread(target=work, args=(n,)) for n in range(8)]
        for th in threads:
            th.start()
        for th in threads:
            th.join(60)
        run.end(status="completed")
        meter.close()
        lines = read_lines(self.dir)
        self.assertEqual(len(lines), 2 + 8 * (2 + 200 * 2))
        self.assertEqual(len({json.loads(x)["id"] for x in lines}), len(lines))
        r = node_cli("report", "--dir", self.dir, "--env", "test", "--json")
        self.assertEqual((r["agents"]["total"], r["agents"]["success"], r["skipped_lines"]), (1600, 1600, 0))


if __name__ == "__main__":
    unittest.main()

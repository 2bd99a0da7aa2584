"""Python and Node processes write one store at once; ``agentmeter report --json`` gives the
known answers over both."""
from __future__ import annotations

import os
import subprocess
import sys
import unittest

from .helpers import PYTHON_DIR, REPO, TempStore, node_cli

RUNS = 5
TASKS = 4

# Each writer records RUNS runs of TASKS tasks; in task i the coding agent fails once and
# then succeeds when i is odd (a retry), a pipeline fails then passes, a debugging cycle
# of two attempts is resolved, and every agent gets a rating of 4.
NODE_WRITER = r"""
import { createMeter } from '%(sdk)s';
const [dir, durability] = process.argv.slice(1);
const meter = createMeter({ dir, env: 'xlang', durability });
for (let r = 0; r < %(runs)d; r++) {
  const run = meter.startRun({ project: 'xlang', llm: { provider: 'openai', model: 'node-model', temperature: 0 } });
  for (let i = 0; i < %(tasks)d; i++) {
    const task = run.startTask({ key: i, type: 'bug_fix' });
    if (i %% 2 === 1) task.startAgent({ name: 'coding' }).end({ status: 'failure', tokens: { input: 10, output: 1 } });
    const a = task.startAgent({ name: 'coding' });
    a.end({ status: 'success', tokens: { input: 100, output: 10 } });
    meter.feedback(a, { success: true, rating: 4 });
    task.recordPipeline({ id: `n${r}-${i}-1`, status: 'failed' });
    const d = task.startDebug({ agent: 'testing', errorType: 'test_failure' });
    d.attempt(); d.attempt(); d.end({ resolved: true });
    task.recordPipeline({ id: `n${r}-${i}-2`, status: 'success' });
    task.end({ status: 'completed' });
  }
  run.end({ status: 'completed' });
}
await meter.close();
"""

PY_WRITER = r"""
import sys
from agentmeter import Meter
dir, durability = sys.argv[1], sys.argv[2]
meter = Meter(dir=dir, env="xlang", durability=durability)
for r in range(%(runs)d):
    with meter.start_run(project="xlang", llm={"provider": "openai", "model": "py-model", "temperature": 0}) as run:
        for i in range(%(tasks)d):
            task = run.start_task(key=i, type="bug_fix")
            if i %% 2 == 1:
                task.start_agent(name="coding").end(status="failure", tokens={"input": 10, "output": 1})
            a = task.start_agent(name="coding")
            a.end(status="success", tokens={"input": 100, "output": 10})
            meter.feedback(a, success=True, rating=4)
            task.record_pipeline(id=f"p{r}-{i}-1", status="failed")
            with task.start_debug(agent="testing", error_type="test_failure") as d:
                d.attempt(); d.attempt()
            task.record_pipeline(id=f"p{r}-{i}-2", status="success")
            task.end(status="completed")
meter.close()
"""


class CrossLanguage(TempStore):
    def test_python_and_node_writers_at_once_give_the_known_report(self) -> None:
        sdk = "file://" + os.path.join(REPO, "dist", "sdk", "index.js")
        params = {"runs": RUNS, "tasks": TASKS, "sdk": sdk}
        env = dict(os.environ, PYTHONPATH=PYTHON_DIR)
        procs = []
        for durability in ("buffered", "flush"):
            procs.append(subprocess.Popen(["node", "--input-type=module", "-e", NODE_WRITER % params, self.dir, durability], env=env, stderr=subprocess.PIPE, text=True))
            procs.append(subprocess.Popen([sys.executable, "-c", PY_WRITER % params, self.dir, durability], env=env, stderr=subprocess.PIPE, text=True))
        for p in procs:
            _, err = p.communicate(timeout=180)
            self.assertEqual(p.returncode, 0, err)
        writers = len(procs)
        retries_per_run = TASKS // 2
        r = node_cli("report", "--dir", self.dir, "--env", "xlang", "--since", "1d", "--json")
        self.assertEqual(r["skipped_lines"], 0)
        self.assertEqual((r["runs"]["total"], r["runs"]["success"]), (writers * RUNS, writers * RUNS))
        self.assertEqual((r["tasks"]["total"], r["tasks"]["success"]), (writers * RUNS * TASKS,) * 2)
        agents = writers * RUNS * (TASKS + retries_per_run)
        self.assertEqual((r["agents"]["total"], r["agents"]["success"], r["agents"]["failure"]), (agents, writers * RUNS * TASKS, writers * RUNS * retries_per_run))
        self.assertEqual(r["agents"]["tokens"]["input"], writers * RUNS * (TASKS * 100 + retries_per_run * 10))
        # Retries are the fix attempts of debugging cycles an agent led (docs/metrics.md): two per task.
        self.assertEqual(r["agents"]["retries"], writers * RUNS * TASKS * 2)
        self.assertEqual((r["pipelines"]["total"], r["pipelines"]["passed"], r["pipelines"]["failed"]), (2 * writers * RUNS * TASKS, writers * RUNS * TASKS, writers * RUNS * TASKS))
        self.assertEqual(r["pipelines"]["first_attempt"], {"tasks": writers * RUNS * TASKS, "passed": 0})
        self.assertEqual((r["debugging"]["cycles"], r["debugging"]["resolved"], r["debugging"]["attempts_per_cycle"]), (writers * RUNS * TASKS, writers * RUNS * TASKS, 2))
        self.assertEqual((r["feedback"]["count"], r["feedback"]["mean_rating"]), (writers * RUNS * TASKS, 4))
        by_model = node_cli("report", "--dir", self.dir, "--env", "xlang", "--since", "1d", "--by", "model", "--json")
        text = str(by_model)
        self.assertIn("py-model", text)
        self.assertIn("node-model", text)
        agents_out = node_cli("agents", "--dir", self.dir, "--env", "xlang", "--since", "1d", "--json")
        self.assertIn("coding", str(agents_out))


if __name__ == "__main__":
    unittest.main()

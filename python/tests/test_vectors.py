"""The shared event vectors: the Python client writes the TypeScript SDK's exact lines."""
from __future__ import annotations

import json
import os
import unittest
from typing import Any, Dict, List

from agentmeter import Meter

from .helpers import VECTORS, TempStore, normalize_ids, read_lines


def run_case(case: Dict[str, Any], start_ms: int, root: str) -> List[str]:
    now = [start_ms]
    meter = Meter(dir=root, env=case["meter"]["env"], durability="flush", clock=lambda: now[0], on_diagnostic=lambda d: None)
    internal = meter._rec.diagnostics.counts
    handles: Dict[str, Any] = {"meter": meter}
    for call in case["calls"]:
        if call["op"] == "tick":
            now[0] += call["ms"]
            continue
        on = handles[call["on"]]
        args = dict(call.get("args") or {})
        if call["op"] == "feedback":
            target = call["target_id"] if "target_id" in call else handles[call["target"]]
            result = meter.feedback(target, **args)
        else:
            result = getattr(on, call["op"])(**args)
        if "as" in call:
            handles[call["as"]] = result
    meter.close()
    assert "E_SDK_INTERNAL" not in internal, "a call failed inside the client"
    return normalize_ids(read_lines(root))


class EventVectors(TempStore):
    def test_every_case_writes_the_typescript_lines(self) -> None:
        with open(os.path.join(VECTORS, "events.json"), encoding="utf-8") as f:
            doc = json.load(f)
        self.assertGreaterEqual(len(doc["cases"]), 4)
        for i, case in enumerate(doc["cases"]):
            with self.subTest(case["name"]):
                got = run_case(case, doc["start_ms"], os.path.join(self.dir, str(i)))
                self.assertEqual(len(got), len(case["lines"]))
                for g, want in zip(got, case["lines"]):
                    self.assertEqual(g, want)


if __name__ == "__main__":
    unittest.main()

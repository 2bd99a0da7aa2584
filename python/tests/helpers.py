"""Shared helpers of the Python client's tests."""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import tempfile
import unittest
from typing import Any, Dict, List

PYTHON_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
REPO = os.path.dirname(PYTHON_DIR)
VECTORS = os.path.join(REPO, "test", "vectors")
CLI = os.path.join(REPO, "dist", "cli", "bin.js")
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def normalize_ids(lines: List[str]) -> List[str]:
    """Ids replaced by ``<id:n>`` in order of first appearance (as test/vectors/vectors.test.ts)."""
    seen: Dict[str, str] = {}

    def sub(m: "re.Match[str]") -> str:
        i = m.group(0)
        if i not in seen:
            seen[i] = "<id:%d>" % (len(seen) + 1)
        return seen[i]

    return [UUID.sub(sub, line) for line in lines]


def read_lines(root: str) -> List[str]:
    """Every line of every segment of a store, folders and files in name order."""
    out: List[str] = []
    events = os.path.join(root, "events")
    if not os.path.isdir(events):
        return out
    for day in sorted(os.listdir(events)):
        for seg in sorted(os.listdir(os.path.join(events, day))):
            with open(os.path.join(events, day, seg), encoding="utf-8") as f:
                out.extend(line for line in f.read().split("\n") if line != "")
    return out


def node_cli(*args: str, timeout: float = 120) -> Any:
    """Run the built CLI (``npm run build`` first) and parse its JSON output."""
    if not os.path.exists(CLI):
        raise AssertionError(f"{CLI} is missing: run `npm run build` first")
    p = subprocess.run(["node", CLI, *args], capture_output=True, text=True, timeout=timeout)
    if p.returncode != 0:
        raise AssertionError(f"agentmeter {' '.join(args)} exited {p.returncode}: {p.stderr}")
    return json.loads(p.stdout)


class TempStore(unittest.TestCase):
    """A test case with a fresh store directory in ``self.dir``."""

    def setUp(self) -> None:
        self.dir = tempfile.mkdtemp(prefix="agentmeter-py-")

    def tearDown(self) -> None:
        shutil.rmtree(self.dir, ignore_errors=True)

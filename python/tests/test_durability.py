"""Durability: SIGKILL of several writer processes loses no acknowledged event and damages
no neighbour's line; buffered batches are written at exit and on SIGTERM; forked children
write their own segments."""
from __future__ import annotations

import json
import os
import selectors
import signal
import subprocess
import sys
import time
import unittest
from typing import Dict, List, Set

from agentmeter import Meter

from .helpers import PYTHON_DIR, TempStore, node_cli, read_lines

DEADLINE_S = 120


def spawn(*args: str) -> "subprocess.Popen[str]":
    env = dict(os.environ, PYTHONPATH=PYTHON_DIR)
    return subprocess.Popen(
        [sys.executable, "-m", "tests.writer_proc", *args],
        cwd=PYTHON_DIR, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )


def read_acks(procs: List["subprocess.Popen[str]"], enough: int) -> Dict[int, Set[str]]:
    """Acknowledged sequence numbers per process, read until each has ``enough`` (or said done)."""
    acks: Dict[int, Set[str]] = {p.pid: set() for p in procs}
    done: Set[int] = set()
    sel = selectors.DefaultSelector()
    for p in procs:
        assert p.stdout is not None
        os.set_blocking(p.stdout.fileno(), False)
        sel.register(p.stdout, selectors.EVENT_READ, p)
    bufs: Dict[int, str] = {p.pid: "" for p in procs}
    end = time.monotonic() + DEADLINE_S
    while any(len(acks[p.pid]) < enough and p.pid not in done for p in procs):
        if time.monotonic() > end:
            raise AssertionError(f"writers did not acknowledge {enough} events in {DEADLINE_S} s: {[len(a) for a in acks.values()]}")
        for key, _ in sel.select(timeout=1):
            p = key.data
            chunk = p.stdout.read()
            if not chunk:
                sel.unregister(p.stdout)
                done.add(p.pid)
                continue
            bufs[p.pid] += chunk
            *complete, bufs[p.pid] = bufs[p.pid].split("\n")
            for line in complete:
                if line == "done":
                    done.add(p.pid)
                else:
                    acks[p.pid].update(line.split())
    sel.close()
    return acks


def stored(root: str) -> Dict[str, int]:
    """Sequence numbers found in the store (a torn tail is skipped, as the reader skips it)."""
    seqs: Dict[str, int] = {}
    events = os.path.join(root, "events")
    for day in os.listdir(events):
        for seg in os.listdir(os.path.join(events, day)):
            with open(os.path.join(events, day, seg), "rb") as f:
                data = f.read()
            lines = data.split(b"\n")
            for i, line in enumerate(lines):
                if line == b"":
                    continue
                if i == len(lines) - 1:
                    continue  # no newline: the torn tail of a killed write
                e = json.loads(line)  # every complete line must parse
                s = e.get("attrs", {}).get("seq")
                if s is not None:
                    seqs[s] = seqs.get(s, 0) + 1
    return seqs


class SigKill(TempStore):
    def _kill_test(self, durability: str, writers: int, threads: int, per_thread: int, enough: int, flush_every: int = 0) -> None:
        procs = [spawn(self.dir, durability, f"w{n}", str(threads), str(per_thread), str(flush_every)) for n in range(writers)]
        try:
            acks = read_acks(procs, enough)
        finally:
            for p in procs:
                p.send_signal(signal.SIGKILL)
            for p in procs:
                p.wait(30)
                for s in (p.stdout, p.stderr, p.stdin):
                    if s is not None:
                        s.close()
        seqs = stored(self.dir)
        acked = set().union(*acks.values())
        self.assertGreaterEqual(len(acked), writers * min(enough, per_thread * threads) // 2)
        missing = sorted(acked - set(seqs))
        self.assertEqual(missing, [], f"{len(missing)} acknowledged events lost")
        self.assertEqual([s for s, n in seqs.items() if n > 1], [], "an event was written twice")
        report = node_cli("report", "--dir", self.dir, "--env", "test", "--since", "1d", "--json")
        # Only torn tails may be skipped: at most one per segment.
        segments = sum(len(fs) for _, _, fs in os.walk(os.path.join(self.dir, "events")))
        self.assertLessEqual(report["skipped_lines"], segments)
        self.assertEqual(report["optimizations"]["sessions"], len(seqs))

    def test_flush_mode_loses_no_acknowledged_event(self) -> None:
        self._kill_test("flush", writers=4, threads=2, per_thread=100_000, enough=1500)

    def test_sync_mode_loses_no_acknowledged_event(self) -> None:
        self._kill_test("sync", writers=3, threads=1, per_thread=100_000, enough=60)

    def test_buffered_mode_loses_nothing_flush_returned_for(self) -> None:
        self._kill_test("buffered", writers=3, threads=2, per_thread=100_000, enough=1500, flush_every=37)


class ExitAndSignals(TempStore):
    def test_buffered_events_are_written_at_normal_exit_without_close(self) -> None:
        p = spawn(self.dir, "buffered", "w", "2", "500")
        out, err = p.communicate(timeout=DEADLINE_S)
        self.assertEqual(p.returncode, 0, err)
        self.assertEqual(len(stored(self.dir)), 1000)

    def test_sigterm_writes_the_batch_and_terminates_as_before(self) -> None:
        p = spawn(self.dir, "buffered", "w", "1", "50", "0", "wait")
        try:
            read_acks([p], 1)  # "done": all 50 recorded, none written yet (interval 60 s, < 64 KiB)
            self.assertEqual(len(read_lines(self.dir)), 0)
            p.send_signal(signal.SIGTERM)
            p.wait(DEADLINE_S)
        finally:
            if p.poll() is None:
                p.kill()
                p.wait(30)
            for s in (p.stdout, p.stderr, p.stdin):
                if s is not None:
                    s.close()
        self.assertEqual(p.returncode, -signal.SIGTERM)
        self.assertEqual(len(stored(self.dir)), 50)


@unittest.skipUnless(hasattr(os, "fork"), "needs fork")
class Fork(TempStore):
    def test_a_forked_child_never_writes_the_parents_batch(self) -> None:
        meter = Meter(dir=self.dir, env="test", flush_interval_ms=60_000)
        run = meter.start_run(project="fork")
        for i in range(10):
            run.record_optimization(operation="parent", promoted=1, wallclock_seconds=1, attrs={"seq": f"p{i}"})
        pid = os.fork()
        if pid == 0:  # pragma: no cover - the child
            try:
                run.record_optimization(operation="child", promoted=1, wallclock_seconds=1, attrs={"seq": "c0"})
                meter.close()
            finally:
                os._exit(0)
        _, status = os.waitpid(pid, 0)
        self.assertEqual(os.waitstatus_to_exitcode(status) if hasattr(os, "waitstatus_to_exitcode") else status, 0)
        run.end(status="completed")
        meter.close()
        seqs = stored(self.dir)
        self.assertEqual(sorted(seqs), sorted([f"p{i}" for i in range(10)] + ["c0"]))
        self.assertEqual(set(seqs.values()), {1})


if __name__ == "__main__":
    unittest.main()

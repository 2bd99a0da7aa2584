"""The segment writer: rotation, day partitions, and every failure counted, never raised."""
from __future__ import annotations

import errno
import json
import os
import unittest
from unittest import mock

from agentmeter import Meter
from agentmeter import _writer
from agentmeter._model import DiagnosticChannel
from agentmeter._writer import SegmentWriter

from .helpers import TempStore, read_lines

DAY = 86_400_000
T0 = 1733230800000  # 2024-12-03T13:00:00Z


def line(i: int, pad: int = 80) -> str:
    return json.dumps({"i": i, "pad": "x" * pad}) + "\n"


def segments(root: str) -> list:
    out = []
    for day in sorted(os.listdir(os.path.join(root, "events"))):
        out.extend(os.path.join(day, s) for s in sorted(os.listdir(os.path.join(root, "events", day))))
    return out


class Writer(TempStore):
    def test_rotates_segments_and_partitions_by_the_events_utc_day(self) -> None:
        w = SegmentWriter(self.dir, durability="flush", max_segment_bytes=1000)
        for i in range(50):
            self.assertTrue(w.append(line(i), T0 + (DAY if i >= 25 else 0)))
        w.close()
        segs = segments(self.dir)
        self.assertEqual(sorted({s.split(os.sep)[0] for s in segs}), ["2024-12-03", "2024-12-04"])
        self.assertGreaterEqual(len(segs), 6)
        self.assertEqual(sorted(json.loads(x)["i"] for x in read_lines(self.dir)), list(range(50)))
        self.assertEqual((w.stats.appended, w.stats.written, w.stats.dropped, w.stats.segments), (50, 50, 0, len(segs)))
        for s in segs:
            self.assertRegex(os.path.basename(s), r"^\d{8}T\d{9}Z-%d-[0-9a-f]{6}\.jsonl$" % os.getpid())

    def test_buffered_writes_at_the_size_limit_and_on_flush(self) -> None:
        w = SegmentWriter(self.dir, durability="buffered", max_buffer_bytes=1000, flush_interval_ms=60_000, diagnostics=DiagnosticChannel(lambda d: None))
        for i in range(5):
            w.append(line(i), T0)
        self.assertEqual(read_lines(self.dir), [])
        for i in range(5, 12):
            w.append(line(i), T0)
        self.assertGreaterEqual(len(read_lines(self.dir)), 10)
        w.flush()
        self.assertEqual(len(read_lines(self.dir)), 12)
        w.close()
        self.assertFalse(w.append(line(99), T0))
        self.assertEqual((w.stats.written, w.stats.dropped), (12, 1))

    def test_a_store_that_cannot_be_created_drops_and_counts(self) -> None:
        with open(os.path.join(self.dir, "events"), "w") as f:
            f.write("not a folder")
        seen = []
        diag = DiagnosticChannel(seen.append)
        w = SegmentWriter(self.dir, durability="flush", diagnostics=diag)
        for i in range(3):
            self.assertFalse(w.append(line(i), T0))
        self.assertEqual((w.stats.written, w.stats.dropped), (0, 3))
        self.assertEqual([d.code for d in seen], ["E_STORE_WRITE_FAILED"])
        self.assertEqual(diag.counts["E_STORE_WRITE_FAILED"], 3)

    def test_a_disk_that_fills_up_keeps_whole_lines_and_moves_to_a_new_segment(self) -> None:
        seen = []
        w = SegmentWriter(self.dir, durability="buffered", max_buffer_bytes=10**6, diagnostics=DiagnosticChannel(seen.append))
        for i in range(10):
            w.append(line(i), T0)
        real_write = os.write
        calls = {"n": 0}

        def full_disk(fd: int, data: bytes) -> int:
            calls["n"] += 1
            if calls["n"] == 1:
                return real_write(fd, bytes(data)[: len(line(0)) * 3 + 5])  # three lines and a bit
            raise OSError(errno.ENOSPC, "No space left on device")

        with mock.patch.object(_writer.os, "write", full_disk):
            self.assertFalse(w.flush())
        self.assertEqual((w.stats.written, w.stats.dropped), (3, 7))
        self.assertEqual([d.code for d in seen], ["E_STORE_WRITE_FAILED"])
        self.assertIn("ENOSPC", seen[0].message)
        w.append(line(10), T0)
        w.close()
        segs = segments(self.dir)
        self.assertEqual(len(segs), 2)  # never appended after the torn tail
        with open(os.path.join(self.dir, "events", segs[0]), "rb") as f:
            self.assertFalse(f.read().endswith(b"\n"))
        with open(os.path.join(self.dir, "events", segs[1]), encoding="utf-8") as f:
            self.assertEqual(json.loads(f.read())["i"], 10)

    def test_a_meter_counts_write_failures_in_its_stats(self) -> None:
        with open(os.path.join(self.dir, "events"), "w") as f:
            f.write("x")
        meter = Meter(dir=self.dir, env="test", durability="flush", on_diagnostic=lambda d: None)
        with meter.start_run(project="p") as run:
            run.start_task(key=1).end(status="completed")
        meter.close()
        s = meter.stats()
        self.assertEqual((s["recorded"], s["written"], s["dropped"]), (4, 0, 4))
        self.assertEqual(s["diagnostics"]["E_STORE_WRITE_FAILED"], 4)


if __name__ == "__main__":
    unittest.main()

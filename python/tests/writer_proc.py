"""A writer process for the durability tests: records numbered events and acknowledges each
on stdout once ``record`` (flush, sync) or ``flush()`` (buffered) has returned.

    python -m tests.writer_proc <dir> <durability> <writer> <threads> <events per thread> [flush_every]
"""
from __future__ import annotations

import sys
import threading

from agentmeter import Meter


def main() -> None:
    root, durability, writer, threads, count = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5])
    flush_every = int(sys.argv[6]) if len(sys.argv) > 6 else 0
    meter = Meter(dir=root, env="test", durability=durability, flush_interval_ms=60_000)
    run = meter.start_run(project="kill", key=writer)
    out_lock = threading.Lock()

    def ack(text: str) -> None:
        with out_lock:
            sys.stdout.write(text + "\n")
            sys.stdout.flush()

    def work(t: int) -> None:
        pending = []
        for i in range(count):
            # Same-size events with a long attribute, so writes are big enough to be cut.
            run.record_optimization(operation=f"op-{writer}", variants_generated=i, validated=t, promoted=0, wallclock_seconds=1, attrs={"seq": f"{writer}/{t}/{i}", "pad": "x" * 300})
            pending.append(f"{writer}/{t}/{i}")
            if durability != "buffered":
                ack(pending.pop())
            elif flush_every and len(pending) >= flush_every:
                meter.flush()
                ack(" ".join(pending))
                pending = []

    ts = [threading.Thread(target=work, args=(t,)) for t in range(threads)]
    for th in ts:
        th.start()
    for th in ts:
        th.join()
    ack("done")
    if len(sys.argv) > 7 and sys.argv[7] == "wait":
        sys.stdin.read()  # wait to be killed or signalled


if __name__ == "__main__":
    main()

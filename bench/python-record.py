"""Cost of recording one event with the Python client, against ``json.dumps`` of the same
event objects (and ``json.dumps`` + ``os.write`` per event for ``flush`` mode), measured in
the same run.

One iteration is an agent invocation, ``task.start_agent(...).end(...)``: two events (a
span.start and a span.end, the same calls as bench/record.mjs). Every case is timed in rounds
of N iterations, including the flush at the end of the round; rounds of all cases are
interleaved so drift hits them alike, and the median round is reported. Targets
(docs/performance.md): buffered <= 2x json.dumps, flush <= 2x json.dumps + os.write.

    python3 bench/python-record.py [--quick]
"""
from __future__ import annotations

import json
import os
import platform
import shutil
import statistics
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "python"))

from agentmeter import Meter  # noqa: E402

QUICK = "--quick" in sys.argv
ROUNDS = 3 if QUICK else 9
WARMUP = 1 if QUICK else 2
N = 2_000 if QUICK else 10_000  # iterations (2 events each) per round
N_SYNC = 50 if QUICK else 150
TARGET = 2.0

ROOT = os.path.join(HERE, ".data", "python-record")
shutil.rmtree(ROOT, ignore_errors=True)
os.makedirs(ROOT)


def agent_once(task) -> None:  # type: ignore[no-untyped-def]
    # User code as it would call the client: fresh arguments per call.
    task.start_agent(name="coding", type="development").end(
        status="success",
        tokens={"input": 5200, "output": 800},
        cost_usd=0.0031,
        files_modified=["src/cart/total.ts", "test/cart.test.ts"],
        tools_used=["read_file", "edit_file", "run_tests"],
    )


def open_meter(durability: str, name: str = ""):  # type: ignore[no-untyped-def]
    meter = Meter(dir=os.path.join(ROOT, name or durability), env="prod", durability=durability, on_diagnostic=lambda d: print(durability, d, file=sys.stderr))
    run = meter.start_run(project="web-shop", llm={"provider": "openai", "model": "gpt-4.1", "temperature": 0.2}, mode="implement_all")
    return meter, run.start_task(key=4242, type="feature_development")


def sample_events():  # type: ignore[no-untyped-def]
    """The exact objects the client writes for one agent invocation, read back from a probe store."""
    meter, task = open_meter("flush", "probe")
    agent_once(task)
    meter.close()
    day = os.path.join(ROOT, "probe", "events", os.listdir(os.path.join(ROOT, "probe", "events"))[0])
    with open(os.path.join(day, os.listdir(day)[0]), encoding="utf-8") as f:
        lines = [json.loads(x) for x in f.read().split("\n") if '"kind":"agent"' in x]
    return lines[0], lines[1]


START, END = sample_events()
LINE_BYTES = (len(json.dumps(START, separators=(",", ":"))) + len(json.dumps(END, separators=(",", ":"))) + 2) / 2


class Case:
    def __init__(self, name: str, n: int, make) -> None:  # type: ignore[no-untyped-def]
        self.name, self.n, self.make = name, n, make
        self.wall: list = []
        self.cpu: list = []


def dumps_case():  # type: ignore[no-untyped-def]
    dumps = json.dumps
    sink = [0]

    def run(n: int) -> None:
        s = 0
        for _ in range(n):
            s += len(dumps(START)) + len(dumps(END))
        sink[0] += s

    return run, lambda: None


def dumps_write_case():  # type: ignore[no-untyped-def]
    fd = os.open(os.path.join(ROOT, "dumps-write.jsonl"), os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    dumps, write = json.dumps, os.write

    def run(n: int) -> None:
        for _ in range(n):
            write(fd, (dumps(START) + "\n").encode())
            write(fd, (dumps(END) + "\n").encode())

    return run, lambda: os.close(fd)


def meter_case(durability: str):  # type: ignore[no-untyped-def]
    def make():  # type: ignore[no-untyped-def]
        meter, task = open_meter(durability)

        def run(n: int) -> None:
            for _ in range(n):
                agent_once(task)
            meter.flush()

        def close() -> None:
            meter.close()
            s = meter.stats()
            if s["dropped"]:
                print(f"{durability}: {s['dropped']} events dropped", file=sys.stderr)

        return run, close

    return make


CASES = [
    Case("json.dumps (baseline)", N, dumps_case),
    Case("agentmeter buffered", N, meter_case("buffered")),
    Case("json.dumps + os.write per event (baseline)", N, dumps_write_case),
    Case("agentmeter flush", N, meter_case("flush")),
    Case("agentmeter sync", N_SYNC, meter_case("sync")),
]


def main() -> None:
    runners = [(c, *c.make()) for c in CASES]
    for r in range(WARMUP + ROUNDS):
        for c, run, _ in runners:
            w0, c0 = time.perf_counter(), time.process_time()
            run(c.n)
            w1, c1 = time.perf_counter(), time.process_time()
            if r >= WARMUP:
                c.wall.append((w1 - w0) / (2 * c.n) * 1e9)
                c.cpu.append((c1 - c0) / (2 * c.n) * 1e9)
    for _, _, close in runners:
        close()
    med = {c.name: (statistics.median(c.wall), statistics.median(c.cpu)) for c in CASES}
    base, base_w = med["json.dumps (baseline)"], med["json.dumps + os.write per event (baseline)"]
    print(f"Python {platform.python_version()} on {platform.machine()}, {os.cpu_count()} cores; "
          f"{ROUNDS} rounds of {N} invocations (2 events, {LINE_BYTES:.0f} bytes a line), median round\n")
    print("| case | ns/event wall | ns/event CPU | vs json.dumps (wall, CPU) | vs json.dumps + os.write (wall, CPU) |")
    print("|---|---:|---:|---:|---:|")
    for c in CASES:
        w, cpu = med[c.name]
        print(f"| {c.name} | {w:.0f} | {cpu:.0f} | {w / base[0]:.2f}×, {cpu / base[1]:.2f}× | {w / base_w[0]:.2f}×, {cpu / base_w[1]:.2f}× |")
    rb = med["agentmeter buffered"][0] / base[0]
    rf = med["agentmeter flush"][0] / base_w[0]
    print(f"\nbuffered: {rb:.2f}× json.dumps (target <= {TARGET}×): {'met' if rb <= TARGET else 'missed'}")
    print(f"flush:    {rf:.2f}× json.dumps + os.write (target <= {TARGET}×): {'met' if rf <= TARGET else 'missed'}")
    os.makedirs(os.path.join(HERE, ".data", "results"), exist_ok=True)
    with open(os.path.join(HERE, ".data", "results", "python-record.json"), "w") as f:
        json.dump({"date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "python": platform.python_version(), "ns_per_event": med, "buffered_ratio": rb, "flush_ratio": rf}, f, indent=2)


if __name__ == "__main__":
    main()

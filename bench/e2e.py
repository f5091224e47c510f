"""End to end: messages from new citizens at a steady rate through webhook → task worker →
complaint → acknowledgement sent to the Graph API emulator; the time from when each message was
due to be sent (its place in the steady rate, so a slow webhook answer that holds the senders
back counts too) to the emulator receiving that citizen's acknowledgement, and what the
workers used.

    .venv/bin/python bench/e2e.py [--rate 100] [--seconds 60] [--database postgres|sqlite]
                                  [--graph-seconds 0.15]

`ontong serve` with its default sizing (web workers CPU + 1, task workers CPU, the shared Korean
analyser), on a fresh database; the emulator echoes every send back as Meta does. The load
generator and the emulator run in this process on the same machine.
"""

import argparse
import os
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
from harness import (
    acknowledged,
    cores_used,
    cpu_by_part,
    cpu_seconds,
    environment,
    free_port,
    korean_messages,
    peak_mib,
    post_citizen_message,
    postgres_database,
    prepare,
    processes_of,
    serve,
    start_emulator,
)

HTTP = httpx.Client(limits=httpx.Limits(max_connections=64))


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * share))]


def seconds(value: float) -> str:
    return "never" if value == float("inf") else f"{value:.2f} s"


def latencies_of_all(
    sent: int, posted: dict[str, float], acks: dict[str, list[float]]
) -> list[float]:
    """One latency per message sent: from its POST to its first acknowledgement; a message never
    acknowledged in the run (or never answered 200) is infinitely late (issue 21)."""
    found = [min(acks[psid]) - start for psid, start in posted.items() if acks.get(psid)]
    return found + [float("inf")] * (sent - len(found))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rate", type=float, default=100, help="messages per second")
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--database", choices=["postgres", "sqlite"], default="postgres")
    parser.add_argument(
        "--settle", type=float, default=120, help="seconds to wait for the last acknowledgements"
    )
    parser.add_argument(
        "--graph-seconds",
        type=float,
        default=0.0,
        help="how long the emulated Send API takes to answer (Graph's usual: 0.1-0.3 s)",
    )
    args = parser.parse_args()
    url = postgres_database("ontong_e2e") if args.database == "postgres" else ""
    env = environment(url)
    os.environ.update(env)

    port = free_port()
    emulator = start_emulator(port, args.graph_seconds)
    prepare(env, f"{emulator.base_url}/v25.0")
    server = serve(env, port)  # its default sizing
    processes = processes_of(server.pid)
    cpu_before = {pid: cpu_seconds(pid) for pids in processes.values() for pid in pids}

    count = int(args.rate * args.seconds)
    texts = korean_messages(count, seed=7)
    posted: dict[str, float] = {}
    failures = []
    lock = threading.Lock()

    def send(index: int, due: float):
        psid, _start, ok, _took = post_citizen_message(
            HTTP, port, emulator, "e2e", index, texts[index]
        )
        with lock:
            if ok:
                # From when it was due, not when a sender thread got to it: a server that
                # answers webhooks slowly delays the sending too (coordinated omission).
                posted[psid] = due
            else:
                failures.append(index)

    parts_before = cpu_by_part(server.pid)
    began = time.time()
    with ThreadPoolExecutor(max_workers=32) as pool:
        for index in range(count):
            due = began + index / args.rate
            time.sleep(max(0, due - time.time()))
            pool.submit(send, index, due)
        scheduled_seconds = time.time() - began
    load_seconds = time.time() - began
    parts_during_load = cores_used(parts_before, cpu_by_part(server.pid), load_seconds)

    acknowledged(emulator, posted, args.settle)
    time.sleep(2)  # a second acknowledgement, if any, would come now
    wall = time.time() - began
    received = acknowledged(emulator, posted, settle=0)
    twice = sum(1 for times in received.values() if len(times) > 1)
    latencies = latencies_of_all(count, posted, received)
    processes = processes_of(server.pid)
    usage = {}
    for kind, pids in processes.items():
        cpu = sum(cpu_seconds(pid) - cpu_before.get(pid, 0) for pid in pids)
        usage[kind] = (cpu, sum(peak_mib(pid) for pid in pids), len(pids))
    server.terminate()
    server.wait(timeout=60)
    emulator.stop()

    rows = [
        ("database", args.database),
        ("Send API answer time", f"{args.graph_seconds:.2f} s"),
        (
            "messages / rate / load time",
            f"{count} / {args.rate:.0f} per s / due over {scheduled_seconds:.1f} s, "
            f"all answered after {load_seconds:.1f} s",
        ),
        ("answered 200", len(posted)),
        ("not answered 200", len(failures)),
        ("acknowledged", f"{len(received)} (missing {count - len(received)})"),
        ("acknowledged more than once", twice),
        (
            "due time → acknowledgement, every message sent",
            f"p50 {seconds(percentile(latencies, 0.5))}, p95 {seconds(percentile(latencies, 0.95))}, "
            f"p99 {seconds(percentile(latencies, 0.99))}, max {seconds(max(latencies))}",
        ),
    ]
    task_cpu = usage.get("task", (0.0, 0.0, 0))[0]
    rows.append(
        (
            "task worker CPU per acknowledged message",
            f"{1000 * task_cpu / len(received):.1f} ms" if received else "none acknowledged",
        )
    )
    for kind, (cpu, peak, number) in usage.items():
        rows.append(
            (
                f"{kind} processes ({number})",
                f"CPU {cpu:.0f} s over {wall:.0f} s = {cpu / wall:.2f} cores; "
                f"peak memory {peak:.0f} MiB in all",
            )
        )
    rows.append(("cores while messages arrived", parts_during_load))
    width = max(len(k) for k, _ in rows)
    for key, value in rows:
        print(f"{key:<{width}}  {value}")
    met = len(received) == count and not twice and percentile(latencies, 0.95) < 2
    print("RESULT:", "p95 < 2 s met" if met else "target NOT met")


if __name__ == "__main__":
    main()

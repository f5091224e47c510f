"""Ingest: how many signed Messenger webhooks per second `ontong serve` takes while its 99th
percentile answer time stays under 100 ms — and the same for a floor, a minimal app under the
same gunicorn that only verifies the signature and inserts the raw body (bench/floor.py).

    .venv/bin/python bench/ingest.py [--database postgres|sqlite|both] [--duration 10]
                                     [--connections 1,2,4,8,16,32]

The load generator is wrk (Debian package `wrk`; installed here when missing and running as
root), on the same machine, closed-loop: for each number of connections it reports requests per
second and latency percentiles, and the figure is the highest rate whose p99 < 100 ms. Every
POST carries a distinct message with real Korean text (../shared/data) and a valid signature.
Webhook processing is the task workers' job and is measured by bench/e2e.py; by default both
servers only answer (`--task-workers 0`), so the comparison is answer path against answer path.
`--task-workers 0,2` also runs ontong with two task workers processing what arrives (on SQLite
they compete for the one writer lock with every webhook's INSERT; acknowledgements go to a
closed port and are retried later, as when Meta is unreachable), reported as "ontong+w2".
"""

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from harness import (
    PAGE,
    ROOT,
    SECRET,
    environment,
    free_port,
    korean_messages,
    message_body,
    postgres_database,
    prepare,
    serve,
    sign,
    wait_ready,
)


def cpu_count() -> int:
    """As `ontong serve` counts (its module needs Django set up, so not imported from there)."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


P99_LIMIT_MS = 100
BENCH = Path(__file__).resolve().parent


def ensure_wrk() -> str:
    found = shutil.which("wrk")
    if found:
        return found
    if os.geteuid() == 0 and shutil.which("apt-get"):
        subprocess.run(["apt-get", "install", "-y", "-q", "wrk"], check=True, capture_output=True)
        return shutil.which("wrk")
    raise SystemExit("wrk is needed: apt-get install wrk")


def bodies_file(count: int, run: str, texts: list[str]) -> str:
    """count signed webhooks with distinct message ids, one "signature<TAB>body" per line."""
    path = Path(tempfile.mkdtemp(prefix="ontong-ingest-")) / "bodies.tsv"
    with path.open("w", encoding="utf-8") as out:
        for index in range(count):
            body = message_body(
                f"m_{run}_{index}", f"psid-{run}-{index}", texts[index % len(texts)]
            )
            out.write(f"{sign(body)}\t{body.decode()}\n")
    return str(path)


def wrk(url: str, connections: int, seconds: int, bodies: str) -> dict:
    threads = min(connections, cpu_count())
    out = subprocess.run(
        [
            ensure_wrk(),
            f"-t{threads}",
            f"-c{connections}",
            f"-d{seconds}s",
            "--latency",
            "--timeout",
            "5s",
            "-s",
            str(BENCH / "ingest.lua"),
            url,
            "--",
            bodies,
            str(threads),
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return parse_wrk(out)


def parse_wrk(out: str) -> dict:
    def ms(value: str | None) -> float:
        """A percentile wrk printed; one it did not print (no answer in time) is infinite."""
        found = re.fullmatch(r"([\d.]+)(us|ms|s|m)", value or "")
        if found is None:
            return float("inf")
        number, unit = found.groups()
        return float(number) * {"us": 0.001, "ms": 1, "s": 1000, "m": 60000}[unit]

    percentiles = dict(re.findall(r"^\s+(50|90|99)%\s+(\S+)\s*$", out, re.M))
    requests = int(re.search(r"(\d+) requests in", out).group(1))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    socket_errors = re.search(r"Socket errors: (.*)$", out, re.M)
    return {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
        "p50": ms(percentiles.get("50")),
        "p90": ms(percentiles.get("90")),
        "p99": ms(percentiles.get("99")),
        "requests": requests,
        "non_2xx": int(errors.group(1)) if errors else 0,
        "socket_errors": socket_errors.group(1) if socket_errors else "",
    }


def start_floor(database: str, port: int, workers: int) -> subprocess.Popen:
    env = {**os.environ, "FLOOR_SECRET": SECRET, "FLOOR_DATABASE": database}
    subprocess.run(
        [sys.executable, "-c", "import floor; floor.create_table()"], cwd=BENCH, env=env, check=True
    )
    process = subprocess.Popen(  # noqa: S603
        [
            sys.executable,
            "-m",
            "gunicorn",
            "--chdir",
            str(BENCH),
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
            "--keep-alive",
            "5",
            "floor:app",
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}/"
    body = message_body("m_ready", "psid-ready", "준비")
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            import httpx

            headers = {"X-Hub-Signature-256": sign(body)}
            if httpx.post(url, content=body, headers=headers, timeout=1).status_code == 200:
                return process
        except httpx.HTTPError:
            time.sleep(0.2)
    raise SystemExit("the floor app did not start")


def stored(database_url: str, table: str) -> int:
    if database_url.startswith("postgres"):
        import psycopg

        with psycopg.connect(database_url) as connection:
            return connection.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
    import sqlite3

    with sqlite3.connect(database_url) as connection:
        return connection.execute(f"SELECT count(*) FROM {table}").fetchone()[0]


def sweep(label: str, url: str, args, texts, count_stored) -> list[dict]:
    results = []
    for connections in args.connections:
        before = count_stored()
        bodies = bodies_file(args.max_rate * args.duration, f"{label}{connections}", texts)
        result = wrk(url, connections, args.duration, bodies)
        time.sleep(0.5)  # let the last requests finish
        result.update(connections=connections, stored=count_stored() - before)
        results.append(result)
        print(
            f"  {label:<7} c={connections:<3} {result['rps']:8.0f} req/s  p50 {result['p50']:6.1f} ms"
            f"  p90 {result['p90']:6.1f} ms  p99 {result['p99']:6.1f} ms  non-200 {result['non_2xx']}"
            f"  stored {result['stored']}/{result['requests']} {result['socket_errors']}",
            flush=True,
        )
        shutil.rmtree(Path(bodies).parent)
    return results


def best(results: list[dict]) -> dict | None:
    within = [r for r in results if r["p99"] < P99_LIMIT_MS and r["non_2xx"] == 0]
    return max(within, key=lambda r: r["rps"], default=None)


def run_database(kind: str, args, texts) -> tuple[dict, dict | None]:
    workers = args.web_workers
    folder = tempfile.mkdtemp(prefix="ontong-ingest-sqlite-")
    if kind == "postgres":
        floor_target = postgres_database("ontong_ingest_floor")
    else:
        floor_target = f"{folder}/floor.sqlite3"
    print(
        f"{kind}: ontong serve ({workers} web workers; task workers {args.task_workers}) and the "
        f"floor (gunicorn, {workers} workers)"
    )
    ontong_best = {}
    for task_workers in args.task_workers:  # each pass on a fresh database
        name = "ontong_ingest" if task_workers == 0 else f"ontong_ingest_w{task_workers}"
        if kind == "postgres":
            ontong_url = table_db = postgres_database(name)
        else:
            table_db = f"{folder}/{name}.sqlite3"
            ontong_url = f"sqlite:///{table_db}"
        env = environment(ontong_url)
        prepare(env)
        port = free_port()
        server = serve(env, port, web_workers=workers, task_workers=task_workers)
        wait_ready(f"http://127.0.0.1:{port}/healthz", server)
        label = "ontong" if task_workers == 0 else f"ontong+w{task_workers}"
        try:
            results = sweep(
                label,
                f"http://127.0.0.1:{port}/webhooks/meta/",
                args,
                texts,
                lambda db=table_db: stored(db, "channels_meta_webhookdelivery"),
            )
        finally:
            server.terminate()
            server.wait(timeout=60)
        ontong_best[label] = best(results)
    floor_port = free_port()
    floor = start_floor(floor_target, floor_port, workers)
    try:
        floor_results = sweep(
            "floor",
            f"http://127.0.0.1:{floor_port}/",
            args,
            texts,
            lambda: stored(floor_target, "floor_event"),
        )
    finally:
        floor.terminate()
        floor.wait(timeout=30)
    return ontong_best, best(floor_results)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--database", choices=["postgres", "sqlite", "both"], default="both")
    parser.add_argument("--duration", type=int, default=10, help="seconds per load level")
    parser.add_argument(
        "--connections",
        type=lambda s: [int(x) for x in s.split(",")],
        default=[1, 2, 4, 8, 16, 32],
    )
    parser.add_argument("--web-workers", type=int, default=cpu_count() + 1)
    parser.add_argument(
        "--task-workers",
        type=lambda s: [int(x) for x in s.split(",")],
        default=[0],
        help="one ontong pass per value, e.g. 0,2",
    )
    parser.add_argument("--max-rate", type=int, default=6000, help="bodies prepared per second")
    args = parser.parse_args()
    os.chdir(ROOT)
    texts = korean_messages(5000)
    print(
        f"machine: {cpu_count()} cores; wrk on the same machine; {len(texts)} distinct Korean messages, "
        f"median {sorted(map(len, texts))[len(texts) // 2]} chars; page {PAGE}"
    )
    summary = []
    for kind in ["postgres", "sqlite"] if args.database == "both" else [args.database]:
        ours, floor = run_database(kind, args, texts)
        summary.append((kind, ours, floor))
    print(f"\nsustained webhooks/s with p99 < {P99_LIMIT_MS} ms (every answer 200):")
    for kind, passes, floor in summary:
        floor_rps = floor["rps"] if floor else 0
        for label, ours in passes.items():
            ours_rps = ours["rps"] if ours else 0
            share = ours_rps / floor_rps if floor_rps else 0
            print(
                f"  {kind:<9} {label:<10} {ours_rps:7.0f}/s (c={ours and ours['connections']}, p99 "
                f"{ours and ours['p99']} ms)   floor {floor_rps:7.0f}/s "
                f"(c={floor and floor['connections']})   ratio to floor {share:.0%}   "
                f"target ≥ 1,000/s and ≥ 50%: "
                f"{'met' if ours_rps >= 1000 and share >= 0.5 else 'NOT met'}"
            )


if __name__ == "__main__":
    main()

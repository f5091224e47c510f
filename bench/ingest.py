"""Ingest: how many signed Messenger webhooks per second `ontong serve` takes while its 99th
percentile answer time stays under 100 ms — and the same for a floor, a minimal app under the
same gunicorn that only verifies the signature and inserts the raw body (bench/floor.py).

    .venv/bin/python bench/ingest.py [--database postgres|sqlite|both] [--duration 10]
                                     [--connections 1,2,4,8,16,32]

The load generator is wrk (Debian package `wrk`; installed here when missing and running as
root), on the same machine, closed-loop: for each number of connections it reports requests per
second and latency percentiles, and the figure is the highest rate whose p99 < 100 ms. Every
POST carries a distinct message with real Korean text (../shared/data) and a valid signature.
Webhook processing is the task workers' job and is measured by bench/e2e.py; here both servers
only answer (`--task-workers 0`), so the comparison is answer path against answer path.
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

from ontong.web.management.commands.serve import cpu_count

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
    def ms(value: str) -> float:
        number, unit = re.fullmatch(r"([\d.]+)(us|ms|s)", value).groups()
        return float(number) * {"us": 0.001, "ms": 1, "s": 1000}[unit]

    percentiles = dict(re.findall(r"^\s+(50|90|99)%\s+(\S+)$", out, re.M))
    requests = int(re.search(r"(\d+) requests in", out).group(1))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    socket_errors = re.search(r"Socket errors: (.*)$", out, re.M)
    return {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
        "p50": ms(percentiles["50"]),
        "p90": ms(percentiles["90"]),
        "p99": ms(percentiles["99"]),
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


def run_database(kind: str, args, texts) -> tuple[dict | None, dict | None]:
    workers = args.web_workers
    if kind == "postgres":
        ontong_url = postgres_database("ontong_ingest")
        floor_url = postgres_database("ontong_ingest_floor")
        floor_target = floor_url
    else:
        folder = tempfile.mkdtemp(prefix="ontong-ingest-sqlite-")
        ontong_url = f"sqlite:///{folder}/ontong.sqlite3"
        floor_target = f"{folder}/floor.sqlite3"
    env = environment(ontong_url)
    prepare(env)
    port = free_port()
    server = serve(env, port, web_workers=workers, task_workers=0)
    wait_ready(f"http://127.0.0.1:{port}/healthz", server)
    table_db = ontong_url if kind == "postgres" else ontong_url.removeprefix("sqlite:///")
    print(
        f"{kind}: ontong serve ({workers} web workers) and the floor (gunicorn, {workers} workers)"
    )
    try:
        ontong_results = sweep(
            "ontong",
            f"http://127.0.0.1:{port}/webhooks/meta/",
            args,
            texts,
            lambda: stored(table_db, "channels_meta_webhookdelivery"),
        )
    finally:
        server.terminate()
        server.wait(timeout=60)
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
    return best(ontong_results), best(floor_results)


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
    for kind, ours, floor in summary:
        ours_rps = ours["rps"] if ours else 0
        floor_rps = floor["rps"] if floor else 0
        share = ours_rps / floor_rps if floor_rps else 0
        print(
            f"  {kind:<9} ontong {ours_rps:7.0f}/s (c={ours and ours['connections']}, p99 "
            f"{ours and ours['p99']} ms)   floor {floor_rps:7.0f}/s (c={floor and floor['connections']})"
            f"   ontong/floor {share:.0%}   target ≥ 1,000/s and ≥ 50%: "
            f"{'met' if ours_rps >= 1000 and share >= 0.5 else 'NOT met'}"
        )


if __name__ == "__main__":
    main()

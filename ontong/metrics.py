"""Prometheus metrics, summed over every process of the machine (prometheus_client's multiprocess
mode: each process writes its values to files in PROMETHEUS_MULTIPROC_DIR, which the settings set
from ONTONG_METRICS_DIR before this module is imported, and /metrics reads them all).

`ontong serve` empties the directory when it starts and marks each web or task worker that exits
as dead, so the per-process gauges of dead workers disappear; counters keep what dead workers
counted, so totals never go backwards."""

import os
import time
from pathlib import Path

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)

REQUESTS = Counter("ontong_requests", "Requests served (all web workers of this machine)")
PROCESS_START = Gauge(
    "ontong_process_start_time_seconds",
    "When each live process (web or task worker) started, Unix time",
    multiprocess_mode="liveall",
)
JOB_RUNS = Counter(
    "ontong_worker_job_runs",
    "Runs of each periodic worker job, by outcome (ok or failed)",
    ["job", "outcome"],
)
JOB_SECONDS = Histogram(
    "ontong_worker_job_seconds",
    "Time one run of a periodic worker job took",
    ["job"],
    buckets=(0.01, 0.1, 0.5, 1, 5, 30, 120, 600),
)
JOB_LAST_SUCCESS = Gauge(
    "ontong_worker_job_last_success_time_seconds",
    "When a periodic worker job last succeeded on any worker, Unix time",
    ["job"],
    multiprocess_mode="max",
)


def process_started() -> None:
    """Record this process's start (at import, and again in a forked gunicorn worker)."""
    PROCESS_START.set(time.time())


process_started()


def count_request() -> None:
    """One request served (Django's middleware and the webhook fast path in front of it)."""
    REQUESTS.inc()


def multiprocess_dir() -> Path | None:
    directory = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    return Path(directory) if directory else None


def reset_multiprocess_dir() -> None:
    """Start a run of the machine's processes without the files of an earlier run's processes
    (prometheus_client asks for this before the first worker starts); this process's own stay."""
    directory = multiprocess_dir()
    if directory is None:
        return
    for path in directory.glob("*.db"):
        if not path.stem.endswith(f"_{os.getpid()}"):
            path.unlink(missing_ok=True)


def process_exited(pid: int) -> None:
    """Drop the live gauges of a worker process that has exited."""
    if multiprocess_dir() is not None:
        multiprocess.mark_process_dead(pid)


class _ThisProcess:
    """Without a multiprocess directory (code run outside the settings): this process only."""

    def collect(self):
        return REGISTRY.collect()


def exposition(*collectors) -> tuple[bytes, str]:
    """The text /metrics answers, and its content type: every process's metrics, then the
    given collectors' (values read at scrape time, such as counts from the database)."""
    registry = CollectorRegistry()
    if multiprocess_dir() is not None:
        multiprocess.MultiProcessCollector(registry)
    else:
        registry.register(_ThisProcess())
    for collector in collectors:
        registry.register(collector)
    return generate_latest(registry), CONTENT_TYPE_LATEST

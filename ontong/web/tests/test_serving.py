"""Production serving: health, readiness, metrics; `ontong serve` keeps its workers alive; three
task workers on PostgreSQL never run a task twice."""

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parents[3]


@pytest.mark.django_db
def test_health_readiness_and_metrics(client, settings):
    assert client.get("/healthz").content == b"ok"
    assert client.get("/readyz").json() == {"ready": True}
    body = client.get("/metrics").content.decode()  # the test client comes from 127.0.0.1
    for name in [
        "ontong_requests_total",
        "ontong_tasks_queued",
        "ontong_oldest_queued_task_seconds",
        "ontong_deliveries_failed",
        "ontong_webhooks_unprocessed",
    ]:
        assert f"\n{name}" in body or body.startswith(f"# HELP {name}") or f"{name}{{" in body
    outside = {"REMOTE_ADDR": "203.0.113.9"}
    assert client.get("/metrics", **outside).status_code == 403
    settings.ONTONG_METRICS_TOKEN = "scrape-me"
    ok = client.get("/metrics", headers={"Authorization": "Bearer scrape-me"}, **outside)
    assert ok.status_code == 200


@pytest.mark.django_db
def test_readiness_fails_while_migrations_are_missing(client, monkeypatch):
    from django.db.migrations.executor import MigrationExecutor

    monkeypatch.setattr(MigrationExecutor, "migration_plan", lambda self, targets: [("x", False)])
    response = client.get("/readyz")
    assert response.status_code == 503 and "migrations" in response.json()["reason"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def children_of(pid: int, command: bytes = b"ontong worker") -> list[int]:
    """`ontong <command>` processes whose parent is pid, read from /proc."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            cmdline = (stat.parent / "cmdline").read_bytes().replace(b"\0", b" ")
        except OSError:
            continue
        if int(fields[1]) == pid and command in cmdline:
            found.append(int(stat.parent.name))
    return found


def live_metrics(port: int, pids: list[int]) -> str:
    """/metrics once every one of these processes reports its start (they may still be starting)."""
    for _ in range(120):
        live = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=5).text
        if all(f'ontong_process_start_time_seconds{{pid="{pid}"}}' in live for pid in pids):
            return live
        time.sleep(0.5)
    pytest.fail(f"processes {pids} not in /metrics:\n{live}")


def test_serve_answers_with_a_shared_analyser_restarts_a_killed_worker_and_stops_cleanly(tmp_path):
    env = {
        **os.environ,
        "ONTONG_VAR_DIR": str(tmp_path),
        "ONTONG_PRELOAD_NLP": "0",
        "DJANGO_SETTINGS_MODULE": "ontong.settings",
    }
    env.pop("DATABASE_URL", None)
    subprocess.run(
        [sys.executable, "-m", "ontong", "migrate", "--verbosity", "0"],
        cwd=ROOT,
        env=env,
        check=True,
    )
    port = free_port()
    serve = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "ontong",
            "serve",
            "--bind",
            f"127.0.0.1:{port}",
            "--web-workers",
            "2",
            "--task-workers",
            "2",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        for _ in range(60):
            try:
                if httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.5)
        else:
            pytest.fail("ontong serve did not become ready")
        workers = children_of(serve.pid)
        assert len(workers) == 2
        assert len(children_of(serve.pid, b"ontong analyser")) == 1
        assert (tmp_path / "analyser.sock").exists()
        live_metrics(port, workers)  # both task workers report themselves (issue 16 item 7)
        os.kill(workers[0], signal.SIGKILL)
        for _ in range(20):
            time.sleep(0.5)
            now = children_of(serve.pid)
            if len(now) == 2 and workers[0] not in now:
                break
        else:
            pytest.fail(f"the killed task worker was not replaced: {children_of(serve.pid)}")
        # Issue 16 item 7: the killed worker's live metric went with it.
        live = live_metrics(port, [workers[1]])
        assert f'pid="{workers[0]}"' not in live
        # A web worker stopped as gunicorn recycles one (max_requests) stops nothing else, and
        # the task workers and the analyser stay in /metrics.
        web = children_of(serve.pid, b"ontong serve")
        assert len(web) == 2
        os.kill(web[0], signal.SIGTERM)
        for _ in range(40):
            time.sleep(0.5)
            now = children_of(serve.pid, b"ontong serve")
            if len(now) == 2 and web[0] not in now:
                break
        else:
            pytest.fail(f"the stopped web worker was not replaced: {now}")
        kept = [*children_of(serve.pid), *children_of(serve.pid, b"ontong analyser")]
        assert len(kept) == 3
        live_metrics(port, kept)
        serve.send_signal(signal.SIGTERM)
        serve.wait(timeout=40)
        assert children_of(serve.pid) == []
        assert children_of(serve.pid, b"ontong analyser") == []
    finally:
        if serve.poll() is None:
            serve.kill()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_three_workers_on_postgresql_never_run_a_task_twice(city, worker_processes):
    if connection.vendor != "postgresql":
        pytest.skip("SKIP LOCKED is PostgreSQL's; SQLite serialises writers")
    from django_tasks_db.models import DBTaskResult

    from ontong.complaints.services import Intake, receive_complaint

    for i in range(100):  # each acknowledgement is one queued delivery task
        receive_complaint(
            Intake(
                channel="web", body=f"동시 작업 {i}", email=f"c{i}@example.kr", contact_consent=True
            )
        )
    queued = DBTaskResult.objects.filter(status="READY").count()
    assert queued >= 100
    worker_processes(3, start_together=True)
    results = list(DBTaskResult.objects.values_list("status", "worker_ids"))
    assert len(results) >= queued
    assert all(status == "SUCCESSFUL" for status, _ in results)
    assert all(len(ids) == 1 for _, ids in results), "a task was claimed by two workers"
    assert len({ids[0] for _, ids in results}) >= 2  # the queue really was shared

"""Issue 16 item 7: /metrics comes from prometheus_client in multiprocess mode: what every process
of the machine counted is summed, an exited worker's live gauges go, its counts stay."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from ontong import metrics

ROOT = Path(__file__).resolve().parents[3]
COUNT_SEVEN = (
    "import os;from ontong.metrics import count_request;"
    "[count_request() for _ in range(7)];print(os.getpid())"
)


def scrape(client) -> dict[tuple[str, tuple], float]:
    response = client.get("/metrics")
    assert response.status_code == 200
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(response.content.decode())
        for sample in family.samples
    }


def another_process_counts_seven_requests() -> int:
    """A separate `ontong` process (as a gunicorn or task worker is); its pid."""
    out = subprocess.run(
        [sys.executable, "-m", "ontong", "shell", "-c", COUNT_SEVEN],
        cwd=ROOT,
        env=os.environ,  # the same ONTONG_VAR_DIR, so the same metrics directory
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    return int(out.stdout.split()[-1])


@pytest.mark.django_db
def test_counts_of_every_process_are_summed_and_an_exited_worker_leaves_only_its_counts(client):
    assert metrics.multiprocess_dir() is not None
    before = scrape(client)
    pid = another_process_counts_seven_requests()
    started = ("ontong_process_start_time_seconds", (("pid", str(pid)),))

    after = scrape(client)
    total = ("ontong_requests_total", ())
    assert after[total] - before[total] == 7 + 1  # its seven and this second scrape
    assert started in after  # its live gauge, until it is known to have exited

    metrics.process_exited(pid)
    gone = scrape(client)
    assert started not in gone
    assert gone[total] == after[total] + 1  # what it counted stays: totals never go back
    assert ("ontong_process_start_time_seconds", (("pid", str(os.getpid())),)) in gone


def test_a_new_run_starts_without_the_files_of_earlier_processes(tmp_path, monkeypatch):
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path))
    mine = [f"counter_{os.getpid()}.db", f"gauge_liveall_{os.getpid()}.db"]
    for name in [*mine, "counter_4242424.db", "histogram_4242424.db", "gauge_max_1.db"]:
        (tmp_path / name).write_bytes(b"")
    metrics.reset_multiprocess_dir()
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(mine)

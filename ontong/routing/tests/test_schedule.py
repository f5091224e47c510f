"""Retraining and the similar-case index are enqueued once, however many workers tick."""

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection
from django.utils import timezone

from ontong.routing.models import RoutingModel, SimilarIndex
from ontong.web.sweeps import Schedule, maintenance_jobs

from .test_similar import answered

WORKERS, TICKS = 3, 4


def enqueued(name: str) -> int:
    from django_tasks_db.models import DBTaskResult

    return DBTaskResult.objects.filter(task_path__endswith=f".{name}").count()


def workers_tick(concurrently) -> None:
    """WORKERS worker sweeps at once, each running its hourly jobs TICKS times (an hour apart)."""

    def worker(_index):
        sweep = Schedule(maintenance_jobs(60))
        for _ in range(TICKS):
            sweep.make_all_due()  # an hour has passed
            sweep.run_due()

    concurrently(worker, WORKERS)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_workers_enqueue_each_due_build_once(
    staff, new_complaint, concurrently, run_tasks, settings, tmp_path
):
    if connection.vendor != "postgresql":
        pytest.skip("threads on SQLite's in-memory test database lock tables; see the test below")
    settings.VAR_DIR = tmp_path
    answered(staff, new_complaint, "하수구 냄새가 심해요", "준설했습니다.")

    workers_tick(concurrently)
    assert (enqueued("retrain"), enqueued("build_similar_index")) == (1, 1)

    run_tasks()  # the tasks make their model and index records
    assert RoutingModel.objects.count() == 1 and SimilarIndex.objects.count() == 1
    workers_tick(concurrently)
    assert (enqueued("retrain"), enqueued("build_similar_index")) == (1, 1)  # nothing due

    a_day_ago = timezone.now() - dt.timedelta(hours=25)
    RoutingModel.objects.update(created_at=a_day_ago)
    SimilarIndex.objects.update(created_at=a_day_ago)
    workers_tick(concurrently)
    assert (enqueued("retrain"), enqueued("build_similar_index")) == (2, 2)


ROOT = Path(__file__).resolve().parents[3]
SEED = (
    "from ontong.routing.models import HistoricalCase;"
    "HistoricalCase.objects.create(source='새올', row=1, text='하수구 냄새', department_name='건설과',"
    " answer='준설했습니다.')"
)
TICK = (
    "from ontong.web.sweeps import Schedule, maintenance_jobs;"
    "sweep = Schedule(maintenance_jobs(60))\n"
    f"for _ in range({TICKS}):\n    sweep.make_all_due()\n    sweep.run_due()"
)
COUNT = (
    "from django_tasks_db.models import DBTaskResult as T;"
    "print(T.objects.filter(task_path__endswith='.retrain').count(),"
    " T.objects.filter(task_path__endswith='.build_similar_index').count())"
)


def test_worker_processes_on_sqlite_enqueue_each_due_build_once(tmp_path):
    """Separate `ontong` processes ticking at once on a SQLite file, as `make run` deploys."""
    env = {**os.environ, "ONTONG_VAR_DIR": str(tmp_path / "var")}
    env.pop("DATABASE_URL", None)

    def ontong(*command) -> subprocess.Popen:
        return subprocess.Popen(
            [sys.executable, "-m", "ontong", *command],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )

    def wait(*processes) -> str:
        outputs = [p.communicate(timeout=300) for p in processes]
        for process, (_out, err) in zip(processes, outputs, strict=True):
            assert process.returncode == 0, err[-2000:]
        return outputs[-1][0]

    wait(ontong("migrate", "--verbosity", "0"))
    wait(ontong("shell", "-c", SEED))
    wait(*[ontong("shell", "-c", TICK) for _ in range(WORKERS)])
    assert wait(ontong("shell", "-c", COUNT)).split()[-2:] == ["1", "1"]
    wait(ontong("worker", "--batch"))  # runs both; each makes its record
    wait(*[ontong("shell", "-c", TICK) for _ in range(WORKERS)])
    assert wait(ontong("shell", "-c", COUNT)).split()[-2:] == ["1", "1"]


@pytest.mark.django_db
def test_a_worker_started_in_the_machines_first_hour_runs_the_hourly_jobs_at_once():
    """Monotonic time counts from boot: ten minutes after boot is still 'an hour since never'."""
    Schedule(maintenance_jobs(60), clock=lambda: 600.0).run_due()
    assert enqueued("retrain") == 1

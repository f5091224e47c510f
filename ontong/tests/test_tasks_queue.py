"""Issue 16 item 7: only `ontong/tasks_queue.py` knows the task-queue library, so moving to
Django 6's `django.tasks` is one file; what it answers about the queue."""

import datetime as dt
from pathlib import Path

import pytest

from ontong import tasks_queue
from ontong.complaints.tasks import recompute_due_times
from ontong.tests.test_dependencies import third_party_imports

ONTONG = Path(__file__).resolve().parents[1]
QUEUE_LIBRARIES = {"django_tasks", "django_tasks_db"}


def test_only_tasks_queue_imports_the_queue_library():
    runtime = [p for p in ONTONG.rglob("*.py") if "tests" not in p.parts]
    importers = sorted(
        str(path.relative_to(ONTONG))
        for path in runtime
        if third_party_imports([path]) & QUEUE_LIBRARIES
    )
    assert importers == ["tasks_queue.py"]


@pytest.mark.django_db
def test_backlog_and_waiting_follow_the_queue(run_tasks):
    assert tasks_queue.backlog() == (0, None)
    result = recompute_due_times.enqueue()
    queued, oldest = tasks_queue.backlog()
    assert queued == 1 and oldest is not None
    grace = dt.timedelta(minutes=5)
    assert tasks_queue.is_waiting(str(result.id), grace)
    assert not tasks_queue.is_waiting("", grace)

    run_tasks()
    assert tasks_queue.backlog() == (0, None)
    assert not tasks_queue.is_waiting(str(result.id), grace)

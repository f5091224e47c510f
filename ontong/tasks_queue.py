"""The one module that knows the task queue (django-tasks with django-tasks-db today). Moving to
Django 6's built-in `django.tasks` (or another backend) means rewriting only this file and the
settings' TASKS: the rest of Ontong defines tasks with the `task` decorator from here, enqueues
with `task.enqueue()`, and asks the queue only what is below.

What the queue already holds matters so that the sweeps re-enqueue only lost work: a sweep that
re-enqueued everything not yet done would, under a backlog, pile up copies of the same task every
minute and make the backlog worse. Work counts as lost only when no task for it is waiting, and
no task for it is running that started recently (django-tasks-db leaves the task of a killed
worker in RUNNING for ever)."""

import datetime as dt
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from django.core.management import call_command
from django.db.models import Q
from django.utils import timezone
from django_tasks import task
from django_tasks.base import Task  # the type of what `task` makes
from django_tasks_db.models import DBTaskResult

__all__ = [
    "Task",
    "backlog",
    "batch",
    "batch_memo",
    "collect",
    "enqueue_for",
    "is_waiting",
    "ready_count",
    "run_worker",
    "task",
    "waiting_ids",
]


class _Batch:
    def __init__(self) -> None:
        self.ids: dict[Task, list[int]] = {}
        self.memo: dict[str, Any] = {}
        self.collected: dict[str, tuple[Callable[[list[Any]], object], list[Any]]] = {}


_batch: _Batch | None = None
T = TypeVar("T")
BATCH_TASK_SIZE = 50


@contextmanager
def batch() -> Iterator[None]:
    """A worker's batch of work (issue 21), run inside one transaction. Within it, enqueue_for
    gathers ids into one task per batch task and per BATCH_TASK_SIZE ids, enqueued at the end of
    the block (still inside the caller's transaction, so dropped with it), and batch_memo reads
    what rarely changes (the city's calendar, an account) once. Nested blocks join the outer."""
    global _batch
    if _batch is not None:
        yield
        return
    current = _batch = _Batch()
    try:
        yield
    finally:
        _batch = None
    for flush, items in current.collected.values():
        flush(items)
    for batch_task, ids in current.ids.items():
        for first in range(0, len(ids), BATCH_TASK_SIZE):
            batch_task.enqueue(ids[first : first + BATCH_TASK_SIZE])


def enqueue_for(pk: int, single: Task, many: Task) -> None:
    """Enqueue `single(pk)` now, or, inside batch(), `pk` into a `many([...])` at its end.
    A pk whose row is rolled back with a savepoint meanwhile finds no row: `many` skips it."""
    if _batch is None:
        single.enqueue(pk)
    else:
        _batch.ids.setdefault(many, []).append(pk)


def collect(key: str, item: Any, flush: Callable[[list[Any]], object]) -> None:
    """flush([item]) now, or, inside batch(), flush(every item collected under key) at its end."""
    if _batch is None:
        flush([item])
    else:
        _batch.collected.setdefault(key, (flush, []))[1].append(item)


def batch_memo(key: str, read: Callable[[], T]) -> T:
    """read() once per batch() block; every call outside one."""
    if _batch is None:
        return read()
    if key not in _batch.memo:
        _batch.memo[key] = read()
    value: T = _batch.memo[key]
    return value


def _waiting(running_grace: dt.timedelta):
    recent = timezone.now() - running_grace
    return DBTaskResult.objects.filter(
        Q(status="READY") | Q(status="RUNNING", started_at__gte=recent)
    )


def waiting_ids(task_path: str, running_grace: dt.timedelta) -> set[int]:
    """The first argument of each waiting task of this function: an integer, or every integer
    of a list (a task for a batch)."""
    ids = set()
    tasks = _waiting(running_grace).filter(task_path=task_path)
    for args_kwargs in tasks.values_list("args_kwargs", flat=True):
        args = (args_kwargs or {}).get("args") or []
        first = args[0] if args else None
        if isinstance(first, int):
            ids.add(first)
        elif isinstance(first, list):
            ids.update(i for i in first if isinstance(i, int))
    return ids


def raise_priority(task_path: str, low: int, to: int, enqueued_before: dt.datetime) -> int:
    """Tasks of this function still waiting at priority `low` since before the given time move to
    priority `to`; returns how many."""
    return DBTaskResult.objects.filter(
        task_path=task_path, status="READY", priority=low, enqueued_at__lt=enqueued_before
    ).update(priority=to)


def is_waiting(task_id: str, running_grace: dt.timedelta) -> bool:
    """The task with this id (from `task.enqueue().id`) is queued, or running and recent."""
    return bool(task_id) and _waiting(running_grace).filter(id=task_id).exists()


def ready_count(task_path: str, min_priority: int) -> int:
    """How many tasks of this function, at this priority or above, are ready to run now."""
    return (
        DBTaskResult.objects.ready().filter(task_path=task_path, priority__gte=min_priority).count()
    )


def backlog() -> tuple[int, dt.datetime | None]:
    """How many tasks are ready to run, and when the oldest of them was enqueued."""
    ready = DBTaskResult.objects.ready()
    oldest = ready.order_by("enqueued_at").values_list("enqueued_at", flat=True).first()
    return ready.count(), oldest


def run_worker(*, interval: float, batch: bool, verbosity: int = 1) -> None:
    """Run queued tasks of every queue: for ever, or (batch) until none is ready."""
    worker_args = ["--queue-name", "*", "--interval", str(interval), "--no-reload"]
    if batch:
        worker_args.append("--batch")
    call_command("db_worker", *worker_args, verbosity=verbosity)

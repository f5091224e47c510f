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

from django.core.management import call_command
from django.db.models import Q
from django.utils import timezone
from django_tasks import task
from django_tasks.base import Task  # the type of what `task` makes

__all__ = ["Task", "backlog", "is_waiting", "run_worker", "task", "waiting_ids"]


def _waiting(running_grace: dt.timedelta):
    from django_tasks_db.models import DBTaskResult

    recent = timezone.now() - running_grace
    return DBTaskResult.objects.filter(
        Q(status="READY") | Q(status="RUNNING", started_at__gte=recent)
    )


def waiting_ids(task_path: str, running_grace: dt.timedelta) -> set[int]:
    """The first (integer) argument of each waiting task of this function."""
    ids = set()
    tasks = _waiting(running_grace).filter(task_path=task_path)
    for args_kwargs in tasks.values_list("args_kwargs", flat=True):
        args = (args_kwargs or {}).get("args") or []
        if args and isinstance(args[0], int):
            ids.add(args[0])
    return ids


def is_waiting(task_id: str, running_grace: dt.timedelta) -> bool:
    """The task with this id (from `task.enqueue().id`) is queued, or running and recent."""
    return bool(task_id) and _waiting(running_grace).filter(id=task_id).exists()


def backlog() -> tuple[int, dt.datetime | None]:
    """How many tasks are ready to run, and when the oldest of them was enqueued."""
    from django_tasks_db.models import DBTaskResult

    ready = DBTaskResult.objects.ready()
    oldest = ready.order_by("enqueued_at").values_list("enqueued_at", flat=True).first()
    return ready.count(), oldest


def run_worker(*, interval: float, batch: bool, verbosity: int = 1) -> None:
    """Run queued tasks of every queue: for ever, or (batch) until none is ready."""
    worker_args = ["--queue-name", "*", "--interval", str(interval), "--no-reload"]
    if batch:
        worker_args.append("--batch")
    call_command("db_worker", *worker_args, verbosity=verbosity)

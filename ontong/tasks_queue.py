"""What the task queue already holds, so that the sweeps re-enqueue only lost work.

A sweep that re-enqueued everything not yet done would, under a backlog, pile up copies of the
same task every minute and make the backlog worse. Work counts as lost only when no task for it
is waiting, and no task for it is running that started recently (django-tasks-db leaves the
task of a killed worker in RUNNING for ever)."""

import datetime as dt

from django.db.models import Q
from django.utils import timezone
from django_tasks_db.models import DBTaskResult


def _waiting(running_grace: dt.timedelta):
    """Tasks waiting to run, or running and started within running_grace."""
    recent = timezone.now() - running_grace
    return DBTaskResult.objects.filter(
        Q(status="READY") | Q(status="RUNNING", started_at__gte=recent)
    )


def is_waiting(task_id: str, running_grace: dt.timedelta) -> bool:
    return bool(task_id) and _waiting(running_grace).filter(id=task_id).exists()


def waiting_ids(task_path: str, running_grace: dt.timedelta) -> set[int]:
    tasks = _waiting(running_grace).filter(task_path=task_path)
    ids = set()
    for args_kwargs in tasks.values_list("args_kwargs", flat=True):
        args = (args_kwargs or {}).get("args") or []
        if args and isinstance(args[0], int):
            ids.add(args[0])
    return ids

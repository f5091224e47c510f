"""Periodic routing jobs, enqueued once: every worker ticks, only one enqueues.

The claim is a row per job (ScheduledJob) locked and updated in the same transaction as the
enqueued task, and the due check is made under that lock: a second worker waits for the first
to commit, then sees the task waiting (or the record it already made) and enqueues nothing.
PostgreSQL locks the row (select_for_update); SQLite has one writer at a time (settings:
transaction_mode IMMEDIATE), which serialises the same block."""

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from ontong.tasks_queue import Task, is_waiting

from .models import RoutingModel, ScheduledJob
from .tasks import retrain

# A task left RUNNING by a killed worker stays RUNNING for ever (django-tasks-db): after this
# long it no longer holds the claim. Longer than the longest retraining we have seen.
RUNNING_GRACE = dt.timedelta(hours=6)


def claim_row(name: str) -> ScheduledJob:
    """The job's row, locked until the transaction ends (created on first use)."""
    try:
        with transaction.atomic():
            ScheduledJob.objects.get_or_create(name=name)
    except IntegrityError:  # another worker created it meanwhile
        pass
    return ScheduledJob.objects.select_for_update().get(name=name)


def waiting(task_id: str) -> bool:
    """The task is still queued, or running and recently started."""
    return is_waiting(task_id, RUNNING_GRACE)


def enqueue_once(name: str, task: Task[[], Any], due: Callable[[], bool] = lambda: True) -> bool:
    """Enqueue the task unless one enqueued under this name is still waiting or it is not due;
    the claim, the due check and the enqueue in one transaction."""
    with transaction.atomic():
        job = claim_row(name)
        if waiting(job.task_id) or not due():
            return False
        result = task.enqueue()
        job.task_id, job.enqueued_at = str(result.id), timezone.now()
        job.save(update_fields=["task_id", "enqueued_at"])
    return True


def retraining_due() -> bool:
    """The newest model is older than ONTONG_RETRAIN_HOURS (or there is none)."""
    newest = (
        RoutingModel.objects.order_by("-created_at").values_list("created_at", flat=True).first()
    )
    return not newest or timezone.now() - newest >= dt.timedelta(
        hours=settings.ONTONG_RETRAIN_HOURS
    )


def retrain_if_due() -> bool:
    """Enqueue a retraining when the newest model is older than ONTONG_RETRAIN_HOURS."""
    if settings.ONTONG_RETRAIN_HOURS <= 0:
        return False
    return enqueue_once("retrain", retrain, retraining_due)


def retrain_soon() -> bool:
    """Enqueue a retraining now unless one is already waiting (a refused model)."""
    return enqueue_once("retrain", retrain)

"""The worker's periodic jobs: each on its own interval, with its own error handling, log line and
metrics, so one failing job never keeps the others from running (as healthchecks' `sendalerts`
runs each of its steps). `ontong worker` runs them on a schedule; `ontong worker --batch` runs the
same jobs once each.

Every job is safe with many workers: each claims its work by a unique constraint or a
conditional update (docs/architecture.md), so running it again, or on two workers, is harmless."""

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import close_old_connections

from ontong.channels.kakao.media import sweep_lost_fetches as sweep_kakao_photos
from ontong.channels.kakao.skill import purge_old_requests as purge_skill_requests
from ontong.channels.meta.events import enqueue_stored_webhooks, sweep_webhooks
from ontong.channels.meta.media import sweep_lost_fetches as sweep_meta_photos
from ontong.complaints.notices import send_due_progress_notices, sweep_deliveries
from ontong.complaints.reminders import send_daily_digests, send_due_reminders
from ontong.complaints.retention import purge_expired
from ontong.metrics import JOB_LAST_SUCCESS, JOB_RUNS, JOB_SECONDS
from ontong.publishing.insights import collect_if_due
from ontong.publishing.services import publish_due
from ontong.routing.nearest import rebuild_if_due as rebuild_similar_index_if_due
from ontong.routing.schedule import retrain_if_due

log = logging.getLogger(__name__)
HOURLY = 3600.0
WEBHOOK_INTERVAL = 0.2


@dataclass
class Job:
    name: str
    run: Callable[[], object]
    every: float  # seconds from the end of one run to the next
    again_at_once_while_more: bool = False  # run returns how much it did; more may be waiting
    failed: bool = field(default=False, init=False)  # the last run raised

    def __call__(self) -> object:
        """One run; a failure is logged and counted, never raised (the next run tries again).
        What the run returned (None when it failed)."""
        started = time.monotonic()
        result, self.failed = None, False
        try:
            result = self.run()
        except Exception:
            self.failed = True
            log.exception("worker job %s failed; next try in %g s", self.name, self.every)
        else:
            JOB_LAST_SUCCESS.labels(self.name).set(time.time())
        JOB_RUNS.labels(self.name, "failed" if self.failed else "ok").inc()
        JOB_SECONDS.labels(self.name).observe(time.monotonic() - started)
        return result


# Jobs of the apps above this one (ontong.api's outgoing webhooks), added from their
# AppConfig.ready(): (name, function) pairs run on the maintenance interval.
EXTRA_JOBS: list[tuple[str, Callable[[], object]]] = []


def register_job(name: str, run: Callable[[], object]) -> None:
    if (name, run) not in EXTRA_JOBS:  # ready() may run more than once
        EXTRA_JOBS.append((name, run))


def maintenance_jobs(every: float) -> list[Job]:
    """Keep deliveries moving, remind, publish, collect; hourly: purge expired personal data,
    interim notices, retraining and the similar-case index (each enqueued only when due)."""
    return [
        Job("sweep_deliveries", sweep_deliveries, every),
        Job("sweep_webhooks", sweep_webhooks, every),
        Job("sweep_meta_photos", sweep_meta_photos, every),
        Job("sweep_kakao_photos", sweep_kakao_photos, every),
        Job("send_due_reminders", send_due_reminders, every),
        Job("send_daily_digests", send_daily_digests, every),
        Job("publish_due", publish_due, every),
        Job("collect_insights", collect_if_due, every),
        Job("purge_expired", purge_expired, HOURLY),
        Job("purge_skill_requests", purge_skill_requests, HOURLY),
        Job("send_due_progress_notices", send_due_progress_notices, HOURLY),
        Job("retrain_if_due", retrain_if_due, HOURLY),
        Job("rebuild_similar_index_if_due", rebuild_similar_index_if_due, HOURLY),
    ] + [Job(name, run, every) for name, run in EXTRA_JOBS]


def webhook_jobs(fill_batches: bool = True) -> list[Job]:
    # Stored webhooks get their processing tasks here (decision 0002), on their own thread so a
    # slow maintenance job never delays a citizen's message.
    def enqueue() -> int:
        return enqueue_stored_webhooks(fill_batches)

    return [Job("enqueue_stored_webhooks", enqueue, WEBHOOK_INTERVAL, True)]


def all_jobs(every: float) -> list[Job]:
    """The batch pass's jobs: it queues every stored webhook, then runs the queue until empty."""
    return maintenance_jobs(every) + webhook_jobs(fill_batches=False)


def run_once(jobs: list[Job]) -> list[str]:
    """The batch pass: every job once, each on its own (a job with more waiting until done);
    the names of those that failed."""
    for job in jobs:
        while job() and job.again_at_once_while_more:
            pass
    return [job.name for job in jobs if job.failed]


class Schedule:
    """Jobs run one after another in one thread, each when its own interval has passed; all are
    due when the worker starts."""

    def __init__(self, jobs: list[Job], clock: Callable[[], float] = time.monotonic):
        self.jobs = jobs
        self.clock = clock
        self.next_run = {job.name: 0.0 for job in jobs}

    def run_due(self) -> float:
        """Run every job that is due; seconds until the next one is."""
        for job in self.jobs:
            if self.clock() < self.next_run[job.name]:
                continue
            more = job() and job.again_at_once_while_more
            self.next_run[job.name] = self.clock() + (0 if more else job.every)
        return max(0.0, min(self.next_run.values()) - self.clock())

    def make_all_due(self) -> None:
        self.next_run = dict.fromkeys(self.next_run, 0.0)

    def forever(self) -> None:
        while True:
            wait = self.run_due()
            close_old_connections()  # a job may have left a broken connection behind
            time.sleep(wait)

"""Issue 16 item 5: the worker's periodic jobs run each on its own interval with its own error
handling, log line and metrics; `ontong worker --batch` runs the same jobs."""

import itertools
import logging

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from prometheus_client import REGISTRY

from ontong.web import sweeps
from ontong.web.management.commands import worker
from ontong.web.sweeps import Job, Schedule

_unique = itertools.count()


def runs(job: str, outcome: str) -> float:
    return (
        REGISTRY.get_sample_value("ontong_worker_job_runs_total", {"job": job, "outcome": outcome})
        or 0.0
    )


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_failing_job_is_logged_and_counted_and_the_others_still_run(caplog):
    name = f"broken_{next(_unique)}"
    done = []

    def broken():
        raise RuntimeError("the database went away")

    jobs = [
        Job("first", lambda: done.append("first"), 60),
        Job(name, broken, 60),
        Job("last", lambda: done.append("last"), 60),
    ]
    before_ok = runs("last", "ok")
    with caplog.at_level(logging.ERROR, logger="ontong.web.sweeps"):
        wait = Schedule(jobs, clock=Clock()).run_due()
    assert done == ["first", "last"]
    assert runs(name, "failed") == 1 and runs(name, "ok") == 0
    assert runs("last", "ok") == before_ok + 1
    assert [r.exc_info[1].args[0] for r in caplog.records] == ["the database went away"]
    assert name in caplog.records[0].getMessage()
    assert wait == 60  # the failed job waits its interval like the others, then tries again


def test_a_failing_job_is_tried_again_after_its_interval(caplog):
    attempts = []

    def flaky():
        attempts.append(1)
        if len(attempts) == 1:
            raise OSError("network down")

    clock = Clock()
    schedule = Schedule([Job(f"flaky_{next(_unique)}", flaky, 30)], clock=clock)
    schedule.run_due()
    clock.now += 29
    schedule.run_due()
    assert len(attempts) == 1
    clock.now += 1
    schedule.run_due()
    assert len(attempts) == 2


def test_each_job_keeps_its_own_interval():
    ran = []
    clock = Clock()
    schedule = Schedule(
        [
            Job("often", lambda: ran.append("often"), 60),
            Job("hourly", lambda: ran.append("hourly"), 3600),
        ],
        clock=clock,
    )
    waits = []
    for _ in range(120):  # two hours, a tick a minute
        waits.append(schedule.run_due())
        clock.now += 60
    assert ran.count("often") == 120
    assert ran.count("hourly") == 2  # at start and an hour later
    assert ran[:2] == ["often", "hourly"]  # all due when the worker starts
    assert set(waits) == {60}


def test_a_job_with_more_waiting_runs_again_at_once():
    batches = [5, 3, 0, 0]
    clock = Clock()
    schedule = Schedule([Job("pump", lambda: batches.pop(0), 0.2, True)], clock=clock)
    assert schedule.run_due() == 0  # made 5 tasks: more may be waiting
    assert schedule.run_due() == 0
    assert schedule.run_due() == pytest.approx(0.2)  # nothing left: wait its interval
    assert batches == [0]


def test_the_hourly_jobs_wait_an_hour_the_others_the_sweep_interval():
    every = {job.name: job.every for job in sweeps.maintenance_jobs(60)}
    assert every["sweep_deliveries"] == every["publish_due"] == 60
    assert every["purge_expired"] == every["retrain_if_due"] == 3600
    assert {job.every for job in sweeps.webhook_jobs()} == {sweeps.WEBHOOK_INTERVAL}


def test_batch_runs_the_same_jobs_as_the_scheduled_worker(monkeypatch):
    ran, scheduled = [], []
    monkeypatch.setattr(Job, "__call__", lambda job: ran.append(job.name))
    monkeypatch.setattr(worker, "run_worker", lambda **kwargs: None)

    class Thread:
        def __init__(self, target, daemon):
            scheduled.extend(job.name for job in target.__self__.jobs)

        def start(self):
            pass

    call_command("worker", "--batch")
    monkeypatch.setattr(worker.threading, "Thread", Thread)
    monkeypatch.setattr(worker, "run_once", lambda jobs: pytest.fail("batch only"))
    call_command("worker")
    assert sorted(ran) == sorted(scheduled)
    assert len(ran) == len(set(ran)) == 16  # each once
    assert {
        "purge_expired",
        "enqueue_stored_webhooks",
        "sweep_deliveries",
        "sweep_meta_photos",
        "sweep_kakao_photos",
        "sweep_outgoing_webhooks",  # registered by ontong.api
        "purge_api_calls",  # registered by ontong.api
        "purge_skill_requests",  # registered by ontong.channels.kakao
    } <= set(ran)


def test_batch_runs_every_job_and_the_queue_then_reports_the_failed_one(monkeypatch, caplog):
    ran, queue = [], []

    def fake_jobs(every):
        def broken():
            raise RuntimeError("boom")

        return [
            Job("a", lambda: ran.append("a"), every),
            Job("b", broken, every),
            Job("c", lambda: ran.append("c"), every),
        ]

    monkeypatch.setattr(worker, "all_jobs", fake_jobs)
    monkeypatch.setattr(worker, "run_worker", lambda **kwargs: queue.append(kwargs["batch"]))
    with pytest.raises(CommandError, match="실패: b "):
        call_command("worker", "--batch")
    assert ran == ["a", "c"] and queue == [True]


@pytest.mark.django_db
def test_the_batch_pass_queues_every_stored_webhook_however_many_batches_wait(
    monkeypatch, settings
):
    from ontong.channels.meta import events
    from ontong.channels.meta.models import WebhookDelivery

    settings.ONTONG_WEBHOOK_BATCH = 2
    monkeypatch.setattr(events, "ENQUEUE_BATCH", 3)  # a round takes 3: two batch tasks
    not_queued = WebhookDelivery.objects.filter(queued_at__isnull=True)

    def store(count):
        WebhookDelivery.objects.bulk_create(
            WebhookDelivery(body=b"{}", object_type="page") for _ in range(count)
        )

    store(10)
    assert sweeps.run_once(sweeps.webhook_jobs()) == []
    assert not_queued.count() == 7  # the running worker's rounds wait to fill batches
    store(3)
    assert sweeps.run_once(sweeps.all_jobs(60)) == []
    assert not not_queued.exists()  # `ontong worker --batch` then runs them all

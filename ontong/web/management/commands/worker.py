"""`ontong worker`: runs queued background tasks (django-tasks-db) and keeps deliveries moving."""

import logging
import os
import threading
import time

from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import close_old_connections

from ontong.channels.meta.events import enqueue_stored_webhooks, sweep_webhooks
from ontong.complaints.notices import send_due_progress_notices, sweep_deliveries
from ontong.complaints.reminders import send_daily_digests, send_due_reminders
from ontong.complaints.retention import purge_expired
from ontong.publishing.insights import collect_if_due
from ontong.publishing.services import publish_due
from ontong.routing.nearest import rebuild_if_due as rebuild_similar_index_if_due
from ontong.routing.schedule import retrain_if_due

log = logging.getLogger(__name__)
PURGE_EVERY = 3600
WEBHOOK_INTERVAL = 0.2


def forever(step, interval: float, what: str) -> None:
    """Run step beside the task loop: again at once while it reports more work, otherwise after
    the interval; a failure is logged and tried again."""
    while True:
        more = False
        try:
            more = step()
        except Exception:
            log.exception("%s failed; will try again", what)
        finally:
            close_old_connections()
        if not more:
            time.sleep(interval)


class Sweep:
    """Keep deliveries moving and destroy expired personal data; the hourly jobs once an hour."""

    def __init__(self):
        # -inf, not 0: monotonic time counts from boot, so a worker started in the machine's first
        # hour would otherwise skip the hourly jobs until an hour after boot.
        self.last_hourly = float("-inf")

    def __call__(self) -> bool:
        sweep_deliveries()
        sweep_webhooks()
        send_due_reminders()
        send_daily_digests()
        publish_due()
        collect_if_due()
        if time.monotonic() - self.last_hourly > PURGE_EVERY:
            purge_expired()
            send_due_progress_notices()
            retrain_if_due()
            rebuild_similar_index_if_due()
            self.last_hourly = time.monotonic()
        return False


class Command(BaseCommand):
    help = "백그라운드 작업자를 실행합니다 (알림 발송 등). 여러 개를 띄워도 같은 작업을 두 번 하지 않습니다."

    def add_arguments(self, parser):
        parser.add_argument("--interval", type=float, default=0.5, help="빈 큐 확인 간격(초)")
        parser.add_argument(
            "--sweep-interval",
            type=float,
            default=float(os.environ.get("ONTONG_SWEEP_INTERVAL", "60")),
            help="점검 간격(초): 멈춘 발송·웹훅, 기한 알림, 예약 게시",
        )
        parser.add_argument(
            "--batch", action="store_true", help="쌓인 작업을 모두 처리하고 끝냅니다"
        )

    def handle(self, *args, interval, sweep_interval, batch, **options):
        if batch:
            sweep_deliveries()
            sweep_webhooks()
            enqueue_stored_webhooks()
            send_due_reminders()
            send_daily_digests()
            send_due_progress_notices()
            publish_due()
            collect_if_due()
        else:
            loops = [
                (Sweep(), sweep_interval, "maintenance sweep"),
                # Stored webhooks get their processing tasks here (decision 0002).
                (enqueue_stored_webhooks, WEBHOOK_INTERVAL, "making webhook tasks"),
            ]
            for loop in loops:
                threading.Thread(target=forever, args=loop, daemon=True).start()
        worker_args = ["--queue-name", "*", "--interval", str(interval), "--no-reload"]
        if batch:
            worker_args.append("--batch")
        call_command("db_worker", *worker_args, verbosity=options.get("verbosity", 1))

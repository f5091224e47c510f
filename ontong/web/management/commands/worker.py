"""`ontong worker`: runs queued background tasks and the periodic jobs (ontong/web/sweeps.py)."""

import os
import threading

from django.core.management.base import BaseCommand, CommandError

from ontong.tasks_queue import run_worker
from ontong.web.sweeps import Schedule, all_jobs, maintenance_jobs, run_once, webhook_jobs


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
            "--batch",
            action="store_true",
            help="점검을 한 번씩 하고 쌓인 작업을 모두 처리하고 끝냅니다",
        )

    def handle(self, *args, interval, sweep_interval, batch, **options):
        failed = []
        if batch:
            failed = run_once(all_jobs(sweep_interval))
        else:
            for jobs in [maintenance_jobs(sweep_interval), webhook_jobs()]:
                threading.Thread(target=Schedule(jobs).forever, daemon=True).start()
        run_worker(interval=interval, batch=batch, verbosity=options.get("verbosity", 1))
        if failed:  # the others and the queue ran all the same; a scheduler should hear of it
            raise CommandError(f"주기 작업 실패: {', '.join(failed)} (로그 참고)")

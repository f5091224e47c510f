"""`ontong serve`: production serving on one machine — gunicorn web workers and background task
workers, both sized from the CPU count, JSON logs, restarted if one dies, stopped together."""

import os
import signal
import subprocess
import sys
import threading
import time

from django.core.management.base import BaseCommand
from gunicorn.app.base import BaseApplication


def cpu_count() -> int:
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


class WebServer(BaseApplication):
    """gunicorn with the app loaded once in the master (preload): Kiwi's language model and the
    routing model are then shared copy-on-write by every forked web worker."""

    def __init__(self, options: dict):
        self.options = options
        super().__init__()

    def load_config(self):
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self):
        from ontong.wsgi import application

        if os.environ.get("ONTONG_PRELOAD_NLP", "1") == "1":
            from ontong.complaints.search import kiwi

            kiwi().tokenize("준비")  # load the language model before forking
        return application


class TaskWorkers:
    """N `ontong worker` processes, each restarted (after a short pause) if it exits."""

    def __init__(self, count: int):
        self.count = count
        self.children: list[subprocess.Popen] = []
        self.stopping = threading.Event()

    def start(self) -> None:
        self.children = [self.spawn() for _ in range(self.count)]
        threading.Thread(target=self.watch, daemon=True).start()

    @staticmethod
    def spawn() -> subprocess.Popen:
        return subprocess.Popen([sys.executable, "-m", "ontong", "worker"])  # noqa: S603

    def watch(self) -> None:
        while not self.stopping.wait(2):
            for index, child in enumerate(self.children):
                if child.poll() is not None and not self.stopping.is_set():
                    sys.stderr.write(
                        f"task worker {child.pid} exited ({child.returncode}); restarting\n"
                    )
                    time.sleep(1)
                    self.children[index] = self.spawn()

    def stop(self) -> None:
        self.stopping.set()
        for child in self.children:
            if child.poll() is None:
                child.send_signal(signal.SIGTERM)
        for child in self.children:
            try:
                child.wait(timeout=30)
            except subprocess.TimeoutExpired:
                child.kill()


class Command(BaseCommand):
    help = (
        "운영 서버: gunicorn 웹 작업자와 백그라운드 작업자를 CPU 수에 맞춰 띄웁니다 "
        "(/healthz, /readyz, /metrics; 로그는 JSON)."
    )

    def add_arguments(self, parser):
        cpus = cpu_count()
        parser.add_argument("--bind", default=os.environ.get("ONTONG_BIND", "127.0.0.1:8000"))
        parser.add_argument(
            "--web-workers",
            type=int,
            default=int(os.environ.get("ONTONG_WEB_WORKERS", str(cpus + 1))),
            help="gunicorn 작업자 수 (기본: CPU 수 + 1)",
        )
        parser.add_argument(
            "--task-workers",
            type=int,
            default=int(os.environ.get("ONTONG_TASK_WORKERS", str(cpus))),
            help="백그라운드 작업자 수 (기본: CPU 수; 0이면 웹만)",
        )
        parser.add_argument("--timeout", type=int, default=30, help="요청 하나의 최대 시간(초)")

    def handle(self, *args, bind, web_workers, task_workers, timeout, **options):
        os.environ.setdefault("ONTONG_LOG_JSON", "1")
        workers = TaskWorkers(task_workers)
        if task_workers:
            workers.start()
        self.stdout.write(
            f"온통 serve: {bind}, 웹 작업자 {web_workers}, 백그라운드 작업자 {task_workers}"
        )
        try:
            WebServer(
                {
                    "bind": bind,
                    "workers": web_workers,
                    "preload_app": True,
                    "timeout": timeout,
                    "graceful_timeout": 30,
                    "keepalive": 5,
                    # Bounds any slow leak: each web worker is replaced after about 5,000 requests.
                    "max_requests": 5000,
                    "max_requests_jitter": 500,
                    "accesslog": "-",
                    "access_log_format": (
                        '{"remote":"%(h)s","request":"%(r)s","status":%(s)s,'
                        '"bytes":%(B)s,"ms":%(M)s,"pid":"%(p)s"}'
                    ),
                }
            ).run()
        finally:
            workers.stop()

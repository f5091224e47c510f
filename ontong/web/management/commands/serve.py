"""`ontong serve`: production serving on one machine — the Korean analyser, gunicorn web workers
and background task workers sized from the CPU count, JSON logs, each restarted if it dies, all
stopped together."""

import logging.config
import os
import signal
import subprocess
import sys
import threading
import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils.module_loading import import_string
from gunicorn import glogging
from gunicorn.app.base import BaseApplication

from ontong import metrics
from ontong.complaints.analyser import kiwi, wait_for_socket
from ontong.logsecrets import redact
from ontong.routing.dayone import function_model
from ontong.web.checks import static_manifest

from .analyser import default_socket

ANALYSER_START_SECONDS = 120
# The path without its query string: a query may carry a secret (an old status link's ?t=).
ACCESS_LOG_FORMAT = (
    '{"remote":"%(h)s","request":"%(m)s %(U)s","status":%(s)s,'
    '"bytes":%(B)s,"ms":%(M)s,"pid":"%(p)s"}'
)


def cpu_count() -> int:
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


class AccessLogger(glogging.Logger):
    """gunicorn's logger, the request line without a secret carried in the path (a skill URL's
    last segment, ontong.logsecrets)."""

    def atoms(self, resp, req, environ, request_time):
        # Only what ACCESS_LOG_FORMAT writes: gunicorn's own atoms also format the time and copy
        # every header and environ entry, which with their redaction was about a fifth of a
        # web worker's CPU under a burst of webhooks (issue 21, py-spy).
        status = resp.status
        return {
            "h": environ.get("REMOTE_ADDR", "-"),
            "m": environ.get("REQUEST_METHOD"),
            "U": redact(environ.get("PATH_INFO") or ""),
            "s": status.split(None, 1)[0] if isinstance(status, str) else status,
            "B": getattr(resp, "sent", None),
            "M": request_time.seconds * 1000 + request_time.microseconds // 1000,
            "p": f"<{os.getpid()}>",
        }


class WebServer(BaseApplication):
    """gunicorn with the app loaded once in the master (preload), shared copy-on-write by every
    forked web worker; Kiwi too when there is no shared analyser."""

    def __init__(self, options: dict):
        self.options = options
        super().__init__()

    def load_config(self):
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self):
        application = import_string(settings.WSGI_APPLICATION)  # ontong.wsgi, as runserver does
        preload_nlp()  # before forking: shared by every web worker
        return application


def preload_nlp() -> None:
    """The Korean analyser (when there is no shared one) and the first-day routing model, loaded
    before any request is accepted (ONTONG_PRELOAD_NLP, default on): otherwise the first
    complaint waits seconds for them — past the 5 seconds KakaoTalk gives a skill answer."""
    if os.environ.get("ONTONG_PRELOAD_NLP", "1") != "1":
        return
    if not settings.ONTONG_ANALYSER_SOCKET:
        kiwi().tokenize("준비")  # load the language model
    # Trained once here (seconds): otherwise each worker's first complaint waits for its own.
    function_model()


class Supervised:
    """N processes of one `ontong` command, each restarted (after a short pause) if it exits."""

    def __init__(self, command: list[str], count: int):
        self.command = command
        self.count = count
        self.children: list[subprocess.Popen] = []
        self.stopping = threading.Event()

    def start(self) -> None:
        self.children = [self.spawn() for _ in range(self.count)]
        threading.Thread(target=self.watch, daemon=True).start()

    def spawn(self) -> subprocess.Popen:
        return subprocess.Popen([sys.executable, "-m", "ontong", *self.command])  # noqa: S603

    def watch(self) -> None:
        while not self.stopping.wait(2):
            for index, child in enumerate(self.children):
                if child.poll() is not None and not self.stopping.is_set():
                    metrics.process_exited(child.pid)
                    sys.stderr.write(
                        f"{self.command[0]} {child.pid} exited ({child.returncode}); restarting\n"
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
            metrics.process_exited(child.pid)


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
        parser.add_argument(
            "--no-analyser",
            action="store_true",
            help="공유 형태소 분석기를 띄우지 않고 프로세스마다 Kiwi를 올립니다",
        )

    def handle(self, *args, bind, web_workers, task_workers, timeout, no_analyser, **options):
        for error in static_manifest():  # every page would answer 500
            raise CommandError(f"{error.msg} {error.hint}")
        metrics.reset_multiprocess_dir()  # before any worker starts
        if "ONTONG_LOG_JSON" not in os.environ:
            # For the task workers (their settings read it) and for this process, whose logging
            # was set up from the settings before this command ran.
            os.environ["ONTONG_LOG_JSON"] = "1"
            settings.LOGGING["handlers"]["console"]["formatter"] = "json"
            logging.config.dictConfig(settings.LOGGING)
        owner = os.getpid()
        analyser = None if no_analyser else start_analyser()
        workers = Supervised(["worker"], task_workers)
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
                    # The 접수함 poll's GET names every row the page shows (up to 100, about
                    # 4,000 characters: web/poll.py); gunicorn's default line is 4,094.
                    "limit_request_line": 8190,
                    # Bounds any slow leak: each web worker is replaced after about 50,000
                    # requests (at 5,000 a worker was replaced every few seconds under a burst
                    # of webhooks, each time a pause; bench/ingest.py).
                    "max_requests": 50_000,
                    "max_requests_jitter": 5_000,
                    "accesslog": "-",
                    "access_log_format": ACCESS_LOG_FORMAT,
                    "logger_class": AccessLogger,
                    "post_fork": lambda _server, _worker: metrics.process_started(),
                    "child_exit": lambda _server, worker: metrics.process_exited(worker.pid),
                }
            ).run()
        finally:
            # A web worker is forked inside run() and leaves by SystemExit through here too (each
            # one gunicorn stops or recycles): only this process owns the children.
            if os.getpid() == owner:
                workers.stop()
                if analyser:
                    analyser.stop()


def start_analyser() -> Supervised:
    """The machine's Korean analyser, before any worker: workers started after it find it
    ready and never load Kiwi themselves."""
    address = default_socket()
    analyser = Supervised(["analyser", "--socket", address], 1)
    if os.path.exists(address):
        os.unlink(address)
    analyser.start()
    wait_for_socket(address, seconds=ANALYSER_START_SECONDS)  # if not, workers analyse alone
    # Set for this process (gunicorn's preloaded app) and inherited by every child.
    os.environ["ONTONG_ANALYSER_SOCKET"] = settings.ONTONG_ANALYSER_SOCKET = address
    return analyser

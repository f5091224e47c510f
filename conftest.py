import shutil
import tempfile

import pytest
from django.core.cache import cache

pytest_plugins = [
    "ontong.web.tests.production",  # the production_server fixture
    "ontong.tests.s3",  # moto_endpoint, s3_media (uploaded files on a local S3)
    "ontong.channels.alimtalk.tests.fakes",  # fake_http, kakao_case, alimtalk_on (Kakao notices)
]


@pytest.fixture(autouse=True)
def isolated_media(settings):
    media = tempfile.mkdtemp(prefix="ontong-media-")
    settings.MEDIA_ROOT = media
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    cache.clear()
    from ontong.routing.nearest import CACHE

    CACHE.forget()  # the similar-case index is kept per process
    from ontong.channels.meta.views import forget_app_secrets

    forget_app_secrets()  # kept per process: a rolled-back account must not outlive its test
    yield
    shutil.rmtree(media, ignore_errors=True)


@pytest.fixture(autouse=True)
def one_ratelimit_window(monkeypatch):
    """django-ratelimit counts in fixed windows (a minute, offset by the key): a test's 61
    requests that straddle a window's end start counting again and never see the 429 on a slow
    machine. Each test runs inside one window (the cache is emptied between tests)."""
    from django_ratelimit import core

    monkeypatch.setattr(core, "_get_window", lambda value, period: 4_102_444_800)


@pytest.fixture(autouse=True)
def force_login_passes_two_factor(monkeypatch):
    """Client.force_login skips authentication altogether, so it skips the second factor too:
    the session is marked as verified with the user's authenticator. Tests of the login itself
    post to /login/ and /account/verify/ as a person does."""
    from django.test.client import ClientMixin

    from ontong.accounts.testing import verify_session

    force_login = ClientMixin.force_login

    def force_login_verified(self, user, backend=None):
        force_login(self, user, backend)
        verify_session(self, user)

    monkeypatch.setattr(ClientMixin, "force_login", force_login_verified)


@pytest.fixture
def city(db):
    from ontong.org.services import load_city_fixture

    load_city_fixture()


@pytest.fixture
def make_user(db):
    from django.contrib.auth.models import Group

    from ontong.org.models import ROLE_GROUPS, Department, User
    from ontong.org.services import ensure_role_groups

    def make(username, *roles, department=None, password="pw-for-tests-1"):
        ensure_role_groups()
        dept = (
            Department.objects.get(name=department) if isinstance(department, str) else department
        )
        user = User.objects.create_user(
            username=username,
            password=password,
            department=dept,
            last_name=username[:1],
            first_name=username[1:],
        )
        user.groups.set(Group.objects.filter(name__in=[ROLE_GROUPS[r] for r in roles]))
        return user

    return make


@pytest.fixture
def staff(city, make_user):
    """One user per role; officers and managers in 도로과 and 교통과."""
    from ontong.org.models import Role

    return {
        "triage": make_user("triage", Role.TRIAGE, department="온통서산팀"),
        "admin": make_user("admin", Role.ADMIN, department="민원봉사과"),
        "pr": make_user("pr", Role.PR, department="공보담당관"),
        "road": make_user("road", Role.OFFICER, department="도로과"),
        "road_mgr": make_user("road_mgr", Role.MANAGER, department="도로과"),
        "traffic": make_user("traffic", Role.OFFICER, department="교통과"),
        "traffic_mgr": make_user("traffic_mgr", Role.MANAGER, department="교통과"),
    }


@pytest.fixture
def new_complaint(city):
    from ontong.complaints.services import Intake, receive_complaint

    def make(body="읍내동 사거리에 포트홀이 생겼어요.", **kwargs):
        kwargs.setdefault("channel", "web")
        return receive_complaint(Intake(body=body, **kwargs))

    return make


@pytest.fixture
def concurrently():
    """Run work(index) in n threads at once, each on its own database connection; the threads'
    results, after asserting that none raised."""
    import threading

    from django.db import connection

    def run(work, n):
        results, errors = [], []

        def one(index):
            try:
                results.append(work(index))
            except Exception as error:  # noqa: BLE001 - asserted below
                errors.append(error)
            finally:
                connection.close()

        threads = [threading.Thread(target=one, args=(index,)) for index in range(n)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert errors == []
        return results

    return run


@pytest.fixture
def run_tasks():
    """Run every ready background task, as `ontong worker --batch` does."""

    from unittest import mock

    from django_tasks_db.management.commands.db_worker import Worker

    def run():
        from ontong.channels.meta.events import enqueue_stored_webhooks

        enqueue_stored_webhooks()  # as the worker's webhook loop does
        worker = Worker(
            queue_names=["*"],
            interval=0,
            batch=True,
            backend_name="default",
            startup_delay=False,
            max_tasks=None,
            worker_id="test-worker",
            excluded_queue_names=[],
        )
        # The real worker closes stale connections between tasks; inside a test transaction
        # that would close the test's own connection.
        with mock.patch("django_tasks_db.management.commands.db_worker.close_old_connections"):
            worker.run()

    return run


def pytest_configure(config):
    from django.conf import settings

    # Hashing a password the production way takes ~0.3 s; tests create many users.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(scope="session")
def browser():
    import os

    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; the ORM calls the tests make
    # beside it are still synchronous.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path="/usr/bin/chromium",
            args=[
                "--no-sandbox",
                "--disable-background-networking",
                "--disable-component-update",
                "--no-first-run",
            ],
        )
        yield browser
        browser.close()
    del os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"]


@pytest.fixture
def open_page(browser, live_server):
    """A fresh browser context per call (one person each), optionally logged in."""
    from ontong.web.tests.browser import login

    contexts = []

    def open_(path="/", user=None, base_url=None):
        context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="ko-KR")
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(15_000)
        if user:
            login(page, live_server.url, user)
        page.goto((base_url or live_server.url) + path)
        return page

    yield open_
    for context in contexts:
        context.close()


def _hold_task_table(url: str):
    """Lock the task table so that workers started one after another all wait at it: a worker that
    starts a second earlier would otherwise drain a short queue alone."""
    import psycopg

    gate = psycopg.connect(url)
    gate.execute("LOCK TABLE django_tasks_database_dbtaskresult IN ACCESS EXCLUSIVE MODE")
    return gate


def _open_when_waiting(gate, url: str, count: int, timeout: float = 120) -> None:
    import time

    import psycopg

    deadline = time.monotonic() + timeout
    waiting_sql = (
        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
        " AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()"
    )
    with psycopg.connect(url, autocommit=True) as probe:
        while time.monotonic() < deadline:
            if probe.execute(waiting_sql).fetchone()[0] >= count:
                break
            time.sleep(0.2)
    gate.commit()
    gate.close()


@pytest.fixture
def worker_processes():
    """Run N `ontong worker --batch` processes at once against the test's PostgreSQL database
    (committed data: use with django_db(transaction=True)); fail with the stderr of any that fails."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    from django.db import connection

    def run(count: int, start_together: bool = False) -> None:
        s = connection.settings_dict
        url = (
            f"postgres://{s['USER']}:{s['PASSWORD']}@{s['HOST'] or '127.0.0.1'}:"
            f"{s['PORT'] or 5432}/{s['NAME']}"
        )
        gate = _hold_task_table(url) if start_together else None
        env = {
            **os.environ,
            "DATABASE_URL": url,
            "ONTONG_EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
        }
        workers = [
            subprocess.Popen(
                [sys.executable, "-m", "ontong", "worker", "--batch"],
                cwd=Path(__file__).resolve().parent,
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
            )
            for _ in range(count)
        ]
        if gate is not None:
            _open_when_waiting(gate, url, count)
        for worker in workers:
            _out, err = worker.communicate(timeout=300)
            assert worker.returncode == 0, err.decode()[-2000:]

    return run


@pytest.fixture
def held_open():
    """`with held_open(work, commit_after=None) as result:` — work() runs in another thread, in
    a transaction of its own (another worker's batch) that stays open while the block runs: until
    the block ends, or until commit_after seconds have passed (for a block that waits on it)."""
    import contextlib
    import threading

    from django.db import connection, transaction

    @contextlib.contextmanager
    def hold(work, commit_after=None):
        done, release, result = threading.Event(), threading.Event(), {}

        def other_worker():
            try:
                with transaction.atomic():
                    result["value"] = work()
                    done.set()
                    release.wait(10 if commit_after is None else commit_after)
            finally:
                done.set()
                connection.close()

        thread = threading.Thread(target=other_worker)
        thread.start()
        try:
            assert done.wait(10) and "value" in result
            yield result["value"]
        finally:
            release.set()
            thread.join()

    return hold

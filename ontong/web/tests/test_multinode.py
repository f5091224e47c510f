"""Two `ontong serve` on different ports, as on two machines (each its own var folder), sharing one
PostgreSQL, one cache (ontong.accounts.cache.DatabaseCache), the secret key and one media store (a
local S3, moto's server). What one node counts, stores or ends, the other sees: the web form's rate
limit, a staff login lockout, a session and its logout, a citizen's photo. Runs in the PostgreSQL
pass (SQLite is one machine's file)."""

import io
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from PIL import Image

from ontong.tests.s3 import S3Media, new_bucket
from ontong.web.tests.production import (
    drop_postgres_database,
    free_port,
    own_postgres_database,
    wait_until_ready,
)

ROOT = Path(__file__).resolve().parents[3]
PASSWORD = "multi-node-pw-1"  # noqa: S105 - a test account's
USERS = f"""
from django.contrib.auth.models import Group
from ontong.org.models import Department, ROLE_GROUPS, Role, User
from ontong.org.services import ensure_role_groups, load_city_fixture
load_city_fixture(); ensure_role_groups()
for name in ("triage", "locked"):
    user = User.objects.create_user(name, password="{PASSWORD}", last_name="최", first_name=name,
        department=Department.objects.get(name="온통서산팀"))
    user.groups.set([Group.objects.get(name=ROLE_GROUPS[Role.TRIAGE])])
"""

pytestmark = pytest.mark.skipif(
    not os.environ.get("DATABASE_URL", "").startswith("postgres"),
    reason="several nodes share a PostgreSQL: run in the PostgreSQL pass",
)


@dataclass
class Nodes:
    a: str
    b: str
    media: S3Media


def ontong(env: dict, *args: str) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "ontong", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, (done.stdout + done.stderr)[-3000:]


@pytest.fixture(scope="module")
def nodes(moto_endpoint) -> Iterator[Nodes]:
    media = new_bucket(moto_endpoint)
    database_url, database = own_postgres_database(os.environ["DATABASE_URL"])
    ports = [free_port(), free_port()]
    shared = {
        **os.environ,
        **media.env,
        "DATABASE_URL": database_url,
        "DJANGO_SETTINGS_MODULE": "ontong.settings",
        "ONTONG_SECRET_KEY": secrets.token_urlsafe(50),
        "ONTONG_CACHE_BACKEND": "ontong.accounts.cache.DatabaseCache",
        "ONTONG_CACHE_LOCATION": "ontong_cache",
        "ONTONG_ALLOWED_HOSTS": "127.0.0.1",
        "ONTONG_INTAKE_RATE": "4/h",
        "ONTONG_LOGIN_FAILURE_LIMIT": "3",
        "ONTONG_LOG_LEVEL": "WARNING",
    }
    shared.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    folders = [Path(tempfile.mkdtemp(prefix="ontong-node-")) for _ in ports]
    envs = [{**shared, "ONTONG_VAR_DIR": str(folder)} for folder in folders]
    servers: list[subprocess.Popen] = []
    try:
        ontong(envs[0], "migrate", "--verbosity", "0")  # also the shared cache's table
        ontong(envs[0], "shell", "-c", USERS)
        for env, port, folder in zip(envs, ports, folders, strict=True):
            log = folder / "serve.log"
            with log.open("wb") as out:
                servers.append(
                    subprocess.Popen(  # noqa: S603 - our own command
                        [sys.executable, "-m", "ontong", "serve", "--bind", f"127.0.0.1:{port}"]
                        + ["--web-workers", "1", "--task-workers", "0"],
                        cwd=ROOT,
                        env=env,
                        stdout=out,
                        stderr=subprocess.STDOUT,
                    )
                )
            wait_until_ready(f"http://127.0.0.1:{port}", servers[-1], log)
        yield Nodes(a=f"http://127.0.0.1:{ports[0]}", b=f"http://127.0.0.1:{ports[1]}", media=media)
    finally:
        for server in servers:
            server.send_signal(signal.SIGTERM)
        for server in servers:
            try:
                server.wait(timeout=40)
            except subprocess.TimeoutExpired:
                server.kill()
        drop_postgres_database(os.environ["DATABASE_URL"], database)
        for folder in folders:
            shutil.rmtree(folder, ignore_errors=True)


def browser(address: str) -> httpx.Client:
    """A person at `address`, as the proxy in front of both nodes (loopback, trusted) tells it:
    each test its own, so one test's limits and lockouts do not reach another's."""
    return httpx.Client(timeout=30, headers={"X-Forwarded-For": address})


def form_token(client: httpx.Client, url: str) -> str:
    page = client.get(url)
    assert page.status_code == 200
    found = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
    assert found, page.text[:500]
    return found.group(1)


def log_in(client: httpx.Client, node: str, username: str, password: str) -> httpx.Response:
    token = form_token(client, f"{node}/login/")
    return client.post(
        f"{node}/login/",
        data={"username": username, "password": password, "csrfmiddlewaretoken": token},
    )


def jpeg() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (32, 24), "green").save(buffer, "JPEG")
    return buffer.getvalue()


def test_the_web_forms_rate_limit_counts_across_both_nodes(nodes):
    citizen = browser("203.0.113.5")
    token = form_token(citizen, f"{nodes.a}/minwon/")  # a token from one node works on the other
    answers = [
        citizen.post(f"{node}/minwon/", data={"csrfmiddlewaretoken": token}).status_code
        for node in (nodes.a, nodes.b, nodes.a, nodes.b, nodes.a)
    ]
    # 4/h for one client: two empty forms on each node pass (and are refused as empty), the
    # fifth is over the limit — which neither node alone reached.
    assert answers == [400, 400, 400, 400, 429]


def test_a_login_lockout_counts_across_both_nodes(nodes):
    staff = browser("203.0.113.6")
    wrong = [log_in(staff, node, "locked", "wrong").status_code for node in (nodes.a, nodes.b)]
    assert wrong == [200, 200]  # the form again, with its error
    assert log_in(staff, nodes.a, "locked", "wrong").status_code == 429  # third: locked out
    refused = log_in(staff, nodes.b, "locked", PASSWORD)  # the right password, the other node
    assert refused.status_code == 429 and "sessionid" not in staff.cookies


def test_a_session_and_a_photo_made_on_one_node_are_used_on_the_other(nodes):
    citizen = browser("203.0.113.7")
    token = form_token(citizen, f"{nodes.b}/minwon/")
    photo = jpeg()
    sent = citizen.post(
        f"{nodes.b}/minwon/",
        data={"csrfmiddlewaretoken": token, "body": "읍내동 가로등이 꺼져 있어요"},
        files={"photos": ("IMG_0002.jpg", photo, "image/jpeg")},
    )
    assert sent.status_code == 302, sent.text[:500]
    receipt = re.search(r"/minwon/status/([0-9-]+)/", sent.headers["location"]).group(1)
    keys = nodes.media.keys()
    assert len(keys) == 1 and keys[0].startswith("attachments/") and receipt in keys[0]

    staff = browser("203.0.113.8")
    assert log_in(staff, nodes.a, "triage", PASSWORD).status_code == 302
    page = staff.get(f"{nodes.b}/complaints/{receipt}/")  # the session from A, on B
    assert page.status_code == 200
    link = re.search(rf'href="(/complaints/{receipt}/attachments/\d+/)"', page.text).group(1)
    for node in (nodes.a, nodes.b):
        served = staff.get(f"{node}{link}")
        assert served.status_code == 200 and served.content == nodes.media.read(keys[0])

    session = staff.cookies["sessionid"]
    logout_token = form_token(staff, f"{nodes.b}/complaints/{receipt}/")
    assert staff.post(f"{nodes.b}/logout/", data={"csrfmiddlewaretoken": logout_token}).is_redirect
    # Ended on B: the same cookie is no session on A either.
    stolen = httpx.Client(timeout=30, cookies={"sessionid": session}, headers=staff.headers)
    ended = stolen.get(f"{nodes.a}/complaints/{receipt}/")
    assert ended.status_code == 302 and "/login/" in ended.headers["location"]

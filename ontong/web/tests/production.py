"""A production-mode Ontong for browser tests, started the way docs/deployment.md tells an operator:
ONTONG_ENV=production with a secret key and allowed hosts, `ontong collectstatic --noinput`,
`ontong migrate`, `ontong load_demo`, `ontong serve` on a free loopback port; ready when /readyz
says so; stopped (SIGTERM) and its database dropped after the session.

Browsers reach it at http://localhost:PORT with ONTONG_SSL_REDIRECT=0, standing in for the HTTPS
proxy: chromium treats http://localhost as a potentially trustworthy origin, so it keeps the
Secure session and CSRF cookies production sets. A fresh var dir (SQLite, media, static files)
each session; on the PostgreSQL pass (DATABASE_URL set) a database of its own on that server.
"""

import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[3]
READY_SECONDS = 180


@dataclass
class ProductionServer:
    url: str
    env: dict

    def ontong(self, *args: str, timeout: int = 300) -> subprocess.CompletedProcess:
        """Run `ontong <args>` as the operator would on this server; fail with its output."""
        done = subprocess.run(
            [sys.executable, "-m", "ontong", *args],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        if done.returncode != 0:
            pytest.fail(
                f"`ontong {' '.join(args)}` failed in production mode (exit {done.returncode}):\n"
                + (done.stdout + done.stderr)[-3000:]
            )
        return done


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def on_the_server(url: str, statement: str) -> None:
    """Run statement on url's PostgreSQL server, connected to its maintenance database."""
    import psycopg

    server = url.replace("postgres://", "postgresql://").rpartition("/")[0] + "/postgres"
    with psycopg.connect(server, autocommit=True) as conn:
        conn.execute(statement)


def own_postgres_database(url: str) -> tuple[str, str]:
    """A new empty database on the server of url: (its URL, its name)."""
    name = f"ontong_production_{secrets.token_hex(4)}"
    on_the_server(url, f'CREATE DATABASE "{name}"')
    return f"{url.rpartition('/')[0]}/{name}", name


def drop_postgres_database(url: str, name: str) -> None:
    on_the_server(url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def wait_until_ready(url: str, serve: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + READY_SECONDS
    while time.monotonic() < deadline:
        if serve.poll() is not None:
            pytest.fail(f"ontong serve exited ({serve.returncode}):\n{log.read_text()[-3000:]}")
        try:
            if httpx.get(f"{url}/readyz", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    pytest.fail(f"ontong serve was not ready in {READY_SECONDS} s:\n{log.read_text()[-3000:]}")


@pytest.fixture(scope="session")
def production_server():
    var_dir = Path(tempfile.mkdtemp(prefix="ontong-production-"))
    port = free_port()
    url = f"http://localhost:{port}"
    env = {
        **os.environ,
        "ONTONG_ENV": "production",
        "ONTONG_SECRET_KEY": secrets.token_urlsafe(50),
        "ONTONG_ALLOWED_HOSTS": "localhost",
        "ONTONG_CSRF_TRUSTED_ORIGINS": url,
        "ONTONG_SITE_URL": url,
        "ONTONG_SSL_REDIRECT": "0",
        "ONTONG_VAR_DIR": str(var_dir),
        "ONTONG_EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "DJANGO_SETTINGS_MODULE": "ontong.settings",
    }
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    database = None
    if os.environ.get("DATABASE_URL", "").startswith("postgres"):
        env["DATABASE_URL"], database = own_postgres_database(os.environ["DATABASE_URL"])
    server = ProductionServer(url=url, env=env)
    log = var_dir / "serve.log"
    serve = None
    try:
        server.ontong("collectstatic", "--noinput")
        server.ontong("migrate", "--verbosity", "0")
        server.ontong("load_demo")
        with log.open("wb") as out:
            serve = subprocess.Popen(
                [sys.executable, "-m", "ontong", "serve", "--bind", f"127.0.0.1:{port}"]
                + ["--web-workers", "2", "--task-workers", "1"],
                cwd=ROOT,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        wait_until_ready(url, serve, log)
        yield server
    finally:
        if serve is not None and serve.poll() is None:
            serve.send_signal(signal.SIGTERM)
            try:
                serve.wait(timeout=40)
            except subprocess.TimeoutExpired:
                serve.kill()
        if database:
            drop_postgres_database(os.environ["DATABASE_URL"], database)
        shutil.rmtree(var_dir, ignore_errors=True)

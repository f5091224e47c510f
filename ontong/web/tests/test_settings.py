import os
import subprocess
import sys

import pytest


def run_ontong(*args, env=None):
    base = {k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    return subprocess.run(
        [sys.executable, "-m", "ontong", *args],
        capture_output=True,
        text=True,
        env={**base, **(env or {})},
        timeout=120,
        check=False,
    )


@pytest.mark.parametrize(
    "url",
    ["sqlite:////tmp/ontong-deploy-check.sqlite3", "postgres://user:pw@127.0.0.1:5432/ontong"],
)
def test_production_mode_passes_check_deploy(tmp_path, url):
    """The documented configuration (docs/deployment.md), static files collected."""
    env = {
        "ONTONG_ENV": "production",
        "ONTONG_SECRET_KEY": "x" * 30 + "-not-a-real-key-but-long-enough-" + "y" * 20,
        "ONTONG_ALLOWED_HOSTS": "minwon.example.kr",
        "ONTONG_VAR_DIR": str(tmp_path),
        "DATABASE_URL": url,
    }
    collected = run_ontong("collectstatic", "--noinput", env=env)
    assert collected.returncode == 0, collected.stdout + collected.stderr
    result = run_ontong("check", "--deploy", "--fail-level", "WARNING", env=env)
    assert result.returncode == 0, result.stdout + result.stderr


def test_production_refuses_to_start_without_a_secret(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "ONTONG_SECRET_KEY"}
    result = subprocess.run(
        [sys.executable, "-m", "ontong", "check"],
        capture_output=True,
        text=True,
        env={**env, "ONTONG_ENV": "production", "ONTONG_VAR_DIR": str(tmp_path)},
        timeout=120,
        check=False,
    )
    assert result.returncode != 0 and "ONTONG_SECRET_KEY" in result.stderr


def test_help_lists_ontong_commands():
    out = run_ontong("help").stdout
    for command in ["run", "worker", "load_demo", "purge_personal_data"]:
        assert command in out


def test_pr_staff_land_on_the_desk_and_see_no_complaints(client, staff):
    client.force_login(staff["pr"])
    assert client.get("/").url == "/publishing/"
    # Not offered in the menu, so not there at all (issue 13 item 8; web/nav.py).
    assert client.get("/complaints/").status_code == 404

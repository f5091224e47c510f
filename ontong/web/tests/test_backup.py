"""Backup and restore, tested end to end in fresh processes: data and uploaded files written,
backed up, destroyed, restored."""

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
WRITE = (
    "from ontong.complaints.services import Intake, receive_complaint;"
    "from django.core.files.storage import default_storage;from django.core.files.base import ContentFile;"
    "[receive_complaint(Intake(channel='web', body=f'백업 시험 {i}')) for i in range(3)];"
    "default_storage.save('attachments/keep.txt', ContentFile(b'photo'))"
)
DESTROY = (
    "from ontong.complaints.models import Complaint;Complaint.objects.all().delete();"
    "from django.core.files.storage import default_storage;default_storage.delete('attachments/keep.txt')"
)
COUNT = (
    "from ontong.complaints.models import Complaint;from django.core.files.storage import default_storage;"
    "print(Complaint.objects.count(), default_storage.exists('attachments/keep.txt'))"
)


def ontong(env, *command) -> str:
    result = subprocess.run(
        [sys.executable, "-m", "ontong", *command],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout


def round_trip(env, tmp_path):
    ontong(env, "migrate", "--verbosity", "0")
    ontong(env, "shell", "-c", WRITE)
    ontong(env, "backup", str(tmp_path / "ontong.tar.gz"))
    ontong(env, "shell", "-c", DESTROY)
    assert ontong(env, "shell", "-c", COUNT).split()[-2:] == ["0", "False"]
    ontong(env, "backup", "--restore", str(tmp_path / "ontong.tar.gz"))
    assert ontong(env, "shell", "-c", COUNT).split()[-2:] == ["3", "True"]


def test_backup_and_restore_on_sqlite(tmp_path):
    env = {**os.environ, "ONTONG_VAR_DIR": str(tmp_path / "var")}
    env.pop("DATABASE_URL", None)
    round_trip(env, tmp_path)


@pytest.mark.postgres
def test_backup_and_restore_on_postgresql(tmp_path):
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        pytest.skip("PostgreSQL backup is tested in the PostgreSQL pass")
    import psycopg

    admin = psycopg.connect(url.replace("postgres://", "postgresql://"), autocommit=True)
    admin.execute("DROP DATABASE IF EXISTS ontong_backup_test")
    admin.execute("CREATE DATABASE ontong_backup_test")
    try:
        env = {
            **os.environ,
            "ONTONG_VAR_DIR": str(tmp_path / "var"),
            "DATABASE_URL": url.rsplit("/", 1)[0] + "/ontong_backup_test",
        }
        round_trip(env, tmp_path)
    finally:
        admin.execute("DROP DATABASE IF EXISTS ontong_backup_test WITH (FORCE)")
        admin.close()


def test_the_backup_file_is_readable_by_its_owner_only(tmp_path):
    """It holds every citizen's personal data: another account on the machine must not read it,
    whatever the umask (a typical 022 would make it world-readable)."""
    env = {**os.environ, "ONTONG_VAR_DIR": str(tmp_path / "var")}
    env.pop("DATABASE_URL", None)
    ontong(env, "migrate", "--verbosity", "0")
    backup = tmp_path / "ontong.tar.gz"
    result = subprocess.run(
        [sys.executable, "-m", "ontong", "backup", str(backup)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        preexec_fn=lambda: os.umask(0o022),  # noqa: PLW1509 - the umask a server usually has
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert stat.S_IMODE(backup.stat().st_mode) == 0o600

"""`ontong backup FILE` / `ontong backup --restore FILE`: the database and the uploaded files in
one .tar.gz. SQLite is copied with its online backup API (consistent while Ontong runs);
PostgreSQL with pg_dump's custom format (restored with pg_restore --clean). Restore replaces
everything: stop web and workers first."""

import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.utils import timezone

FORMAT = 1


def pg_env() -> dict:
    db = settings.DATABASES["default"]
    return {
        **os.environ,
        "PGHOST": db.get("HOST") or "127.0.0.1",
        "PGPORT": str(db.get("PORT") or 5432),
        "PGUSER": db.get("USER") or "",
        "PGPASSWORD": db.get("PASSWORD") or "",
        "PGDATABASE": db["NAME"],
    }


def dump_database(folder: Path) -> tuple[str, Path]:
    if connection.vendor == "sqlite":
        path = folder / "database.sqlite3"
        target = sqlite3.connect(path)
        with target:
            connection.ensure_connection()
            connection.connection.backup(target)
        target.close()
        return "sqlite", path
    if connection.vendor == "postgresql":
        pg_dump = shutil.which("pg_dump")
        if not pg_dump:
            raise CommandError("pg_dump가 없습니다 (postgresql-client 패키지).")
        path = folder / "database.pgdump"
        subprocess.run(  # noqa: S603
            [pg_dump, "--format=custom", "--no-owner", f"--file={path}"],
            env=pg_env(),
            check=True,
        )
        return "postgresql", path
    raise CommandError(f"{connection.vendor}는 지원하지 않습니다.")


def restore_database(folder: Path, vendor: str) -> None:
    if vendor != connection.vendor:
        raise CommandError(f"이 백업은 {vendor}용입니다 (지금 DB: {connection.vendor}).")
    if vendor == "sqlite":
        source = sqlite3.connect(folder / "database.sqlite3")
        connection.ensure_connection()
        source.backup(connection.connection)
        source.close()
        return
    subprocess.run(  # noqa: S603
        [
            shutil.which("pg_restore") or "pg_restore",
            "--clean",
            "--if-exists",
            "--no-owner",
            f"--dbname={settings.DATABASES['default']['NAME']}",
            str(folder / "database.pgdump"),
        ],
        env=pg_env(),
        check=True,
    )


class Command(BaseCommand):
    help = "DB와 올린 파일을 .tar.gz 하나로 백업하거나(--restore) 되살립니다. 되살리기 전에 웹·작업자를 멈추세요."

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--restore", action="store_true", help="백업 파일에서 되살립니다")

    def handle(self, *args, file, restore, **options):
        if restore:
            self.restore(Path(file))
        else:
            self.backup(Path(file))

    def backup(self, file: Path) -> None:
        media = Path(settings.MEDIA_ROOT)
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp)
            vendor, dump = dump_database(folder)
            manifest = {"format": FORMAT, "database": vendor, "created": timezone.now().isoformat()}
            # Personal data: readable by the owner only, whatever the umask (0o600 from creation on,
            # never briefly wider).
            handle = os.fdopen(os.open(file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "wb")
            os.chmod(file, 0o600)  # an older file of the same name keeps its mode on O_TRUNC
            with handle, tarfile.open(fileobj=handle, mode="w:gz") as archive:
                archive.add(dump, arcname=dump.name)
                data = json.dumps(manifest).encode()
                info = tarfile.TarInfo("manifest.json")
                info.size = len(data)
                archive.addfile(info, io.BytesIO(data))
                if media.exists():
                    archive.add(media, arcname="media")
        self.stdout.write(f"백업: {file} ({vendor}, {file.stat().st_size / 2**20:.1f} MiB)")
        if settings.ONTONG_MEDIA_S3_BUCKET:
            self.stdout.write(
                f"올린 파일은 S3 버킷 {settings.ONTONG_MEDIA_S3_BUCKET}에 있어 이 백업에 들어가지 "
                "않습니다: 저장소의 복제·버전 관리로 지키세요 (docs/configuration.md)."
            )

    def restore(self, file: Path) -> None:
        if not file.exists():
            raise CommandError(f"백업 파일이 없습니다: {file}")
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp)
            with tarfile.open(file, "r:gz") as archive:
                archive.extractall(folder, filter="data")
            manifest = json.loads((folder / "manifest.json").read_text())
            if manifest.get("format") != FORMAT:
                raise CommandError("알 수 없는 백업 형식입니다.")
            restore_database(folder, manifest["database"])
            media = Path(settings.MEDIA_ROOT)
            if (folder / "media").exists():
                if media.exists():
                    shutil.rmtree(media)
                shutil.copytree(folder / "media", media)
        self.stdout.write(f"되살림: {file} ({manifest['database']}, {manifest['created']})")

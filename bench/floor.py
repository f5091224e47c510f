"""The floor for bench/ingest.py: the least a webhook endpoint can do — verify the signature and
insert the raw body into the same database, nothing else — as a WSGI app under the same gunicorn
(same worker count and kind) as `ontong serve`.

    FLOOR_SECRET=... FLOOR_DATABASE=postgres://...|/path/to/file.sqlite3 \
        gunicorn --chdir bench floor:app
"""

import hashlib
import hmac
import os

SECRET = os.environ["FLOOR_SECRET"].encode()
DATABASE = os.environ["FLOOR_DATABASE"]
POSTGRES = DATABASE.startswith("postgres")
INSERT = (
    "INSERT INTO floor_event (body) VALUES (%s)"
    if POSTGRES
    else "INSERT INTO floor_event (body) VALUES (?)"
)
_connection = None


def connection():
    """One connection per worker process, kept (the floor pays no connection set-up)."""
    global _connection
    if _connection is None:
        if POSTGRES:
            import psycopg

            _connection = psycopg.connect(DATABASE, autocommit=True)
        else:
            import sqlite3

            _connection = sqlite3.connect(DATABASE, isolation_level=None, timeout=20)
            _connection.execute("PRAGMA journal_mode=WAL")
            _connection.execute("PRAGMA synchronous=NORMAL")  # as Ontong's SQLite settings
    return _connection


def create_table() -> None:
    kind = "bigserial" if POSTGRES else "integer"
    blob = "bytea" if POSTGRES else "blob"
    connection().execute(
        f"CREATE TABLE IF NOT EXISTS floor_event (id {kind} PRIMARY KEY, body {blob} NOT NULL)"
    )


def app(environ, start_response):
    body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
    expected = "sha256=" + hmac.new(SECRET, body, hashlib.sha256).hexdigest()
    if not hmac.compare_digest(environ.get("HTTP_X_HUB_SIGNATURE_256", ""), expected):
        start_response("403 Forbidden", [("Content-Type", "text/plain")])
        return [b"bad signature"]
    connection().execute(INSERT, (body,))
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"EVENT_RECEIVED"]

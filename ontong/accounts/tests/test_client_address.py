"""Issue 14 item 6: behind the reverse proxy each citizen is counted on their own, /metrics
answers nothing forwarded without its token, and rate limits count in a shared cache."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client, RequestFactory

ROOT = Path(__file__).resolve().parents[3]


def request(remote="127.0.0.1", forwarded=None):
    extra = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **extra)


@pytest.mark.parametrize(
    ("remote", "forwarded", "expected"),
    [
        ("203.0.113.5", None, "203.0.113.5"),
        # the proxy on loopback appends the address it saw: that one is the client
        ("127.0.0.1", "198.51.100.7", "198.51.100.7"),
        # whatever the client wrote itself (left of it) is not believed
        ("127.0.0.1", "10.0.0.1, 198.51.100.7", "198.51.100.7"),
        # a client that is not a trusted proxy cannot choose its address
        ("203.0.113.5", "198.51.100.7", "203.0.113.5"),
        # garbage in the header: the last address a trusted proxy vouched for
        ("127.0.0.1", "<script>", "127.0.0.1"),
        ("127.0.0.1", "", "127.0.0.1"),
        # some proxies add the port
        ("127.0.0.1", "198.51.100.7:50123", "198.51.100.7"),
        ("127.0.0.1", "[2001:db8::7]:443", "2001:db8::7"),
        ("::1", "2001:db8::7", "2001:db8::7"),
    ],
)
def test_the_client_address_is_read_through_trusted_proxies_only(remote, forwarded, expected):
    from ontong.accounts.network import client_ip

    assert client_ip(request(remote, forwarded)) == expected


def test_a_chain_of_trusted_proxies_is_walked_from_the_right(settings):
    settings.ONTONG_TRUSTED_PROXIES = ["127.0.0.1/32", "10.0.0.0/8"]

    from ontong.accounts.network import client_ip

    req = request("127.0.0.1", "6.6.6.6, 198.51.100.7, 10.1.2.3")

    assert client_ip(req) == "198.51.100.7"


INTAKE = {
    "body": "가로등이 꺼졌어요",
    "title": "",
    "address": "",
    "name": "",
    "phone": "",
    "email": "",
}


def test_citizens_behind_the_proxy_each_have_their_own_intake_limit(city, settings):
    settings.ONTONG_INTAKE_RATE = "2/h"
    first = Client(REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="198.51.100.7")
    second = Client(REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="198.51.100.8")

    codes = [first.post("/minwon/", INTAKE).status_code for _ in range(3)]
    assert codes == [302, 302, 429]

    assert second.post("/minwon/", INTAKE).status_code == 302


def test_metrics_refuse_a_request_forwarded_by_a_local_proxy(client, db, settings):
    forwarded = {"REMOTE_ADDR": "127.0.0.1", "HTTP_X_FORWARDED_FOR": "203.0.113.9"}

    assert client.get("/metrics", **forwarded).status_code == 403
    assert client.get("/metrics", REMOTE_ADDR="::1", HTTP_X_REAL_IP="1.2.3.4").status_code == 403
    assert client.get("/metrics").status_code == 200  # on the machine itself
    settings.ONTONG_METRICS_TOKEN = "scrape-me"
    with_token = client.get("/metrics", headers={"Authorization": "Bearer scrape-me"}, **forwarded)
    assert with_token.status_code == 200


def test_the_timeline_records_the_citizens_address_not_the_proxys(city):
    from ontong.complaints.models import Event

    citizen = Client(REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="198.51.100.7")
    assert citizen.post("/minwon/", INTAKE).status_code == 302

    assert Event.objects.filter(ip="198.51.100.7").exists()


@pytest.fixture
def database_cache(settings, db):
    from django.core.cache import caches

    from ontong.accounts.cache import create_cache_tables

    settings.CACHES = {
        **settings.CACHES,
        "shared": {"BACKEND": "ontong.accounts.cache.DatabaseCache", "LOCATION": "ontong_cache"},
    }
    create_cache_tables()
    return caches["shared"]


def test_the_shared_cache_counts_and_keeps_the_window(database_cache):
    database_cache.add("hits", 1, 60)

    assert database_cache.incr("hits") == 2
    assert database_cache.incr("hits", 3) == 5
    assert database_cache.get("hits") == 5
    with pytest.raises(ValueError):
        database_cache.incr("never-set")


def test_many_entries_are_written_in_one_statement_and_read_back(database_cache):
    """The inbox's change versions (decision 0004) are written together after each worker
    batch: one count and one upsert, however many keys, new or already there."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    database_cache.set("all", "old", None)
    database_cache.set("short", "lived", 60)
    with CaptureQueriesContext(connection) as queries:
        database_cache.set_many({"all": "new", "dept:7": "v7", "user:3": {"u": 3}}, timeout=None)
    writes = [q["sql"] for q in queries.captured_queries if "ontong_cache" in q["sql"]]
    assert len(writes) == 2, writes
    assert database_cache.get_many(["all", "dept:7", "user:3", "short"]) == {
        "all": "new",
        "dept:7": "v7",
        "user:3": {"u": 3},
        "short": "lived",
    }
    database_cache.set_many({"short": "again"}, timeout=60)
    assert database_cache.get("short") == "again"
    database_cache.set_many({"gone": 1}, timeout=-1)  # Django's "expired at once"
    assert database_cache.get("gone") is None


def test_writing_many_entries_still_culls_a_full_cache(settings, database_cache):
    from django.core.cache import caches

    settings.CACHES = {
        **settings.CACHES,
        "small": {**settings.CACHES["shared"], "OPTIONS": {"MAX_ENTRIES": 4, "CULL_FREQUENCY": 2}},
    }
    small = caches["small"]
    small.clear()
    small.set_many({f"k{i}": i for i in range(6)}, timeout=None)
    small.set_many({"last": "in"}, timeout=None)
    assert small.get("last") == "in"
    assert len(small.get_many([f"k{i}" for i in range(6)])) == 3  # a half culled, not all


@pytest.mark.django_db(transaction=True)
def test_concurrent_increments_are_never_lost(settings, concurrently):
    """On PostgreSQL (the SQLite test database lives in memory, without file locks: the
    production-mode test below counts from threads on a SQLite file)."""
    from django.core.cache import caches
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("row locks: PostgreSQL run")

    from ontong.accounts.cache import create_cache_tables

    settings.CACHES = {
        **settings.CACHES,
        "shared": {"BACKEND": "ontong.accounts.cache.DatabaseCache", "LOCATION": "ontong_cache"},
    }
    create_cache_tables()
    caches["shared"].add("hits", 0, 60)

    def hit(_index):
        for _ in range(10):
            caches["shared"].incr("hits")

    concurrently(hit, 6)

    assert caches["shared"].get("hits") == 60


COUNT_FROM_THREADS = """
import threading
from django.conf import settings
from django.core.cache import cache
from django.db import connection
cache.add("k", 0, 60)
def hit():
    for _ in range(10):
        cache.incr("k")
    connection.close()
threads = [threading.Thread(target=hit) for _ in range(6)]
[t.start() for t in threads]
[t.join() for t in threads]
print(cache.get("k"), settings.CACHES["default"]["BACKEND"],
      [c for c in settings.SILENCED_SYSTEM_CHECKS if "E003" in c])
"""


def test_production_counts_in_the_database_after_a_plain_migrate(tmp_path):
    """`ontong migrate` alone makes the cache table; the ratelimit checks are not silenced."""
    env = {
        **{k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"},
        "ONTONG_ENV": "production",
        "ONTONG_SECRET_KEY": "x" * 30 + "-not-a-real-key-but-long-enough-" + "y" * 20,
        "ONTONG_ALLOWED_HOSTS": "minwon.example.kr",
        "ONTONG_VAR_DIR": str(tmp_path),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'prod.sqlite3'}",
    }

    def ontong(*args):
        return subprocess.run(  # noqa: S603
            [sys.executable, "-m", "ontong", *args],
            capture_output=True,
            text=True,
            env=env,
            cwd=ROOT,
            timeout=300,
            check=False,
        )

    migrated = ontong("migrate", "--verbosity", "0")
    assert migrated.returncode == 0, migrated.stderr
    counted = ontong("shell", "--no-imports", "-c", COUNT_FROM_THREADS)
    assert counted.stdout.split() == ["60", "ontong.accounts.cache.DatabaseCache", "[]"], (
        counted.stderr
    )
    locmem = ontong("check")
    env["ONTONG_CACHE_BACKEND"] = "django.core.cache.backends.locmem.LocMemCache"
    refused = ontong("check")
    assert locmem.returncode == 0 and refused.returncode != 0
    assert "django_ratelimit.E003" in refused.stderr

"""A shared cache for rate limits and login throttling that needs no extra server.

Django's DatabaseCache increments by reading and writing back, so two web processes counting the
same client at once can both write the same number (django-ratelimit refuses it: E003). This one
locks the row first (SELECT … FOR UPDATE on PostgreSQL; SQLite's IMMEDIATE transactions already
serialise writers), so concurrent increments are never lost.
"""

import base64
import pickle  # noqa: S403 - the same encoding as Django's DatabaseCache, written only by us
from datetime import UTC, datetime

from django.conf import settings
from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.db import DatabaseCache as DjangoDatabaseCache
from django.core.management import call_command
from django.db import connections, router, transaction
from django.utils import timezone


class DatabaseCache(DjangoDatabaseCache):
    def incr(self, key, delta=1, version=None):
        """Add delta under a row lock, keeping the entry's expiry (a rate-limit window)."""
        stored_key = self.make_and_validate_key(key, version=version)
        db = router.db_for_write(self.cache_model_class)
        connection = connections[db]
        quote = connection.ops.quote_name
        table, key_column = quote(self._table), quote("cache_key")  # type: ignore[attr-defined]  # set in DatabaseCache.__init__; django-stubs omits it
        lock = " FOR UPDATE" if connection.features.has_select_for_update else ""
        now = timezone.now().replace(microsecond=0, tzinfo=None)
        with transaction.atomic(using=db), connection.cursor() as cursor:
            cursor.execute(
                f"SELECT {quote('value')} FROM {table} WHERE {key_column} = %s "  # noqa: S608
                f"AND {quote('expires')} > %s{lock}",
                [stored_key, connection.ops.adapt_datetimefield_value(now)],
            )
            row = cursor.fetchone()
            if row is None:
                raise ValueError(f"Key '{key}' not found")
            value = pickle.loads(base64.b64decode(row[0].encode())) + delta  # noqa: S301
            encoded = base64.b64encode(pickle.dumps(value, self.pickle_protocol)).decode("latin1")
            cursor.execute(
                f"UPDATE {table} SET {quote('value')} = %s WHERE {key_column} = %s",  # noqa: S608
                [encoded, stored_key],
            )
        return value

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        """One count (for culling) and one upsert for all the entries; Django's counts, reads and
        writes each entry on its own — 3 statements a key for the inbox's change versions that
        every worker batch moves (decision 0004)."""
        db = router.db_for_write(self.cache_model_class)
        connection = connections[db]
        if not data or connection.vendor not in {"postgresql", "sqlite"}:
            return super().set_many(data, timeout, version)
        timeout = self.get_backend_timeout(timeout)
        if timeout is None:
            ends = datetime.max
        else:
            ends = datetime.fromtimestamp(timeout, tz=UTC if settings.USE_TZ else None)
        expires = connection.ops.adapt_datetimefield_value(ends.replace(microsecond=0))
        rows = sorted(  # one order for every writer: two upserts never wait on each other's rows
            (self.make_and_validate_key(key, version=version), self._encoded(value))
            for key, value in data.items()
        )
        quote = connection.ops.quote_name
        table = quote(self._table)  # type: ignore[attr-defined]  # set in DatabaseCache.__init__; django-stubs omits it
        key, value, ends_column = quote("cache_key"), quote("value"), quote("expires")
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT COUNT(*) FROM {table}")  # noqa: S608
            count = cursor.fetchone()[0]
            if count > self._max_entries:
                now = timezone.now().replace(microsecond=0)
                self._cull(db, cursor, now, count)  # type: ignore[attr-defined]  # as _table
            cursor.execute(
                f"INSERT INTO {table} ({key}, {value}, {ends_column}) VALUES "  # noqa: S608
                + ", ".join(["(%s, %s, %s)"] * len(rows))
                + f" ON CONFLICT ({key}) DO UPDATE SET {value} = excluded.{value}, "
                f"{ends_column} = excluded.{ends_column}",
                [part for stored_key, encoded in rows for part in (stored_key, encoded, expires)],
            )
        return []

    def _encoded(self, value) -> str:
        return base64.b64encode(pickle.dumps(value, self.pickle_protocol)).decode("latin1")


def create_cache_tables(using="default", verbosity=1, **kwargs):
    """post_migrate: the table of every configured database cache (no-op when it exists)."""
    call_command("createcachetable", database=using, verbosity=0)

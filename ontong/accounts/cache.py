"""A shared cache for rate limits and login throttling that needs no extra server.

Django's DatabaseCache increments by reading and writing back, so two web processes counting the
same client at once can both write the same number (django-ratelimit refuses it: E003). This one
locks the row first (SELECT … FOR UPDATE on PostgreSQL; SQLite's IMMEDIATE transactions already
serialise writers), so concurrent increments are never lost.
"""

import base64
import pickle  # noqa: S403 - the same encoding as Django's DatabaseCache, written only by us

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


def create_cache_tables(using="default", verbosity=1, **kwargs):
    """post_migrate: the table of every configured database cache (no-op when it exists)."""
    call_command("createcachetable", database=using, verbosity=0)

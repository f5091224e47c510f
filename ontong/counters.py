"""Per-process counters that /metrics reports (web.health) and the webhook fast path
(channels.meta.ingest, in front of Django) increments: kept below both so neither reaches up."""

import itertools
import time

_requests = itertools.count()
REQUESTS = {"served": 0}
STARTED = time.time()


def count_request() -> None:
    REQUESTS["served"] = next(_requests) + 1

"""Liveness, readiness and basic metrics for load balancers and monitoring.

/healthz   the process answers (no database)
/readyz    the database answers and every migration is applied (503 otherwise)
/metrics   Prometheus text: requests served by the machine's web workers, the live processes,
           the worker jobs' runs, failures and last success (ontong/metrics.py), and from the
           database: queue depth, the oldest queued task, deliveries failed or held, webhooks not
           yet processed, posts that failed.
           Aggregates only, never personal data; direct from loopback (not forwarded by a
           proxy) or with ONTONG_METRICS_TOKEN.
"""

import hmac

from django.conf import settings
from django.db import DatabaseError, connection
from django.db.migrations.executor import MigrationExecutor
from django.http import HttpResponse, JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from prometheus_client.core import GaugeMetricFamily

from ontong import metrics as prometheus
from ontong.accounts.network import is_direct_loopback
from ontong.channels.meta.models import WebhookDelivery
from ontong.complaints.models import Message
from ontong.publishing.models import Target
from ontong.tasks_queue import backlog


class CountRequests:
    """Counts requests (ontong_requests_total, summed over the machine's web workers)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        prometheus.count_request()
        return self.get_response(request)


@never_cache
def healthz(request):
    return HttpResponse("ok", content_type="text/plain")


@never_cache
def readyz(request):
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        executor = MigrationExecutor(connection)
        pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
    except DatabaseError as exc:
        return JsonResponse(
            {"ready": False, "reason": f"database: {exc.__class__.__name__}"}, status=503
        )
    if pending:
        return JsonResponse(
            {"ready": False, "reason": f"{len(pending)} migrations not applied"}, status=503
        )
    return JsonResponse({"ready": True})


def allowed(request) -> bool:
    token = settings.ONTONG_METRICS_TOKEN
    given = request.headers.get("Authorization", "").removeprefix("Bearer ")
    if token and hmac.compare_digest(given, token):
        return True
    # A local reverse proxy connects from loopback too: what it forwards needs the token.
    return is_direct_loopback(request)


def gauges() -> list[tuple[str, str, float]]:
    queued, oldest = backlog()
    return [
        ("ontong_tasks_queued", "Background tasks ready to run", queued),
        (
            "ontong_oldest_queued_task_seconds",
            "Age of the oldest task waiting to run",
            (timezone.now() - oldest).total_seconds() if oldest else 0,
        ),
        (
            "ontong_deliveries_failed",
            "Notices to citizens that failed (after retries and fallbacks)",
            Message.objects.filter(delivery=Message.Delivery.FAILED).count(),
        ),
        (
            "ontong_notices_held",
            "Notices held for a person to contact the citizen",
            Message.objects.filter(delivery=Message.Delivery.HELD).count(),
        ),
        (
            "ontong_webhooks_unprocessed",
            "Stored webhook deliveries not yet processed",
            WebhookDelivery.objects.exclude(state="processed").count(),
        ),
        (
            "ontong_posts_failed",
            "Social media posts that failed to publish",
            Target.objects.filter(state=Target.State.FAILED).count(),
        ),
    ]


class DatabaseGauges:
    """The gauges counted in the database at scrape time: the same from every process and machine."""

    def collect(self):
        for name, help_text, value in gauges():
            yield GaugeMetricFamily(name, help_text, value=value)


@never_cache
def metrics(request):
    if not allowed(request):
        return HttpResponse("forbidden", status=403, content_type="text/plain")
    body, content_type = prometheus.exposition(DatabaseGauges())
    return HttpResponse(body, content_type=content_type)

"""Liveness, readiness and basic metrics for load balancers and monitoring.

/healthz   the process answers (no database)
/readyz    the database answers and every migration is applied (503 otherwise)
/metrics   Prometheus text: requests served by this process, queue depth, the oldest queued
           task, deliveries failed or held, webhooks not yet processed, posts that failed.
           Aggregates only, never personal data; direct from loopback (not forwarded by a
           proxy) or with ONTONG_METRICS_TOKEN.
"""

import hmac
import os
import time

from django.conf import settings
from django.db import DatabaseError, connection
from django.db.migrations.executor import MigrationExecutor
from django.http import HttpResponse, JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django_tasks_db.models import DBTaskResult

from ontong.accounts.network import is_direct_loopback
from ontong.channels.meta.models import WebhookDelivery
from ontong.complaints.models import Message
from ontong.counters import REQUESTS, STARTED, count_request
from ontong.publishing.models import Target


class CountRequests:
    """Counts requests in this process (each gunicorn worker reports its own, labelled by pid)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        count_request()
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
    ready = DBTaskResult.objects.ready()
    oldest = ready.order_by("enqueued_at").values_list("enqueued_at", flat=True).first()
    return [
        ("ontong_tasks_queued", "Background tasks ready to run", ready.count()),
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


@never_cache
def metrics(request):
    if not allowed(request):
        return HttpResponse("forbidden", status=403, content_type="text/plain")
    pid = os.getpid()
    lines = [
        "# HELP ontong_requests_total Requests served by this process",
        "# TYPE ontong_requests_total counter",
        f'ontong_requests_total{{pid="{pid}"}} {REQUESTS["served"]}',
        "# HELP ontong_process_uptime_seconds Seconds since this process started",
        "# TYPE ontong_process_uptime_seconds gauge",
        f'ontong_process_uptime_seconds{{pid="{pid}"}} {time.time() - STARTED:.0f}',
    ]
    for name, help_text, value in gauges():
        lines += [f"# HELP {name} {help_text}", f"# TYPE {name} gauge", f"{name} {value:g}"]
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain; version=0.0.4")

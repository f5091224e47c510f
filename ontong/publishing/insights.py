"""Audience analytics: a daily collection of Page and Instagram insights, tolerant of metrics Meta
retires (channel-contracts §6.3). One invalid metric fails Meta's whole request, so on an error
each metric is asked alone; the ones Meta refuses are recorded once, reported once to the desk,
and skipped from then on — the rest of the collection goes on."""

import datetime as dt
import logging
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from ontong.channels.base import PermanentError, TemporaryError, UnknownOutcome
from ontong.channels.meta.graph import GraphClient
from ontong.channels.meta.models import MetaAccount
from ontong.complaints.reminders import notify_staff, role_members
from ontong.org.models import Role

from .models import AccountDay, CollectionRun, PostStats, RetiredMetric, Target
from .services import meta_account

log = logging.getLogger(__name__)
# Graph v24+ names (the 2025-11 and 2026-06 waves retired page_impressions_unique and friends).
PAGE_METRICS = {
    "page_follows": "followers",
    "page_daily_follows_unique": "follows",
    "page_total_media_view_unique": "reach",
    "page_media_view": "views",
}
INSTAGRAM_METRICS = {"reach": "reach", "views": "views", "follower_count": "follows"}
FIRST_DAYS, LATER_DAYS = 90, 3  # Meta answers at most 90 days per request
POST_DAYS = 30
FACEBOOK_POST_METRICS = ["post_total_media_view_unique", "post_media_view"]
INSTAGRAM_POST_METRICS = ["reach", "views", "likes", "comments", "shares"]
# Threads Insights API: a profile's views a day and its followers now (/{user}/threads_insights);
# a post's lifetime views, likes, replies, reposts and quotes (/{media}/insights). Threads gives
# no reach; reposts and quotes are its shares.
THREADS_ACCOUNT_METRICS = ["views", "followers_count"]
THREADS_POST_METRICS = ["views", "likes", "replies", "reposts", "quotes"]
THREADS_EARLIEST = 1712991600  # 2024-04-13: since/until before it do not work


class Unavailable(Exception):
    pass


def client(account: MetaAccount) -> GraphClient:
    return GraphClient.for_account(account)


def retired(account: MetaAccount) -> set[str]:
    return set(RetiredMetric.objects.filter(account=account).values_list("metric", flat=True))


def is_invalid_metric(exc: Exception) -> bool:
    text = str(exc)
    return isinstance(exc, PermanentError) and (
        text.startswith("(100") or "valid insights metric" in text
    )


def retire(account: MetaAccount, metric: str, message: str) -> None:
    """Record a retired metric and tell the desk, once."""
    try:
        with transaction.atomic():
            RetiredMetric.objects.create(account=account, metric=metric, message=message[:500])
            notify_staff(
                role_members(Role.PR),
                f"[통계] {account.name}: Meta가 '{metric}' 지표를 더 주지 않습니다",
                f"이 지표는 이제 모으지 않습니다. 다른 지표는 계속 모읍니다.\n{message[:300]}",
                kind="metric_retired",
            )
    except IntegrityError:
        pass


def fetch_metrics(
    account: MetaAccount, node: str, metrics: list[str], params: dict, edge: str = "insights"
) -> list[dict]:
    """All metrics in one request; on an invalid-metric error, each alone, retiring the bad."""
    wanted = [m for m in metrics if m not in retired(account)]
    if not wanted:
        return []
    api = client(account)
    try:
        return api.get(f"{node}/{edge}", {"metric": ",".join(wanted), **params}).get("data", [])
    except PermanentError as exc:
        if not is_invalid_metric(exc):
            raise
    data = []
    for metric in wanted:
        try:
            data += api.get(f"{node}/{edge}", {"metric": metric, **params}).get("data", [])
        except PermanentError as exc:
            if not is_invalid_metric(exc):
                raise
            retire(account, metric, str(exc))
    return data


def local_day(end_time: str) -> dt.date:
    """Meta stamps a day's value at the end of the day (Pacific); the day is the one before."""
    moment = dt.datetime.fromisoformat(end_time.replace("+0000", "+00:00"))
    return (moment - dt.timedelta(hours=1)).date()


def collect_account(account: MetaAccount, today: dt.date) -> int:
    first = not AccountDay.objects.filter(account=account).exists()
    since = today - dt.timedelta(days=FIRST_DAYS if first else LATER_DAYS)
    if account.kind == MetaAccount.Kind.THREADS:
        return collect_threads_account(account, since, today)
    names = PAGE_METRICS if account.kind == MetaAccount.Kind.PAGE else INSTAGRAM_METRICS
    params = {"period": "day", "since": since.isoformat(), "until": today.isoformat()}
    rows: dict[dt.date, dict] = {}
    for series in fetch_metrics(account, account.external_id, list(names), params):
        field = names.get(str(series.get("name")))
        for point in series.get("values", []) if field else []:
            if isinstance(point.get("value"), int | float):
                rows.setdefault(local_day(point["end_time"]), {})[field] = int(point["value"])
    followers = current_followers(account)
    if followers is not None:
        rows.setdefault(today, {})["followers"] = followers
    for day, values in rows.items():
        AccountDay.objects.update_or_create(account=account, date=day, defaults=values)
    return len(rows)


def unix(day: dt.date) -> int:
    """The start of a day in the city, as the Unix seconds Threads' since/until take."""
    moment = timezone.make_aware(dt.datetime.combine(day, dt.time()))
    return max(THREADS_EARLIEST, int(moment.timestamp()))


def collect_threads_account(account: MetaAccount, since: dt.date, today: dt.date) -> int:
    """Profile views a day (a series) and followers_count (a total, today's)."""
    params = {"since": unix(since), "until": unix(today)}
    rows: dict[dt.date, dict] = {}
    for series in fetch_metrics(
        account, account.external_id, THREADS_ACCOUNT_METRICS, params, edge="threads_insights"
    ):
        if series.get("name") == "views":
            for point in series.get("values", []):
                if isinstance(point.get("value"), int | float):
                    rows.setdefault(local_day(point["end_time"]), {})["views"] = int(point["value"])
        elif series.get("name") == "followers_count":
            value = (series.get("total_value") or {}).get("value")
            if isinstance(value, int | float):
                rows.setdefault(today, {})["followers"] = int(value)
    for day, values in rows.items():
        AccountDay.objects.update_or_create(account=account, date=day, defaults=values)
    return len(rows)


def current_followers(account: MetaAccount) -> int | None:
    """followers_count on the account itself: Instagram's follower number, and the Page's
    fallback if page_follows is retired too."""
    if account.kind == MetaAccount.Kind.PAGE and "page_follows" not in retired(account):
        return None
    body = client(account).get(account.external_id, {"fields": "followers_count"})
    value = body.get("followers_count")
    return int(value) if isinstance(value, int | float) else None


def collect_post(target: Target, now: dt.datetime) -> None:
    account = meta_account(target)
    if target.kind == Target.Kind.THREADS:
        return collect_thread(target, account, now)
    metrics = (
        FACEBOOK_POST_METRICS if target.kind == Target.Kind.FACEBOOK else INSTAGRAM_POST_METRICS
    )
    values = {
        s.get("name"): (s.get("values") or [{}])[-1].get("value", 0)
        for s in fetch_metrics(account, target.remote_id, metrics, {"period": "lifetime"})
    }
    stats: dict[str, Any] = {
        "views": values.get("post_media_view") or values.get("views") or 0,
        "reach": values.get("post_total_media_view_unique") or values.get("reach") or 0,
        "reactions": values.get("likes") or 0,
        "comments": values.get("comments") or 0,
        "shares": values.get("shares") or 0,
        "collected_at": now,
    }
    if target.kind == Target.Kind.FACEBOOK:
        body = client(account).get(
            target.remote_id,
            {"fields": "shares,comments.summary(true).limit(0),reactions.summary(true).limit(0)"},
        )
        stats["shares"] = int((body.get("shares") or {}).get("count", 0))
        stats["comments"] = int(
            ((body.get("comments") or {}).get("summary") or {}).get("total_count", 0)
        )
        stats["reactions"] = int(
            ((body.get("reactions") or {}).get("summary") or {}).get("total_count", 0)
        )
    PostStats.objects.update_or_create(
        target=target, defaults={k: int(v) if k != "collected_at" else v for k, v in stats.items()}
    )


def collect_thread(target: Target, account: MetaAccount, now: dt.datetime) -> None:
    values = {
        s.get("name"): (s.get("values") or [{}])[-1].get("value", 0)
        for s in fetch_metrics(account, target.remote_id, THREADS_POST_METRICS, {})
    }
    count = {name: int(values.get(name) or 0) for name in THREADS_POST_METRICS}
    PostStats.objects.update_or_create(
        target=target,
        defaults={
            "views": count["views"],
            "reach": 0,  # Threads does not say how many people saw it
            "reactions": count["likes"],
            "comments": count["replies"],
            "shares": count["reposts"] + count["quotes"],
            "collected_at": now,
        },
    )


def collect_insights(now=None) -> dict:
    """The daily task. Each account and each post on its own: one failure is logged and the
    collection goes on."""
    now = now or timezone.now()
    today = timezone.localtime(now).date()
    summary: dict[str, Any] = {"accounts": 0, "posts": 0, "errors": []}
    for account in MetaAccount.objects.filter(is_active=True, token_invalid_at__isnull=True):
        try:
            collect_account(account, today)
            summary["accounts"] += 1
        except (PermanentError, TemporaryError, UnknownOutcome) as exc:
            log.warning("insights for %s failed: %s", account.name, exc)
            summary["errors"].append(f"{account.name}: {exc}")
    recent = Target.objects.filter(
        state=Target.State.PUBLISHED,
        kind__in=[Target.Kind.FACEBOOK, Target.Kind.INSTAGRAM, Target.Kind.THREADS],
        published_at__gte=now - dt.timedelta(days=POST_DAYS),
    ).select_related("account")
    for target in recent:
        try:
            collect_post(target, now)
            summary["posts"] += 1
        except (PermanentError, TemporaryError, UnknownOutcome) as exc:
            summary["errors"].append(f"{target.label} {target.remote_id}: {exc}")
    return summary


COLLECT_AFTER = dt.time(6)


def collect_if_due(now=None) -> dict | None:
    """Once a day after 06:00, by whichever worker gets there first; at once on a new
    installation, so that the dashboard is not empty until the next morning."""
    now = now or timezone.now()
    local = timezone.localtime(now)
    if local.time() < COLLECT_AFTER and CollectionRun.objects.exists():
        return None
    try:
        with transaction.atomic():
            run = CollectionRun.objects.create(date=local.date())
    except IntegrityError:
        return None
    result = collect_insights(now)
    CollectionRun.objects.filter(pk=run.pk).update(summary=result)
    return result

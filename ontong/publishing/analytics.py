"""What the dashboard shows, computed from the collected insights."""

import datetime as dt
from collections import defaultdict

from django.utils import timezone

from ontong.channels.meta.models import MetaAccount
from ontong.tabular import to_xlsx_sheets

from .models import AccountDay, PostStats, RetiredMetric


def summary(days: int = 90) -> dict:
    since = timezone.localdate() - dt.timedelta(days=days)
    followers = []
    for account in MetaAccount.objects.filter(is_active=True):
        series = list(AccountDay.objects.filter(account=account, date__gte=since).order_by("date"))
        followers.append(
            {
                "account": account.name,
                "dates": [d.date.isoformat() for d in series],
                "followers": [d.followers for d in series],
                "reach": [d.reach for d in series],
                "latest": next((d.followers for d in reversed(series) if d.followers), None),
                "first": next((d.followers for d in series if d.followers), None),
            }
        )
    stats = list(
        PostStats.objects.filter(target__published_at__date__gte=since)
        .select_related("target__post", "target__account")
        .order_by("target__published_at")
    )
    by_hour: dict[int, list[int]] = defaultdict(list)
    for s in stats:
        by_hour[timezone.localtime(s.target.published_at).hour].append(s.engagement)
    hours = sorted(by_hour)
    return {
        "followers": followers,
        "posts": stats,
        "top": sorted(stats, key=lambda s: -s.engagement)[:10],
        "retired": RetiredMetric.objects.select_related("account"),
        "chart": {
            "followers": [
                {"label": f["account"], "dates": f["dates"], "values": f["followers"]}
                for f in followers
            ],
            "post_labels": [f"{s.target.post.title[:16]} ({s.target.label})" for s in stats[-30:]],
            "post_reach": [s.reach for s in stats[-30:]],
            "hours": [f"{h}시" for h in hours],
            "hour_engagement": [round(sum(by_hour[h]) / len(by_hour[h]), 1) for h in hours],
        },
    }


def workbook(data: dict) -> bytes:
    daily = [
        [f["account"], date, followers, reach]
        for f in data["followers"]
        for date, followers, reach in zip(f["dates"], f["followers"], f["reach"], strict=True)
    ]
    posts = [
        [
            s.target.post.title,
            s.target.label,
            timezone.localtime(s.target.published_at).strftime("%Y-%m-%d %H:%M"),
            s.views,
            s.reach,
            s.reactions,
            s.comments,
            s.shares,
            s.engagement,
        ]
        for s in data["posts"]
    ]
    return to_xlsx_sheets(
        [
            ("계정별 일자", ["계정", "날짜", "팔로워", "도달"], daily),
            (
                "게시물",
                ["게시물", "계정", "게시 시각", "조회", "도달", "반응", "댓글", "공유", "참여"],
                posts,
            ),
        ]
    )


# ---------------------------------------------------------------- best time to post

WEEKDAYS = ["월", "화", "수", "목", "금", "토", "일"]
BEST_TIME_DAYS = 180  # the account's own posts of the last six months
MIN_POSTS_PER_SLOT = 3  # a figure from fewer posts is chance, not a pattern
MIN_POSTS = 10  # fewer published posts with numbers: "not enough data"


def best_times(account: MetaAccount, now=None, days: int = BEST_TIME_DAYS) -> dict:
    """When this account's own posts drew the most engagement (reactions + comments + shares
    per post), by weekday and by hour of the city's time, each figure with the number of posts
    behind it. Below MIN_POSTS posts the answer is "not enough data"; a weekday, hour or
    weekday-and-hour slot is ranked only from MIN_POSTS_PER_SLOT posts up."""
    now = now or timezone.now()
    stats = PostStats.objects.filter(
        target__account=account, target__published_at__gte=now - dt.timedelta(days=days)
    ).select_related("target")
    by_weekday: dict[int, list[int]] = defaultdict(list)
    by_hour: dict[int, list[int]] = defaultdict(list)
    by_slot: dict[tuple[int, int], list[int]] = defaultdict(list)
    total = 0
    for s in stats:
        local = timezone.localtime(s.target.published_at)
        by_weekday[local.weekday()].append(s.engagement)
        by_hour[local.hour].append(s.engagement)
        by_slot[(local.weekday(), local.hour)].append(s.engagement)
        total += 1

    def figures(groups: dict, label) -> list[dict]:
        return [
            {"label": label(key), "average": round(sum(v) / len(v), 1), "posts": len(v)}
            for key, v in sorted(groups.items())
        ]

    def ranked(rows: list[dict]) -> list[dict]:
        return sorted(
            (r for r in rows if r["posts"] >= MIN_POSTS_PER_SLOT),
            key=lambda r: (-r["average"], -r["posts"]),
        )

    weekdays = figures(by_weekday, lambda d: f"{WEEKDAYS[d]}요일")
    hours = figures(by_hour, lambda h: f"{h}시")
    slots = figures(by_slot, lambda k: f"{WEEKDAYS[k[0]]}요일 {k[1]}시")
    enough = total >= MIN_POSTS
    return {
        "account": account.name,
        "posts": total,
        "days": days,
        "enough": enough,
        "min_posts": MIN_POSTS,
        "min_per_slot": MIN_POSTS_PER_SLOT,
        "best": ranked(slots)[:3] if enough else [],
        "best_weekdays": ranked(weekdays)[:3] if enough else [],
        "best_hours": ranked(hours)[:3] if enough else [],
        "weekdays": weekdays,
        "hours": hours,
    }


def best_times_for(accounts) -> list[dict]:
    return [best_times(a) for a in accounts if a is not None]

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
    for account in MetaAccount.objects.filter(is_active=True).exclude(
        kind=MetaAccount.Kind.THREADS
    ):
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

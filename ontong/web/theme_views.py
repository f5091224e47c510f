"""The desk's complaint themes page and its "draft an explainer" button (logic in themes.py)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from ontong.publishing.models import Post
from ontong.publishing.services import PublishingError, is_pr

from . import themes


def desk_member(request) -> None:
    """The media team and the administrators; everyone else sees no such page."""
    if not is_pr(request.user):
        raise Http404


def chosen_weeks(value: str | None) -> int:
    if value in (None, ""):
        return themes.DEFAULT_PERIOD
    if not value.isascii() or not value.isdigit() or int(value) not in themes.PERIODS:
        raise themes.ThemeError(
            f"기간은 {', '.join(map(str, themes.PERIODS))}주 가운데 하나를 고르세요."
        )
    return int(value)


@login_required
def theme_list(request):
    desk_member(request)
    try:
        weeks = chosen_weeks(request.GET.get("weeks"))
    except themes.ThemeError as exc:
        return render(
            request,
            "web/themes.html",
            {"error": str(exc), **period_context(themes.DEFAULT_PERIOD)},
            status=400,
        )
    digest = themes.digest_for(weeks)
    drafts = {
        post.origin.get("key"): post
        for post in Post.objects.filter(origin__weeks=weeks).order_by("pk")
    }
    rows = [(theme, drafts.get(theme["key"])) for theme in digest.data["themes"]] if digest else []
    return render(
        request,
        "web/themes.html",
        {
            **period_context(weeks),
            "digest": digest,
            "rows": rows,
            "stale": themes.stale(digest),
            "post_min_cases": themes.POST_MIN_CASES,
        },
    )


def period_context(weeks: int) -> dict:
    return {"weeks": weeks, "periods": themes.PERIODS}


@login_required
@require_POST
def theme_draft(request):
    desk_member(request)
    try:
        weeks = chosen_weeks(request.POST.get("weeks"))
        post = themes.make_draft(request.user, weeks, request.POST.get("key", ""))
    except (themes.ThemeError, PublishingError) as exc:
        messages.error(request, str(exc))
        return redirect(f"{reverse('web:themes')}?weeks={request.POST.get('weeks', '')}")
    messages.success(
        request, "민원 주제에서 해설 글 초안을 만들었습니다. 고친 뒤 검토를 요청하세요."
    )
    return redirect("publishing:edit", pk=post.pk)

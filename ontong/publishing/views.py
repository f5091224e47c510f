"""The media team's desk: calendar, post editor with per-account previews, workflow, export."""

import calendar
import datetime as dt

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core import signing
from django.db import transaction
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape, linebreaks
from django.views.decorators.http import require_POST
from django_htmx.http import trigger_client_event

from ontong import images
from ontong.channels.meta.comments import comment_to_complaint as open_complaint
from ontong.channels.meta.models import Comment, MetaAccount
from ontong.korean import josa, with_josa

from . import analytics, comment_signal, services
from .forms import PostForm
from .models import Post, PostImage, PostVideo, Target


def desk_member(request):
    if not services.is_pr(request.user):
        raise Http404


class BadQuery(ValueError):
    """A query parameter the desk cannot use: answered 400 with the message, never 500."""


def calendar_date(value: str, name: str, example: str) -> dt.date:
    try:
        day = dt.date.fromisoformat(value)
    except ValueError as exc:
        raise BadQuery(
            f"'{name}' 값({value[:40]})을 날짜로 읽을 수 없습니다. 예: {example}"
        ) from exc
    if not services.FIRST_YEAR <= day.year <= services.LAST_YEAR:
        raise BadQuery(
            f"달력은 {services.FIRST_YEAR}년부터 {services.LAST_YEAR}년까지 볼 수 있습니다."
        )
    return day


def month_of(request) -> dt.date:
    if not (value := request.GET.get("month", "")):
        return timezone.localdate().replace(day=1)
    return calendar_date(value + "-01", "month", "2026-12")


def week_of(request) -> dt.date:
    value = request.GET.get("week", "")
    day = calendar_date(value, "week", "2026-12-06") if value else timezone.localdate()
    return day - dt.timedelta(days=(day.weekday() + 1) % 7)  # weeks start on Sunday


def number_of(request, name: str) -> int | None:
    """A whole-number parameter (an id): absent → None; anything else that is not one → 400."""
    value = request.GET.get(name, "")
    if not value:
        return None
    if not (value.isascii() and value.isdigit() and len(value) <= 9):
        raise BadQuery(f"'{name}' 값({value[:40]})이 올바른 번호가 아닙니다.")
    return int(value)


def bad_query(request, exc: BadQuery):
    return render(request, "publishing/bad_query.html", {"message": str(exc)}, status=400)


UNPLANNED = dt.datetime.min.replace(tzinfo=dt.UTC)


def day_of(post: Post) -> dt.date | None:
    moment = post.planned_at
    return timezone.localtime(moment).date() if moment else None


def calendar_context(request) -> dict:
    view = "week" if request.GET.get("view") == "week" else "month"
    account = number_of(request, "account")
    if view == "week":
        first = week_of(request)
        days = [first + dt.timedelta(days=i) for i in range(7)]
        weeks = [days]
    else:
        month = month_of(request)
        weeks = calendar.Calendar(firstweekday=6).monthdatescalendar(month.year, month.month)
    start, end = weeks[0][0], weeks[-1][-1]
    posts = Post.objects.filter(
        planned_at__date__gte=start - dt.timedelta(days=1),
        planned_at__date__lte=end + dt.timedelta(days=1),
    ).prefetch_related("targets__account")
    if account is not None:
        posts = posts.filter(targets__account_id=account).distinct()
    by_day: dict[dt.date, list[Post]] = {}
    for post in sorted(posts, key=lambda p: p.planned_at or UNPLANNED):
        if (day := day_of(post)) is not None:  # the filter above leaves only planned posts
            by_day.setdefault(day, []).append(post)
    anchor = weeks[0][0] if view == "week" else month_of(request)
    return {
        "view": view,
        "weeks": [[(day, by_day.get(day, [])) for day in week] for week in weeks],
        "anchor": anchor,
        "last_day": end,
        "previous": previous_period(view, anchor),
        "next": next_period(view, anchor),
        "today": timezone.localdate(),
        "accounts": MetaAccount.objects.filter(is_active=True),
        "account": "" if account is None else str(account),
        "instagram_usage": [
            (a, services.instagram_usage(a)) for a in MetaAccount.objects.filter(kind="instagram")
        ],
        "limit": services.INSTAGRAM_DAILY_LIMIT,
    }


def previous_period(view: str, anchor: dt.date) -> str | None:
    return period_link(view, anchor - dt.timedelta(days=7 if view == "week" else 1))


def next_period(view: str, anchor: dt.date) -> str | None:
    return period_link(view, anchor + dt.timedelta(days=7 if view == "week" else 32))


def period_link(view: str, day: dt.date) -> str | None:
    """The link to the period holding `day`; none beyond the calendar's years."""
    if not services.FIRST_YEAR <= day.year <= services.LAST_YEAR:
        return None
    return f"?view=week&week={day}" if view == "week" else f"?month={day:%Y-%m}"


@login_required
def desk(request):
    desk_member(request)
    try:
        context = calendar_context(request)
    except BadQuery as exc:
        return bad_query(request, exc)
    template = "publishing/_calendar.html" if request.htmx else "publishing/calendar.html"
    return render(request, template, context)


@login_required
def new_post(request):
    desk_member(request)
    initial = {}
    if day := request.GET.get("date", ""):  # an empty day clicked in the calendar
        try:
            when = services.moved_time(Post(), dt.date.fromisoformat(day))
        except (ValueError, services.PublishingError):
            when = None
        if when and when > timezone.now():
            initial["planned_at"] = timezone.localtime(when)
    form = PostForm(request.POST or None, request.FILES or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        post = save_post(form, request.user)
        messages.success(request, "초안을 저장했습니다.")
        return redirect("publishing:post", pk=post.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "publishing/edit.html", editor_context(form), status=status)


@login_required
def edit_post(request, pk: int):
    desk_member(request)
    post = get_object_or_404(Post, pk=pk)
    if post.state != Post.State.DRAFT:
        messages.error(request, "초안일 때만 고칠 수 있습니다. 되돌린 뒤 고치세요.")
        return redirect("publishing:post", pk=pk)
    initial = {
        "accounts": [t.account_id for t in post.targets.filter(account__isnull=False)],
        "blog_name": next((t.blog_name for t in post.targets.filter(kind="blog")), ""),
    }
    form = PostForm(request.POST or None, request.FILES or None, instance=post, initial=initial)
    if request.method == "POST" and form.is_valid():
        save_post(form, request.user)
        messages.success(request, "저장했습니다.")
        return redirect("publishing:post", pk=pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "publishing/edit.html", editor_context(form, post), status=status)


def editor_context(form: PostForm, post: Post | None = None) -> dict:
    return {
        "form": form,
        "post": post,
        "photos": post.images.all() if post else [],
        "limits": services.LIMITS,
        "account_kinds": {
            str(a.pk): {
                "kind": services.target_kind(a.kind),
                "name": a.name,
            }
            for a in MetaAccount.objects.filter(is_active=True)
        },
        "max_photos": services.MAX_PHOTOS,
        "best_times": analytics.best_times_for(MetaAccount.objects.filter(is_active=True)),
    }


def photo_ids(values: list[str]) -> list[int]:
    return [int(v) for v in values if v.isascii() and v.isdigit() and len(v) <= 9]


@transaction.atomic
def save_post(form: PostForm, user) -> Post:
    post = form.save(commit=False)
    if not post.pk:
        post.created_by = user
    post.save()
    chosen = list(form.cleaned_data["accounts"])
    post.targets.filter(account__isnull=False).exclude(account__in=chosen).delete()
    for account in chosen:
        Target.objects.get_or_create(
            post=post,
            account=account,
            defaults={"kind": services.target_kind(account.kind)},
        )
    blog = form.cleaned_data["blog_name"].strip()
    post.targets.filter(kind=Target.Kind.BLOG).exclude(blog_name=blog).delete()
    if blog:
        Target.objects.get_or_create(post=post, kind=Target.Kind.BLOG, blog_name=blog)
    data = form.data
    if hasattr(data, "getlist"):
        services.arrange_photos(
            post,
            order=photo_ids(data.getlist("photo_order")),
            alt_text={
                pk: data.get(f"photo-{pk}-alt", "") for pk in photo_ids(data.getlist("photo_order"))
            },
            caption={
                pk: data.get(f"photo-{pk}-caption", "")
                for pk in photo_ids(data.getlist("photo_order"))
            },
            remove=set(photo_ids(data.getlist("photo_remove"))),
        )
    alts = data.getlist("new_alt") if hasattr(data, "getlist") else []
    captions = data.getlist("new_caption") if hasattr(data, "getlist") else []
    start = post.images.count()
    for offset, upload in enumerate(form.cleaned_data["images"] or []):
        PostImage.objects.create(
            post=post,
            original=upload,
            order=start + offset,
            alt_text=(alts[offset] if offset < len(alts) else "").strip()[:300],
            caption=(captions[offset] if offset < len(captions) else "").strip()[:500],
        )
    save_video(post, form)
    services.PostEvent.objects.create(post=post, actor=user, action=services.A.SAVED)
    return post


def save_video(post: Post, form: PostForm) -> None:
    """The post's one video: a new upload replaces the old one; format and cover frame kept."""
    data = form.cleaned_data
    current = services.video_of(post)
    if data.get("video_remove") and current is not None and not data.get("video"):
        current.file.delete(save=False)
        current.delete()
        return
    if data.get("video"):
        upload, info = data["video"]
        if current is not None:
            current.file.delete(save=False)
            current.delete()
        current = PostVideo(
            post=post,
            container=info.container,
            duration=info.duration,
            width=info.width,
            height=info.height,
            size=info.size,
        )
        current.file.save(f"video.{info.container}", upload, save=False)
    if current is None:
        return
    current.format = data.get("video_format") or current.format
    offset = data.get("thumb_offset")
    current.thumb_offset_ms = int(offset * 1000) if offset is not None else 0
    current.save()


@login_required
def post_detail(request, pk: int):
    desk_member(request)
    post = get_object_or_404(Post.objects.select_related("created_by", "approved_by"), pk=pk)
    return render(
        request,
        "publishing/post.html",
        {
            "post": post,
            "targets": [
                (t, services.preview(post, t.kind) if t.kind != Target.Kind.BLOG else None)
                for t in post.targets.select_related("account")
            ],
            "images": post.images.all(),
            "checks": services.checks(post),
            "actions": [(a, services.LABELS[a]) for a in services.available(request.user, post)],
            "waits_for_other_approver": post.state == Post.State.REVIEW
            and services.may_approve(request.user)
            and not services.may_approve_post(request.user, post),
            "events": post.events.select_related("actor"),
            "caption_length": f"{len(post.full_text()):,}",  # as the editor writes it
            "caption_limit": f"{services.INSTAGRAM_CAPTION_LIMIT:,}",
            "can_approve": services.may_approve(request.user),
            **comments_context(request, post),
            "best_times": analytics.best_times_for(
                t.account for t in post.targets.select_related("account")
            ),
        },
    )


@login_required
@require_POST
def act(request, pk: int, action: str):
    desk_member(request)
    post = get_object_or_404(Post, pk=pk)
    try:
        if action == "publish_now":
            post = services.publish_now(post, request.user)
        else:
            services.transition(post, action, request.user, request.POST.get("note", ""))
    except services.PublishingError as exc:
        messages.error(request, str(exc))
    else:
        if action == "publish_now":
            messages.success(
                request, "지금 게시합니다. 잠시 뒤 계정마다 결과가 이 화면에 나옵니다."
            )
        else:
            messages.success(request, f"'{services.LABELS.get(action, action)}' 처리했습니다.")
    return redirect("publishing:post", pk=pk)


@login_required
@require_POST
def comment(request, pk: int):
    desk_member(request)
    post = get_object_or_404(Post, pk=pk)
    try:
        services.add_comment(post, request.user, request.POST.get("text", ""))
    except services.PublishingError as exc:
        messages.error(request, str(exc))
    return redirect("publishing:post", pk=pk)


def move_request(request, post: Post) -> dt.datetime:
    """The date (and, from the keyboard form, the time) a move asks for."""
    try:
        day = dt.date.fromisoformat(request.POST.get("date", ""))
    except ValueError as exc:
        raise services.PublishingError("날짜를 알아볼 수 없습니다. 예: 2026-12-06") from exc
    time_of_day = None
    if value := request.POST.get("time", ""):
        try:
            time_of_day = dt.time.fromisoformat(value)
        except ValueError as exc:
            raise services.PublishingError("시각을 알아볼 수 없습니다. 예: 09:30") from exc
    return services.moved_time(post, day, time_of_day)


@login_required
@require_POST
def move(request, pk: int):
    """A calendar move: a drag (the same time of day on another date) or the keyboard form beside
    each post (a date and a time). Refusals say why, in the page's live message."""
    desk_member(request)
    post = get_object_or_404(Post, pk=pk)
    try:
        moved = services.reschedule(post, request.user, move_request(request, post))
    except services.PublishingError as exc:
        text, level = str(exc), "error"
    else:
        post, text, level = moved, moved_message(moved), "success"
    if not request.htmx:  # the form without JavaScript: back to the month of the post
        messages.add_message(
            request, messages.ERROR if level == "error" else messages.SUCCESS, text
        )
        month = f"?month={timezone.localtime(post.planned_at):%Y-%m}" if post.planned_at else ""
        return redirect(reverse("publishing:desk") + month)
    try:
        context = calendar_context(request)
    except BadQuery as exc:
        return bad_query(request, exc)
    response = render(request, "publishing/_calendar.html", context)
    # ASCII JSON (\uXXXX): a Korean header value would be RFC 2047-encoded and unreadable to htmx.
    return trigger_client_event(
        response, "desk-message", {"text": text, "level": level, "post": post.pk}, after="settle"
    )


def moved_message(post: Post) -> str:
    when = f"{timezone.localtime(post.planned_at):%Y-%m-%d %H:%M}"
    return f"'{post.title}'{josa(post.title, '을')} {with_josa(when, '으로')} 옮겼습니다."


@login_required
@require_POST
def record_url(request, pk: int):
    desk_member(request)
    target = get_object_or_404(Target.objects.select_related("post"), pk=pk)
    try:
        services.record_manual(target, request.user, request.POST.get("url", "").strip())
    except services.PublishingError as exc:
        messages.error(request, str(exc))
    return redirect("publishing:post", pk=target.post_id)


@login_required
def export_blog(request, pk: int):
    """Ready-to-paste HTML (and the same as text) for blogs without a write API."""
    desk_member(request)
    post = get_object_or_404(Post, pk=pk)
    images = "".join(
        f'<p><img src="{services.public_image_url(i)}" alt="{escape(i.alt_text)}"></p>'
        for i in post.images.all()
    )
    link = f'<p><a href="{escape(post.link)}">{escape(post.link)}</a></p>' if post.link else ""
    tags = f"<p>{escape(' '.join(post.hashtag_list()))}</p>" if post.hashtags else ""
    html = f"<h2>{escape(post.title)}</h2>\n{images}\n{linebreaks(post.text, autoescape=True)}\n{link}\n{tags}"
    if request.GET.get("format") == "text":
        return HttpResponse(
            f"{post.title}\n\n{post.full_text()}", content_type="text/plain; charset=utf-8"
        )
    return render(
        request,
        "publishing/export.html",
        {
            "post": post,
            "html": html,
            "text": post.full_text(),
            "link_hours": f"{settings.ONTONG_PUBLISHING_IMAGE_LINK_HOURS:g}",
        },
    )


def public_image(request, token: str, variant: str):
    """Photos for Meta to fetch (and for pasted blog posts): by signed link only, and only once
    the post has been approved."""
    try:
        pk = services.image_pk(token)
    except signing.BadSignature as exc:  # also SignatureExpired: the link is too old
        raise Http404 from exc
    image = get_object_or_404(PostImage.objects.select_related("post"), pk=pk)
    if image.post.state in {Post.State.DRAFT, Post.State.REVIEW}:
        raise Http404
    if variant == "jpg":
        services.ensure_jpeg(image)
        return images.serve(image.jpeg, f"photo-{image.pk}")
    return images.serve(image.original, f"photo-{image.pk}")


def public_video(request, token: str, name: str):
    """A video for Meta to fetch (Instagram's video_url, Facebook's file_url): by signed link,
    only once the post is approved, as a download of our own name and type."""
    try:
        pk = services.video_pk(token)
    except signing.BadSignature as exc:
        raise Http404 from exc
    video = get_object_or_404(PostVideo.objects.select_related("post"), pk=pk)
    if video.post.state in {Post.State.DRAFT, Post.State.REVIEW}:
        raise Http404
    return video_response(video)


def video_response(video: PostVideo) -> FileResponse:
    content_type = "video/quicktime" if video.container == "mov" else "video/mp4"
    response = FileResponse(
        video.file.open("rb"), content_type=content_type, filename=f"video.{video.container}"
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = images.USER_CONTENT_CSP
    return response


@login_required
def staff_video(request, pk: int):
    desk_member(request)
    video = get_object_or_404(PostVideo, post_id=pk)
    return video_response(video)


@login_required
def dashboard(request):
    """Audience: followers over time, reach per post, top posts, best publishing hours."""
    desk_member(request)
    try:
        days = number_of(request, "days") or 90
    except BadQuery as exc:
        return bad_query(request, exc)
    data = analytics.summary(days=min(max(days, 7), 730))
    if request.GET.get("export") == "xlsx":
        response = HttpResponse(
            analytics.workbook(data),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        response["Content-Disposition"] = (
            f'attachment; filename="ontong-sns-{timezone.localdate()}.xlsx"'
        )
        return response
    return render(request, "publishing/dashboard.html", {"data": data, "days": days})


def comments_context(request, post: Post) -> dict:
    """The post's comments, each marked when it looks like a complaint; `?comments=complaints`
    keeps only those ("민원으로 보이는 댓글")."""
    comments = list(post_comments(post))
    for c in comments:
        c.looks_complaint = comment_signal.looks_like_complaint(c.message)
    flagged = [c for c in comments if c.looks_complaint]
    only = request.GET.get("comments") == "complaints"
    return {
        "comments": flagged if only else comments,
        "complaint_like": len(flagged),
        "comment_count": len(comments),
        "only_complaints": only,
    }


def post_comments(post: Post):
    remote = [t.remote_id for t in post.targets.all() if t.remote_id]
    return (
        Comment.objects.filter(post_id__in=remote, removed_at__isnull=True)
        .select_related("complaint", "account")
        .order_by("created_time")
        if remote
        else Comment.objects.none()
    )


@login_required
@require_POST
def comment_to_complaint(request, pk: int, comment_pk: int):
    """One click: a citizen's comment under our post becomes a complaint, with the one private
    reply Meta allows (within 7 days of the comment)."""
    desk_member(request)
    post = get_object_or_404(Post, pk=pk)
    comment = get_object_or_404(post_comments(post), pk=comment_pk)
    if comment.complaint_id:
        messages.info(request, "이미 민원으로 접수한 댓글입니다.")
        return redirect("publishing:post", pk=pk)
    channel = "ig_comment" if comment.account.kind == "instagram" else "fb_comment"
    with transaction.atomic():
        locked = Comment.objects.select_for_update().get(pk=comment.pk)
        if locked.complaint_id:
            return redirect("publishing:post", pk=pk)
        complaint = open_complaint(locked, channel, actor=request.user)
    messages.success(request, f"민원 {with_josa(complaint.receipt_no, '으로')} 접수했습니다.")
    return redirect("publishing:post", pk=pk)


@login_required
def staff_image(request, pk: int, image_pk: int):
    """The desk's own view of a post's photo, at any stage (the public link waits for approval)."""
    desk_member(request)
    image = get_object_or_404(PostImage, pk=image_pk, post_id=pk)
    return images.serve(image.original, f"photo-{image.pk}")

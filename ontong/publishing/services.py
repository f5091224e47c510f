"""The desk's rules: the workflow (draft → review → approved → scheduled → published / failed),
the per-account checks, and publishing through the Graph API adapter exactly once."""

import datetime as dt
import io
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core import signing
from django.core.files.base import ContentFile
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from ontong import delivery
from ontong.channels.base import PermanentError, TemporaryError, UnknownOutcome
from ontong.channels.meta.graph import GraphClient
from ontong.channels.meta.models import MetaAccount
from ontong.korean import josa, with_josa
from ontong.org.models import Role

from . import video as videos
from .models import (
    CAROUSEL_MIN,
    FACEBOOK_TEXT_LIMIT,
    INSTAGRAM_CAPTION_LIMIT,
    INSTAGRAM_HASHTAG_LIMIT,
    MAX_PHOTOS,
    THREADS_TEXT_LIMIT,
    Post,
    PostEvent,
    PostImage,
    PostVideo,
    Target,
)

log = logging.getLogger(__name__)
S = Post.State
A = PostEvent.Action
FACEBOOK_EARLIEST = dt.timedelta(minutes=10)
FACEBOOK_LATEST = dt.timedelta(days=30)
INSTAGRAM_DAILY_LIMIT = 50
THREADS_DAILY_LIMIT = 250  # API-published posts per profile in a moving 24 hours
MAX_ATTEMPTS = 5
UNKNOWN_AFTER = dt.timedelta(minutes=10)  # a send cut off by a crash is checked, not resent
CONTAINER_POLLS, CONTAINER_POLL_SECONDS = 5, 1.0
# The calendar and its moves stay within these years: beyond them a date is a typo or an attack
# (and Python's dates overflow at the edges of years 1 and 9999).
FIRST_YEAR, LAST_YEAR = 2000, 2099


class PublishingError(Exception):
    pass


# ---------------------------------------------------------------- who may do what


def is_pr(user) -> bool:
    return user.is_authenticated and user.has_role(Role.PR, Role.ADMIN)


def may_approve(user) -> bool:
    return is_pr(user) and user.has_perm("publishing.approve_post")


def authors(post: Post) -> set[int]:
    """Whoever wrote the post: its creator and everyone who saved a version of it."""
    saved = post.events.filter(action=A.SAVED, actor__isnull=False)
    return {post.created_by_id, *saved.values_list("actor_id", flat=True)}


def self_approval_allowed() -> bool:
    """Four eyes by default; a one-person team turns it off (and the history says so)."""
    return settings.ONTONG_PUBLISHING_SELF_APPROVAL


def may_approve_post(user, post: Post) -> bool:
    return may_approve(user) and (self_approval_allowed() or user.pk not in authors(post))


TRANSITIONS = {
    # action: (from states, to state, needs approval right)
    "submit": ({S.DRAFT}, S.REVIEW, False),
    "approve_schedule": ({S.REVIEW}, S.SCHEDULED, True),  # one step: approved for its time
    "approve": ({S.REVIEW}, S.APPROVED, True),
    "return": ({S.REVIEW, S.APPROVED}, S.DRAFT, True),
    "schedule": ({S.APPROVED}, S.SCHEDULED, False),
    "unschedule": ({S.SCHEDULED}, S.APPROVED, False),
    "publish_now": ({S.APPROVED, S.SCHEDULED}, S.SCHEDULED, False),  # due now: the view publishes
}
APPROVING = {"approve", "approve_schedule"}
LABELS = {name: A(name).label for name in TRANSITIONS}


def available(user, post: Post) -> list[str]:
    return [
        name
        for name, (sources, _target, needs_right) in TRANSITIONS.items()
        if post.state in sources
        and is_pr(user)
        and (not needs_right or may_approve(user))
        and (name not in APPROVING or may_approve_post(user, post))
    ]


def transition(post: Post, action: str, user, note: str = "") -> Post:
    """The only place a post's workflow state changes; refused changes change nothing."""
    if action not in TRANSITIONS:
        raise PublishingError(f"알 수 없는 처리입니다: {action}")
    sources, target, needs_right = TRANSITIONS[action]
    with transaction.atomic():
        current = Post.objects.select_for_update().get(pk=post.pk)
        if current.state not in sources:
            raise PublishingError(
                f"지금 상태({current.get_state_display()})에서는 '{LABELS[action]}'{josa(LABELS[action], '을')} "
                "할 수 없습니다."
            )
        if not is_pr(user) or (needs_right and not may_approve(user)):
            raise PublishingError(f"'{LABELS[action]}' 권한이 없습니다.")
        if action == "return" and not note.strip():
            raise PublishingError("되돌리는 이유를 적어 주세요.")
        if action in APPROVING and not may_approve_post(user, current):
            raise PublishingError(
                "직접 쓰거나 고친 글은 승인할 수 없습니다. 다른 승인권자에게 검토를 맡기세요."
            )
        if action == "publish_now":
            current.planned_at = timezone.now()
        if action in {"submit", "approve", "approve_schedule", "schedule", "publish_now"}:
            problems = [p for target_problems in checks(current).values() for p in target_problems]
            if action in {"schedule", "approve_schedule"}:
                problems += schedule_problems(current, timezone.now())
            if problems:
                raise PublishingError(" / ".join(problems))
        current.state = target
        recorded = action
        if action in APPROVING:
            current.approved_by = user
            if user.pk in authors(current):
                # allowed by the one-person-team setting: on record
                recorded = A.SELF_APPROVE
        if action == "return":
            current.approved_by = None  # a returned post must be approved again
        current.save()
        PostEvent.objects.create(post=current, actor=user, action=recorded, note=note)
        if recorded == A.SELF_APPROVE and action == "approve_schedule":
            PostEvent.objects.create(post=current, actor=user, action=A.SCHEDULE)
    return current


def draft_post(user, title: str, text: str, origin: dict[str, Any]) -> Post:
    """A new draft from text made elsewhere (an explainer from complaint themes), for the team to
    edit and send for review; where it came from is kept for staff."""
    if not is_pr(user):
        raise PublishingError("게시물을 만들 권한이 없습니다.")
    with transaction.atomic():
        post = Post.objects.create(title=title, text=text, origin=origin, created_by=user)
        PostEvent.objects.create(
            post=post, actor=user, action=A.SAVED, note="민원 주제에서 만든 초안"
        )
    return post


def add_comment(post: Post, user, text: str) -> PostEvent:
    if not is_pr(user):
        raise PublishingError("의견을 남길 권한이 없습니다.")
    text = text.strip()
    if not text:
        raise PublishingError("의견을 입력하세요.")
    return PostEvent.objects.create(post=post, actor=user, action=A.COMMENT, note=text[:5000])


def moved_time(post: Post, day: dt.date, time_of_day: dt.time | None = None) -> dt.datetime:
    """The moment a calendar move means: that day, at the given time or the post's own time of
    day (10:00 for a post without one), in the city's time zone."""
    if not FIRST_YEAR <= day.year <= LAST_YEAR:
        raise PublishingError(f"날짜는 {FIRST_YEAR}년부터 {LAST_YEAR}년 사이로 고르세요.")
    if time_of_day is None:
        local = timezone.localtime(post.planned_at) if post.planned_at else None
        time_of_day = local.time() if local else dt.time(10)
    return timezone.make_aware(
        dt.datetime.combine(day, time_of_day.replace(second=0, microsecond=0))
    )


def reschedule(post: Post, user, when: dt.datetime) -> Post:
    """A calendar move (drag, or the date field beside each post): a new planned time, never in
    the past; a scheduled post must still pass the checks."""
    if not is_pr(user):
        raise PublishingError("일정을 바꿀 권한이 없습니다.")
    with transaction.atomic():
        current = Post.objects.select_for_update().get(pk=post.pk)
        if not current.movable:
            raise PublishingError("이미 게시한 글은 옮길 수 없습니다.")
        if when < timezone.now():
            raise PublishingError(
                f"지난 시각({timezone.localtime(when):%Y-%m-%d %H:%M})으로는 옮길 수 없습니다. "
                "오늘 이후의 시각을 고르세요."
            )
        before = current.planned_at
        current.planned_at = when
        if current.state == S.SCHEDULED and (
            problems := schedule_problems(current, timezone.now())
        ):
            raise PublishingError(" / ".join(problems))
        current.save(update_fields=["planned_at", "updated_at"])
        PostEvent.objects.create(
            post=current,
            actor=user,
            action=A.RESCHEDULE,
            note=f"{timezone.localtime(before):%m-%d %H:%M} → {timezone.localtime(when):%m-%d %H:%M}"
            if before
            else f"→ {timezone.localtime(when):%m-%d %H:%M}",
        )
    return current


# ---------------------------------------------------------------- checks and previews


def target_kind(account_kind: str) -> str:
    """The network a Meta account publishes to: its page, Instagram or Threads."""
    networks: dict[str, str] = {
        MetaAccount.Kind.INSTAGRAM: Target.Kind.INSTAGRAM,
        MetaAccount.Kind.THREADS: Target.Kind.THREADS,
    }
    return networks.get(account_kind, Target.Kind.FACEBOOK)


def threads_length(text: str) -> int:
    """Threads' count: a character each, but an emoji as its UTF-8 bytes (Threads API docs).
    Emoji are taken as the code points beyond the Basic Multilingual Plane (4 bytes each);
    editor.js counts the same way."""
    return sum(4 if ord(ch) > 0xFFFF else 1 for ch in text)


PUBLISHED_BY_API = [Target.Kind.FACEBOOK, Target.Kind.INSTAGRAM, Target.Kind.THREADS]

LIMITS = {
    # The numbers the editor's live counters use (as JSON) and the checks below enforce.
    "instagram_caption": INSTAGRAM_CAPTION_LIMIT,
    "instagram_hashtags": INSTAGRAM_HASHTAG_LIMIT,
    "facebook_text": FACEBOOK_TEXT_LIMIT,
    "threads_text": THREADS_TEXT_LIMIT,
    "photos": MAX_PHOTOS,
    "carousel_min": CAROUSEL_MIN,
    "instagram_more_after": 125,  # Instagram's feed cuts the caption here: "… 더 보기"
    "facebook_more_after": 480,
    "reel_more_after": 72,  # a Reel shows about a line and a half over the picture
}


def caption_of(text: str, link: str, hashtags: str) -> str:
    """Body, then link and hashtags, as a caption reads (Post.full_text for unsaved values)."""
    return Post(text=text, link=link, hashtags=hashtags).full_text()


def limit_problems(
    caption: str,
    hashtag_count: int,
    photos: int,
    kinds: set[str],
    draft: bool = False,
    video: bool = False,
) -> list[str]:
    """Each platform's limits, in the words the editor's live counters use (editor.js mirrors
    these checks with the same LIMITS). A draft may still lack its photo or video."""
    problems = []
    if photos > MAX_PHOTOS:
        problems.append(f"사진은 {MAX_PHOTOS}장까지입니다 (지금 {photos}장).")
    if video and photos:
        problems.append("동영상과 사진은 한 게시물에 같이 올릴 수 없습니다: 하나를 빼 주세요.")
    if Target.Kind.INSTAGRAM in kinds:
        if not photos and not video and not draft:
            problems.append("인스타그램: 사진이나 동영상(릴스)이 있어야 합니다.")
        if len(caption) > INSTAGRAM_CAPTION_LIMIT:
            problems.append(
                f"인스타그램: 캡션이 {len(caption):,}자입니다 (최대 {INSTAGRAM_CAPTION_LIMIT:,}자)."
            )
        if hashtag_count > INSTAGRAM_HASHTAG_LIMIT:
            problems.append(
                f"인스타그램: 해시태그가 {hashtag_count}개입니다 (최대 {INSTAGRAM_HASHTAG_LIMIT}개)."
            )
    if Target.Kind.THREADS in kinds and (length := threads_length(caption)) > THREADS_TEXT_LIMIT:
        problems.append(
            f"스레드: 글이 {length:,}자입니다 (최대 {THREADS_TEXT_LIMIT}자, 이모지는 4자로 셈)."
        )
    if Target.Kind.FACEBOOK in kinds and len(caption) > FACEBOOK_TEXT_LIMIT:
        problems.append(
            f"페이스북: 글이 {len(caption):,}자입니다 (최대 {FACEBOOK_TEXT_LIMIT:,}자)."
        )
    return problems


def missing_alt_text(images: list[PostImage]) -> list[str]:
    return [
        f"사진 {n}: 대체 텍스트를 적어 주세요 (화면 낭독기 사용자를 위한 사진 설명, 접근성)."
        for n, image in enumerate(images, start=1)
        if not image.alt_text.strip()
    ]


def video_of(post: Post) -> PostVideo | None:
    try:
        return post.video
    except PostVideo.DoesNotExist:
        return None


def video_info(video: PostVideo) -> videos.VideoInfo:
    return videos.VideoInfo(video.container, video.duration, video.width, video.height, video.size)


def checks(post: Post) -> dict[str, list[str]]:
    """Problems per target, in the words the team would use; an empty list means ready."""
    result = {}
    images = list(post.images.all())
    video = video_of(post)
    caption = post.full_text()
    hashtags = len(post.hashtag_list())
    for target in post.targets.select_related("account"):
        problems = []
        if target.kind in PUBLISHED_BY_API:
            problems = limit_problems(
                caption, hashtags, len(images), {target.kind}, video=video is not None
            )
            if video is not None:
                problems += videos.problems(video_info(video), {target.kind}, video.format)
        if target.kind == Target.Kind.FACEBOOK and not (
            post.text.strip() or images or post.link or video
        ):
            problems.append("페이스북: 본문이나 사진, 링크가 있어야 합니다.")
        if target.kind == Target.Kind.THREADS and not (post.full_text() or images or video):
            problems.append("스레드: 글이나 사진, 동영상이 있어야 합니다.")
        result[target.label] = problems
    if images:
        result["사진 대체 텍스트"] = missing_alt_text(images)
    if not post.targets.exists():
        result["게시 대상"] = ["게시할 계정을 하나 이상 고르세요."]
    return result


def cut(text: str, after: int) -> tuple[str, bool]:
    """What the feed shows before "… 더 보기"."""
    return (text[:after].rstrip(), True) if len(text) > after else (text, False)


def preview(post: Post, kind: str) -> dict[str, Any]:
    """What one platform's feed would show: Facebook's card (text cut, photo grid of five with
    "+N") or Instagram's square/portrait frame (carousel dots, caption cut)."""
    images = list(post.images.all())
    caption = post.full_text()
    video = video_of(post)
    if kind == Target.Kind.THREADS:  # the whole text (500 at most), then photos side by side
        return {
            "text": caption,
            "threads": True,
            "images": images,
            "count": len(images),
            "video": video,
            "length": videos.minutes(video.duration) if video else "",
        }
    if video is not None and (kind == Target.Kind.INSTAGRAM or video.format == videos.REEL):
        # Reels: a 9:16 frame, the caption over the picture cut after one line and a half
        shown, more = cut(caption, LIMITS["reel_more_after"])
        return {
            "text": shown,
            "more": more,
            "images": [],
            "count": 0,
            "reel": True,
            "video": video,
            "length": videos.minutes(video.duration),
            "cover_seconds": video.thumb_offset_ms / 1000,
        }
    if kind == Target.Kind.INSTAGRAM:
        shown, more = cut(caption, LIMITS["instagram_more_after"])
        first = images[0] if images else None
        portrait = False
        if first is not None:
            try:
                portrait = first.original.height > first.original.width
            except (
                OSError,
                ValueError,
            ):  # a photo file gone missing: square, as Instagram's default
                portrait = False
        return {
            "text": shown,
            "more": more,
            "images": images[:1],
            "count": len(images),
            "carousel": len(images) >= CAROUSEL_MIN,
            "frame": "portrait" if portrait else "square",
        }
    shown, more = cut(caption, LIMITS["facebook_more_after"])
    return {
        "text": shown,
        "more": more,
        "images": images[:5],
        "count": len(images),
        "extra": max(0, len(images) - 5),
        "grid": min(len(images), 5),
    }


def arrange_photos(
    post: Post,
    order: list[int],
    alt_text: dict[int, str],
    caption: dict[int, str],
    remove: set[int],
) -> list[PostImage]:
    """The editor's photo list: removals, then the new order (photos the list does not name keep
    their place after the named ones), alt text and per-photo captions."""
    images = {i.pk: i for i in post.images.all()}
    for pk in remove & images.keys():
        images.pop(pk).delete()
    named = [images[pk] for pk in dict.fromkeys(order) if pk in images]
    rest = [i for i in images.values() if i not in named]
    arranged = named + rest
    for n, image in enumerate(arranged):
        image.order = n
        image.alt_text = alt_text.get(image.pk, image.alt_text).strip()[:300]
        image.caption = caption.get(image.pk, image.caption).strip()[:500]
        image.save(update_fields=["order", "alt_text", "caption"])
    return arranged


def schedule_problems(post: Post, now: dt.datetime) -> list[str]:
    if post.planned_at is None:
        return ["게시 예정 시각을 정하세요."]
    problems = []
    if post.targets.filter(kind=Target.Kind.FACEBOOK).exists():
        planned = timezone.localtime(post.planned_at)
        if post.planned_at < now + FACEBOOK_EARLIEST:
            earliest = timezone.localtime(now + FACEBOOK_EARLIEST)
            problems.append(
                f"페이스북: 예약은 지금부터 10분 뒤({earliest:%m-%d %H:%M})부터 됩니다 "
                f"(게시 예정 {planned:%m-%d %H:%M}): 더 늦은 시각으로 옮기거나, "
                "승인된 글은 '지금 게시'를 쓰세요."
            )
        if post.planned_at > now + FACEBOOK_LATEST:
            latest = timezone.localtime(now + FACEBOOK_LATEST)
            problems.append(
                f"페이스북: 예약은 30일 안({latest:%Y-%m-%d}까지)이어야 합니다 "
                f"(게시 예정 {planned:%Y-%m-%d}): 그 안의 날짜로 옮기세요."
            )
    elif post.planned_at < now - dt.timedelta(minutes=1):
        problems.append("게시 예정 시각이 지났습니다.")
    return problems


def instagram_usage(account, now=None, kind: str = Target.Kind.INSTAGRAM) -> int:
    """Posts this account published through the API in the last 24 hours (Meta's moving window;
    Instagram's and Threads' quotas)."""
    now = now or timezone.now()
    return Target.objects.filter(
        account=account,
        kind=kind,
        state=Target.State.PUBLISHED,
        published_at__gt=now - dt.timedelta(hours=24),
    ).count()


def ensure_jpeg(image) -> None:
    """Instagram takes JPEG only: convert once (flattening transparency onto white)."""
    if image.jpeg:
        return
    source: Image.Image
    # Opened and closed here: on an object store the read is a download kept until closed.
    with image.original.open("rb") as stored, Image.open(stored) as source:
        source.load()
        if source.mode in {"RGBA", "LA", "P"}:
            source = source.convert("RGBA")
            flat = Image.new("RGB", source.size, "white")
            flat.paste(source, mask=source.split()[-1])
            source = flat
        elif source.mode != "RGB":
            source = source.convert("RGB")
        buffer = io.BytesIO()
        source.save(buffer, "JPEG", quality=90)
    image.jpeg.save(f"{image.pk}.jpg", ContentFile(buffer.getvalue()), save=True)


# ---------------------------------------------------------------- publishing


def meta_account(target: Target) -> MetaAccount:
    """A Facebook or Instagram target's account (only a blog target has none)."""
    if target.account is None:
        raise PermanentError(f"{target.label}: 게시할 Meta 계정이 지정되지 않았습니다.")
    return target.account


def client_for(target: Target) -> GraphClient:
    return GraphClient.for_account(meta_account(target))


IMAGE_SALT = "ontong.publishing.image"


def image_token(image) -> str:
    return signing.dumps(image.pk, salt=IMAGE_SALT)


def image_pk(token: str) -> int:
    """The image a signed link names; signing.BadSignature (also SignatureExpired) when it is
    forged or older than ONTONG_PUBLISHING_IMAGE_LINK_HOURS."""
    return signing.loads(
        token,
        salt=IMAGE_SALT,
        max_age=dt.timedelta(hours=settings.ONTONG_PUBLISHING_IMAGE_LINK_HOURS),
    )


def public_image_url(image, jpeg: bool = False) -> str:
    name = "publishing:image_jpg" if jpeg else "publishing:image"
    return settings.SITE_URL + reverse(name, args=[image_token(image)])


VIDEO_SALT = "ontong.publishing.video"


def video_pk(token: str) -> int:
    """The video a signed link names (same rules and lifetime as a photo's link)."""
    return signing.loads(
        token,
        salt=VIDEO_SALT,
        max_age=dt.timedelta(hours=settings.ONTONG_PUBLISHING_IMAGE_LINK_HOURS),
    )


def public_video_url(video: PostVideo) -> str:
    """Meta fetches the file itself (Instagram's video_url, Facebook's file_url); the name ends
    in the container's extension."""
    token = signing.dumps(video.pk, salt=VIDEO_SALT)
    return settings.SITE_URL + reverse("publishing:video", args=[token, f"video.{video.container}"])


def rupload_base(graph_base: str) -> str:
    """Facebook's video upload host for an account's Graph API address:
    https://graph.facebook.com/v25.0 → https://rupload.facebook.com/video-upload/v25.0; the
    emulator (any other host) takes the same path on its own address."""
    scheme, _sep, rest = graph_base.rstrip("/").partition("://")
    host, _slash, version = rest.partition("/")
    if host == "graph.facebook.com":
        host = "rupload.facebook.com"
    return f"{scheme}://{host}/video-upload/{version}".rstrip("/")


BACKOFF = delivery.Backoff(first=dt.timedelta(minutes=2), max_attempts=MAX_ATTEMPTS)


def due_targets(now):
    return delivery.due(
        Target.objects.filter(
            post__state=S.SCHEDULED,
            post__planned_at__lte=now,
            kind__in=PUBLISHED_BY_API,
        ).select_related("post", "account"),
        now,
    )


def publish_due(now=None) -> int:
    """The worker's sweep: publish what is due, check what is unknown, settle posts."""
    now = now or timezone.now()
    reconcile_cut_off(now)
    for target in Target.objects.filter(state=Target.State.UNKNOWN).select_related(
        "post", "account"
    ):
        check_unknown(target, now)
    published = publish_targets(due_targets(now), now)
    settle_posts()
    return published


def publish_now(post: Post, user) -> Post:
    """ "지금 게시": the approved post is due this minute and the worker publishes it at once (a
    task, so the person's request does not wait for the containers). The worker's minute sweep
    would find it too; the claim on each target lets only one of them send it."""
    from .tasks import publish_post_now  # the task module imports this one when it runs

    post = transition(post, "publish_now", user)
    transaction.on_commit(lambda: publish_post_now.enqueue(post.pk))
    return post


def publish_post(post_id: int) -> str:
    """Publish one post's due targets now (the task behind "지금 게시")."""
    now = timezone.now()
    published = publish_targets(due_targets(now).filter(post_id=post_id), now)
    settle_posts()
    return f"post {post_id}: {published} published"


def publish_targets(targets, now) -> int:
    published = 0
    for target in targets:
        if (
            target.kind == Target.Kind.INSTAGRAM
            and (used := instagram_usage(target.account, now)) >= INSTAGRAM_DAILY_LIMIT
        ):
            defer(target, f"인스타그램 24시간 {used}/{INSTAGRAM_DAILY_LIMIT}건 한도", now)
            continue
        if (
            target.kind == Target.Kind.THREADS
            and (used := instagram_usage(target.account, now, Target.Kind.THREADS))
            >= THREADS_DAILY_LIMIT
        ):
            defer(target, f"스레드 24시간 {used}/{THREADS_DAILY_LIMIT}건 한도", now)
            continue
        if not delivery.claim(target, now):
            continue
        published += publish_target(target) == Target.State.PUBLISHED
    return published


def defer(target: Target, reason: str, now, delay=dt.timedelta(minutes=15)) -> None:
    Target.objects.filter(pk=target.pk).update(last_error=reason, next_attempt_at=now + delay)


def publish_target(target: Target) -> str:
    remote_id: str | None
    try:
        if target.kind == Target.Kind.FACEBOOK:
            remote_id = publish_facebook(target)
        else:
            network = CONTAINER_NETWORKS[target.kind]
            remote_id = publish_container(target, network)
            if remote_id is None:  # the container is still being processed
                what = network.what(target.post)
                return back_to_pending(
                    target, f"{network.subject} {with_josa(what, '을')} 처리 중입니다", retry=True
                )
    except UnknownOutcome as exc:
        return mark(target, Target.State.UNKNOWN, f"응답 시간 초과: 게시 여부 확인 중 ({exc})")
    except TemporaryError as exc:
        return back_to_pending(target, str(exc))
    except PermanentError as exc:
        return mark(target, Target.State.FAILED, str(exc))
    return mark_published(target, remote_id)


def back_to_pending(target: Target, error: str, retry: bool = False) -> str:
    """retry: Instagram is still processing the photo, so look again in a minute (not a failure)."""
    state = delivery.record_temporary_failure(
        target, error, BACKOFF, retry_in=dt.timedelta(minutes=1) if retry else None
    )
    if state == Target.State.FAILED:
        target_event(target, state, target.last_error)
    return state


TARGET_EVENTS: dict[str, str] = {
    Target.State.UNKNOWN: A.TARGET_UNKNOWN,
    Target.State.FAILED: A.TARGET_FAILED,
}
RECORD: dict[str, Callable[[Any, str], str]] = {
    Target.State.UNKNOWN: delivery.record_unknown,
    Target.State.FAILED: delivery.record_permanent_failure,
}


def mark(target: Target, state: str, error: str = "") -> str:
    RECORD[state](target, error)
    target_event(target, state, error)
    return state


def target_event(target: Target, state: str, error: str) -> None:
    PostEvent.objects.create(
        post=target.post, action=TARGET_EVENTS[state], note=f"{target.label}: {error}"[:2000]
    )


def published_event(target: Target) -> None:
    PostEvent.objects.create(
        post=target.post, action=A.TARGET_PUBLISHED, note=f"{target.label}: {target.remote_id}"
    )


def mark_published(target: Target, remote_id: str) -> str:
    delivery.record_success(target, remote_id=remote_id, published_at=timezone.now())
    published_event(target)
    return Target.State.PUBLISHED


def publish_facebook(target: Target) -> str:
    post, client = target.post, client_for(target)
    page = meta_account(target).external_id
    video = video_of(post)
    if video is not None:
        if video.format == videos.REEL:
            return publish_facebook_reel(target, client, page, video)
        body = client.post(
            f"{page}/videos",
            {
                "file_url": public_video_url(video),
                "description": post.full_text(),
                "thumb_offset": video.thumb_offset_ms,
            },
        )
        return str(body["id"])
    images = list(post.images.all())
    if len(images) == 1:
        body = client.post(
            f"{page}/photos", {"url": public_image_url(images[0]), "caption": post.full_text()}
        )
        return str(body.get("post_id") or body.get("id"))
    payload: dict[str, Any] = {"message": post.full_text()}
    if post.link:
        payload["link"] = post.link
    if images:
        ids = []
        for image in images:
            photo = client.post(
                f"{page}/photos",
                {"url": public_image_url(image), "published": False, "caption": image.caption},
            )
            ids.append(str(photo["id"]))
        payload["attached_media"] = [{"media_fbid": i} for i in ids]
    return str(client.post(f"{page}/feed", payload)["id"])


def publish_facebook_reel(target: Target, client: GraphClient, page: str, video: PostVideo) -> str:
    """Reels Publishing API: start an upload session (its video id stored at once, so a retry
    uses the same one), let Facebook fetch the file (`file_url` on the upload host), then finish
    with video_state=PUBLISHED and the description. The reel's id is the video id."""
    if not target.container_id:
        body = client.post(f"{page}/video_reels", {"upload_phase": "start"})
        target.container_id = str(body["video_id"])
        Target.objects.filter(pk=target.pk).update(container_id=target.container_id)
    client.request(
        "POST",
        target.container_id,
        headers={"file_url": public_video_url(video)},
        base_url=rupload_base(client.base_url),
    )
    client.post(
        f"{page}/video_reels",
        {
            "upload_phase": "finish",
            "video_id": target.container_id,
            "video_state": "PUBLISHED",
            "description": target.post.full_text(),
        },
    )
    return target.container_id


@dataclass(frozen=True)
class ContainerNetwork:
    """What differs between Instagram's and Threads' container → status → publish flow (same
    Meta design, different names); `publish_container` is the one path both take."""

    subject: str  # the network, as the subject of a Korean sentence
    create: str  # the edge a container is made on
    publish: str  # the edge that publishes a finished container
    status_fields: str
    status_key: str
    reason_key: str  # where the network says why a container failed
    item: Callable[[PostImage], dict[str, Any]]  # one carousel item's container
    container: Callable[[Post, list[PostImage], list[str] | None], dict[str, Any]]
    what: Callable[[Post], str]  # what the network is processing, for messages


def reel_payload(video: PostVideo, post: Post) -> dict[str, Any]:
    return {
        "media_type": "REELS",
        "video_url": public_video_url(video),
        "caption": post.full_text(),
        "thumb_offset": video.thumb_offset_ms,
        "share_to_feed": True,
    }


def image_payload(image: PostImage, post: Post | None) -> dict[str, Any]:
    """One photo's Instagram container: the post's caption for a single photo, or a carousel item."""
    ensure_jpeg(image)
    payload: dict[str, Any] = {
        "image_url": public_image_url(image, jpeg=True),
        "alt_text": image.alt_text,
    }
    if post is None:
        payload["is_carousel_item"] = True
    else:
        payload["caption"] = post.full_text()
    return payload


def instagram_container(
    post: Post, images: list[PostImage], children: list[str] | None
) -> dict[str, Any]:
    if (video := video_of(post)) is not None:
        return reel_payload(video, post)
    if children is not None:
        return {"media_type": "CAROUSEL", "children": children, "caption": post.full_text()}
    if not images:
        raise PermanentError("인스타그램에는 사진이나 동영상이 있어야 합니다.")
    return image_payload(images[0], post)


def threads_item(image: PostImage) -> dict[str, Any]:
    ensure_jpeg(image)
    return {
        "media_type": "IMAGE",
        "image_url": public_image_url(image, jpeg=True),
        "alt_text": image.alt_text,
    }


def threads_container(
    post: Post, images: list[PostImage], children: list[str] | None
) -> dict[str, Any]:
    payload: dict[str, Any] = {"text": post.full_text()}
    if (video := video_of(post)) is not None:
        return payload | {"media_type": "VIDEO", "video_url": public_video_url(video)}
    if children is not None:
        return payload | {"media_type": "CAROUSEL", "children": ",".join(children)}
    if images:
        return payload | threads_item(images[0])
    return payload | {"media_type": "TEXT"}


INSTAGRAM = ContainerNetwork(
    subject="인스타그램이",
    create="media",
    publish="media_publish",
    status_fields="status_code,status",
    status_key="status_code",
    reason_key="status",
    item=lambda image: image_payload(image, None),
    container=instagram_container,
    what=lambda post: "릴스 동영상" if video_of(post) is not None else "사진",
)
THREADS = ContainerNetwork(
    subject="스레드가",
    create="threads",
    publish="threads_publish",
    status_fields="status,error_message",
    status_key="status",
    reason_key="error_message",
    item=lambda image: threads_item(image) | {"is_carousel_item": True},
    container=threads_container,
    what=lambda post: "동영상" if video_of(post) else "사진" if post.images.exists() else "글",
)
CONTAINER_NETWORKS: dict[str, ContainerNetwork] = {
    Target.Kind.INSTAGRAM: INSTAGRAM,
    Target.Kind.THREADS: THREADS,
}


def publish_container(target: Target, network: ContainerNetwork) -> str | None:
    """Container → status → publish; two photos or more make a carousel (an item container per
    photo, each one's status checked, then the CAROUSEL container with the children). Each
    container id is stored the moment it is known, so a retry reuses it rather than making a
    second post; None while the network is still processing (look again in a minute)."""
    client, account = client_for(target), meta_account(target).external_id
    post = target.post
    if not target.container_id:
        images = list(post.images.all())
        if len(images) > MAX_PHOTOS:
            raise PermanentError(f"캐러셀은 사진 {MAX_PHOTOS}장까지입니다.")
        children = None
        if video_of(post) is None and len(images) >= CAROUSEL_MIN:
            children = carousel_items(target, network, client, account, images)
            if children is None:
                return None
        body = client.post(f"{account}/{network.create}", network.container(post, images, children))
        store_ids(target, container_id=str(body["id"]))
    status = container_status(client, network, target.container_id, network.what(post))
    if status == "PUBLISHED":  # published by an earlier try whose answer was lost
        return find_on_account(target) or target.container_id
    if status == "EXPIRED":
        store_ids(target, container_id="", children=[])
        raise TemporaryError(
            "24시간 안에 게시하지 않아 컨테이너가 만료되었습니다 (EXPIRED): 다시 만듭니다"
        )
    if status != "FINISHED":
        return None
    body = client.post(f"{account}/{network.publish}", {"creation_id": target.container_id})
    return str(body["id"])


def store_ids(target: Target, **ids: Any) -> None:
    """Container ids are kept the moment they are known: a retry must find them."""
    for name, value in ids.items():
        setattr(target, name, value)
    Target.objects.filter(pk=target.pk).update(**ids)


def container_status(
    client: GraphClient, network: ContainerNetwork, container_id: str, what: str
) -> str:
    """Poll a container until it is no longer in progress (or the polls run out: IN_PROGRESS).
    ERROR is a permanent failure, with which item it was and the network's reason (e.g.
    "Error: … 2207026"), which the team reads in the post's history."""
    status = "IN_PROGRESS"
    for attempt in range(CONTAINER_POLLS):
        body = client.get(container_id, {"fields": network.status_fields})
        status = str(body.get(network.status_key))
        if status == "ERROR":
            reason = str(body.get(network.reason_key) or "").strip()
            raise PermanentError(
                f"{network.subject} {with_josa(what, '을')} 처리하지 못했습니다 (ERROR"
                + (f": {reason[:300]}" if reason and reason != "ERROR" else "")
                + ")"
            )
        if status != "IN_PROGRESS":
            return status
        if attempt < CONTAINER_POLLS - 1:
            time.sleep(CONTAINER_POLL_SECONDS)
    return status


def carousel_items(
    target: Target,
    network: ContainerNetwork,
    client: GraphClient,
    account: str,
    images: list[PostImage],
) -> list[str] | None:
    """An item container per photo, made once (stored on the target) and each checked; None while
    one is still in progress. An expired item makes the whole set again."""
    children = list(target.children)
    if len(children) != len(images):
        children = []
        for image in images:
            body = client.post(f"{account}/{network.create}", network.item(image))
            children.append(str(body["id"]))
            store_ids(target, children=children)
    for n, child in enumerate(children, start=1):
        status = container_status(client, network, child, f"캐러셀 {n}번째 사진")
        if status == "EXPIRED":
            store_ids(target, children=[])
            raise TemporaryError(f"캐러셀 {n}번째 사진의 컨테이너가 만료되었습니다: 다시 만듭니다")
        if status != "FINISHED":
            return None
    return children


# ---------------------------------------------------------------- exactly once across timeouts


def reconcile_cut_off(now) -> None:
    """A target left 'publishing' by a killed worker may or may not be out: check it."""
    delivery.expire_claims(
        Target.objects.all(), now, UNKNOWN_AFTER, "작업자가 게시 도중 멈춤: 게시 여부 확인 중"
    )


def check_unknown(target: Target, now) -> None:
    """Look for the post on the account before trying again: found → published with its id;
    not there → pending (sent again); the account unreachable → ask again next sweep."""
    try:
        found = find_on_account(target)
    except (TemporaryError, UnknownOutcome, PermanentError) as exc:
        Target.objects.filter(pk=target.pk).update(last_error=f"확인 실패: {exc}")
        return
    moved = delivery.record_check(
        target,
        {"remote_id": found, "published_at": timezone.now()} if found else None,
        not_found="계정에 없어서 다시 게시합니다",
        now=now,
    )
    if found and moved:
        published_event(target)


RECENT_POSTS: dict[str, tuple[str, str, str]] = {
    # network: (the account's recent posts, the field with the post's text, its time)
    Target.Kind.FACEBOOK: ("feed", "message", "created_time"),
    Target.Kind.INSTAGRAM: ("media", "caption", "timestamp"),
    Target.Kind.THREADS: ("threads", "text", "timestamp"),
}


def find_on_account(target: Target) -> str | None:
    """The post among the account's 25 latest, same text, made since just before our try."""
    edge, text_field, time_field = RECENT_POSTS[target.kind]
    since = (target.attempted_at or timezone.now()) - dt.timedelta(minutes=5)
    body = client_for(target).get(
        f"{meta_account(target).external_id}/{edge}",
        {"fields": f"id,{text_field},{time_field}", "limit": 25},
    )
    text = target.post.full_text()
    for item in body.get("data", []):
        if (item.get(text_field) or "") == text and parse_time(item.get(time_field)) >= since:
            return str(item["id"])
    return None


def parse_time(value) -> dt.datetime:
    try:
        return dt.datetime.fromisoformat(str(value).replace("+0000", "+00:00"))
    except ValueError:
        return dt.datetime.min.replace(tzinfo=dt.UTC)


def settle_posts() -> None:
    """A scheduled post is published when every Meta target is; failed when one failed."""
    for post in Post.objects.filter(state=S.SCHEDULED, targets__isnull=False).distinct():
        states = set(post.targets.exclude(kind=Target.Kind.BLOG).values_list("state", flat=True))
        if not states:
            continue
        if states == {Target.State.PUBLISHED}:
            Post.objects.filter(pk=post.pk, state=S.SCHEDULED).update(state=S.PUBLISHED)
            PostEvent.objects.create(post=post, action=A.PUBLISHED)
        elif Target.State.FAILED in states and not states & {
            Target.State.PENDING,
            Target.State.PUBLISHING,
            Target.State.UNKNOWN,
        }:
            Post.objects.filter(pk=post.pk, state=S.SCHEDULED).update(state=S.FAILED)
            PostEvent.objects.create(post=post, action=A.FAILED)


def record_manual(target: Target, user, url: str) -> Target:
    """A blog post pasted by hand: its URL keeps the calendar and reports complete."""
    if not is_pr(user):
        raise PublishingError("권한이 없습니다.")
    if target.kind != Target.Kind.BLOG:
        raise PublishingError("직접 게시한 블로그 글만 주소를 적습니다.")
    if not url.startswith(("https://", "http://")):
        raise PublishingError("게시물 주소(https://…)를 적어 주세요.")
    Target.objects.filter(pk=target.pk).update(
        state=Target.State.PUBLISHED, url=url[:200], published_at=timezone.now()
    )
    PostEvent.objects.create(post=target.post, actor=user, action=A.MANUAL_PUBLISHED, note=url)
    target.refresh_from_db()
    return target

"""The media team's posts: one post, several target accounts, each published (or recorded, for
platforms without a write API) on its own, with who did what."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from ontong.delivery import Outbound, States

INSTAGRAM_CAPTION_LIMIT = 2200
INSTAGRAM_HASHTAG_LIMIT = 30
FACEBOOK_TEXT_LIMIT = 63_206
THREADS_TEXT_LIMIT = 500  # Threads counts an emoji as its UTF-8 bytes
MAX_PHOTOS = 10  # Facebook's multi-photo post and Instagram's carousel both stop at ten
CAROUSEL_MIN = 2


class Post(models.Model):
    class State(models.TextChoices):
        DRAFT = "draft", _("초안")
        REVIEW = "review", _("검토 중")
        APPROVED = "approved", _("승인됨")
        SCHEDULED = "scheduled", _("예약됨")
        PUBLISHED = "published", _("게시됨")
        FAILED = "failed", _("게시 실패")

    title = models.CharField(_("제목 (내부용)"), max_length=120)
    text = models.TextField(_("본문"), max_length=20_000)
    link = models.URLField(_("링크"), blank=True)
    hashtags = models.CharField(_("해시태그"), max_length=500, blank=True)
    planned_at = models.DateTimeField(_("게시 예정 시각"), null=True, blank=True, db_index=True)
    state = models.CharField(max_length=10, choices=State.choices, default=State.DRAFT)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("작성자")
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # Where a drafted explainer came from (the desk's complaint themes): the theme's words, period
    # and case numbers, for staff only; never part of what is published.
    origin = models.JSONField(_("초안의 출처"), default=dict, blank=True)

    class Meta:
        verbose_name = _("게시물")
        verbose_name_plural = _("게시물")
        ordering = ["-planned_at", "-pk"]
        permissions = [("approve_post", _("게시물 승인"))]

    def __str__(self) -> str:
        return self.title

    @property
    def movable(self) -> bool:
        """Its date can still change (not yet out on the accounts)."""
        return self.state not in {self.State.PUBLISHED, self.State.FAILED}

    def hashtag_list(self) -> list[str]:
        tags = self.hashtags.replace(",", " ").split()
        return [t if t.startswith("#") else f"#{t}" for t in tags if t.strip("#")]

    def full_text(self) -> str:
        """Body, then link and hashtags, as a caption reads."""
        parts = [self.text.strip()]
        if self.link:
            parts.append(self.link)
        if tags := self.hashtag_list():
            parts.append(" ".join(tags))
        return "\n\n".join(p for p in parts if p)


def image_path(instance: "PostImage", filename: str) -> str:
    return f"posts/{instance.post_id or 'new'}/{filename}"


class PostImage(models.Model):
    post = models.ForeignKey(Post, models.CASCADE, related_name="images")
    original = models.ImageField(upload_to=image_path)
    jpeg = models.ImageField(upload_to=image_path, blank=True)  # Instagram takes JPEG only
    alt_text = models.CharField(_("대체 텍스트"), max_length=300, blank=True)
    caption = models.CharField(_("사진 설명"), max_length=500, blank=True)  # Facebook, per photo
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["order", "pk"]

    def __str__(self) -> str:
        return self.original.name or ""


def video_path(instance: "PostVideo", filename: str) -> str:
    return f"posts/{instance.post_id or 'new'}/video/{filename}"


class PostVideo(models.Model):
    """A post's one video: a feed video or a Reel, with what its boxes said (publishing.video)."""

    class Format(models.TextChoices):
        REEL = "reel", _("릴스 (세로 9:16)")
        FEED = "feed", _("동영상 게시물")

    post = models.OneToOneField(Post, models.CASCADE, related_name="video")
    file = models.FileField(upload_to=video_path)
    container = models.CharField(max_length=4)  # mp4 / mov
    duration = models.FloatField()  # seconds
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    size = models.PositiveBigIntegerField()
    format = models.CharField(
        _("동영상 형식"), max_length=4, choices=Format.choices, default=Format.REEL
    )
    # The cover frame: Instagram's thumb_offset and Facebook's, in milliseconds from the start.
    thumb_offset_ms = models.PositiveIntegerField(_("표지 장면 (ms)"), default=0)

    def __str__(self) -> str:
        return self.file.name or ""


class Target(Outbound):
    """One account a post goes to. Meta accounts are published by the worker; a blog without a
    write API is exported and its URL recorded by a person."""

    class Kind(models.TextChoices):
        FACEBOOK = "facebook", _("페이스북 페이지")
        INSTAGRAM = "instagram", _("인스타그램")
        THREADS = "threads", _("스레드")
        BLOG = "blog", _("블로그 (수동 게시)")

    class State(models.TextChoices):
        PENDING = "pending", _("대기")
        PUBLISHING = "publishing", _("게시 중")
        UNKNOWN = "unknown", _("게시 확인 중")
        PUBLISHED = "published", _("게시됨")
        FAILED = "failed", _("실패")

    post = models.ForeignKey(Post, models.CASCADE, related_name="targets")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    account = models.ForeignKey(
        "channels_meta.MetaAccount", models.PROTECT, null=True, blank=True, related_name="+"
    )
    blog_name = models.CharField(_("블로그 이름"), max_length=100, blank=True)
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    states = States(
        "state", State.PENDING, State.PUBLISHING, State.UNKNOWN, State.PUBLISHED, State.FAILED
    )
    # Instagram's or Threads' media container; a Facebook Reel's upload session (video id)
    container_id = models.CharField(max_length=64, blank=True)
    # An Instagram carousel's item containers, in photo order: kept so a retry reuses them.
    children = models.JSONField(default=list, blank=True)
    remote_id = models.CharField(_("게시물 ID"), max_length=100, blank=True)
    url = models.URLField(_("게시물 주소"), blank=True)
    published_at = models.DateTimeField(null=True, blank=True, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["post", "account"],
                condition=models.Q(account__isnull=False),
                name="publishing_target_once_per_account",
            )
        ]

    def __str__(self) -> str:
        return f"{self.post} → {self.account or self.blog_name}"

    @property
    def label(self) -> str:
        return self.account.name if self.account else self.blog_name or str(self.get_kind_display())


class PostEvent(models.Model):
    """Who did what: workflow steps, publishing results, comments on drafts."""

    class Action(models.TextChoices):
        """Every kind of entry in a post's history, with the words the team reads. The workflow
        buttons use the same labels (services.LABELS)."""

        SAVED = "saved", _("저장")
        SUBMIT = "submit", _("검토 요청")
        RETURN = "return", _("되돌리기")
        APPROVE = "approve", _("승인")
        SELF_APPROVE = "self_approve", _("작성자 본인 승인")
        SCHEDULE = "schedule", _("예약")
        APPROVE_SCHEDULE = "approve_schedule", _("승인하고 예약")
        PUBLISH_NOW = "publish_now", _("지금 게시")
        UNSCHEDULE = "unschedule", _("예약 취소")
        RESCHEDULE = "reschedule", _("날짜 변경")
        COMMENT = "comment", _("의견")
        TARGET_PUBLISHED = "target_published", _("계정에 게시됨")
        TARGET_UNKNOWN = "target_unknown", _("게시 확인 중")
        TARGET_FAILED = "target_failed", _("계정에 게시 실패")
        MANUAL_PUBLISHED = "manual_published", _("직접 게시 기록")
        PUBLISHED = "published", _("게시 완료")
        FAILED = "failed", _("게시 실패")

    post = models.ForeignKey(Post, models.CASCADE, related_name="events")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True)
    action = models.CharField(max_length=30, choices=Action.choices)
    note = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.post_id} {self.action}"


class AccountDay(models.Model):
    """One account's audience on one day, as collected from Meta's insights."""

    account = models.ForeignKey("channels_meta.MetaAccount", models.CASCADE, related_name="+")
    date = models.DateField()
    followers = models.PositiveIntegerField(null=True, blank=True)
    follows = models.IntegerField(null=True, blank=True)  # new follows that day
    reach = models.PositiveIntegerField(null=True, blank=True)
    views = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["account", "date"], name="publishing_account_day_once")
        ]
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.account_id} {self.date}"


class PostStats(models.Model):
    """The latest numbers for one published target."""

    target = models.OneToOneField(Target, models.CASCADE, related_name="stats")
    views = models.PositiveIntegerField(default=0)
    reach = models.PositiveIntegerField(default=0)
    reactions = models.PositiveIntegerField(default=0)
    comments = models.PositiveIntegerField(default=0)
    shares = models.PositiveIntegerField(default=0)
    collected_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.target_id}: {self.views}"

    @property
    def engagement(self) -> int:
        return self.reactions + self.comments + self.shares


class RetiredMetric(models.Model):
    """A metric Meta no longer answers for: skipped from then on, reported once."""

    account = models.ForeignKey("channels_meta.MetaAccount", models.CASCADE, related_name="+")
    metric = models.CharField(max_length=100)
    message = models.TextField(blank=True)
    first_seen_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["account", "metric"], name="publishing_retired_once")
        ]

    def __str__(self) -> str:
        return self.metric


class CollectionRun(models.Model):
    """One day's insights collection: the unique date makes it once a day with many workers."""

    date = models.DateField(unique=True)
    started_at = models.DateTimeField(auto_now_add=True)
    summary = models.JSONField(default=dict, blank=True)

    def __str__(self) -> str:
        return str(self.date)

from django.db import models
from django.utils.translation import gettext_lazy as _

from ontong.crypto import EncryptedTextField


class MetaAccount(models.Model):
    """A Facebook Page or an Instagram professional account the city answers from, or a Threads
    profile the media team publishes to (publishing only: Threads has no messages)."""

    class Kind(models.TextChoices):
        PAGE = "page", _("페이스북 페이지")
        INSTAGRAM = "instagram", _("인스타그램 계정")
        THREADS = "threads", _("스레드 프로필")

    class CommentRule(models.TextChoices):
        ALL = "all", _("모든 댓글을 민원으로")
        KEYWORDS = "keywords", _("키워드가 있는 댓글만")
        NONE = "none", _("댓글은 민원으로 받지 않음")

    kind = models.CharField(_("종류"), max_length=10, choices=Kind.choices)
    external_id = models.CharField(_("페이지/계정 ID"), max_length=64, unique=True)
    name = models.CharField(_("이름"), max_length=100)
    page_id = models.CharField(
        _("연결된 페이지 ID"),
        max_length=64,
        blank=True,
        help_text=_("인스타그램 계정이 메시지를 보낼 때 쓰는 페이지 (Facebook 로그인 방식)"),
    )
    app_secret = EncryptedTextField(_("앱 시크릿"), blank=True)
    verify_token = EncryptedTextField(_("검증 토큰"), blank=True)
    page_token = EncryptedTextField(_("페이지 액세스 토큰"), blank=True)
    token_invalid_at = models.DateTimeField(_("토큰 무효 감지"), null=True, blank=True)
    graph_url = models.URLField(
        _("Graph API 주소"), blank=True, help_text=_("비우면 기본값 (데모: 에뮬레이터)")
    )
    human_agent_enabled = models.BooleanField(
        _("HUMAN_AGENT 태그 사용"),
        default=False,
        help_text=_(
            "앱 검수(Human Agent 권한)를 받은 경우에만: 직원이 쓴 답장을 7일 안에 보낼 수 있습니다."
        ),
    )
    follow_up_hours = models.PositiveIntegerField(
        _("후속 메시지를 같은 민원에 붙이는 시간"), default=24
    )
    comment_rule = models.CharField(
        _("댓글 처리"), max_length=10, choices=CommentRule.choices, default=CommentRule.KEYWORDS
    )
    comment_keywords = models.TextField(
        _("댓글 민원 키워드"),
        blank=True,
        default="민원, 신고, 불편, 고장, 위험, 쓰레기, 불법, 파손",
    )
    private_reply_text = models.TextField(
        _("댓글 비공개 답장 문구"),
        default="댓글 잘 보았습니다. 처리를 위해 메시지로 자세한 위치와 내용을 알려 주세요. 개인정보는 댓글에 남기지 마세요.",
    )
    is_active = models.BooleanField(_("사용"), default=True)

    class Meta:
        verbose_name = _("Meta 계정")
        verbose_name_plural = _("Meta 계정")

    def __str__(self) -> str:
        return f"{self.name} ({self.get_kind_display()})"

    @property
    def channel(self) -> str:
        return "instagram" if self.kind == self.Kind.INSTAGRAM else "messenger"

    def keyword_list(self) -> list[str]:
        return [k.strip() for k in self.comment_keywords.replace("\n", ",").split(",") if k.strip()]


class WebhookDelivery(models.Model):
    """Every accepted webhook POST, stored raw before we answer 200, then processed by the worker."""

    class State(models.TextChoices):
        PENDING = "pending", _("대기")
        PROCESSED = "processed", _("처리됨")
        FAILED = "failed", _("실패")

    body = models.BinaryField()
    object_type = models.CharField(max_length=20, blank=True)
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    error = models.TextField(blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    received_at = models.DateTimeField(auto_now_add=True, db_index=True)
    # False when it holds only the platform's bookkeeping (echoes of our sends, delivery and read
    # receipts): processed after what people sent (events.awaited).
    awaited = models.BooleanField(default=True, db_default=True)  # old nodes insert without it
    # When its processing task was made (events.enqueue_stored_webhooks; decision 0002).
    queued_at = models.DateTimeField(null=True, blank=True)
    processed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("웹훅 수신")
        verbose_name_plural = _("웹훅 수신")
        indexes = [
            models.Index(
                fields=["id"],
                condition=models.Q(queued_at__isnull=True),
                name="webhook_not_queued",
            )
        ]

    def __str__(self) -> str:
        return f"webhook #{self.pk} {self.state}"


class Comment(models.Model):
    """A comment on one of the city's posts (Facebook feed or Instagram)."""

    account = models.ForeignKey(MetaAccount, models.CASCADE, related_name="comments")
    comment_id = models.CharField(max_length=100)
    post_id = models.CharField(max_length=100, blank=True)
    # The comment it answers (empty or the post's id for a top-level comment).
    parent_id = models.CharField(max_length=100, blank=True)
    # Written by the city's own page/account: a public answer on the thread, never a complaint.
    by_city = models.BooleanField(default=False)
    from_id = models.CharField(max_length=64, blank=True)
    from_name = models.CharField(max_length=100, blank=True)
    message = models.TextField(blank=True)
    created_time = models.DateTimeField(null=True, blank=True)
    removed_at = models.DateTimeField(null=True, blank=True)
    hidden = models.BooleanField(default=False)
    complaint = models.ForeignKey(
        "complaints.Complaint", models.SET_NULL, null=True, blank=True, related_name="meta_comments"
    )
    private_reply = models.OneToOneField(
        "complaints.Message", models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["account", "comment_id"], name="meta_comment_unique")
        ]

    def __str__(self) -> str:
        return self.comment_id


class HandledEvent(models.Model):
    """Events that change what was stored (edits, reactions) and carry no id of their own, seen
    once: Meta delivers again what it is not sure we got, and a resend must not write twice."""

    account = models.CharField(max_length=64)
    key = models.CharField(max_length=255)
    handled_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["account", "key"], name="meta_handled_event_unique")
        ]

    def __str__(self) -> str:
        return self.key

"""API keys, their audit log, outgoing webhook subscriptions and deliveries."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ontong.crypto import EncryptedTextField
from ontong.delivery import Outbound, States


class ApiKey(models.Model):
    """One key per integration (120 콜센터, 새올, 포털…). The secret is shown once, when the key
    is made, and stored only as its SHA-256 (a random 256-bit secret needs no slow hash: there is
    no dictionary to try). The key acts as its service account (`user`): what that account may
    see and do, the key may — never more — and `department` narrows it further."""

    name = models.CharField(_("이름"), max_length=100, help_text=_("연계 시스템 이름"))
    prefix = models.CharField(_("키 앞부분"), max_length=16, unique=True, editable=False)
    secret_hash = models.CharField(max_length=64, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        related_name="api_keys",
        verbose_name=_("서비스 계정"),
        help_text=_("키는 이 직원 계정의 역할·부서 권한으로 읽고 처리합니다."),
    )
    department = models.ForeignKey(
        "org.Department",
        models.PROTECT,
        null=True,
        blank=True,
        verbose_name=_("부서 한정"),
        help_text=_("지정하면 이 부서(하위 부서 포함)의 민원만 다룹니다."),
    )
    can_read = models.BooleanField(_("읽기"), default=True)
    can_create = models.BooleanField(_("접수"), default=False)
    can_act = models.BooleanField(_("처리"), default=False)
    rate = models.CharField(
        _("호출 한도"), max_length=20, default="600/m", help_text=_("예: 600/m, 10000/h")
    )
    expires_at = models.DateTimeField(_("만료"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("마지막 사용"), null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(_("폐기"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
        verbose_name=_("만든 사람"),
    )
    created_at = models.DateTimeField(_("만든 시각"), auto_now_add=True)

    class Meta:
        verbose_name = _("API 키")
        verbose_name_plural = _("API 키")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    def scopes(self) -> list[str]:
        return [
            scope
            for scope, allowed in (
                ("read", self.can_read),
                ("create", self.can_create),
                ("act", self.can_act),
            )
            if allowed
        ]

    @property
    def is_usable(self) -> bool:
        now = timezone.now()
        return (
            self.revoked_at is None
            and (self.expires_at is None or self.expires_at > now)
            and self.user.is_active
        )


class ApiCall(models.Model):
    """Every call made with a key (accepted or refused): who, what, from where, with what result."""

    key = models.ForeignKey(ApiKey, models.SET_NULL, null=True, blank=True, related_name="calls")
    key_prefix = models.CharField(_("키 앞부분"), max_length=16, blank=True)
    method = models.CharField(max_length=8)
    path = models.CharField(max_length=300)
    action = models.CharField(_("동작"), max_length=60, blank=True)
    status = models.PositiveSmallIntegerField(_("응답 코드"), default=0)
    ip = models.GenericIPAddressField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("API 호출 기록")
        verbose_name_plural = _("API 호출 기록")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.key_prefix} {self.method} {self.path} {self.status}"


class WebhookEvent(models.TextChoices):
    RECEIVED = "received", _("접수")
    ASSIGNED = "assigned", _("배정")
    ANSWERED = "answered", _("답변 결재")
    NOTIFIED = "notified", _("결과 통보")
    OVERDUE = "overdue", _("기한 경과")
    CLOSED = "closed", _("종결")


class WebhookSubscription(models.Model):
    name = models.CharField(_("이름"), max_length=100)
    url = models.URLField(_("받는 주소"), max_length=500)
    secret = EncryptedTextField(  # stored encrypted, as the Meta tokens (ontong.crypto)
        _("서명 비밀 값"),
        editable=False,
        help_text=_("HMAC-SHA256 서명에 쓰는 비밀 값 (만들 때 한 번 보여 줌)"),
    )
    events = models.JSONField(_("받을 사건"), default=list)
    department = models.ForeignKey(
        "org.Department",
        models.PROTECT,
        null=True,
        blank=True,
        verbose_name=_("부서 한정"),
        help_text=_("지정하면 이 부서(하위 부서 포함)의 민원 사건만 보냅니다."),
    )
    is_active = models.BooleanField(_("사용"), default=True)
    disabled_reason = models.TextField(_("중지 사유"), blank=True)
    consecutive_failures = models.PositiveIntegerField(_("연속 실패"), default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("웹훅 구독")
        verbose_name_plural = _("웹훅 구독")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class WebhookDelivery(Outbound):
    """One event for one subscription, delivered through ontong.delivery like a notice."""

    class Status(models.TextChoices):
        WAITING = "waiting", _("발송 대기")
        SENDING = "sending", _("발송 중")
        UNKNOWN = "unknown", _("전달 확인 불가")
        DONE = "done", _("전달됨")
        FAILED = "failed", _("실패")

    states = States("status", "waiting", "sending", "unknown", "done", "failed")

    subscription = models.ForeignKey(WebhookSubscription, models.CASCADE, related_name="deliveries")
    event = models.CharField(_("사건"), max_length=20, choices=WebhookEvent.choices)
    event_id = models.CharField(max_length=40, unique=True, editable=False)
    receipt_no = models.CharField(_("접수번호"), max_length=20, blank=True)
    payload = models.JSONField(default=dict)
    status = models.CharField(
        _("상태"), max_length=10, choices=Status.choices, default=Status.WAITING
    )
    response_status = models.PositiveSmallIntegerField(_("응답 코드"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("웹훅 발송 기록")
        verbose_name_plural = _("웹훅 발송 기록")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="webhook_due")]

    def __str__(self) -> str:
        return f"{self.event} {self.receipt_no} → {self.subscription}"

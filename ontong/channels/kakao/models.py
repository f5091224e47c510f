"""KakaoTalk channel (카카오톡 채널 챗봇): the bots we serve, the citizens they know, and every skill
request as it arrived (contract: /work/briefs/kakao-common.md, channel-contracts §5)."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from ontong.crypto import EncryptedTextField

DEFAULT_BOT_API_URL = "https://bot-api.kakao.com"


class KakaoBot(models.Model):
    """A Kakao i 오픈빌더 bot linked to the city's 카카오톡 채널."""

    name = models.CharField(_("이름"), max_length=100)
    bot_id = models.CharField(
        _("봇 ID"),
        max_length=64,
        unique=True,
        help_text=_("오픈빌더의 봇 ID (개발 채널이면 '!'로 끝납니다)"),
    )
    skill_secret = EncryptedTextField(
        _("스킬 비밀값"),
        blank=True,
        help_text=_("스킬 URL의 마지막 경로 또는 X-Ontong-Skill-Secret 헤더로 보내는 값"),
    )
    allowed_networks = models.TextField(
        _("허용 네트워크"),
        blank=True,
        help_text=_(
            "스킬 요청을 받을 발신 네트워크 (CIDR, 쉼표나 줄바꿈으로 구분). 비우면 제한 없음"
        ),
    )
    rest_api_key = EncryptedTextField(
        _("REST API 키"), blank=True, help_text=_("Event API 호출용 (Authorization: KakaoAK)")
    )
    event_name = models.CharField(
        _("이벤트 이름"), max_length=100, blank=True, help_text=_("알림을 보낼 블록의 이벤트 이름")
    )
    bot_api_url = models.URLField(
        _("봇 API 주소"),
        blank=True,
        help_text=_("비우면 https://bot-api.kakao.com (데모: 에뮬레이터)"),
    )
    event_api_enabled = models.BooleanField(_("Event API 사용"), default=False)
    channel_url = models.URLField(
        _("카카오톡 채널 주소"), blank=True, help_text=_("시민에게 안내하는 채널 링크")
    )
    follow_up_hours = models.PositiveIntegerField(
        _("후속 메시지를 같은 민원에 붙이는 시간"), default=24
    )
    is_active = models.BooleanField(_("사용"), default=True)

    class Meta:
        verbose_name = _("카카오톡 챗봇")
        verbose_name_plural = _("카카오톡 챗봇")

    def __str__(self) -> str:
        return f"{self.name} ({self.bot_id})"

    @property
    def api_base(self) -> str:
        return (self.bot_api_url or DEFAULT_BOT_API_URL).rstrip("/")


class KakaoUser(models.Model):
    """A citizen as one bot knows them (botUserKey), with what Kakao told us about them."""

    bot = models.ForeignKey(KakaoBot, models.CASCADE, related_name="users")
    identity = models.OneToOneField(
        "complaints.ChannelIdentity", models.CASCADE, related_name="kakao_user"
    )
    bot_user_key = models.CharField(max_length=200)
    plusfriend_user_key = models.CharField(max_length=200, blank=True)
    app_user_id = models.CharField(max_length=200, blank=True, db_index=True)
    is_friend = models.BooleanField(null=True, blank=True)
    last_seen_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("카카오톡 사용자")
        verbose_name_plural = _("카카오톡 사용자")
        constraints = [
            models.UniqueConstraint(fields=["bot", "bot_user_key"], name="kakao_user_unique")
        ]

    def __str__(self) -> str:
        return f"{self.bot.bot_id} #{self.pk}"  # the user keys identify a citizen: not shown


class SkillRequest(models.Model):
    """A skill request as it arrived, stored (committed) before anything else is done with it."""

    class State(models.TextChoices):
        PENDING = "pending", _("대기")
        ANSWERED = "answered", _("응답함")  # a response was given (or is waiting for the callback)
        PROCESSED = "processed", _("처리됨")
        FAILED = "failed", _("실패")

    class CallbackState(models.TextChoices):
        NONE = "", _("없음")
        WAITING = "waiting", _("콜백 대기")  # answered useCallback; the real answer still to POST
        SENT = "sent", _("콜백 전송")
        FAILED = "failed", _("콜백 실패")  # the notices went through the fallback chain instead

    bot = models.ForeignKey(KakaoBot, models.CASCADE, related_name="skill_requests")
    body = models.BinaryField()
    headers = models.JSONField(default=dict, blank=True)  # X-Request-Id and a few others
    received_at = models.DateTimeField(auto_now_add=True, db_index=True)
    bot_user_key = models.CharField(max_length=200, blank=True)
    block_id = models.CharField(max_length=100, blank=True)
    block_name = models.CharField(max_length=200, blank=True)
    intent_name = models.CharField(max_length=200, blank=True)
    is_test = models.BooleanField(default=False)  # surface BuilderBotTest (the builder's test chat)
    dedupe_key = models.CharField(max_length=64, db_index=True)
    # The first request with the same key (a resend); answered with its response.
    duplicate_of = models.ForeignKey(
        "self", models.SET_NULL, null=True, blank=True, related_name="resends"
    )
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    error = models.TextField(blank=True)
    response = models.JSONField(null=True, blank=True)  # the SkillResponse we answered
    processed_at = models.DateTimeField(null=True, blank=True)
    callback_url = models.URLField(max_length=1000, blank=True)
    callback_state = models.CharField(
        max_length=10, choices=CallbackState.choices, default=CallbackState.NONE, blank=True
    )
    callback_response = models.JSONField(null=True, blank=True)  # the SkillResponse POSTed
    callback_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("스킬 요청")
        verbose_name_plural = _("스킬 요청")
        indexes = [models.Index(fields=["bot", "dedupe_key", "received_at"])]

    def __str__(self) -> str:
        return f"skill #{self.pk} {self.state}"

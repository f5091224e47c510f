"""알림톡 (KakaoTalk Bizmessage AlimTalk) through a BizMessage provider: the city's sender profile
and provider keys (one row, kept by 민원총괄 in the admin) and the approved templates, one per kind
of notice."""

import re

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ontong.complaints.models import Message
from ontong.crypto import EncryptedTextField

NHN_BASE_URL = "https://kakaotalk-bizmessage.api.nhncloudservice.com"
VARIABLE = re.compile(r"#\{([^{}]+)\}")


class AlimtalkConfig(models.Model):
    """The one configuration row (`current()`): which provider, its keys, the sender profile."""

    enabled = models.BooleanField(_("사용"), default=False)
    provider = models.CharField(
        _("발송 업체"),
        max_length=40,
        default="nhn",
        help_text=_("ONTONG_ALIMTALK_PROVIDERS에 등록된 이름 (기본: nhn = NHN Cloud)"),
    )
    base_url = models.URLField(
        _("API 주소"), blank=True, help_text=_("비우면 업체의 기본 주소 (데모: 에뮬레이터)")
    )
    app_key = models.CharField(_("앱키"), max_length=100, blank=True)
    secret_key = EncryptedTextField(_("비밀 키"), blank=True)
    sender_key = models.CharField(
        _("발신 키"), max_length=100, blank=True, help_text=_("카카오톡 채널 발신 프로필의 키")
    )
    resend_sender_no = models.CharField(
        _("대체문자 발신번호"),
        max_length=20,
        blank=True,
        help_text=_(
            "알림톡이 실패하면 이 번호로 문자를 보냅니다 (업체에 등록된 번호). 비우면 대체문자 없음"
        ),
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("알림톡 설정")
        verbose_name_plural = _("알림톡 설정")

    def __str__(self) -> str:
        return str(_("알림톡 설정"))

    def save(self, *args: object, **kwargs: object) -> None:
        self.pk = 1  # one row
        super().save(*args, **kwargs)  # type: ignore[arg-type]

    @classmethod
    def current(cls) -> "AlimtalkConfig":
        # Read without writing: until 민원총괄 saves it, 알림톡 is simply off.
        return cls.objects.filter(pk=1).first() or cls(pk=1)

    @property
    def ready(self) -> bool:
        return bool(self.enabled and self.app_key and self.secret_key and self.sender_key)


class AlimtalkTemplate(models.Model):
    """One approved 알림톡 template per kind of notice, its text exactly as approved."""

    class State(models.TextChoices):
        REQUESTED = "TSC01", _("요청")
        INSPECTING = "TSC02", _("검수 중")
        APPROVED = "TSC03", _("승인")
        REJECTED = "TSC04", _("반려")
        DORMANT = "dormant", _("휴면")

    purpose = models.CharField(
        _("알림 종류"), max_length=20, choices=Message.Purpose.choices, unique=True
    )
    template_code = models.CharField(_("템플릿 코드"), max_length=20)
    content = models.TextField(
        _("템플릿 본문"),
        help_text=_("검수받은 본문 그대로, 변수는 #{접수번호}처럼 (쓸 수 있는 변수는 아래 목록)"),
    )
    state = models.CharField(
        _("검수 상태"), max_length=10, choices=State.choices, default=State.REQUESTED
    )
    last_error = models.TextField(_("마지막 오류"), blank=True)
    last_error_at = models.DateTimeField(_("마지막 오류 시각"), null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("알림톡 템플릿")
        verbose_name_plural = _("알림톡 템플릿")

    def __str__(self) -> str:
        return f"{self.get_purpose_display()} ({self.template_code})"

    def variables(self) -> list[str]:
        """The #{…} names in the approved text, each once, in order."""
        return list(dict.fromkeys(VARIABLE.findall(self.content)))

    def record_error(self, error: str) -> None:
        """Shown in the admin beside the template, and on the case by the delivery."""
        AlimtalkTemplate.objects.filter(pk=self.pk).update(
            last_error=error, last_error_at=timezone.now()
        )

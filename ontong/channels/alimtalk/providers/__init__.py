"""The 알림톡 provider interface and the registry of providers.

A provider turns one request (approved template code, recipient's phone, variables, the text for
a 대체문자) into the provider's message id, or raises the transport errors of channels/base.py:
TemporaryError (their 5xx, a timeout before sending) is retried; PermanentError is not
(TemplateRejected: the template or its variables do not match what Kakao approved — staff must
fix the template, so it is shown on the case and in the admin); UnknownOutcome: it may have gone.

Providers are named by dotted path in ONTONG_ALIMTALK_PROVIDERS ({"nhn": "…NhnCloudProvider"}),
as Django names its e-mail backend; a city using 솔라피 or Kakao i Connect Message adds a class
with the same two methods and its name there, and picks it in 알림톡 설정.
"""

from dataclasses import dataclass
from importlib import import_module
from typing import TYPE_CHECKING

from django.conf import settings

from ontong.channels.base import PermanentError

if TYPE_CHECKING:
    from ..models import AlimtalkConfig


class TemplateRejected(PermanentError):
    """The template is not approved, or the variables do not match the approved text."""


class ProviderNotConfigured(PermanentError):
    pass


@dataclass(frozen=True)
class AlimtalkRequest:
    template_code: str
    recipient_no: str  # digits only, 010…
    variables: dict[str, str]
    fallback_text: str  # the 대체문자 (SMS/LMS) when 알림톡 cannot be delivered; "" for none
    reference: str  # ours, unique per notice: the provider's duplicate guard and grouping key


@dataclass(frozen=True)
class ProviderStatus:
    """What the provider reports about a sent message later."""

    state: str  # "delivered" | "failed" | "pending"
    via_resend: bool = False  # delivered as 대체문자 (SMS/LMS), not as 알림톡
    detail: str = ""


class Provider:
    name = ""

    def __init__(self, config: "AlimtalkConfig"):
        self.config = config

    def send(self, request: AlimtalkRequest) -> str:
        """Submit one message; the provider's id for it."""
        raise NotImplementedError

    def status(self, message_id: str) -> ProviderStatus:
        """Whether it reached the phone (as 알림톡 or as 대체문자). Errors: TemporaryError."""
        return ProviderStatus("pending")


def provider_for(config: "AlimtalkConfig") -> Provider:
    path = settings.ONTONG_ALIMTALK_PROVIDERS.get(config.provider)
    if not path:
        raise ProviderNotConfigured(
            f"알림톡 발송 업체 '{config.provider}'이(가) ONTONG_ALIMTALK_PROVIDERS에 없습니다."
        )
    module, _, name = path.rpartition(".")
    provider: Provider = getattr(import_module(module), name)(config)
    return provider

"""The transport interface every channel implements.

Errors say whether trying again can help: a TemporaryError (timeout, 5xx, rate limit) is
retried with backoff; a PermanentError (bad recipient, window closed, revoked token) fails the
delivery at once so staff see it and use the fallback.
"""

from collections.abc import Callable, Iterator
from importlib import import_module
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ontong.complaints.models import Citizen, Message


class TransportError(Exception):
    pass


class TemporaryError(TransportError):
    pass


class PermanentError(TransportError):
    pass


class WindowClosed(PermanentError):
    """The platform will not carry this message now (messaging window, recipient unreachable):
    the notice goes by the citizen's consented fallback instead, or is held for their next message."""


class UnknownOutcome(TransportError):
    """The request may or may not have been delivered (timeout): never sent again on this channel."""


def split_text(text: str, limit: int) -> list[str]:
    """Long answers go as several messages rather than being cut off: at a line end in the
    second half of the room, else at the limit."""
    parts, text = [], text.strip()
    while len(text) > limit:
        cut = text.rfind("\n", 0, limit)
        cut = cut if cut > limit // 2 else limit
        parts.append(text[:cut].strip())
        text = text[cut:].strip()
    return [*parts, text] if text else parts


class Transport:
    channel = ""

    def send(self, message: "Message") -> str:
        """Deliver an outbound Message; return the platform's id for it."""
        raise NotImplementedError

    def platform_call(self, message: "Message") -> Callable[[], str] | None:
        """send() split for sending several at once (notices.send_all): its database reads and
        checks done now, here, and its request to the platform returned, to run in another
        thread without touching the database. None (the default): send() runs whole, here."""
        return None

    def platform_failed(self, message: "Message", error: Exception) -> None:
        """What send() records when the platform refuses (a revoked token), for a
        platform_call's error; run here, in the thread that has the database."""

    def reaches(self, citizen: "Citizen | None") -> bool:
        """As a fallback route: whether this citizen can be reached this way (consent, address)."""
        return False


class MissingTransport(Transport):
    def __init__(self, channel: str):
        self.channel = channel

    def send(self, message: "Message") -> str:
        raise PermanentError(f"'{self.channel}' 채널의 발송 어댑터가 설정되어 있지 않습니다.")


TRANSPORTS = {
    "web": "ontong.channels.web.transport.WebTransport",
    "messenger": "ontong.channels.meta.transport.MetaTransport",
    "instagram": "ontong.channels.meta.transport.MetaTransport",
    "fb_comment": "ontong.channels.meta.transport.MetaTransport",
    "ig_comment": "ontong.channels.meta.transport.MetaTransport",
    "kakao": "ontong.channels.kakao.transport.KakaoTransport",
}


# When the citizen's channel cannot carry a notice: 알림톡 to their consented mobile number, then
# their consented e-mail, then SMS.
FALLBACKS = {
    "alimtalk": "ontong.channels.alimtalk.transport.AlimtalkTransport",
    "email": "ontong.channels.email.EmailTransport",
    "sms": "ontong.channels.sms.transport.SmsTransport",
}


def load(path: str) -> Transport:
    """Transports are named by path, as Django names its e-mail backend: complaints (which
    delivers) sits below the channels (which implement this interface) and never imports them."""
    module, _, name = path.rpartition(".")
    transport: Transport = getattr(import_module(module), name)()
    return transport


def get_transport(channel: str) -> Transport:
    path = TRANSPORTS.get(channel)
    return MissingTransport(channel) if path is None else load(path)


def fallback_routes(citizen: "Citizen | None") -> Iterator[tuple[str, Transport]]:
    """(route, transport) for each fallback that reaches this citizen, in order."""
    for route, path in FALLBACKS.items():
        transport = load(path)
        if transport.reaches(citizen):
            yield route, transport

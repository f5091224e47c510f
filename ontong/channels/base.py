"""The transport interface every channel implements.

Errors say whether trying again can help: a TemporaryError (timeout, 5xx, rate limit) is
retried with backoff; a PermanentError (bad recipient, window closed, revoked token) fails the
delivery at once so staff see it and use the fallback.
"""

from importlib import import_module


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


class Transport:
    channel = ""

    def send(self, message) -> str:
        """Deliver an outbound Message; return the platform's id for it."""
        raise NotImplementedError


class MissingTransport(Transport):
    def __init__(self, channel: str):
        self.channel = channel

    def send(self, message) -> str:
        raise PermanentError(f"'{self.channel}' 채널의 발송 어댑터가 설정되어 있지 않습니다.")


TRANSPORTS = {
    "web": "ontong.channels.web.transport.WebTransport",
    "messenger": "ontong.channels.meta.transport.MetaTransport",
    "instagram": "ontong.channels.meta.transport.MetaTransport",
    "fb_comment": "ontong.channels.meta.transport.MetaTransport",
    "ig_comment": "ontong.channels.meta.transport.MetaTransport",
}


def get_transport(channel: str) -> Transport:
    path = TRANSPORTS.get(channel)
    if path is None:
        return MissingTransport(channel)
    module, _, name = path.rpartition(".")
    return getattr(import_module(module), name)()

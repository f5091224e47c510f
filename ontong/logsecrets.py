"""Secrets that travel in a URL path, kept out of the logs: the KakaoTalk skill URL may carry the
bot's secret as its last segment (`/channels/kakao/skill/<bot>/<secret>/`, the form the 오픈빌더's
skill settings take when no custom header is set). Django's request warnings and gunicorn's access
log write the path: both go through `redact`."""

import logging
import re

SKILL_SECRET_PATH = re.compile(r"(/channels/kakao/skill/[^/\s'\"?]+/)[^/\s'\"?]+/")
MASK = "***"


def redact(text: str) -> str:
    return SKILL_SECRET_PATH.sub(rf"\g<1>{MASK}/", text)


class RedactSecrets(logging.Filter):
    """For the console handler: the message, and the `request` Django attaches to its request
    warnings (a JSON log writes it out), without the path's secret."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if SKILL_SECRET_PATH.search(message):
            record.msg, record.args = redact(message), ()
        request = getattr(record, "request", None)
        if request is not None and SKILL_SECRET_PATH.search(str(request)):
            record.request = redact(str(request))
        return True

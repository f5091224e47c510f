"""The demo has no mail server: `ontong run` writes every e-mail into the var dir (Django's file
backend, EMAIL_FILE_PATH) and the Meta emulator shows them at /_emulator/mail, newest first."""

import html
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

FILE_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
SEPARATOR = b"\n" + b"-" * 79 + b"\n"  # what the file backend writes after each message


def read_mail(directory: Path, limit: int = 50) -> list[EmailMessage]:
    """The newest `limit` messages the file backend wrote into `directory`."""
    files = (
        sorted(directory.glob("*.log"), key=lambda f: f.stat().st_mtime)
        if directory.is_dir()
        else []
    )
    found: list[EmailMessage] = []
    for file in reversed(files):
        for raw in reversed(file.read_bytes().split(SEPARATOR)):
            if raw.strip():
                found.append(message_from_bytes(raw.strip(), policy=policy.default))
        if len(found) >= limit:
            break
    return found[:limit]


def text_of(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain", "html"))
    return part.get_content() if part is not None else ""


def mail_page(directory: Path) -> bytes:
    items = [
        "<article><h2>{subject}</h2><p>받는 사람: {to} · {date}</p><pre>{body}</pre></article>".format(
            subject=html.escape(str(m["Subject"] or "")),
            to=html.escape(str(m["To"] or "")),
            date=html.escape(str(m["Date"] or "")),
            body=html.escape(text_of(m)),
        )
        for m in read_mail(directory)
    ]
    empty = "<p>아직 보낸 이메일이 없습니다.</p>"
    return (
        '<!doctype html><html lang="ko"><head><meta charset="utf-8">'
        "<title>데모에서 보낸 이메일</title></head><body><main><h1>데모에서 보낸 이메일</h1>"
        f"<p>메일 서버 대신 <code>{html.escape(str(directory))}</code>에 쓴 것입니다.</p>"
        f"{''.join(items) or empty}</main></body></html>"
    ).encode()

"""Messenger, Instagram Direct and comment private replies through the Send API.

Which message may go when (contract §2.2): inside 24 h of the citizen's last message as
RESPONSE; a staff-written reply within 7 days with the HUMAN_AGENT tag, only where the city
has that permission; otherwise WindowClosed, and the notice takes the consented fallback.
"""

import datetime as dt
import logging
from collections.abc import Callable
from functools import partial

from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db.models import Q
from django.utils import timezone

from ontong.channels.base import PermanentError, Transport, WindowClosed, split_text
from ontong.complaints.models import Message
from ontong.org.models import ROLE_GROUPS, Role
from ontong.tasks_queue import batch_memo

from .graph import GraphClient, TokenInvalid
from .models import Comment, MetaAccount
from .profiles import INSTAGRAM, MESSENGER

log = logging.getLogger(__name__)

STANDARD_WINDOW = MESSENGER.reply_window or dt.timedelta(hours=24)
HUMAN_AGENT_WINDOW = dt.timedelta(days=7)
PRIVATE_REPLY_WINDOW = dt.timedelta(days=7)
TEXT_LIMIT = {p.channel: p.max_text for p in (MESSENGER, INSTAGRAM) if p.max_text is not None}


def messaging_type_for(
    message: Message,
    last_inbound_at: dt.datetime | None,
    account: MetaAccount,
    now: dt.datetime | None = None,
) -> tuple[str, str | None]:
    now = now or timezone.now()
    if last_inbound_at and now - last_inbound_at < STANDARD_WINDOW:
        return "RESPONSE", None
    written_by_staff = message.author_id is not None
    if (
        written_by_staff
        and account.human_agent_enabled
        and last_inbound_at
        and now - last_inbound_at < HUMAN_AGENT_WINDOW
    ):
        return "MESSAGE_TAG", "HUMAN_AGENT"
    raise WindowClosed("메신저 응답 가능 시간(24시간)이 지났습니다.")


class MetaTransport(Transport):
    def send(self, message: Message) -> str:
        call = self.platform_call(message)
        try:
            return call()
        except TokenInvalid as error:
            self.platform_failed(message, error)
            raise

    def platform_call(self, message: Message) -> Callable[[], str]:
        account = self.account_of(message)
        client = GraphClient.for_account(account)
        sender = account.page_id or account.external_id
        if message.extra.get("private_reply_to"):
            return self.private_reply(client, sender, account, message)
        return self.direct(client, sender, account, message)

    def platform_failed(self, message: Message, error: Exception) -> None:
        if isinstance(error, TokenInvalid):
            mark_token_invalid(self.account_of(message))

    def account_of(self, message: Message) -> MetaAccount:
        account = batch_memo(  # read once per worker batch (tasks_queue.batch)
            f"meta-send-account:{message.account}",
            lambda: MetaAccount.objects.filter(external_id=message.account, is_active=True).first(),
        )
        if account is None:
            raise PermanentError(f"Meta 계정 {message.account}이(가) 없거나 꺼져 있습니다.")
        if account.token_invalid_at:
            raise WindowClosed(
                "페이지 토큰이 무효여서 보낼 수 없습니다 (민원총괄이 토큰을 다시 넣어야 함)."
            )
        return account

    def private_reply(
        self, client: GraphClient, sender: str, account: MetaAccount, message: Message
    ) -> Callable[[], str]:
        comment = Comment.objects.filter(
            account=account, comment_id=message.extra["private_reply_to"]
        ).first()
        if (
            comment
            and comment.created_time
            and timezone.now() - comment.created_time > PRIVATE_REPLY_WINDOW
        ):
            raise WindowClosed("댓글이 달린 지 7일이 지나 비공개 답장을 보낼 수 없습니다.")
        return partial(
            client.send_message,
            sender,
            {"comment_id": message.extra["private_reply_to"]},
            message.body[:2000],
            messaging_type="",
            metadata=f"ontong:{message.pk}",
        )

    def direct(
        self, client: GraphClient, sender: str, account: MetaAccount, message: Message
    ) -> Callable[[], str]:
        identity = message.complaint.identity
        if message.channel not in {"messenger", "instagram"} or identity is None:
            raise WindowClosed(
                "이 댓글 민원은 비공개 답장을 이미 썼거나 쓸 수 없어 채널로 보낼 수 없습니다."
            )
        messaging_type, tag = messaging_type_for(message, identity.last_inbound_at, account)
        parts = split_text(message.body, TEXT_LIMIT[message.channel])
        recipient = {"id": identity.external_user_id}
        quick_replies = message.extra.get("quick_replies")

        def send_parts() -> str:
            ids = [
                client.send_message(
                    sender,
                    recipient,
                    part,
                    messaging_type=messaging_type,
                    tag=tag,
                    quick_replies=quick_replies if number == len(parts) - 1 else None,
                    metadata=f"ontong:{message.pk}:{number}",
                )
                for number, part in enumerate(parts)
            ]
            return ids[-1]

        return send_parts


def mark_token_invalid(account: MetaAccount) -> None:
    """A revoked or expired page token: stop sending and tell 민원총괄 (banner + e-mail)."""
    if account.token_invalid_at:
        return
    MetaAccount.objects.filter(pk=account.pk).update(token_invalid_at=timezone.now())
    log.error("Meta account %s: page token invalid", account.external_id)
    admins = (
        get_user_model()
        .objects.filter(
            Q(groups__name=ROLE_GROUPS[Role.ADMIN]) | Q(is_superuser=True), is_active=True
        )
        .exclude(email="")
        .values_list("email", flat=True)
        .distinct()
    )
    if admins:
        send_mail(
            f"[온통] {account.name} 페이지 토큰이 무효입니다",
            "Meta 계정의 페이지 액세스 토큰이 만료되었거나 취소되었습니다. 관리 화면에서 새 토큰을 넣어 주세요. "
            "그동안 이 계정의 알림은 대체 수단(이메일·문자)으로 보내거나 통보 대기로 둡니다.",
            None,
            list(admins),
            fail_silently=True,
        )

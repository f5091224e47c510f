"""Open reports near a pin ("이미 접수된 민원인가요?"), and following one instead of reporting it again.

A citizen sees another person's case only as its title (personal data taken out), its plain
state and its date; following adds the citizen's words to that case and lets this browser see the
case's progress (steps, department, contact), never its conversation or answer.
"""

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from django.contrib.sessions.backends.base import SessionBase
from django.core import signing
from django.db import transaction
from django.utils import timezone

from ontong import geo
from ontong.complaints import notices, privacy, wording
from ontong.complaints.models import (
    FINAL_STATES,
    Citizen,
    Complaint,
    Event,
    Follower,
    Message,
    State,
)
from ontong.complaints.services import clean_text

if TYPE_CHECKING:
    from django.db import models

RADIUS_M = 300  # what a citizen would call "the same place"
LIMIT = 5
FOLLOW_RADIUS_M = 1_000  # a follow must come from a pin near the case (not any receipt number)
TITLE_CHARS = 60
SESSION_KEY = "ontong_follows"
MAX_FOLLOWS = 20


@dataclass(frozen=True)
class Nearby:
    receipt_no: str
    title: str
    state: str
    received_at: datetime
    distance_m: int


def public_title(complaint: Complaint) -> str:
    return public_titles([complaint])[0]


def public_titles(complaints: "list[Complaint]") -> list[str]:
    """Titles as another citizen may read them: no numbers or e-mail, names masked, cut short."""
    texts = privacy.public_titles([c.title for c in complaints])
    return [t if len(t) <= TITLE_CHARS else t[: TITLE_CHARS - 1] + "…" for t in texts]


def open_cases() -> "models.QuerySet[Complaint]":
    return Complaint.objects.exclude(state__in=FINAL_STATES | {State.NOTIFIED}).filter(
        latitude__isnull=False, longitude__isnull=False, duplicate_of__isnull=True
    )


def near(lat: float, lng: float, radius_m: float = RADIUS_M, limit: int = LIMIT) -> list[Nearby]:
    """The open cases within radius_m of the point, nearest first."""
    south, north, west, east = geo.box(lat, lng, radius_m)
    rows = (
        open_cases()
        .filter(latitude__range=(south, north), longitude__range=(west, east))
        .order_by("-received_at")[:200]
    )
    within = []
    for complaint in rows:
        assert complaint.latitude is not None and complaint.longitude is not None
        distance = geo.distance_m(lat, lng, float(complaint.latitude), float(complaint.longitude))
        if distance <= radius_m:
            within.append((round(distance), complaint))
    within.sort(key=lambda found: found[0])
    shown = within[:limit]
    titles = public_titles([complaint for _, complaint in shown])
    return [
        Nearby(
            receipt_no=complaint.receipt_no,
            title=title,
            state=wording.state_words(complaint),
            received_at=complaint.received_at,
            distance_m=distance,
        )
        for (distance, complaint), title in zip(shown, titles, strict=True)
    ]


class FollowRefused(Exception):
    """The case is not open, or not near the pin the citizen placed."""


def followable(receipt_no: str, lat: Decimal | None, lng: Decimal | None) -> Complaint:
    complaint = open_cases().filter(receipt_no=receipt_no).first()
    if complaint is None or lat is None or lng is None:
        raise FollowRefused(receipt_no)
    assert complaint.latitude is not None and complaint.longitude is not None
    distance = geo.distance_m(
        float(lat), float(lng), float(complaint.latitude), float(complaint.longitude)
    )
    if distance > FOLLOW_RADIUS_M:
        raise FollowRefused(receipt_no)
    return complaint


@transaction.atomic
def follow(complaint: Complaint, body: str, ip: str | None, phone: str = "") -> None:
    """Another citizen says "the same problem": their words (if any) join the case as a citizen
    message, and the timeline counts them. A phone (given with consent) makes them a Follower,
    told when the case is answered (notices.tell_followers); staff never see the number."""
    text, removed = privacy.remove_rrns(clean_text(body))
    note = "다른 시민이 같은 문제를 알렸습니다 (지도에서 이 민원 따라가기)."
    if phone and not complaint.followers.filter(citizen__phone=phone).exists():
        citizen = Citizen.objects.create(phone=phone, contact_consent_at=timezone.now())
        Follower.objects.create(complaint=complaint, citizen=citizen)
        note += " 처리가 끝나면 알려 달라고 했습니다."
    if text.strip():
        Message.objects.create(
            complaint=complaint,
            direction=Message.Direction.IN,
            channel=complaint.channel,
            account="web-follow",
            body=f"[같은 문제, 다른 시민] {text}",
        )
    Event.objects.create(
        complaint=complaint,
        action="citizen_message",
        ip=ip,
        note=note + (" (주민등록번호 삭제)" if removed else ""),
    )


def receipt_for_key(key: str) -> str | None:
    try:
        value = signing.loads(key, salt=notices.FOLLOW_SALT)
    except signing.BadSignature:
        return None
    return value if isinstance(value, str) else None


def remember(session: SessionBase, receipt_no: str) -> None:
    follows = [n for n in session.get(SESSION_KEY, []) if n != receipt_no] + [receipt_no]
    session[SESSION_KEY] = follows[-MAX_FOLLOWS:]


def follows(session: SessionBase, receipt_no: str) -> bool:
    return receipt_no in session.get(SESSION_KEY, [])

"""Retention (개인정보 보호법 제21조): once a closed case is past the city's retention period, the
citizen's personal data is destroyed irreversibly; the case itself stays as a public record."""

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from . import privacy
from .models import FINAL_STATES, Citizen, Complaint, Event
from .services import reindex

PURGED = "[보존기간 경과로 파기]"


def expired_complaints(now: dt.datetime | None = None) -> QuerySet[Complaint]:
    cutoff = (now or timezone.now()) - dt.timedelta(days=settings.ONTONG_RETENTION_DAYS)
    return Complaint.objects.filter(state__in=FINAL_STATES, closed_at__lt=cutoff).exclude(
        events__action="personal_data_purged"
    )


@transaction.atomic
def purge_complaint(complaint: Complaint) -> None:
    for attachment in complaint.attachments.all():
        attachment.file.delete(save=False)
        attachment.delete()
    for message in complaint.messages.all():
        message.body = privacy.mask_text(message.body)
        message.save(update_fields=["body"])
    # The case stays as a public record: people named in it (김*수씨) are masked too.
    complaint.title, complaint.body = privacy.mask_names_many(
        [privacy.mask_text(complaint.title), privacy.mask_text(complaint.body)]
    )
    complaint.address = complaint.area.name if complaint.area else ""
    complaint.latitude = complaint.longitude = None
    complaint.status_token = ""
    reindex(complaint)
    complaint.save()
    citizen = complaint.citizen
    if (
        citizen
        and not citizen.complaints.exclude(pk=complaint.pk)
        .exclude(events__action="personal_data_purged")
        .exists()
    ):
        Citizen.objects.filter(pk=citizen.pk).update(
            name="", phone="", email="", contact_consent_at=None
        )
        citizen.identities.update(external_user_id=PURGED + f":{citizen.pk}", display_name="")
    Citizen.objects.filter(follows__complaint=complaint).update(
        name="", phone="", email="", contact_consent_at=None
    )
    Event.objects.create(
        complaint=complaint,
        action="personal_data_purged",
        note=f"보존기간({settings.ONTONG_RETENTION_DAYS}일) 경과: 개인정보와 첨부를 파기",
    )


def purge_expired(limit: int = 1000) -> int:
    count = 0
    for complaint in expired_complaints().select_related("citizen", "area")[:limit]:
        purge_complaint(complaint)
        count += 1
    return count

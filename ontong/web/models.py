"""What the staff workspace remembers per person: which cases they have opened since the citizen
last wrote (the inbox's unread marks) and which inbox view they last chose."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class CaseSeen(models.Model):
    """When this person last opened this case. A case is unread for them while the citizen has
    written after this (or they never opened it)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE, related_name="+")
    complaint = models.ForeignKey("complaints.Complaint", models.CASCADE, related_name="+")
    seen_at = models.DateTimeField(_("마지막으로 연 시각"))

    class Meta:
        verbose_name = _("민원 열람 시각")
        constraints = [
            models.UniqueConstraint(fields=["user", "complaint"], name="web_caseseen_unique")
        ]

    def __str__(self) -> str:
        return f"{self.user_id}:{self.complaint_id}@{self.seen_at:%Y-%m-%d %H:%M}"


class InboxChoice(models.Model):
    """The inbox view this person last chose: /queue/ opens on it next time."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, models.CASCADE, primary_key=True, related_name="+"
    )
    view = models.CharField(_("보기"), max_length=20)
    chosen_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("접수함 보기 선택")

    def __str__(self) -> str:
        return f"{self.user_id}:{self.view}"


class ThemeDigest(models.Model):
    """The recurring themes of the last `weeks` weeks, as the worker last grouped them (web.themes):
    already masked, read by the media team's desk."""

    weeks = models.PositiveSmallIntegerField(_("기간 (주)"), unique=True)
    data = models.JSONField(default=dict)
    seconds = models.FloatField(default=0)  # how long the grouping took
    computed_at = models.DateTimeField(_("계산 시각"))

    class Meta:
        verbose_name = _("민원 주제 묶음")

    def __str__(self) -> str:
        return f"{self.weeks}주 @{self.computed_at:%Y-%m-%d %H:%M}"

"""The staff menu: which pages a person may open, decided once for the menu and the views.

A view refuses (404) exactly the pages its menu does not offer, because both ask `may_open`.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from ontong.complaints.access import consulted_cases
from ontong.complaints.models import Complaint
from ontong.org.models import Role
from ontong.publishing.services import is_pr

if TYPE_CHECKING:
    from django.utils.functional import _StrPromise  # the stubs' lazy string

CASE_ROLES = (Role.TRIAGE, Role.ADMIN, Role.OFFICER, Role.MANAGER)


def _roles(*roles):
    return lambda user: user.has_role(*roles)


def _consulted(user) -> bool:
    """Offered while another department waits for this one's view on an open case."""
    return user.has_role(Role.OFFICER, Role.MANAGER) and (
        Complaint.objects.filter(consulted_cases(user)).exists()
    )


def _publishing(user) -> bool:
    return is_pr(user)


@dataclass(frozen=True)
class Page:
    name: str  # URL name
    label: "str | _StrPromise"
    accesskey: str
    allowed: Callable[[Any], bool]  # user -> bool
    testid: str = ""

    @property
    def url(self) -> str:
        return reverse(self.name)


PAGES = [
    Page("web:inbox", _("접수함"), "1", _roles(Role.TRIAGE, Role.ADMIN)),
    Page("web:queue", _("부서함"), "2", _roles(*CASE_ROLES)),
    Page("web:search", _("검색"), "3", _roles(*CASE_ROLES)),
    Page("web:overdue", _("기한 경과"), "4", _roles(*CASE_ROLES)),
    Page("web:reports", _("통계"), "5", _roles(*CASE_ROLES)),
    Page("web:cases_map", _("지도"), "8", _roles(*CASE_ROLES), "map-link"),
    Page("publishing:desk", _("SNS 게시"), "6", _publishing),
    Page("web:approvals", _("결재 대기"), "7", _roles(Role.MANAGER, Role.ADMIN), "approvals-link"),
    Page("web:consultations", _("협조 요청"), "", _consulted, "consultations-link"),
    Page(
        "web:saved_replies", _("상용구"), "", _roles(Role.MANAGER, Role.ADMIN), "saved-replies-link"
    ),
    Page("web:notifications", _("알림"), "", lambda user: True, "notifications-link"),
    Page("admin:index", _("관리"), "", lambda user: user.is_staff),
]
BY_NAME = {page.name: page for page in PAGES}


def may_open(user, name: str) -> bool:
    return bool(user.is_authenticated and BY_NAME[name].allowed(user))


def menu(user) -> list[Page]:
    """The pages this person may open, in menu order."""
    return [page for page in PAGES if may_open(user, page.name)]

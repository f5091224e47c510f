"""상용구 (saved replies): texts an officer inserts from the reply box, per department and
city-wide, with {접수번호}, {담당자}, {부서} and {처리기한} filled in on the server for the case.

Only those four names are replaced, as plain text (no template language): a saved reply cannot
reach anything else of the case. A name the case has no value for yet (no assignee) is filled
with words a citizen can read, never left as "{담당자}". A particle written right after a name
("{담당자}가", "{부서}로") is changed to suit the value ("최도로 주무관이", "도로과로"), as in the
notices' templates: whoever writes the reply cannot know the value.
"""

import re

from django.db.models import Q, QuerySet

from ontong.korean import ALIASES, PAIRS, josa, staff_for_citizens
from ontong.org.models import Department, Role, User

from . import deadlines
from .access import department_scope
from .models import Complaint, SavedReply

VARIABLES = ("접수번호", "담당자", "부서", "처리기한")
MAX_SHOWN = 200
PARTICLES = sorted(set(PAIRS) | set(ALIASES), key=len, reverse=True)
# A name, and a particle after it when the particle ends the word ("{부서}로부터" is left alone).
PLACEHOLDER = re.compile(
    r"\{("
    + "|".join(VARIABLES)
    + r")\}(?:("
    + "|".join(map(re.escape, PARTICLES))
    + r")(?![가-힣]))?"
)


def values(complaint: Complaint) -> dict[str, str]:
    return {
        "접수번호": complaint.receipt_no,
        "담당자": staff_for_citizens(complaint.assignee) if complaint.assignee else "담당자",
        "부서": complaint.department.name if complaint.department else "담당 부서",
        "처리기한": deadlines.due_date_text(complaint.due_at) if complaint.due_at else "처리기한",
    }


def fill(text: str, complaint: Complaint) -> str:
    known = values(complaint)

    def put(match: re.Match[str]) -> str:
        value, particle = known[match.group(1)], match.group(2)
        return value + josa(value, particle) if particle else value

    return PLACEHOLDER.sub(put, text)


def departments_up(department: Department | None) -> list[int]:
    ids: list[int] = []
    while department is not None and department.pk not in ids:
        ids.append(department.pk)
        department = department.parent
    return ids


def for_case(user: User, complaint: Complaint, query: str = "") -> QuerySet[SavedReply]:
    """What this person may insert on this case: the city-wide replies, their own department's
    (and those above it), and those of the case's department."""
    departments = set(departments_up(user.department)) | set(departments_up(complaint.department))
    replies = SavedReply.objects.filter(
        Q(department__isnull=True) | Q(department_id__in=departments)
    ).select_related("department")
    query = query.strip()
    if query:
        replies = replies.filter(Q(title__icontains=query) | Q(body__icontains=query))
    return replies[:MAX_SHOWN]


def manageable(user: User) -> QuerySet[SavedReply]:
    """민원총괄 manages every saved reply; a 부서관리자 those of their departments."""
    if user.has_role(Role.ADMIN):
        return SavedReply.objects.select_related("department")
    if user.has_role(Role.MANAGER):
        return SavedReply.objects.filter(department_id__in=department_scope(user)).select_related(
            "department"
        )
    return SavedReply.objects.none()


def departments_for(user: User) -> QuerySet[Department]:
    """The departments this person may keep saved replies for (None, city-wide, is admin only)."""
    if user.has_role(Role.ADMIN):
        return Department.objects.filter(is_active=True)
    return Department.objects.filter(is_active=True, pk__in=department_scope(user))

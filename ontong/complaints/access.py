"""Who may see which complaint, and who sees personal data unmasked."""

from django.contrib.auth.models import AnonymousUser
from django.db.models import Q, QuerySet
from django.http import Http404

from ontong.org.models import Department, Role, User

from .models import NOT_FINAL, Complaint, Consultation


def department_scope(user: User) -> list[int]:
    """The user's department and every department below it (a 과 manager sees its 팀s).
    Kept on the user object for the request: every action check on a page asks for it."""
    if not user.department_id:
        return []
    cached: tuple[int, list[int]] | None = getattr(user, "_department_scope", None)
    if cached is not None and cached[0] == user.department_id:
        return cached[1]
    scope, frontier = [user.department_id], [user.department_id]
    while frontier:
        frontier = list(
            Department.objects.filter(parent_id__in=frontier).values_list("id", flat=True)
        )
        scope.extend(frontier)
    user._department_scope = (user.department_id, scope)
    return scope


def visible_complaints(user: User | AnonymousUser, consulted: bool = True) -> QuerySet[Complaint]:
    """The cases this person may open: all for 민원총괄 and 접수담당; their departments' (and
    those assigned to them) for officers, and — unless `consulted` is False, as for the
    department statistics — the open cases another department asked them about (협조 요청)."""
    complaints = Complaint.objects.all()
    if not user.is_authenticated:
        return complaints.none()
    if user.has_role(Role.ADMIN, Role.TRIAGE):
        return complaints
    if user.has_role(Role.OFFICER, Role.MANAGER):
        own = Q(department_id__in=department_scope(user)) | Q(assignee=user)
        return complaints.filter(own | consulted_cases(user) if consulted else own)
    return complaints.none()


def department_queue(user: User | AnonymousUser) -> QuerySet[Complaint]:
    """The open cases of the user's departments. Named without visible_complaints' OR on the
    assignee, which these departments already cover: with the open states listed, the
    (department, state) index answers it (bench/scale.py)."""
    if not user.is_authenticated or not user.has_role(
        Role.ADMIN, Role.TRIAGE, Role.OFFICER, Role.MANAGER
    ):
        return Complaint.objects.none()
    return Complaint.objects.filter(department_id__in=department_scope(user), state__in=NOT_FINAL)


def get_visible_complaint(user: User | AnonymousUser, receipt_no: str) -> Complaint:
    """404, not 403, for a case the user may not see: its existence is not disclosed."""
    try:
        return (
            visible_complaints(user)
            .select_related("department", "assignee", "citizen", "area", "duplicate_of")
            .get(receipt_no=receipt_no)
        )
    except Complaint.DoesNotExist as exc:
        raise Http404("민원을 찾을 수 없습니다.") from exc


def handles_case(user: User, complaint: Complaint) -> bool:
    """Officers of the case's department (and its assignee) need the citizen's contact details."""
    if complaint.assignee_id == user.pk:
        return True
    return bool(
        complaint.department_id
        and user.has_role(Role.OFFICER, Role.MANAGER)
        and complaint.department_id in department_scope(user)
    )


def may_see_access_log(user: User, complaint: Complaint) -> bool:
    """Who looked at the citizen's personal data is for 민원총괄 and the case's own department."""
    return user.has_role(Role.ADMIN) or handles_case(user, complaint)


def consulted_departments(user: User) -> list[int]:
    """The departments whose 협조 requests this person answers (their own and those below)."""
    if not user.has_role(Role.OFFICER, Role.MANAGER):
        return []
    return department_scope(user)


def consulting(user: User, complaint: Complaint) -> Consultation | None:
    """The request that lets this person into a case of another department, if any (the case
    still open)."""
    scope = consulted_departments(user)
    if not scope or complaint.state not in NOT_FINAL:
        return None
    return (
        Consultation.objects.filter(complaint=complaint, department_id__in=scope)
        .order_by("answered_at", "-requested_at")
        .first()
    )


def consulted_cases(user: User) -> Q:
    """The cases another department asked this person's department about (open ones)."""
    scope = consulted_departments(user)
    if not scope:
        return Q(pk__in=[])
    return Q(
        pk__in=Consultation.objects.filter(department_id__in=scope).values("complaint_id"),
        state__in=NOT_FINAL,
    )

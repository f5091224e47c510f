"""Who may see a status page: the holder of its token, once traded for a grant in their session.

The session keeps a keyed digest of the token, not the token: a grant ends when the token does
(personal data purged, token cleared) and the sessions table holds nothing that opens a page.
"""

from django.contrib.sessions.backends.base import SessionBase
from django.utils.crypto import constant_time_compare, salted_hmac

from ontong.complaints.models import Complaint
from ontong.complaints.services import status_token_matches

SESSION_KEY = "ontong_status_grants"
MAX_GRANTS = 20  # one browser, a handful of complaints


def digest(token: str) -> str:
    return salted_hmac("ontong.status-grant", token, algorithm="sha256").hexdigest()


def find(receipt_no: str) -> Complaint | None:
    return (
        Complaint.objects.select_related("department", "area").filter(receipt_no=receipt_no).first()
    )


def complaint_for_token(receipt_no: str, token: str) -> Complaint | None:
    complaint = find(receipt_no)
    if complaint is None or not status_token_matches(complaint, token):
        return None
    return complaint


def grant(session: SessionBase, complaint: Complaint) -> None:
    grants = {
        number: value
        for number, value in session.get(SESSION_KEY, {}).items()
        if number != complaint.receipt_no
    }
    grants[complaint.receipt_no] = digest(complaint.status_token)
    session[SESSION_KEY] = dict(list(grants.items())[-MAX_GRANTS:])


def complaint_for_session(session: SessionBase, receipt_no: str) -> Complaint | None:
    granted = session.get(SESSION_KEY, {}).get(receipt_no)
    if not granted:
        return None
    complaint = find(receipt_no)
    if complaint is None or not complaint.status_token:
        return None
    return complaint if constant_time_compare(granted, digest(complaint.status_token)) else None

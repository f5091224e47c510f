"""Who may see a status page: the holder of its token, once traded for a grant in their session.

The session keeps a keyed digest of the token, not the token: a grant ends when the token does
(personal data purged, token cleared) and the sessions table holds nothing that opens a page.

Besides the 32-character token a citizen may open the page with a short code a person can copy
(8 characters from an alphabet without look-alikes, shown as K7QM-4XRP) or, when they gave a phone
number, its last 4 digits. The short code is not stored: it is a keyed digest (the server's
secret) of the token, so it ends with the token too. Short secrets can be guessed, so each
접수번호 takes only `MAX_FAILURES` wrong answers an hour, whoever sends them, and each address only
`MAX_ADDRESS_FAILURES` across all numbers (the map lists open numbers, so a guesser would otherwise
spread their tries over many of them) (`too_many_failures`).
"""

import re

from django.contrib.sessions.backends.base import SessionBase
from django.core.cache import cache
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


CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"  # no 0/O, 1/I/L
CODE_LENGTH = 8
MAX_FAILURES = 10  # wrong answers per 접수번호 per hour
MAX_ADDRESS_FAILURES = 20  # wrong answers per client address per hour, whatever the number
FAILURE_WINDOW = 3600


def short_code(complaint: Complaint) -> str:
    """The 8-character code for this case ("" once the token is gone)."""
    if not complaint.status_token:
        return ""
    number = int(salted_hmac("ontong.receipt-code", complaint.status_token).hexdigest(), 16)
    chars = []
    for _ in range(CODE_LENGTH):
        number, index = divmod(number, len(CODE_ALPHABET))
        chars.append(CODE_ALPHABET[index])
    return "".join(chars)


def display_code(code: str) -> str:
    return f"{code[:4]}-{code[4:]}" if code else ""


def phone_digits(complaint: Complaint) -> str:
    citizen = complaint.citizen
    return re.sub(r"\D", "", citizen.phone) if citizen and citizen.phone else ""


def complaint_for_secret(receipt_no: str, secret: str) -> Complaint | None:
    """The case if the secret opens it: the token, the short code, or the phone's last 4 digits."""
    complaint = find(receipt_no)
    if complaint is None or not complaint.status_token:
        return None
    cleaned = secret.replace("-", "").strip()
    if re.fullmatch(r"\d{4}", cleaned):
        digits = phone_digits(complaint)
        return (
            complaint if len(digits) >= 8 and constant_time_compare(digits[-4:], cleaned) else None
        )
    if len(cleaned) == CODE_LENGTH:
        return complaint if constant_time_compare(short_code(complaint), cleaned.upper()) else None
    return complaint if status_token_matches(complaint, secret) else None


def _failure_key(kind: str, value: str) -> str:
    digest_ = salted_hmac("ontong.status-failures", f"{kind}:{value}").hexdigest()
    return f"ontong:status-failures:{kind}:{digest_}"


def too_many_failures(receipt_no: str, ip: str | None = None) -> bool:
    if int(cache.get(_failure_key("receipt", receipt_no), 0)) >= MAX_FAILURES:
        return True
    return bool(ip) and int(cache.get(_failure_key("ip", ip or ""), 0)) >= MAX_ADDRESS_FAILURES


def record_failure(receipt_no: str, ip: str | None = None) -> None:
    keys = [_failure_key("receipt", receipt_no)] + ([_failure_key("ip", ip)] if ip else [])
    for key in keys:
        if not cache.add(key, 1, FAILURE_WINDOW):
            try:
                cache.incr(key)
            except ValueError:  # expired between add and incr
                cache.add(key, 1, FAILURE_WINDOW)


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

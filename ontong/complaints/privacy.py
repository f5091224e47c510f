"""Personal data in free text (개인정보 보호법): detect, remove RRNs, mask the rest for display.

Masking follows one rule set everywhere (ISMS-P 3.2.3: inconsistent masks can be combined to
re-identify a person): names from the second character, the middle of phone numbers, the
e-mail local part, all but the last four digits of card and account numbers.
"""

import ipaddress
import re

# 주민등록번호·외국인등록번호: 6 digits (a plausible YYMMDD) + 7 digits whose first is 1-8.
RRN = re.compile(
    r"(?<!\d)(\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01]))\s?[-–]?\s?([1-8]\d{6})(?!\d)"
)
MOBILE = re.compile(r"(?<!\d)(01[016789])[-. ]?(\d{3,4})[-. ]?(\d{4})(?!\d)")
LANDLINE = re.compile(r"(?<!\d)(0(?:2|[3-6][1-5]|70))[-. )]?(\d{3,4})[-. ]?(\d{4})(?!\d)")
CARD = re.compile(r"(?<!\d)(\d{4})[- ]?(\d{4})[- ]?(\d{4})[- ]?(\d{4})(?!\d)")
# 계좌번호: digit groups joined by hyphens. A calendar date (2026-12-02) has the same shape but no
# bank's number is 4-2-2, and masking dates hid the deadlines staff must read (새 처리기한 ***-***-02).
ISO_DATE = r"(?:19|20)\d\d-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12]\d|3[01])(?![\d-])"
ACCOUNT = re.compile(
    rf"(?<![\d-])(?!{ISO_DATE})(\d{{2,6}})-(\d{{2,6}})-(\d{{2,8}})(?:-(\d{{1,3}}))?(?![\d-])"
)
EMAIL = re.compile(r"([A-Za-z0-9._%+-]+)@([A-Za-z0-9.-]+\.[A-Za-z]{2,})")

RRN_REMOVED = "[주민등록번호 삭제됨]"


def remove_rrns(text: str) -> tuple[str, int]:
    """Replace every 주민등록번호 with a marker; returns the new text and how many were removed."""
    return RRN.subn(RRN_REMOVED, text or "")


def contains_personal_data(text: str) -> bool:
    return any(p.search(text or "") for p in (MOBILE, LANDLINE, CARD, ACCOUNT, EMAIL, RRN))


# The citizen's status link in a notice we sent: the code is the citizen's key to the case.
STATUS_TOKEN = re.compile(r"([?&]t=)[A-Za-z0-9_-]{8,}")


def without_status_tokens(text: str) -> str:
    """No member of staff needs the citizen's status code; with it they could act as the citizen."""
    return STATUS_TOKEN.sub(r"\1…", text or "")


def without_personal_data(text: str) -> str:
    """The text with phone, card, account and e-mail details (and any 주민등록번호) taken out:
    what the search index may hold, so a masked number cannot be found by its digits."""
    for pattern in (RRN, CARD, MOBILE, LANDLINE, ACCOUNT, EMAIL):
        text = pattern.sub(" ", text or "")
    return text


def mask_name(name: str) -> str:
    name = (name or "").strip()
    if len(name) <= 1:
        return name
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]


def mask_phone(phone: str) -> str:
    digits = re.sub(r"\D", "", phone or "")
    if len(digits) < 7:
        return "*" * len(digits)
    return f"{digits[:3]}-****-{digits[-4:]}"


def mask_email(email: str) -> str:
    if "@" not in (email or ""):
        return email or ""
    local, domain = email.split("@", 1)
    return f"{local[:2]}{'*' * max(len(local) - 2, 1)}@{domain}"


def mask_ip(ip: str) -> str:
    """An address keeps its network, not its host: 203.0.113.* and 2001:db8:85a3:*."""
    ip = ip or ""
    if "." in ip and ":" not in ip:
        return ".".join(ip.split(".")[:3] + ["*"])
    if ":" in ip:
        try:
            groups = ipaddress.ip_address(ip).exploded.split(":")
        except ValueError:
            return "*"
        return ":".join(g.lstrip("0") or "0" for g in groups[:3]) + ":*"
    return "*" if ip else ""


def mask_text(text: str) -> str:
    """Mask personal data inside free text, for viewers who do not handle the case."""
    text = RRN.sub(lambda m: f"{m.group(1)}-*******", text or "")
    text = CARD.sub(lambda m: f"****-****-****-{m.group(4)}", text)
    text = MOBILE.sub(lambda m: f"{m.group(1)}-****-{m.group(3)}", text)
    text = LANDLINE.sub(lambda m: f"{m.group(1)}-****-{m.group(3)}", text)
    text = ACCOUNT.sub(lambda m: "***-***-" + (m.group(4) or m.group(3))[-3:], text)
    return EMAIL.sub(lambda m: f"{mask_email(m.group(0))}", text)

"""Personal data in free text (개인정보 보호법): detect, remove RRNs, mask the rest for display.

Masking follows one rule set everywhere (ISMS-P 3.2.3: inconsistent masks can be combined to
re-identify a person): names from the second character, the middle of phone numbers, the
e-mail local part, all but the last four digits of card and account numbers.
"""

import ipaddress
import re

from . import analyser

# 주민등록번호·외국인등록번호: 6 digits (a plausible YYMMDD) + 7 digits whose first is 1-8.
RRN = re.compile(
    r"(?<!\d)(\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01]))\s?[-–]?\s?([1-8]\d{6})(?!\d)"
)
MOBILE = re.compile(r"(?<!\d)(01[016789])[-. ]?(\d{3,4})[-. ]?(\d{4})(?!\d)")
# The same written internationally (+82 10-1234-5678): masked and kept out of the index like it,
# but not taken as a citizen's contact number (알림톡 sends to 01x numbers).
INTERNATIONAL_MOBILE = re.compile(r"(\+82[-. ]?1[016789])[-. ]?(\d{3,4})[-. ]?(\d{4})(?!\d)")
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
    patterns = (MOBILE, INTERNATIONAL_MOBILE, LANDLINE, CARD, ACCOUNT, EMAIL, RRN)
    return any(p.search(text or "") for p in patterns)


# The citizen's status link in a notice we sent: the code is the citizen's key to the case.
STATUS_TOKEN = re.compile(r"([?&]t=)[A-Za-z0-9_-]{8,}")


def without_status_tokens(text: str) -> str:
    """No member of staff needs the citizen's status code; with it they could act as the citizen."""
    return STATUS_TOKEN.sub(r"\1…", text or "")


def without_personal_data(text: str) -> str:
    """The text with phone, card, account and e-mail details (and any 주민등록번호) taken out:
    what the search index may hold, so a masked number cannot be found by its digits."""
    for pattern in (RRN, CARD, MOBILE, INTERNATIONAL_MOBILE, LANDLINE, ACCOUNT, EMAIL):
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
    for mobile in (MOBILE, INTERNATIONAL_MOBILE):
        text = mobile.sub(lambda m: f"{m.group(1)}-****-{m.group(3)}", text)
    text = LANDLINE.sub(lambda m: f"{m.group(1)}-****-{m.group(3)}", text)
    text = ACCOUNT.sub(lambda m: "***-***-" + (m.group(4) or m.group(3))[-3:], text)
    return EMAIL.sub(lambda m: f"{mask_email(m.group(0))}", text)


# Personal names in a case title ("김철수씨 집 앞", "홍길동 주무관 불친절"). Kiwi tags names as
# NNP (proper noun), but also places and every word it does not know (지보공, 정화조, 경춘선:
# masking any three-syllable NNP that starts with a surname changed 20 such words for 3 names in
# the shared datasets). So a name is an NNP starting with a common surname that is followed by
# a word used of people: 씨/님 (written on or apart), or a title after a space, alone or ending a
# compound (박원순 서울시장님). Places before such words (성북구 통장, 인천의원) stay readable.
SURNAMES = frozenset(
    "김이박최정강조윤장임한오서신권황안송류유전홍고문양손배백허남심노하곽성차주우구민진나지엄채"
    "원천방공현함변염여추도소석선설마길연위표명기반라왕금옥육인맹제모탁국어은편용예경봉사부"
)
DOUBLE_SURNAMES = ("남궁", "황보", "제갈", "선우", "독고", "사공", "서문")
HONORIFICS = frozenset({"씨", "님"})
TITLES = frozenset(
    "주무관 팀장 과장 계장 주임 실장 국장 소장 원장 대표 사장 기사 선생 선생님 이장 반장 의원 "
    "시장 군수 구청장 도지사 위원장 여사 어머니 아버지 할머니 할아버지 아저씨 아주머니".split()
)
PERSON_WORD = re.compile("|".join(sorted(HONORIFICS | TITLES, key=len, reverse=True)))
PLACE_ENDINGS = frozenset("시군구읍면리로길")
HANGUL_NAME = re.compile(r"^[가-힣]{2,4}$")
Noun = tuple[str, str, int, int]  # form, tag, start, end


def _looks_like_name(span: str, one_word: bool) -> bool:
    """one_word: Kiwi read it as one proper noun, which may be a place (서산시, 성연면)."""
    if not HANGUL_NAME.match(span) or (one_word and span[-1] in PLACE_ENDINGS):
        return False
    return span[:2] in DOUBLE_SURNAMES or (span[0] in SURNAMES and len(span) <= 3)


def _said_of_a_person(tokens: list[Noun], j: int, end: int) -> bool:
    """Whether the words from tokens[j] on, right after a name ending at end, address a person."""
    if j >= len(tokens):
        return False
    form, _, start, _ = tokens[j]
    if form in HONORIFICS:
        return start - end <= 1
    if start - end != 1:
        return False
    # A title alone or ending a compound written as one word: 주무관, 서울시장, 산지관리팀장.
    while j < len(tokens):
        if any(tokens[j][0].endswith(title) for title in TITLES):
            return True
        if j + 1 >= len(tokens) or tokens[j + 1][2] != tokens[j][3]:
            return False
        j += 1
    return False


def _name_spans(text: str, tokens: list[analyser.Token]) -> list[tuple[int, int]]:
    """(start, end) of each personal name in text."""
    words = [
        (form, tag, start, start + len(form))
        for form, tag, start in tokens
        if text[start : start + len(form)] == form
    ]
    spans = []
    i = 0
    while i < len(words):
        form, tag, start, end = words[i]
        j = i + 1
        if tag != "NNP":
            i = j
            continue
        # "최"+"도로", "남궁"+"민수": a surname Kiwi split from the given name, written together.
        if j < len(words) and words[j][2] == end and words[j][1] in ("NNP", "NNG"):
            if (len(form) == 1 and form in SURNAMES) or form in DOUBLE_SURNAMES:
                end = words[j][3]
                j += 1
        if _looks_like_name(text[start:end], j == i + 1) and _said_of_a_person(words, j, end):
            spans.append((start, end))
        i = j
    return spans


def mask_names_many(texts: list[str]) -> list[str]:
    """Each text with the personal names in it masked as mask_name does (김*수). Only texts with
    a word used of people can hold one, and only those are analysed, in one batch (the staff map
    draws up to 2,000 titles; most have no such word)."""
    masked = list(texts)
    candidates = [i for i, text in enumerate(texts) if PERSON_WORD.search(text or "")]
    analysed = analyser.tokenize([texts[i] for i in candidates])
    for i, tokens in zip(candidates, analysed, strict=True):
        text = texts[i]
        for start, end in reversed(_name_spans(text, tokens)):
            text = text[:start] + mask_name(text[start:end]) + text[end:]
        masked[i] = text
    return masked


def public_titles(titles: list[str]) -> list[str]:
    """Case titles for people who do not need to know who is in them (the citizens' "이미 접수된
    민원인가요?" list, the staff map): phone, e-mail and other numbers taken out, names masked."""
    cleaned = [" ".join(without_personal_data(title).split()) for title in titles]
    return mask_names_many(cleaned)

"""From complaints to posts: the recurring questions and complaint themes of recent weeks, for the
media team's desk, and an explainer post drafted from the departments' answers.

The join of the two halves lives here because routing and publishing do not know each other:
routing groups the period's complaints as its similar-case index scores them and finds answered
cases for a theme without answers of its own; publishing takes the drafted text. Grouping a
city's weeks is work for the worker (tasks.refresh_themes); a page reads the stored digest.
Everything stored here is already masked: the desk's viewers never need a citizen's details."""

import datetime as dt
import re
import time
from collections import Counter
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.utils import timezone

from ontong.complaints import privacy
from ontong.complaints.models import Complaint
from ontong.complaints.search import terms_of_many
from ontong.org.models import User
from ontong.publishing import services as publishing
from ontong.publishing.models import THREADS_TEXT_LIMIT, Post
from ontong.routing.nearest import ANSWERED, nearest
from ontong.routing.schedule import enqueue_once
from ontong.routing.similar import DRAFT_MIN_SIMILARITY, theme_groups

from .models import ThemeDigest
from .tasks import refresh_themes

PERIODS = (2, 4, 8)  # weeks
DEFAULT_PERIOD = 4
POST_MIN_CASES = 3  # a theme a post could answer: this many similar cases …
SAME_ANSWER_SHARE = 2 / 3  # … most of them answered by one department
FRESH = dt.timedelta(hours=1)
# A period this small is grouped while the page waits (the demo, a new city); larger ones only by
# the worker (bench/themes.py measured the cost).
GROUP_NOW_LIMIT = 1000
SHOWN_QUESTIONS, SHOWN_ANSWERS, SHOWN_AREAS = 5, 3, 6
SENTENCE = re.compile(r"(?<=[.!?。])\s+|\n+")
# "말씀하신 '…' 건은 …": the citizen's words quoted at the start of an answer's sentence, dropped
# with the words that lead to them; the rest of the sentence says what was done.
QUOTED = re.compile(
    r"^[^'‘“\"]*['‘“\"][^'’”\"]*['’”\"]\s*(?:건은|건에 대해서는|건에 대해|에 대해|관련하여|과 관련해|와 관련해)?\s*"
)
# Sentences that speak to one citizen or repeat their words: never in a public post.
PERSONAL = ("안녕", "감사", "죄송", "귀하", "민원인", "님", "말씀하신", "문의하신", "신청하신",
            "주신", "불편을 드려", "'", "‘", "’", "\"", "“", "”", "*", "[")  # fmt: skip
USEFUL = ("하시면", "바랍니다", "신청", "신고", "문의", "전화", "누리집", "방문", "예정", "조치",
          "완료", "정비", "교체", "수리", "점검", "단속", "수거", "확인할 수")  # fmt: skip


class ThemeError(ValueError):
    """What the desk cannot do with the request, said in Korean."""


# ------------------------------------------------------------------------------ grouping


Row = tuple[int, dt.datetime, list[str]]


# The worker's memo of what it analysed: complaint → (its question text, morphemes). A refresh
# analyses only complaints new or changed since the last one in this process (Kiwi is nearly all of
# a refresh's time: benchmarks.md); it keeps only the longest period's complaints.
ANALYSED: dict[int, tuple[str, list[str]]] = {}


def period_complaints(weeks: int, now: dt.datetime) -> list[Row]:
    """The period's complaints as (pk, received, morphemes of what the citizen wrote), oldest
    first. Not the stored search morphemes: those include the answer, and one department's
    standard answer would make one theme of everything it answered."""
    rows = [
        (pk, received, privacy.without_personal_data(question(title, body)))
        for pk, received, title, body in Complaint.objects.filter(
            received_at__gte=now - dt.timedelta(weeks=weeks)
        )
        .order_by("received_at", "pk")
        .values_list("pk", "received_at", "title", "body")
    ]
    known = {pk: ANALYSED.get(pk) for pk, _at, _text in rows}
    found = {pk: seen[1] for pk, _at, text in rows if (seen := known[pk]) and seen[0] == text}
    new = [(pk, text) for pk, _at, text in rows if pk not in found]
    for (pk, text), docs in zip(new, terms_of_many([text for _pk, text in new]), strict=True):
        ANALYSED[pk], found[pk] = (text, docs), docs
    if weeks == max(PERIODS):
        for pk in ANALYSED.keys() - found.keys():
            ANALYSED.pop(pk, None)
    return [(pk, received, found[pk]) for pk, received, _text in rows]


def question(title: str, body: str) -> str:
    """Title and body, or the body alone when the title is only its beginning (the default)."""
    beginning = title.rstrip("…")
    return body if beginning and body.startswith(beginning) else f"{title}\n{body}"


def compute(
    weeks: int, now: dt.datetime | None = None, analysed: list[Row] | None = None
) -> dict[str, Any]:
    """The period's themes, largest first, as stored in the digest (masked, JSON); from the rows
    of a longer period already analysed when given."""
    now = now or timezone.now()
    since = now - dt.timedelta(weeks=weeks)
    if analysed is None:
        analysed = period_complaints(weeks, now)
    rows = [row for row in analysed if row[1] >= since]
    groups = theme_groups([docs for _pk, _at, docs in rows])
    found = Complaint.objects.select_related("area", "department", "citizen").in_bulk(
        [rows[i][0] for group in groups for i in group.members]
    )
    staff = staff_names()
    themes = [
        describe(
            [found[rows[i][0]] for i in group.members],
            [rows[i][2] for i in group.members],
            staff,
        )
        for group in groups
    ]
    themes.sort(key=lambda theme: (-theme["count"], theme["key"]))
    return {"weeks": weeks, "complaints": len(rows), "themes": themes}


def describe(members: list[Complaint], docs: list[list[str]], staff: set[str]) -> dict[str, Any]:
    """One theme: its words, count, areas, departments and best answers, masked (the names of
    its citizens and of all staff included)."""
    centre = members[0]
    names = citizen_names(members) | staff
    departments = Counter(c.department for c in members if c.department)
    answers = own_answers(members, names) or index_answers(docs[0], names)
    top_department, top_count = departments.most_common(1)[0] if departments else (None, 0)
    return {
        "key": f"c{centre.pk}",
        "label": label_of(docs, question(centre.title, centre.body)),
        "count": len(members),
        "first": min(c.received_at for c in members).date().isoformat(),
        "last": max(c.received_at for c in members).date().isoformat(),
        "areas": [[a.name, n] for a, n in Counter(c.area for c in members if c.area).most_common()],
        "departments": [[d.name, n, d.phone] for d, n in departments.most_common()],
        "questions": list(
            dict.fromkeys(public_text(c.title, names) for c in members[: SHOWN_QUESTIONS * 2])
        )[:SHOWN_QUESTIONS],
        "answers": answers[:SHOWN_ANSWERS],
        "receipts": [c.receipt_no for c in members],
        "could_post": could_answer(len(members), top_count, bool(answers)),
        "top_department": [top_department.name, top_department.phone] if top_department else None,
    }


def could_answer(count: int, top_department_count: int, answered: bool) -> bool:
    """A post could have answered these: enough similar cases, mostly for one department, and an
    answer to build the post from."""
    return (
        count >= POST_MIN_CASES and top_department_count >= SAME_ANSWER_SHARE * count and answered
    )


def label_of(docs: list[list[str]], centre_text: str) -> str:
    """The words most members share (at least two letters), in the centre's order; words written
    as the centre wrote them first (a verb's stem, 꺼지 of 꺼져, reads badly as a label)."""
    shared = Counter(term for doc in docs for term in set(doc) if len(term) >= 2)
    for term in shared:
        shared[term] += len(docs) * (term in centre_text)  # written as is: before any stem
    common = [t for t in docs[0] if shared[t] * 2 >= len(docs)] or docs[0]
    ranked = sorted(common, key=lambda t: -shared[t])[:3]
    return " · ".join(t for t in docs[0] if t in ranked)


def own_answers(members: list[Complaint], names: set[str]) -> list[dict[str, str]]:
    """The answers sent to citizens in this theme, one per department, closest to the centre
    first (members come in that order)."""
    seen, found = set(), []
    for c in members:
        if c.state in ANSWERED and c.answer.strip() and c.department_id not in seen:
            seen.add(c.department_id)
            found.append(answer_of(c.department, c.answer, names))
    return found


def index_answers(centre_terms: list[str], names: set[str]) -> list[dict[str, str]]:
    """For a theme nobody has answered yet: the closest answered cases in the similar-case index
    (past complaints and imported history), masked with their own citizens' names too."""
    cases = [
        c
        for c in nearest(centre_terms, k=SHOWN_ANSWERS)
        if c.similarity >= DRAFT_MIN_SIMILARITY and c.answer.strip()
    ]
    pks = [int(c.key[1:]) for c in cases if c.key.startswith("c")]
    names = names | citizen_names(Complaint.objects.filter(pk__in=pks).select_related("citizen"))
    return [
        {"department": c.department, "phone": "", "text": public_text(c.answer, names)}
        for c in cases
    ]


def answer_of(department, answer: str, names: set[str]) -> dict[str, str]:
    return {
        "department": department.name if department else "",
        "phone": department.phone if department else "",
        "text": public_text(answer, names),
    }


def citizen_names(complaints: Iterable[Complaint]) -> set[str]:
    return {c.citizen.name.strip() for c in complaints if c.citizen and len(c.citizen.name) >= 2}


def staff_names() -> set[str]:
    """Every member of staff's name as an answer may write it (officers sign answers)."""
    names = set()
    for family, given in User.objects.values_list("last_name", "first_name"):
        names |= {family + given, given + family, f"{given} {family}", f"{family} {given}"}
    return {n.strip() for n in names if len(n.strip()) >= 2}


def public_text(text: str, names: set[str]) -> str:
    """Masked as for a viewer who does not handle the case, names included."""
    text = privacy.mask_text(privacy.without_status_tokens(text or ""))
    for name in sorted(names, key=len, reverse=True):
        text = text.replace(name, privacy.mask_name(name))
    return text.strip()


# ------------------------------------------------------------------------------ the digest


def refresh() -> str:
    """Every period's themes computed again and stored (the worker's task); the longest period's
    complaints are analysed once for all."""
    done, now = [], timezone.now()
    analysed = period_complaints(max(PERIODS), now)
    for weeks in PERIODS:
        started = time.monotonic()
        data = compute(weeks, now, analysed)
        seconds = round(time.monotonic() - started, 2)
        ThemeDigest.objects.update_or_create(
            weeks=weeks, defaults={"data": data, "seconds": seconds, "computed_at": timezone.now()}
        )
        done.append(f"{weeks}주 {len(data['themes'])}개 {seconds}초")
    return ", ".join(done)


def stale(digest: ThemeDigest | None) -> bool:
    return digest is None or timezone.now() - digest.computed_at >= FRESH


def digest_for(weeks: int) -> ThemeDigest | None:
    """The stored themes of the period; an old or missing digest asks the worker for a new one,
    and a small city's first one is made at once."""
    digest = ThemeDigest.objects.filter(weeks=weeks).first()
    if not stale(digest):
        return digest
    if digest is None and within_now_limit(weeks):
        refresh()
        return ThemeDigest.objects.filter(weeks=weeks).first()
    enqueue_once("themes", refresh_themes, lambda: True)
    return digest


def within_now_limit(weeks: int) -> bool:
    since = timezone.now() - dt.timedelta(weeks=max(PERIODS))
    return not Complaint.objects.filter(received_at__gte=since)[GROUP_NOW_LIMIT:].exists()


def theme_of(weeks: int, key: str) -> tuple[dict[str, Any], ThemeDigest]:
    digest = ThemeDigest.objects.filter(weeks=weeks).first()
    found = [t for t in digest.data["themes"] if t["key"] == key] if digest else []
    if digest is None or not found:
        raise ThemeError(
            "그 주제를 찾지 못했습니다. 주제 목록이 새로 계산되었을 수 있으니 다시 골라 주세요."
        )
    return found[0], digest


# ------------------------------------------------------------------------------ the draft


def sentences(text: str) -> list[str]:
    return [s.strip() for s in SENTENCE.split(text or "") if s.strip()]


def explainer_sentences(theme: dict[str, Any]) -> list[str]:
    """The clearest answer sentences: none addressed to one citizen or carrying their words or
    masked details; those saying what is done or what to do first, in their answers' order."""
    words = theme["label"].split(" · ")
    found: list[tuple[int, int, str]] = []
    for answer in theme["answers"]:
        for s in sentences(answer["text"]):
            s = QUOTED.sub("", s)
            if any(p in s for p in PERSONAL) or privacy.contains_personal_data(s) or len(s) < 8:
                continue
            score = sum(w in s for w in words) + sum(u in s for u in USEFUL)
            found.append((score, len(found), s))
    best = sorted(found, key=lambda f: (-f[0], f[1]))[:4]
    return list(dict.fromkeys(s for _score, _order, s in sorted(best, key=lambda f: f[1])))


def draft_text(theme: dict[str, Any], weeks: int) -> str:
    """An explainer in the city's voice, within every platform's limit (Threads' 500 is the
    smallest), with no citizen's data: the department's public phone, not an officer's."""
    areas = "·".join(name for name, _n in theme["areas"][:3])
    where = f"{areas} 등에서 " if areas else ""
    head = (
        f"[자주 묻는 민원] {theme['label']}\n"
        f"최근 {weeks}주 동안 {where}비슷한 민원이 {theme['count']}건 들어왔습니다. "
        f"시의 답변을 모아 알려 드립니다."
    )
    department, phone = theme["top_department"] or [theme["answers"][0]["department"], ""]
    contact = f"문의: {department}" + (f" ☎ {phone}" if phone else "") if department else ""
    tail = "\n".join(
        p
        for p in (
            contact,
            f"같은 불편이 있으면 {settings.CITY_NAME} 누리집·카카오톡으로 알려 주세요.",
        )
        if p
    )
    body = [f"• {s}" if len(s) <= 200 else f"• {s[:199]}…" for s in explainer_sentences(theme)]
    while True:
        text = "\n\n".join(p for p in (head, "\n".join(body), tail) if p)
        if publishing.threads_length(text) <= THREADS_TEXT_LIMIT or not body:
            return text
        body.pop()


def make_draft(user, weeks: int, key: str) -> Post:
    theme, digest = theme_of(weeks, key)
    if not theme["answers"]:
        raise ThemeError("이 주제에는 아직 시민에게 보낸 답변이 없어 초안을 만들 수 없습니다.")
    return publishing.draft_post(
        user,
        title=f"자주 묻는 민원: {theme['label']}"[:120],
        text=draft_text(theme, weeks),
        origin={
            "theme": theme["label"],
            "key": key,
            "weeks": weeks,
            "count": theme["count"],
            "receipts": theme["receipts"],
            "computed_at": digest.computed_at.isoformat(),
        },
    )

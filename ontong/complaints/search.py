"""Korean-aware search: index and query are both reduced to content morphemes with Kiwi,
so "가로등이" finds "가로등" and "고장났어요" finds "고장"."""

import re
import unicodedata
from collections.abc import Iterable
from functools import reduce
from operator import and_

from django.db import connection
from django.db.models import BooleanField, Q
from django.db.models.expressions import RawSQL

from . import analyser, privacy

# Nouns, verb/adjective stems, roots, foreign words, numbers: what a person searches for.
CONTENT_TAGS = ("NN", "NR", "NP", "VV", "VA", "XR", "SL", "SN", "SH", "MAG")
MAX_INDEXED_CHARS = 20_000


def normalise(text: str) -> str:
    return re.sub(r"\s+", " ", unicodedata.normalize("NFKC", text or "")).strip()


def terms(text: str) -> list[str]:
    """Distinct content morphemes, in order of first appearance."""
    return terms_of_many([text])[0]


def terms_of_many(texts: list[str]) -> list[list[str]]:
    """terms() of each text, analysed in one call."""
    texts = [normalise(text)[:MAX_INDEXED_CHARS] for text in texts]
    analysed = iter(analyser.tokenize([text for text in texts if text]))
    found = []
    for text in texts:
        seen: dict[str, None] = {}
        for form, tag, _start in next(analysed) if text else []:
            if tag.startswith(CONTENT_TAGS):
                seen.setdefault(form.lower(), None)
        found.append(list(seen))
    return found


def stored_terms(search_text: str) -> list[str]:
    """The morphemes index_text() stored on its first line."""
    return (search_text or "").split("\n", 1)[0].split()


def index_text(*parts: str) -> str:
    """What is stored in Complaint.search_text: morphemes surrounded by spaces, plus the raw text,
    both without contact details (they are masked for most viewers, so they must not be findable)."""
    raw = " ".join(distinct_parts(normalise(privacy.without_personal_data(p)) for p in parts))
    return f" {' '.join(terms(raw))} \n{raw.lower()}"


def distinct_parts(parts: Iterable[str]) -> list[str]:
    """The parts without repeats: a title made from the body is the body's beginning (cut with
    "…", which NFKC makes three dots), and analysing it again cost Kiwi half its time at intake.
    A title of its own stays even when its words are in the body: Kiwi may split the body's
    "주차장" where the title says "주차"."""
    texts = [part for part in parts if part]
    return [
        part
        for i, part in enumerate(texts)
        if part not in texts[:i] and not any(is_cut_beginning(part, other) for other in texts)
    ]


def is_cut_beginning(part: str, of: str) -> bool:
    for cut in ("...", "…"):
        if part.endswith(cut) and part != of:
            return of.startswith(part.removesuffix(cut).rstrip())
    return False


# Receipt numbers (2026-000123) and other codes: matched against receipt_no as well.
CODE_LIKE = re.compile(r"^[0-9A-Za-z-]+$")
# search_vector: a generated column, to_tsvector('simple', search_text) (migration 0006).
POSTGRES_MATCH = (
    '"complaints_complaint"."search_vector" @@ plainto_tsquery(\'simple\'::regconfig, %s)'
)
# The unary + keeps SQLite from looking up every match by id and sorting them: for a common word
# (45,000 of 100,000) it walks the newest complaints instead and stops at a page (68 → 8 ms;
# a rare word costs a few ms more). bench/scale.py.
SQLITE_MATCH = (
    '+"complaints_complaint"."id" IN '
    "(SELECT rowid FROM complaints_complaint_fts WHERE complaints_complaint_fts MATCH %s)"
)


def search_filter(query: str) -> Q:
    """Every query morpheme must be one of the complaint's morphemes, looked up in the database's
    full-text index (migrations 0005, 0006); a code also matches receipt numbers; a query without
    morphemes falls back to a substring of the text."""
    query = normalise(query)
    words = terms(query)
    found = morphemes_match(words) if words else Q(search_text__contains=query.lower())
    return found | Q(receipt_no__icontains=query) if CODE_LIKE.match(query) else found


def morphemes_match(words: list[str]) -> Q:
    if connection.vendor == "postgresql":
        return Q(RawSQL(POSTGRES_MATCH, [" ".join(words)], output_field=BooleanField()))  # noqa: S611 - fixed SQL, words as a parameter
    if connection.vendor == "sqlite":
        quoted = " AND ".join('"' + w.replace('"', '""') + '"' for w in words)
        return Q(RawSQL(SQLITE_MATCH, [quoted], output_field=BooleanField()))  # noqa: S611 - fixed SQL, words as a parameter
    return reduce(and_, (Q(search_text__contains=f" {w} ") for w in words))

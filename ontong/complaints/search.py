"""Korean-aware search: index and query are both reduced to content morphemes with Kiwi,
so "가로등이" finds "가로등" and "고장났어요" finds "고장"."""

import re
import unicodedata
from functools import reduce
from operator import and_

from django.db.models import Q

from . import analyser

# Nouns, verb/adjective stems, roots, foreign words, numbers: what a person searches for.
CONTENT_TAGS = ("NN", "NR", "NP", "VV", "VA", "XR", "SL", "SN", "SH", "MAG")
MAX_INDEXED_CHARS = 20_000


def normalise(text: str) -> str:
    return re.sub(r"\s+", " ", unicodedata.normalize("NFKC", text or "")).strip()


def terms(text: str) -> list[str]:
    """Distinct content morphemes, in order of first appearance."""
    text = normalise(text)[:MAX_INDEXED_CHARS]
    if not text:
        return []
    seen: dict[str, None] = {}
    for form, tag, _start in analyser.tokenize([text])[0]:
        if tag.startswith(CONTENT_TAGS):
            seen.setdefault(form.lower(), None)
    return list(seen)


def index_text(*parts: str) -> str:
    """What is stored in Complaint.search_text: morphemes surrounded by spaces, plus the raw text."""
    raw = normalise(" ".join(p for p in parts if p))
    return f" {' '.join(terms(raw))} \n{raw.lower()}"


def search_filter(query: str) -> Q:
    """Every query morpheme must appear; a query with no morphemes falls back to a substring."""
    query = normalise(query)
    words = terms(query) or [query.lower()]
    return reduce(and_, (Q(search_text__contains=w) | Q(receipt_no__icontains=w) for w in words))

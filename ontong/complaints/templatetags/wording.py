"""Filters for the citizen notices (notices/*.txt): particles that follow the word before them,
and values shortened at a word boundary so no word or particle is cut in half."""

from django import template

from ontong.korean import with_josa

register = template.Library()
ELLIPSIS = "…"


@register.filter
def josa(word: object, particle: str) -> str:
    """{{ receipt_no|josa:"은" }} → "2026-000051은"; after a shortened value the particle
    follows the last word kept ("도로관리…과" is read as its last syllable)."""
    return with_josa(word, particle)


@register.filter
def fit(value: object, width: int) -> str:
    """At most `width` characters: cut after the last whole word that fits, with "…"."""
    return shorten(str(value or ""), int(width))


def shorten(text: str, width: int) -> str:
    text = " ".join(text.split())
    if len(text) <= width:
        return text
    room = text[: width - len(ELLIPSIS)]
    cut = room.rfind(" ")
    # One very long word (a department name without spaces) is cut where it must be.
    kept = room[:cut] if cut > width // 2 else room
    return kept.rstrip(" ,·/-") + ELLIPSIS

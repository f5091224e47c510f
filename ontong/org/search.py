"""Finding a department by what a person types: 초성 ("ㄷㄹ" → 도로과), part of a name ("도로"),
or both ("도ㄹ"), spaces and letter case ignored; and the picker's grouping by 국/실.

Hangul syllables are decomposed by their Unicode arithmetic (U+AC00 + (초성×21 + 중성)×28 + 종성);
no library is needed for three lines, and the jamo libraries on PyPI do not rank or group.
"""

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy as _

from .models import Department

FIRST_SYLLABLE, LAST_SYLLABLE = 0xAC00, 0xD7A3
CHOSEONG = "ㄱㄲㄴㄷㄸㄹㅁㅂㅃㅅㅆㅇㅈㅉㅊㅋㅌㅍㅎ"
# 종성 in their order; only the single consonants that can also begin a syllable are listed, the
# clusters (ㄳ, ㄺ…) are "" because an unfinished syllable ending in one is not split (see below).
JONGSEONG = [
    "", "ㄱ", "ㄲ", "", "ㄴ", "", "", "ㄷ", "ㄹ", "", "", "", "", "", "", "",
    "ㅁ", "ㅂ", "", "ㅅ", "ㅆ", "ㅇ", "ㅈ", "ㅊ", "ㅋ", "ㅌ", "ㅍ", "ㅎ",
]  # fmt: skip
PER_INITIAL, PER_MEDIAL = 21 * 28, 28


def decompose(char: str) -> tuple[int, int, int] | None:
    """(초성, 중성, 종성) indexes of a Hangul syllable, None for anything else."""
    code = ord(char) - FIRST_SYLLABLE
    if not 0 <= code <= LAST_SYLLABLE - FIRST_SYLLABLE:
        return None
    return code // PER_INITIAL, code % PER_INITIAL // PER_MEDIAL, code % PER_MEDIAL


def initial(char: str) -> str:
    parts = decompose(char)
    return CHOSEONG[parts[0]] if parts else char


def initials(text: str) -> str:
    """ "도로과" → "ㄷㄹㄱ"; other characters are kept."""
    return "".join(initial(char) for char in text)


# Leading jamo (U+1100…) in the same order as CHOSEONG: what NFD text pasted from elsewhere holds.
CONJOINING_CHOSEONG = {chr(0x1100 + i): jamo for i, jamo in enumerate(CHOSEONG)}


def normalise(text: str) -> str:
    """Spaces, letter case and invisible characters (a zero-width space or control character
    pasted along with a name) do not matter; leading jamo count as the 초성 they are."""
    text = unicodedata.normalize("NFC", text).casefold()
    return "".join(
        CONJOINING_CHOSEONG.get(char, char)
        for char in text
        if not char.isspace() and unicodedata.category(char) not in ("Cc", "Cf")
    )


def same_char(typed: str, char: str, last: bool) -> bool:
    if typed in CHOSEONG:
        return initial(char) == typed
    if typed == char:
        return True
    # The last syllable may still be being typed: "도" is on its way to "독" or "돈".
    mine, theirs = decompose(typed), decompose(char)
    return bool(last and mine and theirs and mine[2] == 0 and mine[:2] == theirs[:2])


def readings(query: str) -> list[str]:
    """What the query may mean while the input method is still composing: "돌" typed on the way
    to "도로" is also "도" + "ㄹ"."""
    found = [query]
    parts = decompose(query[-1]) if query else None
    if parts and JONGSEONG[parts[2]]:
        bare = chr(FIRST_SYLLABLE + parts[0] * PER_INITIAL + parts[1] * PER_MEDIAL)
        found.append(query[:-1] + bare + JONGSEONG[parts[2]])
    return found


def first_match(typed: str, name: str) -> int | None:
    last = len(typed) - 1
    for start in range(len(name) - len(typed) + 1):
        window = name[start : start + len(typed)]
        if all(
            same_char(t, c, i == last) for i, (t, c) in enumerate(zip(typed, window, strict=True))
        ):
            return start
    return None


def position(query: str, name: str) -> int | None:
    """Where in name the (normalised) query matches first, under any of its readings; or None."""
    found = [at for typed in readings(query) if (at := first_match(typed, name)) is not None]
    return min(found, default=None)


def match_rank(query: str, name: str, aliases: Sequence[str] = ()) -> int | None:
    """0: the name begins with the query, 1: it has it inside, 2: a former name (alias) has it;
    None: no match. An empty query matches everything at rank 0."""
    typed = normalise(query)
    if not typed:
        return 0
    at = position(typed, normalise(name))
    if at is not None:
        return 0 if at == 0 else 1
    if any(position(typed, normalise(alias)) is not None for alias in aliases):
        return 2
    return None


@dataclass
class Group:
    label: str
    key: str
    departments: list = field(default_factory=list)


def top_of(dept: Department, by_pk: dict) -> Department:
    node, seen = dept, set()
    while node.parent_id and node.parent_id in by_pk and node.pk not in seen:
        seen.add(node.pk)
        node = by_pk[node.parent_id]
    return node


def group_key(dept: Department, by_pk: dict) -> tuple[str, str]:
    """(key, label): a department belongs to the 국/실 (or 사업소) above it; 읍면동 offices and
    the ones directly under the mayor (담당관 and the like) form groups of their own."""
    top = top_of(dept, by_pk)
    if top.kind in (Department.Kind.BUREAU, Department.Kind.AGENCY):
        return f"top-{top.pk}", top.name
    if top.kind == Department.Kind.EMD:
        return "emd", str(_("읍면동 행정복지센터"))
    return "direct", str(_("담당관·직속 부서"))


def search_departments(query: str, departments: list[Department]) -> list[Department]:
    """The departments matching query, best first (rank, then the catalogue's order)."""
    ranked = []
    for order, dept in enumerate(departments):
        rank = match_rank(query, dept.name, dept.alias_list())
        if rank is not None:
            ranked.append((rank, order, dept))
    return [dept for _rank, _order, dept in sorted(ranked, key=lambda row: row[:2])]


def grouped(found: list[Department], everyone: list[Department]) -> list[Group]:
    """found (in its order) put into groups by 국/실; a group comes where its first member does."""
    by_pk = {dept.pk: dept for dept in everyone}
    groups: dict[str, Group] = {}
    for dept in found:
        key, label = group_key(dept, by_pk)
        groups.setdefault(key, Group(label, key)).departments.append(dept)
    return list(groups.values())

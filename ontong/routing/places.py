"""Finding 읍면동 and 법정동/리 in complaint text, from the official code tables in the city's fixture."""

import json
import re
from dataclasses import dataclass
from functools import lru_cache

from ontong.org.models import Area
from ontong.org.services import FIXTURE
from ontong.tasks_queue import batch_memo

SUFFIX = re.compile(r"(읍|면|동|리)$")


@dataclass(frozen=True)
class PlaceMatch:
    text: str
    area_id: int | None
    candidates: tuple[str, ...]  # when ambiguous: what it might be

    @property
    def ambiguous(self) -> bool:
        return self.area_id is None


@lru_cache(maxsize=1)
def ambiguous_names() -> dict[str, list[str]]:
    names: dict[str, list[str]] = json.loads(FIXTURE.read_text(encoding="utf-8")).get(
        "ambiguous_place_names", {}
    )
    return names


def gazetteer() -> dict[str, set[int]]:
    """Name → areas it may mean; full names (해미면, 읍내리) and bare stems of 읍·면 (해미).
    Read once per worker batch (tasks_queue.batch), else every time."""
    names: dict[str, set[int]] = batch_memo("routing-gazetteer", read_gazetteer)
    return names


def read_gazetteer() -> dict[str, set[int]]:
    names: dict[str, set[int]] = {}
    for area in Area.objects.all():
        names.setdefault(area.name, set()).add(area.pk)
        if area.kind in {"읍", "면"}:
            names.setdefault(SUFFIX.sub("", area.name), set()).add(area.pk)
        for unit in area.legal_units or []:
            names.setdefault(unit["name"], set()).add(area.pk)
    return names


def find_places(text: str) -> list[PlaceMatch]:
    text = text or ""
    found: list[PlaceMatch] = []
    ambiguous = ambiguous_names()
    for name, areas in sorted(gazetteer().items(), key=lambda item: -len(item[0])):
        if len(name) < 2 or name not in text:
            continue
        if any(name in m.text for m in found):
            continue  # "해미" inside an already found "해미면"
        stem = SUFFIX.sub("", name)
        if len(areas) > 1 or (stem in ambiguous and name == stem):
            found.append(PlaceMatch(name, None, tuple(ambiguous.get(stem, []))))
        else:
            found.append(PlaceMatch(name, next(iter(areas)), ()))
    return found


def resolved_area(text: str) -> int | None:
    """The one area the text clearly names, or None when there is none or it is ambiguous."""
    areas = {m.area_id for m in find_places(text) if not m.ambiguous}
    return areas.pop() if len(areas) == 1 else None

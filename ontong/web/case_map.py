"""What the staff map draws: each open case with a location as a point (title without personal data, state,
department, its first photo), and the count per 읍면동 for the cases the boundaries can hold."""

from collections import Counter
from dataclasses import dataclass, field

from django.db.models import Count
from django.urls import reverse

from ontong import geo
from ontong.complaints import privacy
from ontong.complaints.models import Attachment
from ontong.org.models import Area

MAX_POINTS = 2000  # beyond this the map says so and the list is the place


@dataclass
class MapPoints:
    cases: list[dict] = field(default_factory=list)
    capped: bool = False
    areas: list[dict] = field(default_factory=list)
    unplaced: int = 0  # neither a location nor a 읍면동


def points(queryset) -> MapPoints:
    result = MapPoints()
    placed = queryset.filter(latitude__isnull=False, longitude__isnull=False)
    rows = list(
        placed.select_related("department", "area").order_by("-received_at")[: MAX_POINTS + 1]
    )
    result.capped = len(rows) > MAX_POINTS
    rows = rows[:MAX_POINTS]
    photos = first_photos([c.pk for c in rows])
    titles = privacy.public_titles([c.title for c in rows])
    for c, title in zip(rows, titles, strict=True):
        photo = photos.get(c.pk)
        result.cases.append(
            {
                "no": c.receipt_no,
                "title": title,
                "state": c.get_state_display(),
                "department": c.department.name if c.department else "",
                "area": c.area.name if c.area else "",
                "received": c.received_at.date().isoformat(),
                "lat": float(c.latitude),
                "lng": float(c.longitude),
                "url": reverse("web:detail", args=[c.receipt_no]),
                "photo": reverse("web:attachment", args=[c.receipt_no, photo]) if photo else "",
            }
        )
    by_area = (
        queryset.filter(area__isnull=False).order_by().values("area__name").annotate(n=Count("pk"))
    )
    counts = Counter({row["area__name"]: row["n"] for row in by_area})
    # A case with a pin and no 읍면동 counts where its pin is (the boundary file).
    pinned = queryset.filter(area__isnull=True, latitude__isnull=False, longitude__isnull=False)
    unplaced = queryset.filter(area__isnull=True, latitude__isnull=True).count()
    for lat, lng in pinned.values_list("latitude", "longitude")[:MAX_POINTS]:
        name = geo.area_name_at(float(lat), float(lng))
        if name:
            counts[name] += 1
        else:
            unplaced += 1
    pks = dict(Area.objects.filter(name__in=counts).values_list("name", "pk"))
    result.areas = [
        {"pk": pks.get(name), "name": name, "n": n}
        for name, n in sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    ]
    result.unplaced = unplaced
    return result


def first_photos(complaint_ids: list[int]) -> dict[int, int]:
    """complaint id → the id of its first stored photo."""
    found: dict[int, int] = {}
    rows = (
        Attachment.objects.filter(complaint_id__in=complaint_ids)
        .exclude(file="")
        .order_by("complaint_id", "pk")
        .values_list("complaint_id", "pk")
    )
    for complaint_id, pk in rows:
        found.setdefault(complaint_id, pk)
    return found

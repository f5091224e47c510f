"""What the staff map draws: each open case with a location as a point (title masked, state,
department, its first photo), and the count per 읍면동 for the cases the boundaries can hold."""

from dataclasses import dataclass, field

from django.db.models import Count
from django.urls import reverse

from ontong.complaints import privacy
from ontong.complaints.models import Attachment

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
    for c in rows:
        photo = photos.get(c.pk)
        result.cases.append(
            {
                "no": c.receipt_no,
                "title": privacy.mask_text(c.title),
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
    counts = (
        queryset.filter(area__isnull=False)
        .values("area__pk", "area__name")
        .annotate(n=Count("pk"))
        .order_by("-n", "area__name")
    )
    result.areas = [{"pk": r["area__pk"], "name": r["area__name"], "n": r["n"]} for r in counts]
    result.unplaced = queryset.filter(area__isnull=True, latitude__isnull=True).count()
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

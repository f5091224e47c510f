"""The demo's cases carry pins inside their 읍면동, so the staff map shows something."""

import pytest


@pytest.mark.django_db
def test_demo_cases_put_pins_inside_their_읍면동(city):
    from ontong import geo
    from ontong.complaints.models import Complaint
    from ontong.devtools.demo import create_complaints, create_staff

    create_staff()
    create_complaints(count=12)
    pinned = Complaint.objects.filter(latitude__isnull=False)
    assert 6 <= pinned.count() <= 8  # two in three
    for c in pinned.select_related("area"):
        assert geo.area_name_at(float(c.latitude), float(c.longitude)) == c.area.name

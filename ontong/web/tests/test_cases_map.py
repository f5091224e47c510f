"""지도: the open cases a person may see, on the map by location or by 읍면동, with the list's filters."""

import json
import re
from decimal import Decimal

import pytest

from ontong.channels.web.tests.test_intake import photo
from ontong.complaints.workflow import perform
from ontong.images import clean_image
from ontong.org.models import Area, Department

pytestmark = pytest.mark.django_db


def map_data(page: str, name: str):
    found = re.search(rf'<script id="{name}" type="application/json">(.*?)</script>', page, re.S)
    assert found, f"no {name} data on the page"
    return json.loads(found.group(1))


@pytest.fixture
def cases(new_complaint, staff):
    haemi = Area.objects.get(name="해미면")
    road = Department.objects.get(name="도로과")
    pothole = new_complaint(
        "해미읍성 앞 포트홀 010-1234-5678",
        title="김철수씨 가게 앞 포트홀 010-1234-5678",
        area=haemi,
        latitude=Decimal("36.7135"),
        longitude=Decimal("126.5488"),
        files=[clean_image(photo().read(), "photo-1")],
    )
    perform(pothole, "assign", staff["triage"], department=road)
    lamp = new_complaint(
        "가로등", area=haemi, latitude=Decimal("36.78"), longitude=Decimal("126.45")
    )
    unplaced = new_complaint("어딘지 모르는 민원")
    done = new_complaint("끝난 민원", latitude=Decimal("36.7"), longitude=Decimal("126.5"))
    perform(done, "withdraw", staff["triage"], reason="시민 요청")
    return {"pothole": pothole, "lamp": lamp, "unplaced": unplaced, "done": done}


def test_map_shows_open_cases_with_photo_and_title_without_name_or_phone(client, staff, cases):
    client.force_login(staff["triage"])
    response = client.get("/map/")
    page = response.content.decode()
    assert response.status_code == 200 and 'data-testid="map-link"' in page
    points = {p["no"]: p for p in map_data(page, "map-points")}
    assert set(points) == {cases["pothole"].receipt_no, cases["lamp"].receipt_no}
    pothole = points[cases["pothole"].receipt_no]
    assert pothole["title"] == "김*수씨 가게 앞 포트홀"
    assert pothole["photo"].startswith(f"/complaints/{cases['pothole'].receipt_no}/attachments/")
    assert client.get(pothole["photo"]).status_code == 200
    assert pothole["department"] == "도로과" and pothole["lat"] == pytest.approx(36.7135)
    areas = map_data(page, "map-areas")
    assert areas[0]["name"] == "해미면" and areas[0]["n"] == 2
    assert "markercluster" in page and "seosan-emd" in page


def test_map_takes_the_lists_filters_and_an_officer_sees_only_their_department(
    client, staff, cases
):
    client.force_login(staff["triage"])
    page = client.get(
        "/map/", {"department": Department.objects.get(name="도로과").pk}
    ).content.decode()
    assert [p["no"] for p in map_data(page, "map-points")] == [cases["pothole"].receipt_no]
    page = client.get("/map/", {"state": "withdrawn"}).content.decode()
    assert [p["no"] for p in map_data(page, "map-points")] == [cases["done"].receipt_no]
    page = client.get("/map/", {"view": "areas"}).content.decode()
    assert 'data-view="areas"' in page and "위치·읍면동 모름" in page


def test_a_pin_without_a_읍면동_counts_where_the_boundary_file_puts_it(
    client, staff, new_complaint
):
    new_complaint("동문동 앞 불법 주차", latitude=Decimal("36.7800"), longitude=Decimal("126.4600"))
    new_complaint("바다 위", latitude=Decimal("36.9000"), longitude=Decimal("126.1000"))
    client.force_login(staff["triage"])
    page = client.get("/map/", {"view": "areas"}).content.decode()
    counts = {a["name"]: a["n"] for a in map_data(page, "map-areas")}
    assert sum(counts.values()) == 1 and len(counts) == 1
    assert re.search(r"위치·읍면동 모름</td><td>1<", page)

    client.force_login(staff["traffic"])
    page = client.get("/map/").content.decode()
    assert map_data(page, "map-points") == []


def test_case_page_shows_the_chosen_location_on_a_small_map(client, staff, cases):
    client.force_login(staff["road"])
    page = client.get(f"/complaints/{cases['pothole'].receipt_no}/").content.decode()
    assert 'data-testid="case-map"' in page and 'data-pin-lat="36.713500"' in page
    page = client.get(f"/complaints/{cases['lamp'].receipt_no}/")
    assert page.status_code == 404  # not 도로과's case


def test_map_needs_a_case_role(client, staff):
    client.force_login(staff["pr"])
    assert client.get("/map/").status_code == 404

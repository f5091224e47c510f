"""Crafted query parameters on staff lists and reports: never a 500 (issue 14 item 10)."""

import pytest

pytestmark = pytest.mark.django_db

HOSTILE_DATES = [
    "0001-01-01",
    "9999-12-31",
    "1-01-01",
    "2026-13-45",
    "not-a-date",
    "-2026-01-01",
    "99999999999999999999",
    "2026-01-01\x00",
]
HOSTILE_PAGES = ["99999999999999999999", "-1", "0", "1e9", "abc", "9" * 400, "2147483648"]
LISTS = ["/inbox/", "/queue/", "/complaints/", "/overdue/"]


@pytest.fixture
def admin_client(client, staff, new_complaint):
    new_complaint("읍내동 가로등이 꺼졌어요.")
    client.force_login(staff["admin"])
    return client


@pytest.mark.parametrize("url", LISTS)
@pytest.mark.parametrize("name", ["date_from", "date_to"])
@pytest.mark.parametrize("value", HOSTILE_DATES)
def test_list_dates_out_of_range_are_refused_in_korean(admin_client, url, name, value):
    response = admin_client.get(url, {name: value})
    assert response.status_code == 400
    assert "날짜" in response.content.decode()


@pytest.mark.parametrize("url", LISTS)
@pytest.mark.parametrize("value", HOSTILE_PAGES)
@pytest.mark.parametrize("q", ["", "가로등"])
def test_list_pages_out_of_range_are_clamped(admin_client, url, value, q):
    response = admin_client.get(url, {"page": value, "q": q})
    assert response.status_code == 200


@pytest.mark.parametrize("name", ["start", "end"])
@pytest.mark.parametrize("value", HOSTILE_DATES)
def test_report_dates_out_of_range_are_refused_in_korean(admin_client, name, value):
    response = admin_client.get("/reports/", {name: value})
    assert response.status_code == 400
    assert "날짜" in response.content.decode()
    export = admin_client.get("/reports/", {name: value, "export": "xlsx"})
    assert export.status_code == 400


def test_sensible_dates_still_work(admin_client):
    assert admin_client.get("/complaints/", {"date_from": "2026-01-01"}).status_code == 200
    assert (
        admin_client.get("/reports/", {"start": "2025-01-01", "end": "2026-12-31"}).status_code
        == 200
    )


HOSTILE_VALUES = [
    "99999999999999999999",
    "-1",
    "1e309",
    "0x10",
    "가" * 300,
    "\x00",
    "<script>alert(1)</script>",
    "[]",
]
LIST_PARAMS = ["q", "state", "department", "channel", "area", "overdue", "notice_problem", "export"]


@pytest.mark.parametrize("url", LISTS)
@pytest.mark.parametrize("name", LIST_PARAMS)
@pytest.mark.parametrize("value", HOSTILE_VALUES)
def test_every_list_parameter_refuses_or_ignores_junk(admin_client, url, name, value):
    response = admin_client.get(url, {name: value})
    assert response.status_code in {200, 400}
    assert "<script>alert(1)</script>" not in response.content.decode()


@pytest.mark.parametrize("value", HOSTILE_VALUES)
def test_report_export_parameter_junk(admin_client, value):
    assert admin_client.get("/reports/", {"export": value}).status_code == 200

"""The 배정 picker's server side: the htmx search endpoint, who may use it, recent departments
first and the top suggestion preselected (the browser side: test_department_picker_browser.py)."""

import re

import pytest

from ontong.complaints.models import Event, State
from ontong.complaints.services import recent_departments
from ontong.complaints.workflow import perform
from ontong.org.models import Department

pytestmark = pytest.mark.django_db


def dept(name):
    return Department.objects.get(name=name)


def options_url(complaint, query=""):
    return f"/complaints/{complaint.receipt_no}/departments/?q={query}"


def groups_in(html: str) -> list[tuple[str, list[str]]]:
    """(group label, option names) as a screen reader meets them."""
    found = []
    for block in re.findall(r'<ul role="group".*?</ul>', html, re.S):
        match = re.search(r'class="picker-group">([^<]+)<', block)
        assert match is not None, block
        label = match.group(1)
        found.append((label, re.findall(r'data-name="([^"]+)"', block)))
    return found


def test_typing_initials_returns_matching_departments_grouped_by_bureau(
    client, staff, new_complaint
):
    complaint = new_complaint()
    client.force_login(staff["triage"])
    response = client.get(options_url(complaint, "ㄷㄹ"), headers={"HX-Request": "true"})
    assert response.status_code == 200
    html = response.content.decode()
    assert groups_in(html) == [("건설교통국", ["도로과", "도로관리팀", "도로보수팀"])]
    assert f'role="option" id="picker-dept-{dept("도로과").pk}"' in html
    assert re.search(r'id="picker-status" hx-swap-oob="innerHTML">\s*부서 3곳', html)


def test_a_partial_name_spans_bureaus_and_nothing_found_says_so(client, staff, new_complaint):
    complaint = new_complaint()
    client.force_login(staff["triage"])
    found = groups_in(client.get(options_url(complaint, "관리")).content.decode())
    assert found == [("건설교통국", ["주차관리팀", "도로관리팀"]), ("환경녹지국", ["맑은물관리과"])]
    empty = client.get(options_url(complaint, "없는부서")).content.decode()
    assert groups_in(empty) == [] and "맞는 부서가 없습니다." in empty


def test_only_those_who_may_assign_or_reassign_this_case_get_options(client, staff, new_complaint):
    received = new_complaint()
    assigned = perform(new_complaint(), "assign", staff["triage"], department=dept("도로과"))
    allowed = [("triage", received), ("admin", received), ("road_mgr", assigned)]
    refused = [("road", received), ("pr", received), ("road", assigned), ("traffic_mgr", assigned)]
    for username, complaint in allowed:
        client.force_login(staff[username])
        assert client.get(options_url(complaint)).status_code == 200, username
    for username, complaint in refused:
        client.force_login(staff[username])
        assert client.get(options_url(complaint)).status_code == 404, username
    client.logout()
    response = client.get(options_url(received))
    assert response.status_code == 302 and "/login/" in response.url


def test_this_persons_recent_departments_come_first(client, staff, new_complaint):
    triage, admin = staff["triage"], staff["admin"]
    perform(new_complaint(), "assign", triage, department=dept("교통과"))
    perform(new_complaint(), "assign", triage, department=dept("도로과"))
    perform(new_complaint(), "assign", admin, department=dept("세정과"))  # someone else's
    complaint = new_complaint()
    client.force_login(triage)
    everything = groups_in(client.get(options_url(complaint)).content.decode())
    assert everything[0] == ("최근 배정한 부서", ["도로과", "교통과"])
    assert everything[1][0] == "자치행정국"
    assert "도로과" in dict(everything)["건설교통국"]  # still in its own group too
    filtered = groups_in(client.get(options_url(complaint, "도로")).content.decode())
    assert filtered[0] == ("최근 배정한 부서", ["도로과"])


def test_a_recent_department_since_reorganised_is_offered_as_its_successor(staff, new_complaint):
    perform(new_complaint(), "assign", staff["triage"], department=dept("세정과"))
    Department.objects.filter(name="세정과").update(is_active=False, replaced_by=dept("징수과"))
    assert [d.name for d in recent_departments(staff["triage"])] == ["징수과"]


def test_the_complaint_page_preselects_the_top_suggestion_in_both_forms(
    client, staff, new_complaint
):
    from ontong.routing.models import RoutingRule

    RoutingRule.objects.create(name="가로등", keywords="가로등", department=dept("도로과"))
    complaint = new_complaint("읍내동 사거리 가로등이 꺼졌어요.")
    client.force_login(staff["triage"])
    html = client.get(f"/complaints/{complaint.receipt_no}/").content.decode()
    road = dept("도로과").pk
    # Without script: the plain select, grouped, the suggestion selected.
    assert re.search(rf'<optgroup label="건설교통국">.*?<option value="{road}" selected>', html)
    # With script: the combobox shows it and the select (the submitted field) holds it.
    assert 'role="combobox"' in html and 'value="도로과"' in html
    assert 'aria-controls="picker-list"' in html and 'role="listbox"' in html


def test_the_fallback_select_assigns_through_the_workflow(client, staff, new_complaint):
    complaint = new_complaint()
    client.force_login(staff["triage"])
    response = client.post(
        f"/complaints/{complaint.receipt_no}/act/assign/", {"department": dept("도로과").pk}
    )
    assert response.status_code == 302
    complaint.refresh_from_db()
    assert complaint.state == State.ASSIGNED and complaint.department.name == "도로과"
    event = Event.objects.get(complaint=complaint, action="assign")
    assert event.actor == staff["triage"]


def test_the_picker_reads_in_english_when_chosen(client, staff, new_complaint):
    complaint = new_complaint()
    client.force_login(staff["triage"])
    client.cookies["django_language"] = "en"
    html = client.get(options_url(complaint, "ㄷㄹ")).content.decode()
    assert "3 departments" in html
    page = client.get(f"/complaints/{complaint.receipt_no}/").content.decode()
    assert "Choose a department from the list." in page and "Offices under the mayor" in page


def test_each_suggestion_assigns_in_one_action(client, staff, new_complaint):
    from ontong.routing.models import RoutingRule

    RoutingRule.objects.create(name="가로등", keywords="가로등", department=dept("도로과"))
    complaint = new_complaint("읍내동 사거리 가로등이 꺼졌어요.")
    client.force_login(staff["triage"])
    html = client.get(f"/complaints/{complaint.receipt_no}/").content.decode()
    panel = re.search(r'data-testid="suggestions".*?</ol>', html, re.S).group(0)
    forms = re.findall(
        r'<form method="post" action="([^"]+)".*?name="department" value="(\d+)"', panel
    )
    assert forms and forms[0] == (
        f"/complaints/{complaint.receipt_no}/act/assign/",
        str(dept("도로과").pk),
    )
    client.post(forms[0][0], {"department": forms[0][1]})
    complaint.refresh_from_db()
    assert complaint.state == State.ASSIGNED and complaint.department.name == "도로과"

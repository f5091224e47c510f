"""Day one: a city with no history gets a sensible top 3 with evidence a person understands."""

import io
import re

import pytest
from django.core.management import call_command

from ontong.org.models import Department
from ontong.routing import dayone
from ontong.routing.models import FunctionDepartment
from ontong.routing.suggest import suggest

pytestmark = pytest.mark.django_db

ORDINARY = [
    ("가로등이 꺼졌어요", "건설과"),
    ("도로에 포트홀이 생겼어요", "도로과"),
    ("수도관 누수가 있어요", "맑은물관리과"),
    ("불법주정차 때문에 차가 못 지나가요", "교통과"),
    ("골목에 쓰레기를 며칠째 안 가져가요", "자원순환과"),
    ("윗집 공사 소음이 밤늦게까지 계속돼요", "기후환경대기과"),
    ("공장에서 역한 냄새가 나요", "기후환경대기과"),
    ("가로수 가지가 부러져 매달려 있어요", "산림공원과"),
    ("시내버스가 너무 늦게 와요", "교통과"),
    ("창고를 새로 지으려면 건축허가를 받아야 하나요", "원스톱허가과"),
    ("재산세가 너무 많이 나왔어요", "세정과"),
    ("형편이 어려워 기초생활수급을 신청하고 싶어요", "사회복지과"),
]


@pytest.fixture
def demo_mapping(city):
    return dayone.load_preset(dayone.DEMO_PRESET)


def names(suggestions):
    return [s.department.name for s in suggestions]


@pytest.mark.parametrize("text, department", ORDINARY)
def test_ordinary_complaints_get_their_department_in_the_top_3_on_day_one(
    demo_mapping, new_complaint, text, department
):
    top = suggest(new_complaint(text))
    assert department in names(top)
    shown = next(s for s in top if s.department.name == department)
    assert any(re.search(rf"업무 — {department} ", e) for e in shown.evidence)


def test_the_first_suggestion_is_the_right_department_for_ordinary_complaints(
    demo_mapping, new_complaint
):
    first = {text: names(suggest(new_complaint(text)))[:1] for text, _ in ORDINARY}
    wrong = [(text, first[text]) for text, department in ORDINARY if first[text] != [department]]
    assert wrong == []


def test_the_complaint_page_shows_the_suggestion_and_its_evidence(
    demo_mapping, staff, new_complaint, client
):
    complaint = new_complaint("집 앞 수도관이 터져서 물이 새요")
    client.force_login(staff["triage"])
    page = client.get(f"/complaints/{complaint.receipt_no}/").content.decode()
    panel = page.split('data-testid="suggestions"', 1)[1].split("</ol>", 1)[0]
    assert "<strong>맑은물관리과</strong>" in panel
    assert "상수도 업무 — 맑은물관리과 사무분장: 상수도 누수·단수" in panel


def test_a_streetlight_the_duties_do_not_mention_shows_the_city_made_link(
    demo_mapping, new_complaint
):
    first = suggest(new_complaint("가로등이 꺼졌어요"))[0]
    assert first.department.name == "건설과"
    assert first.evidence[0] == "가로등·보안등 업무 — 건설과 (시가 정한 연결)"


def test_without_a_preset_the_mapping_is_proposed_from_the_duties(city, new_complaint):
    assert not FunctionDepartment.objects.exists()
    top = suggest(new_complaint("수도관 누수가 있어요"))
    assert names(top)[0] == "맑은물관리과"
    water = FunctionDepartment.objects.get(function="water_supply", rank=1)
    assert water.automatic and water.department.name == "맑은물관리과"
    assert water.basis.startswith("사무분장: ")
    # No duty of this city mentions streetlights: nothing is made up for them.
    assert not FunctionDepartment.objects.filter(function="streetlight").exists()
    for text, department in [
        ("도로에 포트홀이 생겼어요", "도로과"),
        ("불법주정차 때문에 차가 못 지나가요", "교통과"),
        ("재산세가 너무 많이 나왔어요", "세정과"),
    ]:
        assert department in names(suggest(new_complaint(text)))


def test_the_mapping_is_edited_in_the_admin_and_proposing_again_keeps_it(
    city, new_complaint, admin_client
):
    client = admin_client
    dayone.propose_mapping()
    listing = client.get("/admin/routing/functiondepartment/?function=water_supply")
    assert listing.status_code == 200
    html = listing.content.decode()
    assert "업무 기능 연결" in html and "상수도" in html and "맑은물관리과" in html
    road = Department.objects.get(name="도로과")
    response = client.post(
        "/admin/routing/functiondepartment/add/",
        {"function": "streetlight", "department": road.pk, "rank": 1, "basis": ""},
    )
    assert response.status_code == 302
    added = FunctionDepartment.objects.get(function="streetlight")
    assert not added.automatic
    client.post(
        "/admin/routing/functiondepartment/",
        {"action": "propose_again", "_selected_action": [added.pk]},
    )
    assert FunctionDepartment.objects.get(function="streetlight").department == road
    assert FunctionDepartment.objects.filter(function="water_supply", automatic=True).exists()
    first = suggest(new_complaint("골목 보안등이 꺼졌어요"))[0]
    assert first.department == road
    assert first.evidence[0] == "가로등·보안등 업무 — 도로과 (시가 정한 연결)"


def test_the_demo_mapping_names_only_departments_and_functions_that_exist(city):
    assert dayone.load_preset(dayone.DEMO_PRESET) == sum(
        1
        for line in dayone.DEMO_PRESET.read_text(encoding="utf-8").splitlines()[1:]
        if line and not line.startswith(("#", "function,"))
    )


def test_evaluate_reports_the_typical_complaints_of_the_demo_city(city):
    out = io.StringIO()
    call_command("routing", "evaluate", "--typical", stdout=out)
    lines = {line.split()[0]: line.split() for line in out.getvalue().splitlines()}
    catalogue, checked = lines["catalogue_only"], lines["day_one_checked"]
    assert float(checked[-1]) >= 0.9 > float(catalogue[-1])  # top-3


def test_evaluate_cross_city_trains_on_the_other_datasets(tmp_path, city, monkeypatch):
    from ontong.routing import crosscity

    (tmp_path / "a.csv").write_text(
        "제목,분류\n"
        + "\n".join(
            [f"가로등이 또 꺼졌어요 {i},불빛" for i in range(4)]
            + [f"수도관이 새요 {i},물" for i in range(4)]
        ),
        encoding="utf-8",
    )
    (tmp_path / "b.csv").write_text(
        "제목,분류\n보안등이 깜빡여요,등\n수돗물이 안 나와요,수도\n모르는 라벨,기타\n",
        encoding="utf-8",
    )
    monkeypatch.setattr(
        crosscity,
        "specs",
        lambda: {
            "a": {
                "file": "a.csv",
                "text": ["제목"],
                "label": "분류",
                "functions": {"불빛": "streetlight", "물": "water_supply"},
            },
            "b": {
                "file": "b.csv",
                "text": ["제목"],
                "label": "분류",
                "functions": {"등": "streetlight", "수도": "water_supply"},
            },
        },
    )
    out = io.StringIO()
    call_command("routing", "evaluate", "--cross-city", str(tmp_path), stdout=out)
    row = next(line for line in out.getvalue().splitlines() if line.startswith("b "))
    assert row.split()[1:3] == ["2", "2"]  # rows and functions: the unmapped label is left out
    assert "1.000/1.000" in row


def test_a_retired_department_is_not_suggested(demo_mapping, new_complaint):
    text = "축사에서 나는 악취 때문에 창문을 열 수가 없습니다."
    assert "축산과" in names(suggest(new_complaint(text)))
    Department.objects.filter(name="축산과").update(is_active=False)
    top = suggest(new_complaint(text))
    assert "축산과" not in names(top)
    assert all(s.department.is_active for s in top) and len(top) == 3

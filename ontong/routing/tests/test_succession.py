"""Reorganisations found in imported history are proposed to the admin, and accepting one sets
replaced_by, which training follows."""

import csv
import datetime as dt

import pytest
from django.core.management import call_command
from django.utils import timezone

from ontong.org.models import Department
from ontong.routing import succession
from ontong.routing.models import HistoricalCase, SuccessionProposal
from ontong.routing.suggest import training_examples

pytestmark = pytest.mark.django_db

ROAD = [
    "포트홀이 생겼어요",
    "도로가 파손되었습니다",
    "보도블록이 깨졌어요",
    "아스팔트 균열",
    "도로 포장 요청",
]
PARKING = ["불법 주정차 단속 요청", "버스 정류장 주차", "주차 단속해 주세요", "인도 위 불법주차"]
WELFARE = ["기초연금 신청 문의", "장애인 복지 서비스", "노인 돌봄 신청", "생계급여 문의"]


def history_rows():
    """도로과 until March 2025, then 도로관리과 with the same kind of complaints; 교통과 all year;
    복지과 starts in April with other complaints."""
    rows = []
    for month in range(1, 13):
        road = "도로과" if month <= 3 else "도로관리과"
        for day, text in enumerate(ROAD, start=1):
            rows.append((f"{text} {month}월", road, dt.date(2025, month, day)))
        for day, text in enumerate(PARKING, start=10):
            rows.append((f"{text} {month}월", "교통과", dt.date(2025, month, day)))
        if month >= 4:
            for day, text in enumerate(WELFARE, start=20):
                rows.append((f"{text} {month}월", "복지과", dt.date(2025, month, day)))
    return rows


def import_rows(rows):
    for number, (text, name, day) in enumerate(rows, start=2):
        HistoricalCase.objects.create(
            source="h.csv",
            row=number,
            text=text,
            department_name=name,
            department=Department.objects.filter(name=name).first(),
            received_at=timezone.make_aware(dt.datetime.combine(day, dt.time())),
        )


def test_a_department_whose_complaints_move_to_another_is_proposed_once():
    import_rows(history_rows())
    proposed = succession.propose()
    assert [(p.old_name, p.new_name) for p in proposed] == [("도로과", "도로관리과")]
    item = proposed[0]
    assert (item.old_last_seen, item.new_first_seen) == (dt.date(2025, 3, 5), dt.date(2025, 4, 1))
    assert (item.old_cases, item.new_cases, item.status) == (15, 45, "proposed")
    assert item.similarity >= succession.MIN_SIMILARITY
    assert succession.propose() == []  # not proposed again


def test_nothing_is_proposed_when_the_catalogue_already_knows_the_succession():
    new = Department.objects.create(name="도로관리과")
    Department.objects.create(name="도로과", is_active=False, replaced_by=new)
    import_rows(history_rows())
    assert succession.propose() == []


def test_accepting_sets_replaced_by_and_training_learns_the_successor():
    new = Department.objects.create(name="도로관리과")
    old = Department.objects.create(name="도로과")
    Department.objects.create(name="교통과")
    import_rows(history_rows())
    [item] = succession.propose()
    assert succession.accept(item) == new
    old.refresh_from_db()
    item.refresh_from_db()
    assert (old.replaced_by, item.status) == (new, "accepted") and item.decided_at
    old_cases = {-c.pk for c in HistoricalCase.objects.filter(department_name="도로과")}
    labels = {e.label for e in training_examples() if e.key in old_cases}
    assert labels == {new.pk}


def test_accepting_a_name_only_the_history_knows_makes_it_an_alias():
    new = Department.objects.create(name="도로관리과", aliases="도로보수과")
    import_rows(history_rows())
    [item] = succession.propose()
    succession.accept(item)
    new.refresh_from_db()
    assert new.alias_list() == ["도로보수과", "도로과"]
    assert set(
        HistoricalCase.objects.filter(department_name="도로과").values_list("department", flat=True)
    ) == {new.pk}


def test_accepting_needs_the_new_department_and_rejecting_changes_nothing():
    old = Department.objects.create(name="도로과")
    import_rows(history_rows())
    [item] = succession.propose()
    with pytest.raises(succession.CannotAccept, match="도로관리과"):
        succession.accept(item)
    succession.reject(item)
    old.refresh_from_db()
    item.refresh_from_db()
    assert (item.status, old.replaced_by) == ("rejected", None)
    assert succession.propose() == []


def test_accepting_one_successor_of_a_split_rejects_the_others():
    Department.objects.create(name="도로과")
    main = Department.objects.create(name="도로관리과")
    Department.objects.create(name="도로정비과")
    rows = history_rows() + [
        (f"{text} {month}월", "도로정비과", dt.date(2025, month, 25 + i))
        for month in range(4, 13)
        for i, text in enumerate(ROAD[month % 2 :: 2])
    ]
    import_rows(rows)
    proposed = {p.new_name: p for p in succession.propose()}
    assert set(proposed) == {"도로관리과", "도로정비과"}
    succession.accept(proposed["도로관리과"])
    assert Department.objects.get(name="도로과").replaced_by == main
    assert SuccessionProposal.objects.get(new_name="도로정비과").status == "rejected"


def test_the_admin_accepts_and_rejects_proposals(admin_client):
    new = Department.objects.create(name="도로관리과")
    old = Department.objects.create(name="도로과")
    import_rows(history_rows())
    [item] = succession.propose()
    url = "/admin/routing/successionproposal/"
    listing = admin_client.get(url)
    assert listing.status_code == 200 and "도로관리과" in listing.content.decode()
    admin_client.post(url, {"action": "accept", "_selected_action": [item.pk]})
    old.refresh_from_db()
    assert old.replaced_by == new
    other = SuccessionProposal.objects.create(
        old_name="교통과",
        new_name="복지과",
        old_last_seen=dt.date(2025, 1, 1),
        new_first_seen=dt.date(2025, 2, 1),
        old_cases=5,
        new_cases=5,
        similarity=0.5,
    )
    admin_client.post(url, {"action": "reject", "_selected_action": [other.pk]})
    other.refresh_from_db()
    assert other.status == "rejected"


def test_importing_dated_history_prints_the_proposals(tmp_path, capsys):
    path = tmp_path / "h.csv"
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["내용", "부서", "접수일"])
        writer.writerows((text, name, day.isoformat()) for text, name, day in history_rows())
    call_command(
        "import", "complaints", str(path), "--text", "내용", "--label", "부서", "--date", "접수일"
    )
    assert "개편 제안: 도로과 → 도로관리과" in capsys.readouterr().out
    assert SuccessionProposal.objects.filter(status="proposed").count() == 1

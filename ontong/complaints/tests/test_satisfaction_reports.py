import datetime as dt
import io

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from ontong.complaints import reports, satisfaction
from ontong.complaints.models import Citizen, Complaint, Message, Notification, Satisfaction, State
from ontong.complaints.workflow import WorkflowError, perform
from ontong.org.models import Department

pytestmark = pytest.mark.django_db


def of_citizen(complaint, citizen):
    if citizen is not None:
        Complaint.objects.filter(pk=complaint.pk).update(citizen=citizen)
        complaint.refresh_from_db()
    return complaint


def answered(new_complaint, staff, body="도로 파손 신고", citizen=None, **kwargs):
    road = Department.objects.get(name="도로과")
    c = of_citizen(new_complaint(body, **kwargs), citizen)
    c = perform(c, "assign", staff["triage"], department=road)
    c = perform(c, "start", staff["road"])
    c = perform(c, "submit", staff["road"], answer="보수했습니다.")
    c = perform(c, "approve", staff["road_mgr"])
    return perform(c, "notify", staff["road"])


def test_web_case_with_consented_email_is_asked_after_the_result(new_complaint, staff):
    c = answered(new_complaint, staff, email="a@b.example", contact_consent=True)
    survey = c.messages.get(purpose=Message.Purpose.SURVEY)
    result = c.messages.get(purpose=Message.Purpose.RESULT)
    assert survey.next_attempt_at > result.created_at  # sent after the result notice
    assert "만족" in survey.body and f"/minwon/status/{c.receipt_no}/?t=" in survey.body


def test_web_case_without_contact_is_asked_only_on_the_status_page(new_complaint, staff, client):
    c = answered(new_complaint, staff)
    assert not c.messages.filter(purpose=Message.Purpose.SURVEY).exists()
    url = f"/minwon/status/{c.receipt_no}/?t={c.status_token}"
    page = client.get(url, follow=True)  # the link trades its token and redirects
    assert 'data-testid="survey"' in page.content.decode()
    response = client.post(url, {"survey": "1", "score": "4", "comment": "빨리 고쳐 주셔서 감사"})
    assert response.status_code == 302
    answer = Satisfaction.objects.get(complaint=c)
    assert (
        answer.score == 4 and answer.comment == "빨리 고쳐 주셔서 감사" and answer.channel == "web"
    )
    bad = client.post(url, {"survey": "1", "score": "9"})
    assert bad.status_code == 200 and Satisfaction.objects.get(complaint=c).score == 4


def test_survey_refuses_an_empty_answer_and_open_cases(new_complaint, staff):
    c = new_complaint("가로등 고장")
    with pytest.raises(ValueError):
        satisfaction.record_answer(c, "web", score=3)
    done = answered(new_complaint, staff)
    with pytest.raises(ValueError):
        satisfaction.record_answer(done, "web", score=7)


def test_not_solved_flags_the_case_and_tells_the_department(new_complaint, staff, client):
    c = answered(new_complaint, staff)
    satisfaction.record_answer(c, "web", unresolved=True, comment="아직 구멍이 그대로예요")
    assert Notification.objects.filter(user=staff["road"], kind="unresolved").exists()
    assert Notification.objects.filter(user=staff["road_mgr"], kind="unresolved").exists()
    client.force_login(staff["road_mgr"])
    page = client.get(f"/complaints/{c.receipt_no}/").content.decode()
    assert "미해결 응답" in page and "아직 구멍이 그대로예요" in page
    reopened = perform(c, "reopen", staff["road_mgr"], reason="민원인이 미해결이라고 응답")
    assert reopened.state == State.IN_PROGRESS and reopened.answered_at is None
    assert reopened.due_at > timezone.now()


def test_survey_parses_quick_replies_and_typed_answers():
    assert satisfaction.parse_score("", "SURVEY_5") == (5, False)
    assert satisfaction.parse_score("", "SURVEY_UNRESOLVED") == (None, True)
    assert satisfaction.parse_score("3점", "") == (3, False)
    assert satisfaction.parse_score("아직 해결 안 됨", "") == (None, True)
    assert satisfaction.parse_score("도로가 또 깨졌어요", "") is None
    assert satisfaction.parse_score("6", "") is None


def test_multi_party_complaint_needs_five_people_and_is_reported_apart(new_complaint, staff):
    c = new_complaint("아파트 주민 일동: 공사 소음")
    with pytest.raises(WorkflowError, match="5명 이상"):
        perform(c, "mark_multi_party", staff["triage"], people="4", interest="공사 소음")
    c = perform(c, "mark_multi_party", staff["triage"], people="37", interest="○○아파트 공사 소음")
    assert c.multi_party_people == 37
    today = timezone.localdate()
    report = reports.build(today - dt.timedelta(days=1), today, Complaint.objects.all())
    assert report.total.multi_party == 1 and report.multi_party_cases == [c]


def repeated(new_complaint, staff, times=3, notified=2):
    citizen = Citizen.objects.create(name="홍길동")
    cases = []
    for i in range(times):
        received = timezone.now() - dt.timedelta(days=30 * (times - i))
        text = "우리 집 앞 가로등이 계속 꺼져 있습니다"
        if i < notified:
            cases.append(answered(new_complaint, staff, text, citizen, received_at=received))
        else:
            cases.append(of_citizen(new_complaint(text, received_at=received), citizen))
    return cases[-1]


def test_repeated_complaint_closes_only_when_the_law_allows(new_complaint, staff):
    latest = repeated(new_complaint, staff, times=3, notified=1)
    with pytest.raises(WorkflowError, match="2회 이상"):
        perform(latest, "close_repeated", staff["admin"], reason="같은 내용 반복")
    latest = repeated(new_complaint, staff, times=3, notified=2)
    with pytest.raises(WorkflowError, match="권한"):
        perform(latest, "close_repeated", staff["triage"], reason="같은 내용 반복")
    closed = perform(
        latest, "close_repeated", staff["admin"], reason="같은 내용 반복, 정당한 사유 없음"
    )
    assert closed.state == State.CLOSED and "법 제23조" in closed.events.last().note


def test_repeated_multi_party_complaint_needs_the_committee(new_complaint, staff):
    latest = repeated(new_complaint, staff, times=3, notified=2)
    perform(latest, "mark_multi_party", staff["admin"], people="6", interest="가로등")
    with pytest.raises(WorkflowError, match="민원조정위원회"):
        perform(latest, "close_repeated", staff["admin"], reason="반복")
    closed = perform(
        latest,
        "close_repeated",
        staff["admin"],
        reason="반복",
        committee="2026-12 위원회 종결 의결",
    )
    assert closed.state == State.CLOSED


def test_report_counts_on_time_percentiles_satisfaction_and_exports(new_complaint, staff, client):
    now = timezone.now()
    fast = answered(new_complaint, staff, received_at=now - dt.timedelta(days=2))
    late = answered(new_complaint, staff, received_at=now - dt.timedelta(days=20))
    Complaint.objects.filter(pk=late.pk).update(due_at=now - dt.timedelta(days=5))
    Complaint.objects.filter(pk=fast.pk).update(due_at=now + dt.timedelta(days=5))
    overdue = perform(
        new_complaint("교통 신호 고장", received_at=now - dt.timedelta(days=15)),
        "assign",
        staff["triage"],
        department=Department.objects.get(name="교통과"),
    )
    Complaint.objects.filter(pk=overdue.pk).update(due_at=now - dt.timedelta(days=1), extensions=1)
    satisfaction.record_answer(fast, "web", score=5)
    satisfaction.record_answer(late, "web", score=2)
    today = timezone.localdate()
    report = reports.build(today - dt.timedelta(days=30), today, Complaint.objects.all())
    road = next(r for r in report.rows if r.department == "도로과")
    traffic = next(r for r in report.rows if r.department == "교통과")
    assert (road.received, road.answered, road.on_time, road.on_time_rate) == (2, 2, 1, 50.0)
    assert road.median_days == pytest.approx(11.0, abs=0.1)
    assert road.p90_days == pytest.approx(18.2, abs=0.1)  # numpy's linear interpolation of 2 and 20
    assert road.satisfaction == 3.5 and road.satisfaction_n == 2
    assert (traffic.received, traffic.overdue_now, traffic.extended) == (1, 1, 1)
    assert report.total.received == 3 and report.total.answered == 2

    client.force_login(staff["admin"])
    start = (today - dt.timedelta(days=30)).isoformat()
    page = client.get(f"/reports/?start={start}&end={today}").content.decode()
    assert 'data-testid="report-table"' in page and "chart-4.6.1.umd.min.js" in page
    export = client.get(f"/reports/?start={start}&end={today}&export=xlsx")
    sheet = load_workbook(io.BytesIO(export.content)).active
    rows = list(sheet.values)
    assert rows[0][:3] == ("부서", "접수", "답변(통보)")
    assert ("도로과", 2, 2, 1, 50.0) == rows[1][:5] or ("도로과", 2, 2, 1, 50.0) in [
        r[:5] for r in rows
    ]
    assert rows[-1][0] == "합계" and rows[-1][1] == 3


def test_report_shows_only_what_the_viewer_may_see(new_complaint, staff, client):
    answered(new_complaint, staff)
    perform(
        new_complaint("버스 배차"),
        "assign",
        staff["triage"],
        department=Department.objects.get(name="교통과"),
    )
    client.force_login(staff["traffic_mgr"])
    page = client.get("/reports/").content.decode()
    assert "교통과" in page and "도로과" not in page.split('data-testid="report-table"')[1]


def test_report_counts_months_in_korean_time_and_percentiles_in_the_database(new_complaint, staff):
    """00:30 on 1 November in Seoul is still October in UTC; percentiles interpolate linearly."""
    seoul = timezone.get_current_timezone()
    first_of_november = dt.datetime(2026, 11, 1, 0, 30, tzinfo=seoul)
    waits = [1, 2, 3, 4, 10]
    for n, wait in enumerate(waits):
        c = answered(new_complaint, staff, received_at=first_of_november + dt.timedelta(hours=n))
        Complaint.objects.filter(pk=c.pk).update(
            answered_at=first_of_november + dt.timedelta(hours=n, days=wait)
        )
    late_october = new_complaint(
        "10월 민원", received_at=dt.datetime(2026, 10, 31, 23, 50, tzinfo=seoul)
    )
    report = reports.build(dt.date(2026, 10, 1), dt.date(2026, 11, 30), Complaint.objects.all())
    assert report.by_month == [("2026-10", 1, 0), ("2026-11", 5, 5)]
    road = next(r for r in report.rows if r.department == "도로과")
    assert (road.median_days, road.p90_days) == (3.0, 7.6)  # numpy.percentile(waits, 90) = 7.6
    assert (report.total.median_days, report.total.p90_days) == (3.0, 7.6)
    assert next(r for r in report.rows if r.department == "미배정").received == 1
    assert late_october.state == State.RECEIVED
    from ontong.complaints.aggregates import KoreanMonth, WaitTenths

    stored_and_computed = Complaint.objects.annotate(
        month=KoreanMonth("received_at"), wait=WaitTenths("received_at", "answered_at")
    ).values_list("received_month", "month", "wait_tenths", "wait")
    assert {(a, b) for a, b, _, _ in stored_and_computed} == {(202610, 202610), (202611, 202611)}
    assert sorted(w for _, _, w, _ in stored_and_computed if w is not None) == [10, 20, 30, 40, 100]
    assert all(w1 == w2 for _, _, w1, w2 in stored_and_computed)

"""The staff views of 결재, 상용구 and 협조 요청: who may open what, and what each refuses."""

import pytest

from ontong.complaints.models import Event, SavedReply, State
from ontong.complaints.workflow import perform
from ontong.org.models import Department


@pytest.fixture
def drafted(staff, new_complaint):
    c = new_complaint("석남동 도로가 패였어요", name="홍길동", phone="010-1234-5678")
    c = perform(c, "assign", staff["triage"], department=Department.objects.get(name="도로과"))
    c = perform(c, "start", staff["road"])
    return perform(c, "submit", staff["road"], answer="메웠습니다.")


@pytest.mark.django_db
def test_the_waiting_list_is_for_approvers(client, staff, drafted):
    client.force_login(staff["road_mgr"])
    page = client.get("/approvals/")
    assert page.status_code == 200 and drafted.receipt_no in page.content.decode()
    assert "결재 대기" in page.content.decode()
    client.force_login(staff["traffic_mgr"])
    assert drafted.receipt_no not in client.get("/approvals/").content.decode()
    for outsider in ("road", "triage", "pr"):
        client.force_login(staff[outsider])
        assert client.get("/approvals/").status_code == 404


@pytest.mark.django_db
def test_only_the_approver_gets_the_panel_and_may_post_it(client, staff, drafted):
    url = f"/complaints/{drafted.receipt_no}/"
    client.force_login(staff["road"])
    assert 'data-testid="approval"' not in client.get(url).content.decode()
    client.post(url + "approve/", {"answer": "담당자가 몰래 고침"})
    drafted.refresh_from_db()
    assert drafted.state == State.DRAFTED and drafted.answer == "메웠습니다."
    client.force_login(staff["traffic_mgr"])
    assert client.post(url + "approve/", {"answer": "x"}).status_code == 404
    client.force_login(staff["road_mgr"])
    assert 'data-testid="approval"' in client.get(url).content.decode()
    page = client.post(url + "approve/", {"answer": "메웠습니다."}, follow=True)
    assert "결재하고 민원인에게 처리 결과를 통보했습니다." in page.content.decode()
    drafted.refresh_from_db()
    assert drafted.state == State.NOTIFIED


@pytest.mark.django_db
def test_saved_replies_are_managed_by_managers_for_their_department(client, staff):
    road = Department.objects.get(name="도로과")
    traffic = Department.objects.get(name="교통과")
    theirs = SavedReply.objects.create(title="신호", body="신호 조정", department=traffic)
    client.force_login(staff["road"])
    assert client.get("/saved-replies/").status_code == 404
    client.force_login(staff["road_mgr"])
    page = client.get("/saved-replies/")
    assert page.status_code == 200 and "신호 조정" not in page.content.decode()
    assert client.get(f"/saved-replies/{theirs.pk}/").status_code == 404
    # A manager may not write for another department, nor for the whole city.
    refused = client.post("/saved-replies/", {"title": "x", "department": traffic.pk, "body": "y"})
    assert refused.status_code == 400
    refused = client.post("/saved-replies/", {"title": "x", "department": "", "body": "y"})
    assert refused.status_code == 400
    client.post("/saved-replies/", {"title": "보수", "department": road.pk, "body": "{부서}"})
    mine = SavedReply.objects.get(title="보수")
    assert mine.department == road and mine.updated_by == staff["road_mgr"]
    client.post(f"/saved-replies/{mine.pk}/", {"delete": "1"})
    assert not SavedReply.objects.filter(pk=mine.pk).exists()
    client.force_login(staff["admin"])
    client.post("/saved-replies/", {"title": "감사", "department": "", "body": "고맙습니다"})
    assert SavedReply.objects.get(title="감사").department is None


@pytest.mark.django_db
def test_the_reply_box_list_is_filled_for_the_case_and_refused_elsewhere(client, staff, drafted):
    SavedReply.objects.create(title="안내", body="접수번호 {접수번호}, {부서}")
    url = f"/complaints/{drafted.receipt_no}/saved-replies/"
    client.force_login(staff["road"])
    html = client.get(url).content.decode()
    assert f"접수번호 {drafted.receipt_no}, 도로과" in html
    assert 'role="option"' in html
    client.force_login(staff["traffic"])  # not their case: not there at all
    assert client.get(url).status_code == 404
    client.force_login(staff["pr"])
    assert client.get(url).status_code == 404


@pytest.mark.django_db
def test_every_look_by_a_consulted_department_is_in_the_access_log(client, staff, drafted):
    url = f"/complaints/{drafted.receipt_no}/"
    client.force_login(staff["traffic"])
    assert client.get(url).status_code == 404
    assert client.get("/consultations/").status_code == 404  # nothing asked: not offered
    perform(
        drafted,
        "consult",
        staff["road"],
        consult_department=Department.objects.get(name="교통과").pk,
        text="의견 주세요",
    )
    listed = client.get("/consultations/").content.decode()  # offered now, with that case only
    assert drafted.receipt_no in listed and 'data-testid="consultations-link"' in listed
    page = client.get(url, REMOTE_ADDR="10.1.2.3")
    html = page.content.decode()
    assert page.status_code == 200 and 'data-testid="consulted"' in html
    # Not a case of any of their views: no "이 민원은 이제 이 보기에 없습니다" and 다음 민원 into
    # their own department's cases.
    assert 'data-testid="case-nav"' not in html
    assert "홍길동" not in html and "010-1234-5678" not in html  # masked
    assert "/reveal/" not in html  # and no way to unmask: the contact is not theirs to read
    assert client.post(url + "reveal/", {"reason": "궁금"}).status_code == 404
    assert not Event.objects.filter(complaint=drafted, action="personal_data_viewed").exists()
    looks = Event.objects.filter(complaint=drafted, action="consult_viewed")
    assert looks.count() == 1 and looks.get().actor == staff["traffic"]
    assert "교통과" in looks.get().note
    # In the access log (for the case's own department), not in the case's story.
    client.force_login(staff["road_mgr"])
    assert "협조 요청으로 열람" in client.get(url + "access-log/").content.decode()
    timeline = client.get(url).content.decode().split('data-testid="timeline"')[1]
    assert "협조 요청으로 열람" not in timeline
    # The case's own officers are not logged as consulted.
    assert looks.count() == 1

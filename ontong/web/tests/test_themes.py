"""The desk's complaint themes: grouping, masking, who may see them, the drafted explainer."""

import datetime as dt

import pytest
from django.utils import timezone

from ontong.complaints.models import Citizen, Complaint
from ontong.complaints.workflow import perform
from ontong.org.models import Area, Department, Role
from ontong.publishing.models import Post, Target
from ontong.publishing.services import transition
from ontong.routing.similar import theme_groups
from ontong.web import themes
from ontong.web.models import ThemeDigest

pytestmark = pytest.mark.django_db

LAMP = [
    "석남동 아파트 앞 가로등이 꺼져 있어 밤길이 어둡습니다",
    "석남동 공원 옆 가로등이 꺼져서 밤길이 너무 어둡습니다",
    "석남동 골목 가로등이 꺼져 있어서 밤길이 어둡습니다",
]
ANSWER = (
    "안녕하십니까 홍길동님. 말씀하신 '석남동 아파트 앞 가로등' 건은 현장 확인 후 조치했습니다. "
    "꺼진 가로등은 안정기를 교체해 다시 켰습니다. 가로등 고장은 도로과 누리집이나 전화로 신고하시면 "
    "사흘 안에 수리합니다. 궁금한 점은 담당자 010-1234-5678로 연락 주세요. 감사합니다.\n"
    "담당: 도로과 최도로 주무관"
)


def answered(staff, new_complaint, text, answer, **intake):
    c = perform(
        new_complaint(text, **intake),
        "assign",
        staff["triage"],
        department=Department.objects.get(name="도로과"),
    )
    for action, params in [
        ("start", {}),
        ("submit", {"answer": answer}),
        ("approve", {}),
        ("notify", {}),
    ]:
        c = perform(
            c, action, staff["road_mgr"] if action == "approve" else staff["road"], **params
        )
    return c


@pytest.fixture
def lamp_theme(staff, new_complaint):
    Department.objects.filter(name="도로과").update(phone="041-660-2345")
    staff["road"].last_name, staff["road"].first_name = "최", "도로"
    staff["road"].save()
    first = answered(
        staff, new_complaint, LAMP[0], ANSWER, name="홍길동", phone="010-9876-5432",
        contact_consent=True,
    )  # fmt: skip
    for text in LAMP[1:]:
        new_complaint(text)
    new_complaint("음식물 쓰레기 수거차가 이번 주에 오지 않았어요")
    # the worker would place them (routing.tasks.after_intake)
    Complaint.objects.filter(title__contains="가로등").update(area=Area.objects.get(name="석남동"))
    return first


def test_similar_complaints_are_grouped_and_unrelated_ones_are_not():
    docs = [
        ["가로등", "꺼지", "밤길", "어둡", "석남동"],
        ["가로등", "꺼지", "밤길", "어둡", "공원"],
        ["가로등", "꺼지", "밤길", "어둡", "골목"],
        ["음식물", "쓰레기", "수거", "오"],
        ["버스", "배차", "간격", "길"],
    ]
    groups = theme_groups(docs)
    assert [sorted(g.members) for g in groups] == [[0, 1, 2]]
    assert groups[0].similarity[0] == 1.0 and min(groups[0].similarity) >= 0.4


def test_themes_of_a_period_with_areas_departments_and_the_answer(lamp_theme):
    data = themes.compute(4)
    assert data["complaints"] == 4
    [theme] = data["themes"]
    assert theme["count"] == 3 and "가로등" in theme["label"]
    assert theme["departments"] == [["도로과", 1, "041-660-2345"]]
    assert theme["areas"] == [["석남동", 3]]
    assert theme["answers"][0]["department"] == "도로과"
    assert "안정기를 교체" in theme["answers"][0]["text"]
    assert not theme["could_post"]  # one of three answered by the department: not yet "the same"


def test_an_old_complaint_is_outside_the_period(lamp_theme):
    Complaint.objects.exclude(pk=lamp_theme.pk).filter(title__contains="골목").update(
        received_at=timezone.now() - dt.timedelta(weeks=3)
    )
    assert themes.compute(2)["themes"][0]["count"] == 2
    assert themes.compute(4)["themes"][0]["count"] == 3


def test_names_phones_and_emails_never_reach_the_page_or_the_draft(lamp_theme, staff, client):
    new_complaint_text = "가로등이 꺼졌어요 제 번호 010-5555-6666 메일 me@example.kr 김철수"
    Complaint.objects.filter(title__contains="골목").update(
        title=new_complaint_text,
        citizen=Citizen.objects.create(name="김철수", phone="010-5555-6666"),
    )
    client.force_login(staff["pr"])
    page = client.get("/publishing/themes/?weeks=4").content.decode()
    assert "가로등" in page and "안정기를 교체" in page
    for secret in (
        "홍길동",
        "김철수",
        "최도로",
        "9876-5432",
        "1234-5678",
        "5555-6666",
        "me@example.kr",
    ):
        assert secret not in page
    response = client.post("/publishing/themes/draft/", {"weeks": "4", "key": f"c{lamp_theme.pk}"})
    post = Post.objects.get()
    assert (
        response.status_code == 302 and response["Location"] == f"/publishing/posts/{post.pk}/edit/"
    )
    for secret in ("홍길동", "김철수", "최도로", "1234-5678", "5432", "me@example.kr", "'"):
        assert secret not in post.text, secret
    assert "안정기를 교체해 다시 켰습니다." in post.text
    assert "도로과 ☎ 041-660-2345" in post.text  # the department's public phone
    assert "감사합니다" not in post.text and "님" not in post.text


def test_only_the_media_team_and_administrators_see_themes(lamp_theme, staff, client):
    for who, status in [("pr", 200), ("admin", 200), ("road", 404), ("triage", 404)]:
        client.force_login(staff[who])
        assert client.get("/publishing/themes/").status_code == status, who
        post = client.post("/publishing/themes/draft/", {"weeks": "4", "key": "c1"})
        assert post.status_code in ({302} if status == 200 else {404}), who
    client.logout()
    assert client.get("/publishing/themes/").status_code == 302  # to the login page


def test_a_bad_period_or_a_gone_theme_is_told_in_korean(lamp_theme, staff, client):
    client.force_login(staff["pr"])
    response = client.get("/publishing/themes/?weeks=5")
    assert response.status_code == 400 and "2, 4, 8주 가운데" in response.content.decode()
    client.get("/publishing/themes/?weeks=4")
    response = client.post(
        "/publishing/themes/draft/", {"weeks": "4", "key": "c999999"}, follow=True
    )
    assert "그 주제를 찾지 못했습니다" in response.content.decode()
    assert not Post.objects.exists()


def test_the_draft_remembers_its_theme_and_goes_through_review(
    lamp_theme, staff, make_user, client
):
    from django.contrib.auth.models import Permission

    approver = make_user("approver", Role.PR, department="공보담당관")
    approver.user_permissions.add(Permission.objects.get(codename="approve_post"))
    client.force_login(staff["pr"])
    client.get("/publishing/themes/?weeks=4")
    client.post("/publishing/themes/draft/", {"weeks": "4", "key": f"c{lamp_theme.pk}"})
    post = Post.objects.get()
    assert post.state == Post.State.DRAFT and post.created_by == staff["pr"]
    assert post.origin["key"] == f"c{lamp_theme.pk}" and post.origin["count"] == 3
    assert lamp_theme.receipt_no in post.origin["receipts"]
    assert lamp_theme.receipt_no not in post.full_text()  # case numbers stay with staff
    page = client.get(f"/publishing/posts/{post.pk}/").content.decode()
    assert "민원 주제" in page and lamp_theme.receipt_no in page
    themes_page = client.get("/publishing/themes/?weeks=4").content.decode()
    assert f"/publishing/posts/{post.pk}/" in themes_page  # the theme links to its post
    Target.objects.create(
        post=post, kind=Target.Kind.BLOG, blog_name="서산시 블로그"
    )  # chosen in the editor
    transition(post, "submit", staff["pr"])
    assert transition(post, "approve", approver).state == Post.State.APPROVED


def test_the_draft_keeps_within_every_platforms_limit(lamp_theme):
    theme = themes.compute(4)["themes"][0]
    theme["answers"] = [
        {"department": "도로과", "phone": "", "text": "가로등을 고쳤습니다. " * 200}
    ]
    from ontong.publishing.services import threads_length

    assert threads_length(themes.draft_text(theme, 4)) <= 500


def test_a_large_city_waits_for_the_worker(lamp_theme, staff, client, monkeypatch, run_tasks):
    monkeypatch.setattr(themes, "GROUP_NOW_LIMIT", 2)
    client.force_login(staff["pr"])
    page = client.get("/publishing/themes/?weeks=4").content.decode()
    assert "주제를 계산하고 있습니다" in page and not ThemeDigest.objects.exists()
    run_tasks()
    assert ThemeDigest.objects.count() == len(themes.PERIODS)
    page = client.get("/publishing/themes/?weeks=4").content.decode()
    assert "안정기를 교체" in page


def test_an_old_digest_is_shown_while_the_worker_makes_a_new_one(
    lamp_theme, staff, client, run_tasks
):
    themes.refresh()
    old = timezone.now() - themes.FRESH - dt.timedelta(minutes=1)
    ThemeDigest.objects.update(computed_at=old)
    Complaint.objects.filter(title__contains="골목").delete()
    client.force_login(staff["pr"])
    page = client.get("/publishing/themes/?weeks=4").content.decode()
    assert "새로 계산하는 중입니다" in page and "3건" in page  # the old digest, said to be old
    client.get("/publishing/themes/?weeks=2")
    from django_tasks_db.models import DBTaskResult

    queued = DBTaskResult.objects.filter(task_path="ontong.web.tasks.refresh_themes")
    assert queued.count() == 1  # one task for all periods, however many ask
    run_tasks()
    digest = ThemeDigest.objects.get(weeks=4)
    assert digest.computed_at > old and digest.data["themes"][0]["count"] == 2
    page = client.get("/publishing/themes/?weeks=4").content.decode()
    assert "새로 계산하는 중입니다" not in page and "2건" in page


def test_a_refresh_analyses_only_new_or_changed_complaints(lamp_theme, monkeypatch):
    analysed = []
    real = themes.terms_of_many
    monkeypatch.setattr(themes, "ANALYSED", {})
    monkeypatch.setattr(
        themes, "terms_of_many", lambda texts: analysed.extend(texts) or real(texts)
    )
    themes.refresh()
    assert len(analysed) == 4
    analysed.clear()
    Complaint.objects.filter(title__contains="골목").update(
        title="석남동 골목 가로등이 또 꺼졌어요"
    )
    themes.refresh()
    assert len(analysed) == 1 and "또 꺼졌어요" in analysed[0]
    assert ThemeDigest.objects.get(weeks=4).data["themes"][0]["count"] >= 2


def test_an_unanswered_theme_takes_masked_answers_from_the_similar_case_index(staff, new_complaint):
    answered(
        staff, new_complaint, "석남동 가로등이 꺼져 있어 밤길이 어둡습니다",
        "꺼진 가로등의 안정기를 교체했습니다. 문의는 이순신님 010-2222-3333",
        name="이순신", contact_consent=True,
    )  # fmt: skip
    Complaint.objects.update(received_at=timezone.now() - dt.timedelta(weeks=10))
    for text in LAMP:
        new_complaint(text)
    [theme] = themes.compute(4)["themes"]
    assert theme["count"] == 3 and not theme["departments"]
    [answer] = theme["answers"]
    assert "안정기를 교체했습니다" in answer["text"] and answer["department"] == "도로과"
    assert "이순신" not in answer["text"] and "2222-3333" not in answer["text"]

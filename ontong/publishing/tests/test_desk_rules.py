"""The desk's rules a person meets: four eyes on approval, no move into the past (and the reason
readable where htmx shows it), the keyboard's date-and-time move, Korean labels in the history,
expiring image links and crafted query parameters that answer 400, never 500."""

import datetime as dt
import json
import re
import time

import pytest
from django.core import signing
from django.utils import timezone

from ontong.publishing import services
from ontong.publishing.models import Post, PostEvent, Target

from .test_publishing import due_now, make_post, scheduled

pytestmark = pytest.mark.django_db


def approved(desk, accounts, **kwargs) -> Post:
    post = services.transition(make_post(desk, accounts, **kwargs), "submit", desk["writer"])
    return services.transition(post, "approve", desk["approver"])


def trigger(response) -> dict:
    """What htmx reads from the response's trigger headers (it JSON-parses them as they are)."""
    found = {}
    for name in ("HX-Trigger", "HX-Trigger-After-Swap", "HX-Trigger-After-Settle"):
        if value := response.headers.get(name):
            assert value.isascii(), f"{name} is not plain ASCII for htmx: {value!r}"
            found.update(json.loads(value))
    return found


# ---------------------------------------------------------------- moves


def test_a_refused_move_says_why_in_a_header_htmx_can_read(desk, accounts, client):
    post = scheduled(desk, accounts, kinds=("page",), planned=timezone.now() + dt.timedelta(days=2))
    client.force_login(desk["writer"])
    too_far = (timezone.localdate() + dt.timedelta(days=40)).isoformat()
    response = client.post(
        f"/publishing/posts/{post.pk}/move/", {"date": too_far}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200 and 'id="calendar"' in response.content.decode()
    message = trigger(response)["desk-message"]
    assert message["level"] == "error"
    latest = timezone.localdate() + dt.timedelta(days=30)
    assert message["text"] == (
        f"페이스북: 예약은 30일 안({latest}까지)이어야 합니다 (게시 예정 {too_far}): "
        "그 안의 날짜로 옮기세요."
    )
    before = post.planned_at
    post.refresh_from_db()
    assert post.planned_at == before


@pytest.mark.parametrize("state", ["draft", "review", "approved", "scheduled"])
def test_no_post_moves_into_the_past_whatever_its_state(desk, accounts, client, state):
    post = make_post(desk, accounts, kinds=("ig",), planned=timezone.now() + dt.timedelta(days=1))
    Post.objects.filter(pk=post.pk).update(state=state)
    client.force_login(desk["writer"])
    yesterday = (timezone.localdate() - dt.timedelta(days=1)).isoformat()
    response = client.post(
        f"/publishing/posts/{post.pk}/move/", {"date": yesterday}, HTTP_HX_REQUEST="true"
    )
    message = trigger(response)["desk-message"]
    assert message["level"] == "error" and "지난 시각" in message["text"]
    before = post.planned_at
    post.refresh_from_db()
    assert post.planned_at == before
    assert not post.events.filter(action="reschedule").exists()


def test_a_move_earlier_today_is_also_the_past(desk, accounts):
    post = approved(desk, accounts, kinds=("ig",), planned=timezone.now() + dt.timedelta(days=1))
    an_hour_ago = timezone.now() - dt.timedelta(hours=1)
    with pytest.raises(services.PublishingError, match="지난 시각"):
        services.reschedule(post, desk["writer"], an_hour_ago)


def test_the_keyboard_form_moves_to_a_date_and_a_time(desk, accounts, client):
    post = scheduled(desk, accounts, kinds=("page",), planned=timezone.now() + dt.timedelta(days=2))
    client.force_login(desk["writer"])
    day = timezone.localdate() + dt.timedelta(days=5)
    response = client.post(
        f"/publishing/posts/{post.pk}/move/",
        {"date": day.isoformat(), "time": "07:45"},
        HTTP_HX_REQUEST="true",
    )
    message = trigger(response)["desk-message"]
    assert message["level"] == "success"
    assert f"{day:%Y-%m-%d} 07:45" in message["text"]
    post.refresh_from_db()
    assert timezone.localtime(post.planned_at).replace(tzinfo=None) == dt.datetime.combine(
        day, dt.time(7, 45)
    )


def test_without_javascript_the_form_moves_and_shows_the_message(desk, accounts, client):
    post = approved(desk, accounts, kinds=("ig",), planned=timezone.now() + dt.timedelta(days=1))
    client.force_login(desk["writer"])
    yesterday = (timezone.localdate() - dt.timedelta(days=1)).isoformat()
    response = client.post(
        f"/publishing/posts/{post.pk}/move/", {"date": yesterday, "time": "10:00"}, follow=True
    )
    page = response.content.decode()
    assert "지난 시각" in page and 'id="calendar"' in page


def test_each_movable_post_in_the_calendar_has_a_date_form(desk, accounts, client):
    post = approved(desk, accounts, kinds=("ig",), planned=timezone.now() + dt.timedelta(days=1))
    done = make_post(desk, accounts, kinds=("ig",), planned=timezone.now() + dt.timedelta(days=1))
    Post.objects.filter(pk=done.pk).update(state="published")
    client.force_login(desk["writer"])
    month = timezone.localtime(post.planned_at).strftime("%Y-%m")
    page = client.get(f"/publishing/?month={month}").content.decode()
    assert f'data-testid="move-{post.pk}"' in page and "날짜 옮기기" in page
    assert f'data-testid="move-{done.pk}"' not in page
    assert "<script>" not in page and "onchange=" not in page  # scripts come from static files


# ---------------------------------------------------------------- four eyes


def test_the_author_cannot_approve_their_own_post(desk, accounts, client):
    desk["writer"].user_permissions.add(
        desk["approver"].user_permissions.get(codename="approve_post")
    )
    writer = type(desk["writer"]).objects.get(pk=desk["writer"].pk)  # fresh permission cache
    post = services.transition(make_post(desk, accounts), "submit", writer)
    assert "approve" not in services.available(writer, post)
    with pytest.raises(services.PublishingError, match="다른 승인권자"):
        services.transition(post, "approve", writer)
    client.force_login(writer)
    page = client.get(f"/publishing/posts/{post.pk}/").content.decode()
    assert 'data-action="approve"' not in page and "다른 승인권자" in page
    assert services.transition(post, "approve", desk["approver"]).approved_by == desk["approver"]


def test_whoever_saved_an_edit_is_an_author_too(desk, accounts, client):
    post = make_post(desk, accounts)
    client.force_login(desk["approver"])
    form = {
        "title": post.title,
        "text": "고친 본문",
        "hashtags": "",
        "accounts": [accounts["page"].pk],
    }
    assert client.post(f"/publishing/posts/{post.pk}/edit/", form).status_code == 302
    post = services.transition(post, "submit", desk["writer"])
    with pytest.raises(services.PublishingError, match="다른 승인권자"):
        services.transition(post, "approve", desk["approver"])


def test_a_one_person_team_may_approve_its_own_posts_on_record(desk, accounts, client, settings):
    settings.ONTONG_PUBLISHING_SELF_APPROVAL = True
    post = make_post(desk, accounts)
    post.created_by = desk["approver"]
    post.save()
    post = services.transition(post, "submit", desk["approver"])
    post = services.transition(post, "approve", desk["approver"])
    assert post.state == "approved"
    assert post.events.last().action == PostEvent.Action.SELF_APPROVE
    client.force_login(desk["writer"])
    assert "작성자 본인 승인" in client.get(f"/publishing/posts/{post.pk}/").content.decode()


def test_returning_a_post_clears_its_approval(desk, accounts, client):
    post = approved(desk, accounts)
    post = services.transition(post, "return", desk["approver"], note="사진을 바꿔 주세요")
    assert post.approved_by is None
    post.refresh_from_db()
    assert post.approved_by is None
    client.force_login(desk["writer"])
    page = client.get(f"/publishing/posts/{post.pk}/").content.decode()
    assert "<dt>승인</dt>" not in page


def test_signed_image_links_expire(desk, accounts, client, monkeypatch, settings):
    settings.ONTONG_PUBLISHING_IMAGE_LINK_HOURS = 24
    post = approved(desk, accounts)
    image = post.images.first()
    fresh = services.public_image_url(image).removeprefix(settings.SITE_URL)
    assert client.get(fresh).status_code == 200
    made_25_hours_ago = signing.b62_encode(int(time.time() - 25 * 3600))
    monkeypatch.setattr(signing.TimestampSigner, "timestamp", lambda self: made_25_hours_ago)
    old = services.public_image_url(image).removeprefix(settings.SITE_URL)
    assert client.get(old).status_code == 404
    client.force_login(desk["writer"])
    export = client.get(f"/publishing/posts/{post.pk}/export/").content.decode()
    assert "사진 주소는 24시간 뒤 닫힙니다" in export


# ---------------------------------------------------------------- the history's words


def test_every_history_entry_has_a_korean_label(desk, accounts, client, emulator, monkeypatch):
    """Drive every path that writes to a post's history, then read the history as the team
    does: each code written has a label, and no raw code is shown."""
    monkeypatch.setattr(services, "CONTAINER_POLL_SECONDS", 0)
    client.force_login(desk["writer"])
    form = {"title": "야경 축제", "text": "초대합니다", "hashtags": "", "accounts": []}
    form["accounts"] = [accounts["page"].pk, accounts["ig"].pk]
    post = Post.objects.get(
        pk=re.search(r"/(\d+)/$", client.post("/publishing/posts/new/", form).url)[1]
    )
    make_images = make_post(desk, accounts, kinds=())
    post.images.add(*make_images.images.all())
    Target.objects.create(post=post, kind="blog", blog_name="블로그")
    services.add_comment(post, desk["writer"], "사진 확인 부탁합니다")
    post = services.transition(post, "submit", desk["writer"])
    post = services.transition(post, "return", desk["approver"], note="제목을 바꿔 주세요")
    post = services.transition(post, "submit", desk["writer"])
    post = services.transition(post, "approve", desk["approver"])
    services.reschedule(post, desk["writer"], timezone.now() + dt.timedelta(hours=3))
    post = services.transition(post, "schedule", desk["writer"])
    post = services.transition(post, "unschedule", desk["writer"])
    post = services.transition(post, "schedule", desk["writer"])
    services.record_manual(post.targets.get(kind="blog"), desk["writer"], "https://blog.example/1")
    due_now(post)
    services.publish_due()
    services.mark(post.targets.get(kind="facebook"), Target.State.UNKNOWN, "시간 초과")
    services.mark(post.targets.get(kind="facebook"), Target.State.FAILED, "거절")
    Post.objects.filter(pk=post.pk).update(state="scheduled")
    services.settle_posts()

    written = set(post.events.values_list("action", flat=True))
    assert written - set(PostEvent.Action.values) == set()
    assert {"saved", "comment", "return", "reschedule", "target_published", "failed"} <= written
    page = client.get(f"/publishing/posts/{post.pk}/").content.decode()
    history = page[page.index('data-testid="post-events"') :]
    for code in written:
        assert f"<strong>{code}</strong>" not in history
        assert f"<strong>{PostEvent.Action(code).label}</strong>" in history
    assert set(services.TRANSITIONS) <= set(PostEvent.Action.values)


# ---------------------------------------------------------------- crafted parameters


@pytest.mark.parametrize(
    "query",
    [
        "month=9999-12",
        "month=0001-01",
        "month=99999-01",
        "month=-1-01",
        "month=2026-13",
        "month=abc",
        "view=week&week=0001-01-01",
        "view=week&week=9999-12-31",
        "view=week&week=2026-02-30",
        "view=week&week=%00",
        "account=99999999999999999999",
        "account=-1",
        "account=%C2%B2",
    ],
)
def test_crafted_calendar_parameters_answer_400_in_korean(desk, client, query):
    client.force_login(desk["writer"])
    response = client.get(f"/publishing/?{query}")
    assert response.status_code == 400
    assert 'data-testid="bad-query"' in response.content.decode()
    assert "게시 일정으로" in response.content.decode()


@pytest.mark.parametrize("query", ["days=%C2%B2", "days=99999999999999999999", "days=-5"])
def test_crafted_dashboard_parameters_answer_400(desk, client, query):
    client.force_login(desk["writer"])
    assert client.get(f"/publishing/dashboard/?{query}").status_code == 400


def test_the_calendar_stops_at_its_first_and_last_month(desk, client):
    client.force_login(desk["writer"])
    last = client.get("/publishing/?month=2099-12").content.decode()
    assert 'aria-label="이전 달"' in last and 'aria-label="다음 달"' not in last
    first = client.get("/publishing/?month=2000-01").content.decode()
    assert 'aria-label="다음 달"' in first and 'aria-label="이전 달"' not in first
    last_week = client.get("/publishing/?view=week&week=2099-12-31").content.decode()
    assert 'aria-label="이전 주"' in last_week and 'aria-label="다음 주"' not in last_week
    first_week = client.get("/publishing/?view=week&week=2000-01-01").content.decode()
    assert 'aria-label="다음 주"' in first_week and 'aria-label="이전 주"' not in first_week


@pytest.mark.parametrize(
    "fields",
    [
        {"date": "0001-01-01"},
        {"date": "9999-12-31"},
        {"date": "2026-02-30"},
        {"date": "내일"},
        {"date": "2030-01-01", "time": "25:99"},
    ],
)
def test_crafted_move_dates_are_refused_with_a_reason(desk, accounts, client, fields):
    post = approved(desk, accounts, kinds=("ig",), planned=timezone.now() + dt.timedelta(days=1))
    client.force_login(desk["writer"])
    response = client.post(f"/publishing/posts/{post.pk}/move/", fields, HTTP_HX_REQUEST="true")
    message = trigger(response)["desk-message"]
    assert message["level"] == "error" and message["text"]
    before = post.planned_at
    post.refresh_from_db()
    assert post.planned_at == before


@pytest.mark.parametrize("value", ["0001-01-01T00:00", "1999-12-31T23:00", "9999-12-31T23:59"])
def test_a_planned_time_out_of_range_is_a_form_error(desk, client, value):
    client.force_login(desk["writer"])
    response = client.post(
        "/publishing/posts/new/", {"title": "야경", "text": "초대합니다", "planned_at": value}
    )
    assert response.status_code == 400  # the form again, with why
    assert "2000년부터 2099년 사이로" in response.content.decode()
    assert not Post.objects.exists()


def test_desk_pages_carry_no_inline_script_or_style(desk, accounts, client):
    """Ready for a Content-Security-Policy without 'unsafe-inline': scripts and styles come from
    static files only."""
    post = make_post(desk, accounts)
    client.force_login(desk["writer"])
    for path in [
        "/publishing/",
        "/publishing/?view=week",
        "/publishing/dashboard/",
        "/publishing/posts/new/",
        f"/publishing/posts/{post.pk}/",
        f"/publishing/posts/{post.pk}/edit/",
        f"/publishing/posts/{post.pk}/export/",
    ]:
        page = client.get(path).content.decode()
        desk_part = page[page.index('<main id="content"') :]
        inline = re.findall(r"<script(?![^>]*\b(?:src=|type=\"application/json\"))[^>]*>", page)
        assert inline == [], (path, inline)
        assert not re.search(r"\son[a-z]+=", desk_part), path
        assert " style=" not in desk_part.replace("<style", ""), path


def test_approve_and_schedule_too_soon_says_from_when_and_what_to_do(desk, accounts, client):
    """A first-time approver pressing 승인하고 예약 five minutes before the planned time: the
    refusal names the earliest time Facebook takes and the way out; the post stays in review."""
    planned = timezone.now() + dt.timedelta(minutes=5)
    post = make_post(desk, accounts, kinds=("page",), planned=planned)
    post = services.transition(post, "submit", desk["writer"])
    client.force_login(desk["approver"])
    page = client.post(f"/publishing/posts/{post.pk}/act/approve_schedule/", follow=True)
    text = page.content.decode()
    assert f"(게시 예정 {timezone.localtime(planned):%m-%d %H:%M})" in text
    assert "부터 됩니다" in text and "더 늦은 시각으로 옮기거나" in text
    post.refresh_from_db()
    assert post.state == Post.State.REVIEW and post.approved_by is None

"""Friendly error pages (400/403/CSRF/404/429/500) in the default (development) mode, with a way
back; production mode is covered by test_production.py and the smoke (scripts/smoke.py)."""

import pytest
from django.db import DatabaseError
from django.test import Client

WAYS_BACK = ['href="/minwon/"', 'href="/minwon/status/"']
TECHNICAL = ["Traceback", "Django", "DEBUG = True", "Page not found (404)", "Request Method"]


def assert_friendly(response, status, heading):
    page = response.content.decode()
    assert response.status_code == status
    assert f'data-status="{status}"' in page
    assert heading in page
    for link in WAYS_BACK:
        assert link in page
    for word in TECHNICAL:
        assert word not in page, word
    return page


@pytest.fixture
def errors(settings):
    settings.ROOT_URLCONF = "ontong.web.tests.error_urls"
    return Client(raise_request_exception=False)


@pytest.mark.django_db
def test_debug_is_off_by_default_so_the_demo_shows_friendly_pages():
    from django.conf import settings as live

    from ontong import settings as module

    assert module.DEBUG is False and live.WHITENOISE_USE_FINDERS is True


@pytest.mark.django_db
def test_unknown_address_and_unknown_receipt_number_answer_a_korean_404(client):
    assert_friendly(client.get("/no-such-page/"), 404, "찾는 화면이 없습니다")
    # A status address without this browser's grant asks for the code, alike for every number.
    unknown = client.get("/minwon/status/2026-999999/")
    assert unknown.status_code == 404
    assert "조회 코드를 넣어 주세요" in unknown.content.decode()


@pytest.mark.django_db
def test_400_403_and_500_pages(errors):
    assert_friendly(errors.get("/__test__/400/"), 400, "잘못된 요청입니다")
    assert_friendly(errors.get("/__test__/403/"), 403, "볼 수 있는 권한이 없습니다")
    assert_friendly(errors.get("/__test__/500/"), 500, "잠시 문제가 생겼습니다")


@pytest.mark.django_db
def test_a_foreign_host_header_answers_the_friendly_400(client):
    assert_friendly(client.get("/minwon/", HTTP_HOST="evil.example"), 400, "잘못된 요청입니다")


@pytest.mark.django_db
def test_a_form_refused_by_the_csrf_check_says_what_to_do(city):
    client = Client(enforce_csrf_checks=True)
    page = assert_friendly(client.post("/minwon/", {"body": "x"}), 403, "보안 확인에 실패했습니다")
    assert "새로 고친 뒤 다시 보내 주세요" in page


@pytest.mark.django_db
def test_too_many_intake_posts_answer_a_friendly_429(city, client, settings):
    settings.ONTONG_INTAKE_RATE = "1/h"
    client.post("/minwon/", {})
    response = client.post("/minwon/", {})
    assert response.status_code == 429
    page = response.content.decode()
    # The form comes back as typed, with why (issue 13 item 7), and the way to 처리 현황 조회.
    assert "짧은 시간에 너무 많이 보내셔서" in page and 'href="/minwon/status/"' in page


def test_the_generic_429_template_is_friendly(rf):
    from django.contrib.auth.models import AnonymousUser
    from django.shortcuts import render
    from django.utils import translation

    request = rf.get("/login/")
    request.user = AnonymousUser()
    with translation.override("ko"):
        response = render(request, "429.html", status=429)
    assert_friendly(response, 429, "요청이 너무 많습니다")


@pytest.mark.django_db
def test_the_500_page_needs_neither_the_database_nor_context_processors(errors, monkeypatch):
    def no_database(*args, **kwargs):
        raise DatabaseError("the database is down")

    monkeypatch.setattr("ontong.web.context.ontong", no_database)
    monkeypatch.setattr("django.db.backends.utils.CursorWrapper.execute", no_database)
    page = assert_friendly(errors.get("/__test__/500/"), 500, "잠시 문제가 생겼습니다")
    assert "서산시" in page and "/static/ontong" in page


@pytest.mark.django_db
def test_staff_get_a_way_back_to_their_home(errors, staff):
    errors.force_login(staff["road"])
    page = assert_friendly(errors.get("/no-such-page/"), 404, "찾는 화면이 없습니다")
    assert "직원 화면 처음으로" in page


@pytest.mark.django_db
def test_error_pages_speak_english_when_the_page_language_is_english(errors):
    errors.cookies["django_language"] = "en"
    page = assert_friendly(errors.get("/no-such-page/"), 404, "Page not found")
    assert 'lang="en"' in page and "찾는 화면이 없습니다" not in page
    assert_friendly(errors.get("/__test__/500/"), 500, "Something went wrong")
    assert_friendly(errors.get("/__test__/403/"), 403, "You do not have permission")


@pytest.mark.django_db
def test_favicon_is_served_at_the_site_root(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 200
    assert response["Content-Type"] in {"image/x-icon", "image/vnd.microsoft.icon"}
    assert b"".join(response.streaming_content)[:4] == b"\x00\x00\x01\x00"


@pytest.mark.django_db
def test_a_forms_address_opened_again_answers_a_korean_405_not_a_blank_page(client):
    """GET /minwon/follow/ after 따라가기 (a refresh, a bookmark) was an empty page."""
    response = client.get("/minwon/follow/")
    assert_friendly(response, 405, "이 화면은 그렇게 열 수 없습니다")
    assert response["Allow"] == "POST"

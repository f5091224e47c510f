"""Citizen notices come from templates (notices/*.txt) a city can override, and every one of them
fits every channel's message, with the longest names the data allows."""

import dataclasses
import importlib
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings as django_settings

from ontong.channels.base import split_text
from ontong.complaints import channel_profiles, notices, satisfaction, wording
from ontong.complaints.channel_profiles import ChannelProfile
from ontong.complaints.models import ChannelIdentity, Question
from ontong.complaints.templatetags.wording import shorten
from ontong.org.models import Department

pytestmark = pytest.mark.django_db

TEMPLATES = Path(__file__).resolve().parents[1] / "templates" / "notices"
KAKAO = ChannelProfile(channel="kakao", max_text=1000, converses=True, chat_name="카카오톡")
# Words of a department or agency that runs to the length the database allows.
LONG_NAME = ("충청남도 서산시 안전건설교통국 도로관리과 포트홀긴급보수팀 " * 4)[:100]
FREE_TEXT = "포트홀을 메우고 주변 도로 상태를 함께 점검했습니다. " * 16  # a long answer, ~500 chars


def all_templates() -> list[str]:
    return sorted(str(p.relative_to(TEMPLATES).with_suffix("")) for p in TEMPLATES.rglob("*.txt"))


def profiles() -> list[ChannelProfile]:
    return [*channel_profiles.registered(), KAKAO]


def worst_case(name: str, channel: str) -> dict[str, object]:
    """Every variable any template uses, each as long as it can be (free text: a long answer)."""
    return {
        "receipt_no": "2026-999999",
        "together": "2026-999998",
        "due": "12월 31일(목) 18:00",
        "status_url": f"{django_settings.SITE_URL}/minwon/status/2026-999999/?t={'x' * 32}",
        "signature": wording.render(
            "signature",
            channel,
            department=LONG_NAME,
            officer=f"{'남궁' * 20} 주무관",
            phone="041-660-2114 (내선 1234)",
        ),
        "department": LONG_NAME,
        "agency": LONG_NAME,
        "state": "보완요청",
        "answer": FREE_TEXT,
        "reason": FREE_TEXT[:300],
        "request": FREE_TEXT[:300],
        "original": "2026-999997",
        "invitation": "댓글 잘 보았습니다. " * 10,
        "titles": [
            "5 매우 만족",
            "4 만족",
            "3 보통",
            "2 불만족",
            "1 매우 불만족",
            "아직 해결 안 됨",
        ],
        "window_hours": 24,
    }


def test_there_is_a_template_for_every_notice():
    names = set(all_templates())
    assert {
        "acknowledgement",
        "result",
        "extension",
        "transfer",
        "reject",
        "info_request",
        "progress",
        "survey",
        "chat/consent",
        "chat/status",
    } <= names


@pytest.mark.parametrize("profile", profiles(), ids=lambda p: p.channel)
@pytest.mark.parametrize("name", all_templates())
def test_every_template_fits_every_channel(name, profile, monkeypatch):
    monkeypatch.setitem(channel_profiles._PROFILES, profile.channel, profile)
    text = wording.render(name, profile.channel, **worst_case(name, profile.channel))
    assert text and "{{" not in text and "{%" not in text
    if profile.max_text:
        assert len(text) <= profile.max_text, f"{name}: {len(text)} > {profile.max_text}"


@pytest.mark.parametrize("limit", [999, 1000, 1999])
def test_an_answer_longer_than_a_message_goes_whole_in_several(limit):
    answer = FREE_TEXT * 12
    parts = split_text(answer, limit)
    assert len(parts) > 1 and all(len(part) <= limit for part in parts)
    assert "".join(parts).replace(" ", "") == answer.replace(" ", "")


def test_long_names_are_shortened_after_a_whole_word():
    short = shorten(LONG_NAME, 40)
    assert len(short) <= 40 and short.endswith("…")
    kept = short.removesuffix("…").split()
    assert kept == LONG_NAME.split()[: len(kept)]  # whole words only: no particle cut off


def test_a_particle_after_a_shortened_name_follows_the_last_word_kept():
    rendered = (
        django_engine()
        .from_string('{{ name|fit:12|josa:"으로" }}')
        .render({"name": "서산시 도로관리과 포트홀보수팀"})
    )
    assert rendered == "서산시 도로관리과…로"


def django_engine():
    from django.template import engines

    return engines["notices"]


def test_a_long_department_is_shortened_in_the_signature(staff, new_complaint):
    road = Department.objects.get(name="도로과")
    road.name = LONG_NAME
    road.save()
    complaint = new_complaint()
    complaint.department, complaint.assignee = road, staff["road"]
    signature = notices.officer_signature(complaint)
    assert signature.startswith(shorten(LONG_NAME, 40)) and "담당 주무관" in signature


def test_citizen_text_is_not_html_escaped(staff, new_complaint):
    complaint = new_complaint()
    complaint.state_reason = '<도로법> 제2조 & "공공" 시설'
    assert '사유: <도로법> 제2조 & "공공" 시설' in notices.reject_text(complaint)


def test_a_city_overrides_a_notice_with_its_own_template(new_complaint, settings, tmp_path):
    (tmp_path / "notices").mkdir()
    (tmp_path / "notices" / "acknowledgement.txt").write_text(
        "[{{ city_name }} 민원콜] {{ receipt_no|josa:'이' }} 접수되었습니다.\n", encoding="utf-8"
    )
    settings.TEMPLATES = [
        {**engine, "DIRS": [tmp_path, *engine["DIRS"]]} for engine in settings.TEMPLATES
    ]
    complaint = new_complaint()
    assert notices.acknowledgement_text(complaint) == (
        f"[{settings.CITY_NAME} 민원콜] {complaint.receipt_no}이 접수되었습니다."
    )


def test_the_survey_links_to_the_status_page_only_where_it_is_not_asked_in_the_chat(
    new_complaint, monkeypatch
):
    complaint = new_complaint()
    assert "응답하기: http" in satisfaction.survey_text(complaint)
    monkeypatch.setitem(
        channel_profiles._PROFILES, "web", dataclasses.replace(KAKAO, channel="web")
    )
    assert "http" not in satisfaction.survey_text(complaint)


def test_the_pending_question_migration_splits_and_joins(new_complaint):
    migration = importlib.import_module("ontong.complaints.migrations.0011_pending_question_enum")
    complaint = new_complaint()
    identity = complaint.identity
    ChannelIdentity.objects.filter(pk=identity.pk).update(
        pending_question=f"survey_comment:{complaint.pk}"
    )
    gone = ChannelIdentity.objects.create(
        citizen=identity.citizen, channel="messenger", account="p", external_user_id="x"
    )
    ChannelIdentity.objects.filter(pk=gone.pk).update(pending_question="survey:999999")
    migration.split(apps, None)
    identity.refresh_from_db()
    gone.refresh_from_db()
    assert (identity.pending_question, identity.pending_complaint) == (
        Question.SURVEY_COMMENT,
        complaint,
    )
    assert (gone.pending_question, gone.pending_complaint) == (Question.SURVEY, None)
    migration.join(apps, None)
    identity.refresh_from_db()
    assert identity.pending_question == f"survey_comment:{complaint.pk}"

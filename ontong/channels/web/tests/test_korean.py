"""Korean that reads right to citizens: particles by 받침 and names in 성명 순서."""

import pytest

from ontong.korean import josa, person_name, with_josa


@pytest.mark.parametrize(
    ("word", "particle", "expected"),
    [
        ("2026-000051", "과", "2026-000051과"),  # 일: final ㄹ
        ("2026-000052", "과", "2026-000052와"),  # 이: no final
        ("2026-000051", "와", "2026-000051과"),  # any form of the pair may be asked for
        ("2026-000051", "으로", "2026-000051로"),  # ㄹ takes 로
        ("2026-000053", "으로", "2026-000053으로"),
        ("2026-000054", "을", "2026-000054를"),
        ("2026-000050", "은", "2026-000050은"),  # 영·십
        ("2026-000058", "이", "2026-000058이"),  # 팔
        ("도로과", "으로", "도로과로"),
        ("서울", "(으)로", "서울로"),
        ("충청남도청", "으로", "충청남도청으로"),
        ("최도로", "이", "최도로가"),
        ("홍길동", "은", "홍길동은"),
        ("SMS", "으로", "SMS로"),
        ("URL", "을", "URL을"),
        ("KTX", "와", "KTX와"),
        ("'p.jpg'", "은", "'p.jpg'는"),  # a closing quote is not read
        ("해미읍(서산)", "과", "해미읍(서산)과"),  # the parenthetical is not read
    ],
)
def test_particle_follows_the_sound_the_word_ends_in(word, particle, expected):
    assert with_josa(word, particle) == expected


def test_a_word_that_cannot_be_read_keeps_both_forms():
    assert josa("", "을") == "을(를)" and josa("★", "으로") == "(으)로"


def test_names_are_in_korean_order_unless_the_city_says_otherwise(settings):
    assert person_name("최", "도로") == "최도로"
    settings.ONTONG_NAME_ORDER = "given_family"
    assert person_name("최", "도로") == "도로 최"


@pytest.mark.django_db
def test_result_message_names_the_official_in_korean_order(staff, new_complaint):
    from ontong.complaints.models import Message
    from ontong.complaints.workflow import perform
    from ontong.org.models import Department

    officer = staff["road"]
    officer.last_name, officer.first_name = "최", "도로"
    officer.save()
    c = perform(
        new_complaint(), "assign", staff["triage"], department=Department.objects.get(name="도로과")
    )
    c = perform(c, "start", officer)
    c = perform(c, "submit", officer, answer="포트홀을 메웠습니다.")
    c = perform(c, "approve", staff["road_mgr"])
    c = perform(c, "notify", officer)
    body = c.messages.get(purpose=Message.Purpose.RESULT).body
    assert "담당: 도로과 최도로 주무관" in body and "도로 최" not in body


@pytest.mark.django_db
def test_reject_message_takes_the_particle_the_number_needs(staff, new_complaint):
    from ontong.complaints.notices import reject_text, transfer_text

    c = new_complaint()
    c.receipt_no, c.transfer_agency, c.state_reason = "2026-000051", "충청남도청", "소관 아님"
    assert "민원 2026-000051을 처리하지 못하게" in reject_text(c)
    assert "민원 2026-000051은 충청남도청 소관" in transfer_text(c)


@pytest.mark.django_db
def test_duplicate_reason_takes_the_particle_the_number_needs(staff, new_complaint):
    from ontong.complaints.workflow import perform

    first, second = new_complaint("가로등 고장"), new_complaint("가로등 고장 같아요")
    c = perform(second, "mark_duplicate", staff["triage"], duplicate_of=first.receipt_no)
    assert c.state_reason == f"{first.receipt_no}과 같은 내용"  # 2026-000001: 일 ends in ㄹ


def test_staff_pages_and_exports_name_staff_in_korean_order(settings):
    from ontong.org.models import User
    from ontong.web.templatetags.ontong import staff_name

    officer = User(username="road", last_name="최", first_name="도로")
    assert officer.get_full_name() == "최도로" and staff_name(officer) == "최도로"
    assert staff_name(User(username="nameless")) == "nameless"

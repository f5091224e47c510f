import pytest

from ontong.complaints import privacy


@pytest.mark.parametrize(
    "text",
    [
        "제 주민번호는 900101-1234567 입니다",
        "주민등록번호 9001011234567",
        "외국인 900101 5234567 이에요",
    ],
)
def test_resident_numbers_are_removed(text):
    cleaned, count = privacy.remove_rrns(text)
    assert count == 1
    assert "1234567" not in cleaned and "234567" not in cleaned
    assert privacy.RRN_REMOVED in cleaned


def test_numbers_that_are_not_resident_numbers_are_kept():
    text = "접수번호 2026-000123, 전화 041-660-2222, 금액 1234567원, 날짜 20261125"
    assert privacy.remove_rrns(text) == (text, 0)


@pytest.mark.parametrize(
    ("raw", "masked"),
    [
        ("홍길동", "홍*동"),
        ("김철", "김*"),
        ("남궁민수", "남**수"),
        ("", ""),
    ],
)
def test_names_are_masked_from_the_second_character(raw, masked):
    assert privacy.mask_name(raw) == masked


def test_phone_and_email_masks():
    assert privacy.mask_phone("010-1234-5678") == "010-****-5678"
    assert privacy.mask_phone("01012345678") == "010-****-5678"
    assert privacy.mask_email("gildong@example.kr") == "gi*****@example.kr"


def test_free_text_masking_covers_every_kind():
    text = (
        "연락은 010-1234-5678 또는 041-660-2222, 메일 gildong@example.kr, "
        "카드 1234-5678-9012-3456, 계좌 110-123-456789 입니다"
    )
    masked = privacy.mask_text(text)
    for secret in ["1234-5678", "660-2222", "gildong@", "1234-5678-9012", "123-456789"]:
        assert secret not in masked
    assert "010-****-5678" in masked and "****-****-****-3456" in masked
    assert privacy.contains_personal_data(text)
    assert not privacy.contains_personal_data("가로등이 꺼졌어요")


@pytest.mark.parametrize("written", ["+82 10-4444-5555", "+82-10-4444-5555", "+821044445555"])
def test_a_mobile_number_written_internationally_is_masked_like_any_mobile_number(written):
    """It was masked as an account number, keeping the wrong digits (+82 ***-***-555)."""
    masked = privacy.mask_text(f"연락처 {written} 로 주세요")
    assert "4444" not in masked and masked.endswith("-****-5555 로 주세요")
    assert "4444" not in privacy.without_personal_data(written)
    assert privacy.contains_personal_data(written)
    assert not privacy.MOBILE.fullmatch(written)  # not a contact number 알림톡 can send to


def test_masking_keeps_korean_and_emoji():
    assert privacy.mask_text("가로등 💡 고장 010-9999-8888") == "가로등 💡 고장 010-****-8888"


def test_calendar_dates_are_not_taken_for_account_numbers():
    note = "다시 처리: 미해결 (새 처리기한 2026-12-02 17:20) · 계좌 110-123-456789"
    masked = privacy.mask_text(note)
    assert "새 처리기한 2026-12-02 17:20" in masked
    assert "123-456789" not in masked
    assert not privacy.contains_personal_data("2026-11-03에 신고했어요")
    assert "2026-11-03" in privacy.without_personal_data("2026-11-03에 신고했어요")
    assert privacy.contains_personal_data("계좌 2026-13-0212")


@pytest.mark.parametrize(
    ("title", "shown"),
    [
        ("김철수씨가 버린 쓰레기", "김*수씨가 버린 쓰레기"),
        ("옆집 이영희 씨 개가 짖어요", "옆집 이*희 씨 개가 짖어요"),
        ("홍길동 주무관 불친절", "홍*동 주무관 불친절"),
        ("최도로 주무관님 감사합니다", "최*로 주무관님 감사합니다"),
        ("남궁민수씨 차량 010-1234-5678", "남**수씨 차량"),
        ("박원순 서울시장님 참석 회의", "박*순 서울시장님 참석 회의"),
        ("대산읍 김영수 이장님 댁 앞", "대산읍 김*수 이장님 댁 앞"),
    ],
)
def test_public_titles_mask_names_and_drop_numbers(title, shown):
    assert privacy.public_titles([title]) == [shown]


@pytest.mark.parametrize(
    "title",
    [
        "서산시 대산읍 가로등 고장",
        "석남동 도로 파손",
        "이순신로 포트홀",
        "정약용길 보도블록",
        "성연면 쓰레기 무단투기",
        "고객님 안내가 늦어요",
        "기사님이 불친절해요",
        "이장님께 말씀드렸는데",
        "성북구 통장 선출 방법",
        "흙막이 지보공 구조 검토",
        "박 주무관 답변",
    ],
)
def test_public_titles_keep_places_and_words_that_are_not_names(title):
    assert privacy.public_titles([title]) == [title]

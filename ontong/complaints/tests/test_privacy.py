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

import pytest

from ontong.org.models import Department
from ontong.org.search import (
    grouped,
    initials,
    match_rank,
    readings,
    search_departments,
)


def test_initials_of_hangul_keep_other_characters():
    assert initials("도로과") == "ㄷㄹㄱ"
    assert initials("까치 IT팀2") == "ㄲㅊ ITㅌ2"


@pytest.mark.parametrize(
    ("query", "name", "rank"),
    [
        ("ㄷㄹ", "도로과", 0),  # 초성
        ("ㄷㄹ", "건설교통국", None),
        ("ㄱㅌ", "건설교통국", 1),  # 초성 inside the name
        ("도로", "도로관리팀", 0),  # partial name
        ("관리", "도로관리팀", 1),
        ("도ㄹ", "도로보수팀", 0),  # syllable and 초성 mixed
        ("ㄷ로", "도로과", 0),
        ("도로 관리", "도로관리팀", 0),  # spaces do not matter, on either side
        ("해미면행정", "해미면 행정복지센터", 0),
        ("돌", "도로과", 0),  # the input method still composing "도로"
        ("돌", "도로돌봄팀", 0),  # the earliest reading counts: "도ㄹ" at 0, not "돌" at 2
        ("독", "도로과", None),  # …but a finished syllable must be there
        ("도", "읍내동 행정복지센터", 1),  # an unfinished last syllable: 도 → 동
        ("it", "스마트IT팀", 1),  # Latin letters, any case
        ("IT", "스마트it팀", 1),
        ("", "도로과", 0),  # nothing typed: everything, in order
        ("ㅎㅎ", "도로과", None),
        ("\u200b도로", "도로과", 0),  # a zero-width space pasted with the name
        ("도로\x1b", "도로과", 0),  # a control character
        ("\ufeffㄷㄹ", "도로과", 0),
        ("\u1103\u1105", "도로과", 0),  # leading jamo (NFD text) are 초성
    ],
)
def test_match_rank(query, name, rank):
    assert match_rank(query, name) == rank


def test_former_names_match_after_current_ones():
    assert match_rank("정보통신", "스마트정보과", ["정보통신과"]) == 2
    assert match_rank("ㅅㅁㅌ", "스마트정보과", ["정보통신과"]) == 0


def test_readings_split_a_final_consonant_only_at_the_end():
    assert readings("돌") == ["돌", "도ㄹ"]
    assert readings("도로") == ["도로"]
    assert readings("닭") == ["닭"]  # a cluster is not split


@pytest.mark.django_db
def test_search_ranks_beginnings_first_and_groups_by_bureau(city):
    everyone = list(Department.objects.filter(is_active=True))
    found = search_departments("ㄷㄹ", everyone)
    assert [d.name for d in found] == ["도로과", "도로관리팀", "도로보수팀"]
    groups = grouped(found, everyone)
    assert [(g.label, [d.name for d in g.departments]) for g in groups] == [
        ("건설교통국", ["도로과", "도로관리팀", "도로보수팀"])
    ]


@pytest.mark.django_db
def test_grouping_puts_mayor_direct_offices_and_emd_centres_in_their_own_groups(city):
    everyone = list(Department.objects.filter(is_active=True))
    groups = grouped(search_departments("", everyone), everyone)
    labels = [g.label for g in groups]
    assert labels[:5] == ["자치행정국", "복지문화국", "경제산업국", "환경녹지국", "건설교통국"]
    assert "담당관·직속 부서" in labels and labels[-1] == "읍면동 행정복지센터"
    direct = next(g for g in groups if g.key == "direct")
    assert {"공보담당관", "온통서산팀", "스마트정보과"} <= {d.name for d in direct.departments}
    farming = next(g for g in groups if g.label == "농업기술센터")
    assert [d.name for d in farming.departments][:2] == ["농업기술센터", "농업정책과"]
    assert sum(len(g.departments) for g in groups) == len(everyone)

from types import SimpleNamespace

from ontong.korean import staff_for_citizens


def official(full_name: str, username: str = "road") -> SimpleNamespace:
    return SimpleNamespace(get_full_name=lambda: full_name, username=username)


def test_an_official_is_named_with_the_title(settings):
    settings.ONTONG_STAFF_TITLE = "주무관"
    assert staff_for_citizens(official("최도로")) == "최도로 주무관"


def test_an_account_without_a_name_never_shows_its_login_name(settings):
    settings.ONTONG_STAFF_TITLE = "주무관"
    assert staff_for_citizens(official("")) == "담당 주무관"
    settings.ONTONG_STAFF_TITLE = ""
    assert staff_for_citizens(official("")) == "담당자"

from .fakes import alimtalk_on, fake_http, kakao_bot, kakao_case  # noqa: F401 - fixtures

"""Issue 16 item 10: development tools live in `ontong/devtools/`, the runtime never imports them,
and `make run` still finds them under their old command names."""

import ast
from pathlib import Path

import httpx
from django.core.management import get_commands

from ontong.devtools.meta_emulator import Emulator

ONTONG = Path(__file__).resolve().parents[2]


def imported_modules(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def test_runtime_code_never_imports_the_dev_tools():
    runtime = [
        path
        for path in ONTONG.rglob("*.py")
        if "devtools" not in path.parts and "tests" not in path.parts
    ]
    assert len(runtime) > 50  # the walk found the package
    offenders = {
        str(path.relative_to(ONTONG)): sorted(
            name for name in imported_modules(path) if name.startswith("ontong.devtools")
        )
        for path in runtime
    }
    assert {path: names for path, names in offenders.items() if names} == {}


def test_dev_commands_keep_their_names_and_come_from_devtools():
    commands = get_commands()
    for name in ["load_demo", "meta_emulator", "kakao_emulator", "run", "demo_code"]:
        assert commands[name] == "ontong.devtools"
    assert commands["worker"] == "ontong.web" and commands["serve"] == "ontong.web"


def test_the_emulator_serves_the_citizen_simulator_from_devtools():
    emulator = Emulator(
        page_id="1", app_secret="s", token="t", webhook_url="http://127.0.0.1:9/unused"
    ).start()
    try:
        page = httpx.get(emulator.base_url + "/", timeout=5)
    finally:
        emulator.stop()
    assert page.status_code == 200
    assert "text/html" in page.headers["content-type"] and "<form" in page.text.lower()


def test_ontong_run_starts_the_kakao_emulator_at_its_skill_url_and_shows_both_simulators(
    monkeypatch, settings
):
    import io
    import subprocess

    from django.core.management import call_command

    from ontong.devtools.demo import DEMO_KAKAO
    from ontong.devtools.management.commands import run

    settings.ONTONG_KAKAO_MEDIA_HOSTS = ["kakaocdn.net"]  # restored after the test
    settings.ONTONG_KAKAO_CALLBACK_HOSTS = ["kakao.com"]
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"  # production's
    monkeypatch.delenv("ONTONG_EMAIL_BACKEND", raising=False)
    monkeypatch.setenv("ONTONG_PRELOAD_NLP", "0")
    started: list[list[str]] = []
    envs: list[dict] = []

    class Child:
        def __init__(self, args, env=None):
            started.append(args)
            envs.append(env or {})

        def terminate(self):
            pass

        def wait(self, timeout=None):
            return 0

    monkeypatch.setattr(subprocess, "Popen", Child)
    monkeypatch.setattr(run, "call_command", lambda *args, **kwargs: None)
    monkeypatch.setattr(run.metrics, "reset_multiprocess_dir", lambda: None)
    out = io.StringIO()
    call_command("run", "127.0.0.1:8765", stdout=out)

    kakao = next(args for args in started if "kakao_emulator" in args)
    assert kakao[kakao.index("--port") + 1] == "8002"
    skill_url = kakao[kakao.index("--skill-url") + 1]
    assert skill_url == f"http://127.0.0.1:8765/channels/kakao/skill/{DEMO_KAKAO['bot_id']}/"
    assert DEMO_KAKAO["bot_api_url"] == "http://127.0.0.1:8002"  # the demo bot calls it back
    assert any("meta_emulator" in args for args in started)
    printed = out.getvalue()
    assert "시민 시뮬레이터(메신저): http://127.0.0.1:8001/" in printed
    assert "시민 시뮬레이터(카카오톡): http://127.0.0.1:8002/" in printed
    assert "127.0.0.1" in settings.ONTONG_KAKAO_MEDIA_HOSTS  # the emulator's photos, demo only
    assert "보낸 이메일" in printed and "http://127.0.0.1:8001/_emulator/mail" in printed
    worker_env = next(env for args, env in zip(started, envs, strict=True) if "worker" in args)
    assert worker_env["ONTONG_EMAIL_BACKEND"].endswith("filebased.EmailBackend")
    assert settings.EMAIL_BACKEND == worker_env["ONTONG_EMAIL_BACKEND"]


def test_the_demo_e_mails_written_to_the_var_dir_are_shown_by_the_emulator(settings, tmp_path):
    """No mail server in the demo: the file backend writes to the var dir (`ontong run` gives
    it to its worker, above) and the messenger emulator's /_emulator/mail shows what was sent."""
    from django.core import mail

    settings.EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    settings.EMAIL_FILE_PATH = tmp_path
    mail.send_mail(
        "[서산시] 민원 처리 결과 <안내>", "가로등을 고쳤습니다.", None, ["a@example.com"]
    )
    emulator = Emulator(
        page_id="1", app_secret="s", token="t", webhook_url="http://127.0.0.1:9/", mail_dir=tmp_path
    ).start()
    try:
        page = httpx.get(emulator.base_url + "/_emulator/mail", timeout=5)
    finally:
        emulator.stop()
    assert page.status_code == 200 and "text/html" in page.headers["content-type"]
    assert (
        "[서산시] 민원 처리 결과 &lt;안내&gt;" in page.text and "가로등을 고쳤습니다." in page.text
    )


def test_ontong_run_loads_the_analyser_and_routing_model_before_serving(monkeypatch, settings):
    """The first message to a freshly started demo server took more than 5 seconds (the Korean
    analyser loaded inside it): both are ready before runserver accepts a request."""
    import io
    import subprocess

    from django.core.management import call_command

    from ontong.devtools.management.commands import run
    from ontong.web.management.commands import serve

    settings.ONTONG_KAKAO_MEDIA_HOSTS = ["kakaocdn.net"]  # restored after the test
    settings.ONTONG_KAKAO_CALLBACK_HOSTS = ["kakao.com"]
    settings.ONTONG_ANALYSER_SOCKET = ""
    monkeypatch.setenv("ONTONG_PRELOAD_NLP", "1")
    order: list[str] = []

    class Analyser:
        def tokenize(self, text):
            order.append("analyser")

    class Child:
        def __init__(self, args, env=None):
            pass

        def terminate(self):
            pass

        def wait(self, timeout=None):
            return 0

    monkeypatch.setattr(subprocess, "Popen", Child)
    monkeypatch.setattr(serve, "kiwi", Analyser)
    monkeypatch.setattr(serve, "function_model", lambda: order.append("routing model"))
    monkeypatch.setattr(run, "call_command", lambda *args, **kwargs: order.append(args[0]))
    monkeypatch.setattr(run.metrics, "reset_multiprocess_dir", lambda: None)
    call_command("run", "127.0.0.1:8765", stdout=io.StringIO())
    assert order == ["analyser", "routing model", "runserver"]
    assert "127.0.0.1" in settings.ONTONG_KAKAO_CALLBACK_HOSTS  # the emulator's callbacks

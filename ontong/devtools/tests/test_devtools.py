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

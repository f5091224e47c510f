"""Production mode (ONTONG_ENV=production) in a fresh process, as an operator starts it:
collectstatic works, pages use the hashed static files, the deploy check tells when the manifest
is missing, and the error pages are the friendly ones."""

import json
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
HOST = "minwon.example.kr"


def ontong(env, *args, check=True):
    result = subprocess.run(
        [sys.executable, "-m", "ontong", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    if check:
        assert result.returncode == 0, result.stdout + result.stderr
    return result


def production_env(var_dir: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    env.pop("DATABASE_URL", None)  # SQLite in var_dir
    env.pop("ONTONG_DEBUG", None)
    return {
        **env,
        "ONTONG_ENV": "production",
        "ONTONG_SECRET_KEY": "test-only-" + "k" * 50,
        "ONTONG_ALLOWED_HOSTS": HOST,
        "ONTONG_CSRF_TRUSTED_ORIGINS": f"https://{HOST}",
        "ONTONG_SITE_URL": f"https://{HOST}",
        "ONTONG_VAR_DIR": str(var_dir),
        "ONTONG_INTAKE_RATE": "1/h",
        "ONTONG_PRELOAD_NLP": "0",
    }


@pytest.fixture(scope="module")
def production(tmp_path_factory):
    """A production install: collectstatic, then migrate (the order docs/deployment.md gives)."""
    env = production_env(tmp_path_factory.mktemp("production"))
    collected = ontong(env, "collectstatic", "--noinput", check=False)
    ontong(env, "migrate", "--verbosity", "0")
    return env, collected


PROBE = textwrap.dedent(
    """
    import json, sys
    import django
    django.setup()
    from django.test import Client
    from django.test.utils import override_settings

    proxied = {"HTTP_HOST": %(host)r, "HTTP_X_FORWARDED_PROTO": "https"}
    out = {}
    with override_settings(ROOT_URLCONF="ontong.web.tests.error_urls"):
        client = Client(raise_request_exception=False, **proxied)
        for path in sys.argv[1:]:
            response = client.get(path)
            body = b"".join(response) if response.streaming else response.content
            out[path] = [response.status_code, response.get("Content-Type", ""),
                         body.decode("utf-8", "replace")]
        out["foreign host"] = [client.get("/minwon/", HTTP_HOST="evil.example").status_code,
                               "", client.get("/minwon/", HTTP_HOST="evil.example").content.decode()]
        strict = Client(enforce_csrf_checks=True, **proxied)
        refused = strict.post("/minwon/", {"body": "x"})
        out["csrf"] = [refused.status_code, "", refused.content.decode()]
        client.post("/minwon/", {})
        limited = client.post("/minwon/", {})
        out["ratelimit"] = [limited.status_code, "", limited.content.decode()]
    print(json.dumps(out))
    """
) % {"host": HOST}


def probe(env, *paths) -> dict:
    result = subprocess.run(
        [sys.executable, "-c", PROBE, *paths],
        cwd=ROOT,
        env={**env, "DJANGO_SETTINGS_MODULE": "ontong.settings"},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_collectstatic_succeeds_in_production_mode(production):
    env, collected = production
    assert collected.returncode == 0, collected.stdout + collected.stderr
    manifest = json.loads((Path(env["ONTONG_VAR_DIR"]) / "static" / "staticfiles.json").read_text())
    assert "ontong.css" in manifest["paths"]
    assert "vendor/chart-4.6.1.umd.min.js" in manifest["paths"]


def test_pages_use_hashed_static_files_that_are_served(production):
    env, _ = production
    first = probe(env, "/minwon/")
    status, _, page = first["/minwon/"]
    assert status == 200, page[:500]
    css = re.search(r'href="(/static/ontong\.[0-9a-f]{12}\.css)"', page)
    js = re.search(r'src="(/static/vendor/htmx-2\.0\.11\.min\.[0-9a-f]{12}\.js)"', page)
    assert css and js, page[:800]
    files = probe(env, css[1], js[1], "/favicon.ico")
    assert files[css[1]][0] == 200 and files[css[1]][1].startswith("text/css")
    assert files[js[1]][0] == 200 and "javascript" in files[js[1]][1]
    assert files["/favicon.ico"][0] == 200


def test_error_pages_are_the_friendly_ones_in_production(production):
    env, _ = production
    seen = probe(env, "/no-such-page/", "/__test__/400/", "/__test__/403/", "/__test__/500/")
    expected = {
        "/no-such-page/": (404, "찾는 화면이 없습니다"),
        "/__test__/400/": (400, "잘못된 요청입니다"),
        "foreign host": (400, "잘못된 요청입니다"),
        "/__test__/403/": (403, "볼 수 있는 권한이 없습니다"),
        "csrf": (403, "보안 확인에 실패했습니다"),
        "/__test__/500/": (500, "잠시 문제가 생겼습니다"),
        "ratelimit": (429, "짧은 시간에 너무 많이 보내셔서"),  # the form, kept as typed
    }
    for key, (status, heading) in expected.items():
        got_status, _, page = seen[key]
        assert got_status == status, (key, page[:300])
        assert heading in page and 'href="/minwon/status/"' in page, (key, page[:300])
        assert "Traceback" not in page and "Server Error" not in page, key
    assert re.search(r"/static/ontong\.[0-9a-f]{12}\.css", seen["/__test__/500/"][2])


def test_check_deploy_passes_once_collected_and_fails_without_the_manifest(production, tmp_path):
    env, _ = production
    ok = ontong(env, "check", "--deploy", "--fail-level", "WARNING", check=False)
    assert ok.returncode == 0, ok.stdout + ok.stderr

    bare = production_env(tmp_path)  # nothing collected
    refused = ontong(bare, "check", "--deploy", check=False)
    assert refused.returncode != 0
    assert "ontong.E001" in refused.stderr and "collectstatic" in refused.stderr


def test_check_deploy_names_static_files_collected_before_an_upgrade(production, tmp_path):
    env, _ = production
    manifest_file = Path(env["ONTONG_VAR_DIR"]) / "static" / "staticfiles.json"
    stale = tmp_path / "static"
    stale.mkdir()
    manifest = json.loads(manifest_file.read_text())
    del manifest["paths"]["ontong.css"]
    (stale / "staticfiles.json").write_text(json.dumps(manifest))
    refused = ontong({**env, "ONTONG_VAR_DIR": str(tmp_path)}, "check", "--deploy", check=False)
    assert refused.returncode != 0
    assert "ontong.E002" in refused.stderr and "ontong.css" in refused.stderr


def test_serve_refuses_to_start_without_collected_static_files(tmp_path):
    refused = ontong(production_env(tmp_path), "serve", "--task-workers", "0", check=False)
    assert refused.returncode != 0
    assert "collectstatic" in refused.stderr


def test_the_smoke_runs_the_documented_steps_in_order():
    """scripts/smoke.py (run by CI) reads its commands from docs/deployment.md; the doc must collect
    static files and check the deployment before serving."""
    sys.path.insert(0, str(ROOT / "scripts"))
    try:
        import smoke  # type: ignore[import-not-found]  # scripts/ is on sys.path only here
    finally:
        sys.path.pop(0)
    variables, commands = smoke.documented_steps()
    names = [" ".join(command[1:2]) for command in commands]
    assert names.index("collectstatic") < names.index("serve")
    assert names.index("migrate") < names.index("serve")
    assert ["ontong", "check", "--deploy", "--fail-level", "WARNING"] in commands
    assert {"ONTONG_ENV", "ONTONG_SECRET_KEY", "ONTONG_ALLOWED_HOSTS"} <= variables
    assert smoke.with_bind(["serve", "--bind", "127.0.0.1:8000"], "127.0.0.1:9") == [
        "serve",
        "--bind",
        "127.0.0.1:9",
    ]


def test_serve_writes_every_log_line_as_json(tmp_path):
    """docs/deployment.md: `ontong serve` logs one JSON object per line — the web workers'
    Django logs too (a 404 warning here), not only the access log and the task workers."""
    import signal
    import socket
    import time

    import httpx

    env = {k: v for k, v in os.environ.items() if k not in {"ONTONG_LOG_JSON", "DATABASE_URL"}}
    env |= {"ONTONG_VAR_DIR": str(tmp_path), "ONTONG_PRELOAD_NLP": "0"}
    ontong(env, "migrate", "--verbosity", "0")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    args = ["--bind", f"127.0.0.1:{port}", "--web-workers", "1", "--task-workers", "0"]
    serve = subprocess.Popen(
        [sys.executable, "-m", "ontong", "serve", "--no-analyser", *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        for _ in range(120):
            try:
                if (
                    httpx.get(f"http://127.0.0.1:{port}/no-such-page/", timeout=2).status_code
                    == 404
                ):
                    break
            except httpx.HTTPError:
                time.sleep(0.5)
        else:
            pytest.fail("ontong serve did not answer")
    finally:
        serve.send_signal(signal.SIGTERM)
        output, _ = serve.communicate(timeout=60)
    logged = [line for line in output.splitlines() if line.startswith(("{", "20"))]
    assert any("Not Found" in line for line in logged), output
    for line in logged:
        try:
            json.loads(line)
        except ValueError:
            pytest.fail(f"not JSON: {line}")

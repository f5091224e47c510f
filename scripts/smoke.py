"""Production smoke: start Ontong exactly as docs/deployment.md tells an operator, then walk it as
every demo user and as a citizen, behind the documented reverse-proxy headers.

    python scripts/smoke.py                      # SQLite in a fresh temporary directory
    python scripts/smoke.py --database postgres://ontong:ontong@127.0.0.1:5432/ontong_smoke
                                                 # that database is created fresh and dropped after

Prints one line per check and exits 1 if any failed. The server and the temporary directory (and a
PostgreSQL database it created) are removed even when a check fails or the run is interrupted.
Standard library and httpx only.
"""

import argparse
import base64
import hashlib
import hmac
import os
import re
import secrets
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from html.parser import HTMLParser
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import httpx

ROOT = Path(__file__).resolve().parents[1]
HOST = "minwon.example.go.kr"  # the city's public name, as in docs/deployment.md
ORIGIN = f"https://{HOST}"
CLIENT_IP = "203.0.113.7"  # what nginx puts in X-Forwarded-For
DEMO_PASSWORD = "ontong-demo"  # noqa: S105 - the demo's published password
ROLES = [
    "admin",
    "triage",
    "pr",
    "pr_writer",
    "road",
    "road_mgr",
    "traffic",
    "traffic_mgr",
    "waste",
    "waste_mgr",
    "water",
    "water_mgr",
]
DEPTH = 2  # pages reachable within two clicks of where a user lands, one per URL shape
SKIP = re.compile(r"^/(logout/|i18n/|admin/logout/|static/|media/)|/delete/")
CONTENT_TYPES = {
    "stylesheet": ("text/css",),
    "script": ("text/javascript", "application/javascript"),
}


class Failed(Exception):
    pass


@dataclass
class Report:
    failures: list[str] = field(default_factory=list)
    passed: int = 0

    def check(self, ok: bool, what: str, detail: str = "") -> bool:
        if ok:
            self.passed += 1
            print(f"  ok    {what}")
        else:
            self.failures.append(f"{what} {detail}".strip())
            print(f"  FAIL  {what} {detail}".rstrip())
        return ok


class Links(HTMLParser):
    """Same-site links, stylesheets and scripts of one HTML page, and its form tokens."""

    def __init__(self):
        super().__init__()
        self.links: list[str] = []
        self.assets: list[tuple[str, str]] = []
        self.csrf = ""

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "a" and a.get("href"):
            self.links.append(a["href"])
        elif tag == "link" and a.get("rel") == "stylesheet" and a.get("href"):
            self.assets.append(("stylesheet", a["href"]))
        elif tag == "script" and a.get("src"):
            self.assets.append(("script", a["src"]))
        elif tag == "input" and a.get("name") == "csrfmiddlewaretoken":
            self.csrf = a.get("value") or ""


def parse(html: str) -> Links:
    parser = Links()
    parser.feed(html)
    return parser


class Browser:
    """Talks plain HTTP to the loopback server as nginx would after ending TLS: Host,
    X-Forwarded-Proto https and X-Forwarded-For on every request. Keeps cookies itself because
    they are Secure (a cookie jar would not send them over http://)."""

    def __init__(self, base: str):
        self.http = httpx.Client(base_url=base, timeout=60, follow_redirects=False)
        self.cookies: dict[str, str] = {}
        self.secure_cookies: dict[str, bool] = {}
        self.path = "/"  # where the last GET ended, after redirects

    def request(
        self, method: str, path: str, *, proxied=True, host=HOST, **kwargs
    ) -> httpx.Response:
        headers = {"Host": host, **kwargs.pop("headers", {})}
        if proxied:
            headers |= {"X-Forwarded-Proto": "https", "X-Forwarded-For": CLIENT_IP}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        response = self.http.request(method, path, headers=headers, **kwargs)
        for header in response.headers.get_list("set-cookie"):
            cookie = SimpleCookie()
            cookie.load(header)
            for name, morsel in cookie.items():
                self.secure_cookies[name] = bool(morsel["secure"])
                if morsel["max-age"] == "0" or not morsel.value:
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.value
        return response

    def get(self, path: str, **kwargs) -> httpx.Response:
        """GET, following redirects that stay on the site (as a browser would)."""
        for _ in range(10):
            response = self.request("GET", path, **kwargs)
            if response.status_code not in (301, 302, 303, 307, 308):
                self.path = path
                return response
            path = self.local(response.headers["location"], path)
            if path is None:
                raise Failed(f"redirect off the site: {response.headers['location']}")
        raise Failed("too many redirects")

    def post_form(self, path: str, data: dict, referer: str) -> httpx.Response:
        page = parse(self.get(referer).text)
        response = self.request(
            "POST",
            path,
            data={"csrfmiddlewaretoken": page.csrf, **data},
            headers={"Origin": ORIGIN, "Referer": f"{ORIGIN}{referer}"},
        )
        if response.status_code in (301, 302, 303):
            return self.get(self.local(response.headers["location"], path))
        return response

    @staticmethod
    def local(href: str, current: str) -> str | None:
        """The path of a same-site link (relative, absolute-path or https://HOST/...)."""
        url = urlsplit(urljoin(f"{ORIGIN}{current}", href))
        if url.scheme != "https" or url.netloc != HOST:
            return None
        return url.path + (f"?{url.query}" if url.query else "")


def shape(path: str) -> str:
    """/complaints/2026-000012/?page=2 and /complaints/2026-000013/?page=3 are one page shape."""
    url = urlsplit(path)
    keys = sorted(part.split("=")[0] for part in url.query.split("&") if part)
    return re.sub(r"\d+", "N", url.path) + ("?" + "&".join(keys) if keys else "")


def check_assets(browser: Browser, report: Report, page_path: str, html: str, seen: set) -> None:
    for kind, href in parse(html).assets:
        path = browser.local(href, page_path)
        if path is None or path in seen:
            continue
        seen.add(path)
        response = browser.request("GET", path)
        ctype = response.headers.get("content-type", "")
        report.check(
            response.status_code == 200 and ctype.startswith(CONTENT_TYPES[kind]),
            f"{kind} {path}",
            f"→ {response.status_code} {ctype}",
        )


def walk(browser: Browser, report: Report, start: str, who: str, assets: set) -> int:
    """Every page within DEPTH clicks of start, one per URL shape: 200 with its CSS and JS."""
    queue, shapes, visited = [(start, 0)], {shape(start)}, 0
    while queue:
        path, depth = queue.pop(0)
        response = browser.get(path)
        visited += 1
        ctype = response.headers.get("content-type", "")
        if not report.check(
            response.status_code == 200, f"{who} {path}", f"→ {response.status_code}"
        ):
            continue
        if not ctype.startswith("text/html"):
            continue
        check_assets(browser, report, path, response.text, assets)
        if depth >= DEPTH:
            continue
        for href in parse(response.text).links:
            link = browser.local(href, path)
            if link is None or SKIP.search(link) or shape(link) in shapes:
                continue
            shapes.add(shape(link))
            queue.append((link, depth + 1))
    return visited


def friendly(response: httpx.Response, status: int) -> bool:
    return response.status_code == status and f'data-status="{status}"' in response.text


def check_citizen(browser: Browser, report: Report, demo_status_link: str, assets: set) -> None:
    print("== citizen")
    for path in ["/minwon/", "/minwon/status/", demo_status_link]:
        response = browser.get(path)
        report.check(
            response.status_code == 200,
            f"citizen {path.split('?')[0]}",
            f"→ {response.status_code}",
        )
        check_assets(browser, report, path, response.text, assets)
    receipt = browser.post_form(
        "/minwon/",
        {"body": "스모크 시험: 시청 앞 가로등이 꺼져 있어요."},
        referer="/minwon/",
    )
    report.check(
        receipt.status_code == 200 and re.search(r"\d{4}-\d{6}", receipt.text) is not None,
        "citizen submits the form and sees the status page with a receipt number",
        f"→ {receipt.status_code}",
    )
    report.check(
        browser.get("/favicon.ico").headers.get("content-type", "").startswith("image/"),
        "/favicon.ico is an icon",
    )


def check_errors(base: str, report: Report) -> None:
    print("== error pages and proxy")
    anonymous = Browser(base)
    report.check(friendly(anonymous.get("/no-such-page/"), 404), "unknown URL → friendly 404")
    report.check(
        friendly(anonymous.get("/minwon/", host="evil.example"), 400), "foreign Host → friendly 400"
    )
    refused = anonymous.request(
        "POST",
        "/minwon/",
        data={"body": "x"},
        headers={"Origin": ORIGIN, "Referer": f"{ORIGIN}/minwon/"},
    )
    report.check(friendly(refused, 403), "form without CSRF token → friendly 403")
    plain = anonymous.request("GET", "/minwon/", proxied=False)
    report.check(
        plain.status_code == 301
        and plain.headers.get("location", "").startswith(f"https://{HOST}/"),
        "plain HTTP without the proxy header → redirect to https",
        f"→ {plain.status_code} {plain.headers.get('location', '')}",
    )
    report.check(
        anonymous.request("GET", "/healthz", proxied=False).status_code == 200, "/healthz over HTTP"
    )
    report.check(anonymous.get("/readyz").status_code == 200, "/readyz")


def check_staff(base: str, report: Report, assets: set) -> None:
    for username in ROLES:
        print(f"== {username}")
        browser = Browser(base)
        landing = browser.post_form(
            "/login/", {"username": username, "password": DEMO_PASSWORD}, referer="/login/"
        )
        logged_in = "sessionid" in browser.cookies and landing.status_code == 200
        if not report.check(logged_in, f"{username} logs in", f"→ {landing.status_code}"):
            continue
        if browser.path.startswith(ENROL_PATH):
            landing = enrol_authenticator(browser, landing.text)
            report.check(
                not browser.path.startswith(ENROL_PATH) and landing.status_code == 200,
                f"{username} connects an authenticator app (2단계 인증) as a first admin would",
                f"→ {browser.path} {landing.status_code}",
            )
        report.check(
            browser.secure_cookies.get("sessionid") and browser.secure_cookies.get("csrftoken"),
            f"{username}: session and CSRF cookies are Secure",
        )
        start = browser.path
        pages = walk(browser, report, start, username, assets)
        print(f"   {username}: {pages} pages")


# --- the operator's steps (docs/deployment.md) ----------------------------------------------


ENROL_PATH = "/account/two-factor/"


def totp(secret: str, at: float | None = None) -> str:
    """RFC 6238 (SHA-1, 30 s, 6 digits): what the admin's authenticator app shows."""
    key = base64.b32decode(secret.replace(" ", "").upper())
    counter = int((time.time() if at is None else at) // 30).to_bytes(8, "big")
    digest = hmac.new(key, counter, hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    return f"{int.from_bytes(digest[offset : offset + 4], 'big') & 0x7FFFFFFF:06d}"[-6:]


def enrol_authenticator(browser: "Browser", page: str) -> httpx.Response:
    """Type the secret shown on the enrolment page into an 'app' and confirm with its code;
    then continue past the recovery codes."""
    secret = re.search(r'data-testid="totp-secret">([A-Z2-7 ]+)<', page)
    if secret is None:
        raise Failed("the enrolment page shows no secret to type in")
    codes = browser.post_form(ENROL_PATH, {"token": totp(secret.group(1))}, referer=browser.path)
    onward = re.search(
        r'id="recovery-continue" href="([^"]*)"|href="([^"]*)" id="recovery-continue"', codes.text
    )
    if onward is None:
        return codes
    return browser.get(browser.local(onward.group(1) or onward.group(2), ENROL_PATH) or "/")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def ontong(env: dict, *args: str) -> str:
    print(f"$ ontong {' '.join(args)}")
    result = subprocess.run(  # noqa: S603
        [sys.executable, "-m", "ontong", *args],
        env=env,
        cwd=env["ONTONG_VAR_DIR"],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    if result.returncode != 0:
        raise Failed(
            f"ontong {' '.join(args)} exited {result.returncode}:\n{result.stdout}{result.stderr}"
        )
    return result.stdout


def operator_env(var_dir: str, database: str | None) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ONTONG_", "DJANGO_"))}
    env.pop("DATABASE_URL", None)
    env |= {
        "ONTONG_ENV": "production",
        "ONTONG_SECRET_KEY": secrets.token_urlsafe(50),
        "ONTONG_ALLOWED_HOSTS": HOST,
        "ONTONG_CSRF_TRUSTED_ORIGINS": ORIGIN,
        "ONTONG_SITE_URL": ORIGIN,
        "ONTONG_VAR_DIR": var_dir,
        # Smaller than the CPU-sized default: CI machines are shared.
        "ONTONG_WEB_WORKERS": "2",
        "ONTONG_TASK_WORKERS": "1",
        "PYTHONPATH": str(ROOT),
    }
    if database:
        env["DATABASE_URL"] = database
    return env


def fresh_postgres(url: str, *, drop_only=False) -> None:
    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    admin = parts._replace(scheme="postgresql", path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True, connect_timeout=5) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if not drop_only:
            conn.execute(f'CREATE DATABASE "{name}"')


def demo_status_link(env: dict) -> str:
    code = (
        "from ontong.complaints.models import Complaint, State;"
        "from ontong.complaints.notices import status_url;"
        "c = Complaint.objects.filter(state=State.NOTIFIED).order_by('pk').first()"
        " or Complaint.objects.order_by('pk').first();"
        "print(status_url(c))"
    )
    link = urlsplit(ontong(env, "shell", "-c", code).strip().splitlines()[-1])
    return f"{link.path}?{link.query}"  # the link a citizen was sent, as its path on this site


def wait_ready(base: str, server: subprocess.Popen) -> None:
    for _ in range(240):
        if server.poll() is not None:
            raise Failed(f"ontong serve exited {server.returncode}")
        try:
            if httpx.get(f"{base}/readyz", headers={"Host": HOST}, timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise Failed("ontong serve did not become ready in 120 s")


def stop(server: subprocess.Popen) -> None:
    """SIGTERM to serve's own process group (gunicorn, workers, analyser), then SIGKILL."""
    if server.poll() is None:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=40)
        except subprocess.TimeoutExpired:
            pass
    try:
        os.killpg(server.pid, signal.SIGKILL)  # anything left of the group
    except ProcessLookupError:
        pass
    server.wait()


def with_bind(args: list[str], address: str) -> list[str]:
    """The documented `serve` arguments, listening on the smoke's free loopback port."""
    out, skip = [], False
    for arg in args:
        if skip:
            skip = False
        elif arg == "--bind":
            skip = True
        elif not arg.startswith("--bind="):
            out.append(arg)
    return [*out, "--bind", address]


def documented_steps() -> tuple[set[str], list[list[str]]]:
    """The variables and `ontong` commands of docs/deployment.md's single-machine block: the smoke
    runs what the operator is told, not a copy of it."""
    text = (ROOT / "docs" / "deployment.md").read_text()
    block = re.search(r"## 한 기계.*?```sh\n(.*?)```", text, re.S)
    if block is None:
        raise Failed("docs/deployment.md: no ```sh block under '## 한 기계'")
    code = "\n".join(line.split("#")[0] for line in block[1].splitlines())
    variables = set(re.findall(r"(?:^|\s)([A-Z][A-Z0-9_]+)=", code))
    commands = [shlex.split(line) for line in code.splitlines() if line.startswith("ontong ")]
    return variables, commands


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--database", help="DATABASE_URL (PostgreSQL: created fresh, dropped after)"
    )
    args = parser.parse_args()
    label = "PostgreSQL" if args.database else "SQLite"
    report = Report()
    var_dir = tempfile.mkdtemp(prefix="ontong-smoke-")
    server = None
    log = open(os.path.join(var_dir, "serve.log"), "w+")  # noqa: SIM115 - closed in finally
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # run the cleanup when CI stops us
    try:
        if args.database:
            fresh_postgres(args.database)
        env = operator_env(var_dir, args.database)
        variables, commands = documented_steps()
        unknown = variables - set(env) - {"DATABASE_URL"}
        if unknown:
            raise Failed(f"docs/deployment.md sets {sorted(unknown)}: give them a value here")
        print(f"== production start on {label} in {var_dir} (docs/deployment.md)")
        print(f"   {' '.join(sorted(variables))}")
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        for command in commands:
            if command[1] != "serve":
                ontong(env, *command[1:])
                continue
            serve = with_bind(command[1:], f"127.0.0.1:{port}")
            print(f"$ ontong {' '.join(serve)}")
            server = subprocess.Popen(  # noqa: S603
                [sys.executable, "-m", "ontong", *serve],
                env=env,
                cwd=var_dir,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group, stopped as one
            )
        if server is None:
            raise Failed("docs/deployment.md does not start `ontong serve`")
        wait_ready(base, server)
        assets: set[str] = set()
        check_errors(base, report)
        check_citizen(Browser(base), report, demo_status_link(env), assets)
        check_staff(base, report, assets)
    except Failed as exc:
        report.failures.append(str(exc))
        print(f"  FAIL  {exc}")
    finally:
        if server is not None:
            stop(server)
            if report.failures:
                log.seek(0)
                print("== last lines of the server log")
                print("".join(log.readlines()[-40:]))
        log.close()
        shutil.rmtree(var_dir, ignore_errors=True)
        if args.database:
            try:
                fresh_postgres(args.database, drop_only=True)
            except Exception as exc:  # noqa: BLE001 - reported, the run's result stands
                print(f"  (could not drop the smoke database: {exc})")
    print(f"== smoke on {label}: {report.passed} checks passed, {len(report.failures)} failed")
    for failure in report.failures:
        print(f"   - {failure}")
    return 1 if report.failures else 0


if __name__ == "__main__":
    sys.exit(main())

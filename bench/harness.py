"""What the serving benchmarks share: signed Messenger webhooks with real Korean text, a fresh
database (SQLite in a temporary folder, or a PostgreSQL database on loopback), the Graph API
emulator, and `ontong serve` started and waited for."""

import hashlib
import hmac
import json
import os
import random
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DATA = ROOT.parent / "shared" / "data"
PAGE, SECRET, TOKEN = "300000000000001", "bench-secret", "bench-token"
PG_SERVER = "postgres://ontong:ontong@127.0.0.1:5432"
SHORT_TEXTS = [
    "집 앞 도로에 포트홀이 생겨서 위험합니다",
    "가로등이 사흘째 꺼져 있어요",
    "공원 화장실이 너무 더러워요 😢",
    "불법 주정차 때문에 버스가 못 지나가요",
    "쓰레기 무단투기가 심합니다. 단속해 주세요",
    "추가로 사진 보냅니다. 위치는 시청 앞 사거리예요",
]


def sign(body: bytes, secret: str = SECRET) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def korean_messages(count: int, seed: int = 0) -> list[str]:
    """Messenger-length messages (one to three sentences, up to 600 characters) cut from the
    real complaints in ../shared/data, or the short built-in ones when the data is absent."""
    sentences = []
    if DATA.exists():
        from ontong.routing.tables import joined_text, read_rows

        for name, columns in [
            ("kalis_minwon_20240101.cp949.csv", ["제목", "문의내용"]),
            ("ongjin_complaints_class_ex.xlsx", ["민원제목", "민원요지"]),
        ]:
            for row in read_rows(DATA / name):
                text = joined_text(row, columns)
                sentences += [
                    s.strip() for s in re.split(r"(?<=[.?!다요])\s+|\n", text) if len(s.strip()) > 5
                ]
    sentences = sentences or SHORT_TEXTS
    rng = random.Random(seed)
    return [
        " ".join(rng.choice(sentences) for _ in range(rng.randint(1, 3)))[:600]
        for _ in range(count)
    ]


def message_body(mid: str, psid: str, text: str) -> bytes:
    now = int(time.time() * 1000)
    payload = {
        "object": "page",
        "entry": [
            {
                "id": PAGE,
                "time": now,
                "messaging": [
                    {
                        "sender": {"id": psid},
                        "recipient": {"id": PAGE},
                        "timestamp": now,
                        "message": {"mid": mid, "text": text},
                    }
                ],
            }
        ],
    }
    return json.dumps(payload, ensure_ascii=False).encode()


def environment(database_url: str = "", **extra: str) -> dict[str, str]:
    """Settings for the server under test: its own var folder, quiet logs, no intake limit."""
    env = {
        **os.environ,
        "ONTONG_VAR_DIR": tempfile.mkdtemp(prefix="ontong-bench-"),
        "DJANGO_SETTINGS_MODULE": "ontong.settings",
        "ONTONG_LOG_LEVEL": "WARNING",
        "ONTONG_INTAKE_RATE": "1000000/h",
        **extra,
    }
    env.pop("DATABASE_URL", None)
    if database_url:
        env["DATABASE_URL"] = database_url
    return env


def postgres_database(name: str) -> str:
    """A fresh database on the loopback PostgreSQL (started with scripts/postgres.sh if needed)."""
    import psycopg

    try:
        admin = psycopg.connect(f"{PG_SERVER}/ontong", autocommit=True, connect_timeout=3)
    except psycopg.OperationalError:
        subprocess.run(["bash", str(ROOT / "scripts" / "postgres.sh"), "start"], check=True)
        admin = psycopg.connect(f"{PG_SERVER}/ontong", autocommit=True, connect_timeout=10)
    with admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')
    return f"{PG_SERVER}/{name}"


def ontong(env: dict, *command: str) -> None:
    subprocess.run([sys.executable, "-m", "ontong", *command], cwd=ROOT, env=env, check=True)


def prepare(env: dict, graph_url: str = "http://127.0.0.1:9/v25.0") -> None:
    """Migrate and register the page whose app secret signs the benchmark's webhooks."""
    ontong(env, "migrate", "--verbosity", "0")
    ontong(
        env,
        "shell",
        "-c",
        "from ontong.channels.meta.models import MetaAccount;"
        f"MetaAccount.objects.create(kind='page', external_id='{PAGE}', name='bench',"
        f"app_secret='{SECRET}', page_token='{TOKEN}', graph_url='{graph_url}')",
    )


def start_emulator(port: int, answer_seconds: float = 0.0):
    """The Graph API emulator for a server on this port, echoing every send back as Meta does;
    its Send API answers after answer_seconds."""
    from ontong.devtools.meta_emulator import Emulator

    return Emulator(
        page_id=PAGE,
        app_secret=SECRET,
        token=TOKEN,
        webhook_url=f"http://127.0.0.1:{port}/webhooks/meta/",
        echoes=True,
        answer_seconds=answer_seconds,
    ).start()


def start_s3():
    """A local S3 (moto's server) with a new private bucket, for media shared by several nodes."""
    import logging

    from moto.server import ThreadedMotoServer

    from ontong.tests.s3 import new_bucket

    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # a line per S3 request otherwise
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=free_port(), verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    return new_bucket(f"http://{host}:{port}")


def serve(
    env: dict, port: int, web_workers: int | None = None, task_workers: int | None = None
) -> subprocess.Popen:
    """`ontong serve` on loopback; worker counts left out take its own CPU-sized defaults."""
    sizes = [
        *(["--web-workers", str(web_workers)] if web_workers is not None else []),
        *(["--task-workers", str(task_workers)] if task_workers is not None else []),
    ]
    process = subprocess.Popen(  # noqa: S603
        [sys.executable, "-m", "ontong", "serve", "--bind", f"127.0.0.1:{port}", *sizes],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    wait_ready(f"http://127.0.0.1:{port}/readyz", process)
    return process


def wait_ready(url: str, process: subprocess.Popen, seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"the server exited ({process.returncode})")
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise SystemExit(f"{url} did not answer 200 in {seconds:.0f} s")


def children(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            if int(stat.read_text().rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(stat.parent.name))
        except (OSError, ValueError, IndexError):
            continue
    return found


def processes_of(serve_pid: int) -> dict[str, list[int]]:
    """gunicorn's web workers (children of its master, which is serve itself), task workers and
    the Korean analyser."""
    found: dict[str, list[int]] = {"web": [], "task": [], "analyser": []}
    for pid in children(serve_pid):
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
        except OSError:
            continue
        if b"ontong\x00analyser" in cmdline:
            found["analyser"].append(pid)
        else:
            found["task" if b"ontong\x00worker" in cmdline else "web"].append(pid)
    return found


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process (from /proc, in seconds)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def peak_mib(pid: int) -> float:
    status = Path(f"/proc/{pid}/status").read_text()
    return (
        int(next(line for line in status.splitlines() if line.startswith("VmHWM")).split()[1])
        / 1024
    )


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def post_citizen_message(http, port: int, emulator, prefix: str, index: int, text: str):
    """One new citizen's message through the webhook as Meta sends it (the 24-hour window opened
    at the emulator first): (psid, when it was sent, whether the webhook answered 200, seconds)."""
    psid = f"psid-{prefix}-{index}"
    emulator.last_user_message[psid] = time.time()  # the citizen just wrote: window open
    body = message_body(f"m_{prefix}_{index}", psid, text)
    start = time.time()
    try:
        response = http.post(
            f"http://127.0.0.1:{port}/webhooks/meta/",
            content=body,
            headers={"X-Hub-Signature-256": sign(body), "Content-Type": "application/json"},
            timeout=10,
        )
        ok = response.status_code == 200
    except httpx.HTTPError:
        ok = False
    return psid, start, ok, time.time() - start


def acknowledged(emulator, posted: dict[str, float], settle: float) -> dict[str, list[float]]:
    """Every acknowledgement the emulator received for these citizens, after waiting for them."""

    def found_now() -> dict[str, list[float]]:
        found: dict[str, list[float]] = {}
        with emulator.lock:
            for sent in emulator.sent:
                if sent["to"] in posted and "접수번호" in (sent.get("message") or {}).get(
                    "text", ""
                ):
                    found.setdefault(sent["to"], []).append(sent["at"])
        return found

    deadline = time.time() + settle
    while len(found_now()) < len(posted) and time.time() < deadline:
        time.sleep(0.5)
    return found_now()


def cpu_by_part(server_pid: int, staff_pid: int | None = None) -> dict[str, float]:
    """CPU seconds so far of each part on this machine: the server's web and task workers,
    the staff's process, this one (messages and the Graph API emulator), and the whole machine
    (/proc/stat, every process)."""
    parts = dict(processes_of(server_pid))
    if staff_pid is not None:
        parts["staff"] = [staff_pid] if staff_pid else []
    parts["messages + emulator"] = [os.getpid()]
    seconds = {name: sum(_cpu_or_zero(pid) for pid in pids) for name, pids in parts.items()}
    ticks = Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]
    busy = sum(int(t) for i, t in enumerate(ticks) if i not in (3, 4))  # all but idle, iowait
    seconds["machine"] = busy / os.sysconf("SC_CLK_TCK")
    return seconds


def _cpu_or_zero(pid: int) -> float:
    try:
        return cpu_seconds(pid)
    except OSError:  # a web worker gunicorn has replaced since it was listed
        return 0.0


def cores_used(before: dict[str, float], after: dict[str, float], seconds: float) -> str:
    """Each part's cores; "postgres + rest" is the machine less the parts, because PostgreSQL's
    backends that end within the window take their CPU time with them (a sum over the backends
    alive at both ends read 0.01–0.04 cores, once −0.02, where this reads 0.25–0.3)."""
    used = {name: (after[name] - before.get(name, 0.0)) / seconds for name in after}
    machine = used.pop("machine")
    used["postgres + rest"] = machine - sum(used.values())
    used["machine"] = machine
    return ", ".join(f"{name} {value:.2f}" for name, value in used.items())

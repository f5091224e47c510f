"""`ontong run`: web server, worker and the local Meta and Kakao emulators together, for the demo."""

import os
import subprocess
import sys

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

from ontong import metrics
from ontong.devtools.demo import DEMO_KAKAO, DEMO_PASSWORD, STAFF
from ontong.devtools.demo_mail import FILE_BACKEND
from ontong.devtools.demo_two_factor import DEMO_SECRET
from ontong.web.management.commands import serve

EMULATOR_PORT = 8001
KAKAO_EMULATOR_PORT = 8002


class Command(BaseCommand):
    help = (
        "웹 서버, 작업자, Meta·카카오 에뮬레이터(시민 시뮬레이터)를 함께 실행합니다 "
        "(기본 http://127.0.0.1:8000)."
    )

    def add_arguments(self, parser):
        parser.add_argument("addrport", nargs="?", default="127.0.0.1:8000")
        parser.add_argument(
            "--no-emulator",
            action="store_true",
            help="Meta·카카오 에뮬레이터를 띄우지 않습니다",
        )

    def handle(self, *args, addrport, no_emulator, **options):
        base = f"http://{addrport}"
        emulator_url = f"http://127.0.0.1:{EMULATOR_PORT}"
        kakao_url = f"http://127.0.0.1:{KAKAO_EMULATOR_PORT}"
        worker_env = dict(os.environ)
        children = []
        metrics.reset_multiprocess_dir()  # counters start again with each demo run
        # No mail server in the demo (even in production mode): e-mails go to files in the var
        # dir, shown by the emulator, unless a backend is configured.
        worker_env.setdefault("ONTONG_EMAIL_BACKEND", FILE_BACKEND)
        settings.EMAIL_BACKEND = worker_env["ONTONG_EMAIL_BACKEND"]
        if not no_emulator:
            # The demo worker may fetch "photos" from the emulator and send SMS through it.
            worker_env.setdefault("ONTONG_SMS_URL", f"{emulator_url}/sms")
            worker_env.setdefault(
                "ONTONG_MEDIA_HOSTS", ",".join([*settings.ONTONG_MEDIA_HOSTS, "127.0.0.1"])
            )
            # Its "secure image" photos come from this machine over http: allowed for the demo's
            # skill view (this process) and worker, as ONTONG_DEBUG would.
            kakao_hosts = [*settings.ONTONG_KAKAO_MEDIA_HOSTS, "127.0.0.1"]
            settings.ONTONG_KAKAO_MEDIA_HOSTS = kakao_hosts
            worker_env.setdefault("ONTONG_KAKAO_MEDIA_HOSTS", ",".join(kakao_hosts))
            # Its callbackUrl points back at it (http, this machine): the skill view answers there.
            settings.ONTONG_KAKAO_CALLBACK_HOSTS = [
                *settings.ONTONG_KAKAO_CALLBACK_HOSTS,
                "127.0.0.1",
            ]
            # The Kakao emulator plays the 오픈빌더: it calls this server's skill URL with the
            # demo bot's secret header, and serves the Event API and 알림톡 the worker calls.
            children.append(
                subprocess.Popen(  # noqa: S603
                    [
                        sys.executable,
                        "-m",
                        "ontong",
                        "kakao_emulator",
                        "--port",
                        str(KAKAO_EMULATOR_PORT),
                        "--skill-url",
                        f"{base}/channels/kakao/skill/{DEMO_KAKAO['bot_id']}/",
                    ]
                )
            )
            children.append(
                subprocess.Popen(  # noqa: S603
                    [
                        sys.executable,
                        "-m",
                        "ontong",
                        "meta_emulator",
                        "--port",
                        str(EMULATOR_PORT),
                        "--webhook",
                        f"{base}/webhooks/meta/",
                    ]
                )
            )
        # Quiet worker: delivery failures show up on the complaint page, not in this console.
        children.append(
            subprocess.Popen(  # noqa: S603
                [sys.executable, "-m", "ontong", "worker", "--verbosity", "0"], env=worker_env
            )
        )
        self.stdout.write(
            self.style.SUCCESS(f"\n온통이 {base} 에서 실행 중입니다 ({settings.CITY_NAME} 데모).")
        )
        self.stdout.write(f"  직원 화면:  {base}/login/")
        self.stdout.write(f"  시민 민원 신청(누리집): {base}/minwon/")
        if not no_emulator:
            self.stdout.write(f"  시민 시뮬레이터(메신저): {emulator_url}/")
            self.stdout.write(f"  시민 시뮬레이터(카카오톡): {kakao_url}/")
            self.stdout.write(
                f"  보낸 이메일(메일 서버 대신 {settings.EMAIL_FILE_PATH}): {emulator_url}/_emulator/mail"
            )
        self.stdout.write(f"  관리 화면:  {base}/admin/")
        self.stdout.write(
            f"  데모 로그인 (비밀번호 '{DEMO_PASSWORD}'): "
            + ", ".join(f"{u}({t})" for u, t, *_ in STAFF)
        )
        self.stdout.write(
            f"  2단계 인증 (admin): 인증 앱에 데모 비밀 키 {DEMO_SECRET}, "
            "또는 `ontong demo_code`가 보여 주는 코드"
        )
        # Before the first request, as `ontong serve` does: a citizen's very first message must
        # not wait for the Korean analyser and the routing model (seconds; Kakao waits 5).
        self.stdout.write("  한국어 분석기와 배정 모델을 준비하는 중…")
        serve.preload_nlp()
        try:
            call_command("runserver", addrport, use_reloader=False)
        finally:
            for child in children:
                child.terminate()
            for child in children:
                child.wait(timeout=10)

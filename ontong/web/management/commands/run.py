"""`ontong run`: the web server and one worker together, for the demo and local use."""

import subprocess
import sys

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

from ontong.web.demo import DEMO_PASSWORD, STAFF


class Command(BaseCommand):
    help = "웹 서버와 작업자를 함께 실행합니다 (기본 http://127.0.0.1:8000)."

    def add_arguments(self, parser):
        parser.add_argument("addrport", nargs="?", default="127.0.0.1:8000")

    def handle(self, *args, addrport, **options):
        # Quiet worker: delivery failures show up on the complaint page, not in this console.
        worker = subprocess.Popen([sys.executable, "-m", "ontong", "worker", "--verbosity", "0"])  # noqa: S603
        base = f"http://{addrport}"
        self.stdout.write(
            self.style.SUCCESS(f"\n온통이 {base} 에서 실행 중입니다 ({settings.CITY_NAME} 데모).")
        )
        self.stdout.write(f"  직원 화면:  {base}/login/")
        self.stdout.write(f"  시민 민원 신청(누리집): {base}/minwon/")
        self.stdout.write(f"  관리 화면:  {base}/admin/")
        self.stdout.write(
            f"  데모 로그인 (비밀번호 '{DEMO_PASSWORD}'): "
            + ", ".join(f"{u}({t})" for u, t, *_ in STAFF)
        )
        try:
            call_command("runserver", addrport, use_reloader=False)
        finally:
            worker.terminate()
            worker.wait(timeout=10)

import os
import signal
import time
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand

from ontong.devtools.demo import DEMO_META as DEMO
from ontong.devtools.meta_emulator import Emulator


class Command(BaseCommand):
    help = "로컬 Graph API 에뮬레이터와 시민 시뮬레이터를 띄웁니다 (테스트·오프라인 데모용)."

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=8001)
        parser.add_argument(
            "--webhook",
            default=os.environ.get("ONTONG_DEMO_WEBHOOK", "http://127.0.0.1:8000/webhooks/meta/"),
        )
        parser.add_argument("--page-id", default=DEMO["page_id"])
        parser.add_argument("--app-secret", default=DEMO["app_secret"])
        parser.add_argument("--token", default=DEMO["token"])
        parser.add_argument(
            "--mail-dir", default=str(settings.EMAIL_FILE_PATH), help="보여 줄 데모 이메일 폴더"
        )

    def handle(self, *args, port, webhook, page_id, app_secret, token, mail_dir, **options):
        emulator = Emulator(
            page_id=page_id,
            app_secret=app_secret,
            token=token,
            webhook_url=webhook,
            instagram_id=DEMO["instagram_id"],
            mail_dir=Path(mail_dir),
        )
        emulator.start(port=port)
        self.stdout.write(
            f"Graph API 에뮬레이터: {emulator.base_url}/v25.0  시민 시뮬레이터: {emulator.base_url}/"
        )

        def stop(*_: object) -> None:
            emulator.stop()
            os._exit(0)

        signal.signal(signal.SIGTERM, stop)
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            emulator.stop()

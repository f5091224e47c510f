import os
import signal
import time

from django.core.management.base import BaseCommand

from ontong.devtools.demo import DEMO_KAKAO, demo_kakao_emulator


class Command(BaseCommand):
    help = (
        "로컬 카카오 에뮬레이터(오픈빌더 스킬 요청·콜백, Event API, NHN Cloud 알림톡)와 "
        "카카오톡 시민 시뮬레이터를 띄웁니다 (테스트·오프라인 데모용)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=8002)
        parser.add_argument(
            "--skill-url",
            default=os.environ.get(
                "ONTONG_DEMO_SKILL_URL",
                f"http://127.0.0.1:8000/channels/kakao/skill/{DEMO_KAKAO['bot_id']}/",
            ),
            help="온통의 스킬 URL (오픈빌더의 스킬 설정에 넣는 주소)",
        )

    def handle(self, *args, port, skill_url, **options):
        emulator = demo_kakao_emulator(skill_url)
        emulator.start(port=port)
        self.stdout.write(
            f"카카오 에뮬레이터: {emulator.base_url} (Event API, 알림톡 v2.3)  "
            f"스킬 URL: {skill_url}  카카오톡 시민 시뮬레이터: {emulator.base_url}/"
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

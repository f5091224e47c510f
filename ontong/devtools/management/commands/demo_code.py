from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from ontong.devtools.demo_two_factor import DEMO_SECRET, demo_code


class Command(BaseCommand):
    help = "데모 인증 앱의 현재 6자리 코드를 보여 줍니다 (데모 전용, 운영에서는 쓸 수 없음)."

    def handle(self, *args, **options):
        if settings.PRODUCTION:
            raise CommandError("운영 모드에는 데모 인증 앱이 없습니다.")
        self.stdout.write(f"{demo_code()}  (비밀 키 {DEMO_SECRET}, 30초마다 바뀜)")

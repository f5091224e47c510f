from django.core.management.base import BaseCommand

from ontong.devtools.demo import DEMO_PASSWORD, load_demo
from ontong.devtools.demo_two_factor import DEMO_SECRET, enrol_demo_users
from ontong.org.models import User


class Command(BaseCommand):
    help = "데모 도시(서산시 조직·읍면동, 역할별 직원, 상태별 민원 50건)를 불러옵니다."

    def handle(self, *args, **options):
        summary = load_demo()
        self.stdout.write(
            f"부서 {summary['departments']}개, 읍면동 {summary['areas']}개, 민원 {summary['complaints']}건"
        )
        self.stdout.write(f"데모 로그인 (비밀번호 모두 '{DEMO_PASSWORD}'):")
        for username, title in summary["logins"]:
            self.stdout.write(f"  {username:<12} {title}")
        usernames = [username for username, _title in summary["logins"]]
        enrolled = enrol_demo_users(User.objects.filter(username__in=usernames))
        if enrolled:
            self.stdout.write(
                f"2단계 인증 ({', '.join(enrolled)}): 인증 앱에 데모 비밀 키 {DEMO_SECRET}를 넣거나, "
                "`ontong demo_code`가 보여 주는 6자리 코드를 입력하세요."
            )

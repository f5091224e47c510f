"""`ontong analyser`: the machine's one Korean morpheme analyser, answering web and task workers
on a Unix socket so that they do not each load Kiwi (docs/decisions/0001)."""

from django.conf import settings
from django.core.management.base import BaseCommand

from ontong.complaints import analyser


def default_socket() -> str:
    return settings.ONTONG_ANALYSER_SOCKET or str(settings.VAR_DIR / "analyser.sock")


class Command(BaseCommand):
    help = (
        "형태소 분석기 프로세스: Kiwi를 한 번만 올리고 유닉스 소켓으로 웹·백그라운드 작업자에게 "
        "분석 결과를 줍니다 (ONTONG_ANALYSER_SOCKET). `ontong serve`가 함께 띄웁니다."
    )

    def add_arguments(self, parser):
        parser.add_argument("--socket", default=None, help="소켓 경로 (기본: var/analyser.sock)")

    def handle(self, *args, socket, **options):
        address = socket or default_socket()
        self.stdout.write(f"형태소 분석기: {address}")
        analyser.serve(address)

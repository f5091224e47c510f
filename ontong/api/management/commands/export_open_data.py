"""ontong export_open_data --month 2026-11 [--encoding cp949] [-o FILE]"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from ontong.api import opendata


class Command(BaseCommand):
    help = "한 달의 민원 통계를 공공데이터포털 파일데이터 형식의 CSV로 내보냅니다 (개인정보 없음, 5건 미만은 *)."

    def add_arguments(self, parser):
        parser.add_argument("--month", help="YYYY-MM (기본: 지난달)")
        parser.add_argument("--encoding", choices=["utf-8", "cp949"], default="utf-8")
        parser.add_argument(
            "-o", "--output", help="파일 경로 (기본: 포털 이름 규칙으로 현재 폴더에)"
        )

    def handle(self, *args, **options):
        today = timezone.localdate()
        if options["month"]:
            try:
                month = opendata.parse_month(options["month"])
            except ValueError as exc:
                raise CommandError("--month는 YYYY-MM 형식입니다.") from exc
        else:
            month = opendata.previous_month(today)
        encoding = "utf-8-sig" if options["encoding"] == "utf-8" else "cp949"
        data = opendata.csv_bytes(month, today, encoding)
        path = Path(options["output"] or opendata.file_name(month, today))
        path.write_bytes(data)
        self.stdout.write(f"{path} ({len(data)} bytes, {options['encoding']})")

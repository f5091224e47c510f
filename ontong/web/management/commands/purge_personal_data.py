from django.conf import settings
from django.core.management.base import BaseCommand

from ontong.complaints.retention import expired_complaints, purge_expired


class Command(BaseCommand):
    help = "보존기간(ONTONG_RETENTION_DAYS)이 지난 종결 민원의 개인정보와 첨부를 파기합니다."

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="파기할 건수만 셉니다")

    def handle(self, *args, dry_run, **options):
        if dry_run:
            self.stdout.write(
                f"파기 대상 {expired_complaints().count()}건 (보존 {settings.ONTONG_RETENTION_DAYS}일)"
            )
            return
        self.stdout.write(f"{purge_expired(limit=10**9)}건의 개인정보를 파기했습니다.")

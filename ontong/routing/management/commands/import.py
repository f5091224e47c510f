"""`ontong import complaints FILE`: past complaints for routing and similar-case search."""

import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from ontong.routing.history import import_history
from ontong.routing.succession import propose
from ontong.routing.tables import TableError


class Command(BaseCommand):
    help = "지난 민원 이력(CSV: UTF-8/CP949 자동 인식, XLSX)을 가져옵니다: 배정 추천 학습과 비슷한 민원 찾기에 씁니다."

    def add_arguments(self, parser: CommandParser) -> None:
        kinds = parser.add_subparsers(dest="kind", required=True)
        complaints = kinds.add_parser("complaints", help="민원 이력")
        complaints.add_argument("file", type=Path)
        complaints.add_argument("--text", required=True, help="본문 열 이름들, 쉼표로 구분")
        complaints.add_argument("--label", required=True, help="처리 부서 열")
        complaints.add_argument("--answer", help="답변 열 (비슷한 민원·답변 초안에 씀)")
        complaints.add_argument("--date", help="접수일 열")
        complaints.add_argument(
            "--dry-run", action="store_true", help="저장하지 않고 결과만 보여 줍니다"
        )

    def handle(
        self,
        *args: Any,
        kind: str,
        file: Path,
        text: str,
        label: str,
        answer: str | None,
        date: str | None,
        dry_run: bool,
        **options: Any,
    ) -> None:
        columns = [c.strip() for c in text.split(",") if c.strip()]
        try:
            report = import_history(
                file, columns, label, answer, date, dry_run=dry_run, progress=self.progress
            )
        except (TableError, OSError) as exc:
            raise CommandError(str(exc)) from exc
        sys.stderr.write("\n")
        verb = "가져올 수 있는" if dry_run else "가져온"
        self.stdout.write(
            f"전체 {report.rows}행: {verb} 행 {report.imported}, 이미 있던 행 {report.already}"
        )
        for reason, count in report.skipped.items():
            self.stdout.write(f"  건너뜀 — {reason}: {count}행")
        if report.unmatched_departments:
            names = ", ".join(f"{n}({c})" for n, c in report.unmatched_departments.most_common(10))
            self.stdout.write(
                f"  부서 목록에 없는 부서 (비슷한 민원에만 쓰고 학습에는 안 씀; 다른 이름으로 등록하면 학습에 들어감): {names}"
            )
        if not dry_run and date:
            for item in propose():
                self.stdout.write(
                    f"  개편 제안: {item.old_name} → {item.new_name} (유사도 {item.similarity:.2f}; "
                    "관리 화면 '부서 개편 제안'에서 받아들이거나 거절)"
                )

    def progress(self, done: int, total: int) -> None:
        if total and (done % 200 == 0 or done == total):
            width = 30
            filled = int(width * done / total)
            sys.stderr.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total}")
            sys.stderr.flush()

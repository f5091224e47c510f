"""`ontong routing …`: tools for the department router."""

import argparse
import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from ontong.routing import crosscity, evaluate
from ontong.routing.tables import TableError


def seed_list(value: str) -> list[int]:
    try:
        return [int(part) for part in value.split(",") if part.strip()]
    except ValueError as exc:
        raise argparse.ArgumentTypeError("시드는 쉼표로 구분한 정수입니다 (예: 0,1,2)") from exc


def successors_of(pairs: list[str], from_catalogue: bool) -> dict[str, str]:
    found = evaluate.successors_from_catalogue() if from_catalogue else {}
    for pair in pairs:
        old, sep, new = pair.partition("=")
        if not sep or not old.strip() or not new.strip():
            raise CommandError(f"--successor는 옛부서=새부서 꼴입니다: {pair}")
        found[old.strip()] = new.strip()
    return found


class Command(BaseCommand):
    help = "배정 추천 도구. 'ontong routing evaluate FILE --text 제목,내용 --label 부서'로 우리 시의 이력에서 정확도를 잽니다."

    def add_arguments(self, parser: CommandParser) -> None:
        commands = parser.add_subparsers(dest="action", required=True)
        ev = commands.add_parser(
            "evaluate", help="이력 파일로 추천 정확도를 잽니다 (운영과 같은 파이프라인)"
        )
        ev.add_argument("file", type=Path, nargs="?")
        ev.add_argument("--text", help="본문 열 이름들, 쉼표로 구분 (줄바꿈으로 이어 붙임)")
        ev.add_argument("--label", help="부서 열 이름")
        ev.add_argument(
            "--cross-city",
            type=Path,
            metavar="DIR",
            help="첫날 추천: 공유 데이터 폴더의 데이터마다 나머지로 학습해 업무 기능 top-1/top-3을 잼",
        )
        ev.add_argument(
            "--typical",
            type=Path,
            nargs="?",
            const=crosscity.TYPICAL,
            help="첫날 추천: 전형적인 민원 CSV(text,department)로 이 DB의 부서 top-1/top-3을 잼",
        )
        ev.add_argument("--date", help="접수일 열: 주면 월별 시간순 평가도 합니다")
        ev.add_argument("--folds", type=int, default=5)
        ev.add_argument("--min-per-label", type=int, default=5)
        ev.add_argument("--seed", type=int, default=0)
        ev.add_argument(
            "--seeds",
            type=seed_list,
            help="여러 시드로 반복 (예: 0,1,2): 겹·시드에 걸친 평균 ± 표준편차, 최소–최대를 보임",
        )
        ev.add_argument(
            "--model",
            choices=["ontong", "baseline"],
            default="ontong",
            help="baseline: 공유 데이터의 기준선(TF-IDF + LinearSVC)을 같은 프로토콜로",
        )
        ev.add_argument(
            "--dev",
            type=float,
            nargs="?",
            const=0.2,
            default=0.0,
            metavar="SHARE",
            help="이 비율(기본 0.2)의 행을 먼저 떼어 설정을 고르고, 나머지로만 k-겹 결과를 냄",
        )
        ev.add_argument(
            "--reorganisations",
            action="store_true",
            help="부서 카탈로그의 개편(개편 후 부서, 다른 이름)을 학습·채점 라벨에 적용",
        )
        ev.add_argument(
            "--successor",
            action="append",
            default=[],
            metavar="옛부서=새부서",
            help="개편: 옛 라벨을 새 라벨로 학습·채점 (여러 번 줄 수 있음)",
        )
        ev.add_argument("--json", type=Path, help="결과를 JSON으로 씁니다")
        commands.add_parser(
            "train",
            help="확인된 배정과 가져온 이력으로 모델을 새로 학습합니다 (나빠지면 교체하지 않음)",
        )

    def handle(self, *args: Any, action: str, **options: Any) -> None:
        if action == "evaluate":
            self.evaluate(**options)
        elif action == "train":
            from ontong.routing.suggest import train

            record = train()
            self.stdout.write(
                f"모델 v{record.pk}: 학습 {record.examples}건, 부서 {record.labels}개, "
                f"최근 {record.holdout}건 top-1 {record.holdout_top1}, 사용={record.promoted}. {record.note}"
            )

    def evaluate(
        self,
        file: Path | None,
        text: str | None,
        label: str | None,
        date: str | None,
        folds: int,
        min_per_label: int,
        seed: int,
        model: str,
        **options: Any,
    ) -> None:
        out = options.get("json")
        if options.get("cross_city") or options.get("typical"):
            return self.day_one(options.get("cross_city"), options.get("typical"), out)
        if file is None or not text or not label:
            raise CommandError("FILE, --text, --label이 필요합니다 (또는 --cross-city / --typical)")
        try:
            data = evaluate.load(
                file, [c.strip() for c in text.split(",") if c.strip()], label, date
            )
        except (TableError, OSError) as exc:
            raise CommandError(str(exc)) from exc
        for reason, count in data.skipped.items():
            self.stdout.write(f"건너뛴 행: {reason} {count}건")
        successors = successors_of(options["successor"], options["reorganisations"])
        results = {
            "file": str(file),
            "rows": len(data.texts),
            "successors": successors,
            "kfold": evaluate.kfold(
                data,
                folds=folds,
                min_per_label=min_per_label,
                seeds=options["seeds"] or [seed],
                model=model,
                dev=options["dev"],
                successors=successors,
            ),
        }
        if date:
            results["chronological"] = evaluate.chronological(
                data, model=model, successors=successors
            )
        self.print_results(results)
        if out:
            out.write_text(json.dumps(results, ensure_ascii=False, indent=1), encoding="utf-8")
            self.stdout.write(f"JSON: {out}")

    def print_results(self, results: dict[str, Any]) -> None:
        kfold = results["kfold"]
        if "dev" in kfold:
            self.stdout.write(
                f"개발용 {kfold['dev']['n']}행에서 고른 설정: {kfold['dev']['chosen']}"
            )
        self.stdout.write(f"{'protocol':<15}{'rows':>7}{'labels':>8}{'top-1':>8}{'top-3':>8}")
        for protocol in ("kfold", "chronological"):
            if protocol in results:
                r = results[protocol]
                self.stdout.write(
                    f"{protocol:<15}{r['n']:>7}{r['labels']:>8}{r['top1']:>8.3f}{r['top3']:>8.3f}"
                )
        self.stdout.write(
            f"k-fold 겹 {kfold['folds']}개 × 시드 {kfold['seeds']} (앞선 행과 같은 글 {kfold['n'] - kfold['texts']}행은 그 행과 한 겹에):"
        )
        for metric in ("top1", "top3"):
            s = kfold["spread"][metric]
            self.stdout.write(
                f"  {metric} {s['mean']:.3f} ± {s['sd']:.3f} (최소–최대 {s['min']:.3f}–{s['max']:.3f})"
            )
        for gold, guess, count in kfold["confused"][:5]:
            self.stdout.write(f"  자주 헷갈림: {gold} → {guess} ({count}건)")

    def day_one(self, folder: Path | None, typical: Path | None, out: Path | None) -> None:
        results: dict[str, Any] = {}
        if folder:
            try:
                results["cross_city"] = crosscity.cross_city(folder)
            except (TableError, OSError) as exc:
                raise CommandError(str(exc)) from exc
            self.stdout.write(
                f"{'held out':<10}{'rows':>6}{'funcs':>7}  top-1/top-3 shipped | + other cities"
            )
            for name, r in results["cross_city"].items():
                a, b = r["shipped_only"], r["shipped_and_other_cities"]
                self.stdout.write(
                    f"{name:<10}{a['n']:>6}{a['functions']:>7}  {a['top1']:.3f}/{a['top3']:.3f}"
                    f" | {b['top1']:.3f}/{b['top3']:.3f}"
                )
        if typical:
            results["typical"] = crosscity.typical(typical)
            for mode, r in results["typical"].items():
                self.stdout.write(
                    f"{mode:<20}{r['n']:>5}  top-1 {r['top1']:.3f}  top-3 {r['top3']:.3f}"
                )
        if out:
            out.write_text(json.dumps(results, ensure_ascii=False, indent=1), encoding="utf-8")
            self.stdout.write(f"JSON: {out}")

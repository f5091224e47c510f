"""Department catalogue: demo loading and CSV/XLSX import/export."""

import json
from dataclasses import dataclass, field
from pathlib import Path

from django.contrib.auth.models import Group
from django.db import transaction

from ontong.tabular import TableError, read_grid, to_csv, to_xlsx

from .models import ROLE_GROUPS, Area, Department, Role

COLUMNS = [
    "name",
    "kind",
    "parent",
    "code",
    "duty",
    "keywords",
    "aliases",
    "phone",
    "email",
    "is_active",
    "replaced_by",
]
HEADERS = [
    "부서명",
    "종류",
    "상위부서",
    "부서코드",
    "사무분장",
    "키워드",
    "다른이름",
    "전화",
    "이메일",
    "사용",
    "개편후부서",
]
FIXTURE = Path(__file__).parent / "fixtures" / "seosan.json"


def ensure_role_groups() -> None:
    for role in Role:
        Group.objects.get_or_create(name=ROLE_GROUPS[role])


def department_rows(queryset) -> list[list[str]]:
    rows = []
    for dept in queryset.select_related("parent", "replaced_by"):
        rows.append(
            [
                dept.name,
                dept.kind,
                dept.parent.name if dept.parent else "",
                dept.code,
                dept.duty,
                dept.keywords,
                dept.aliases,
                dept.phone,
                dept.email,
                "Y" if dept.is_active else "N",
                dept.replaced_by.name if dept.replaced_by else "",
            ]
        )
    return rows


def export_departments_csv(queryset) -> bytes:
    return to_csv(HEADERS, department_rows(queryset))


def export_departments_xlsx(queryset) -> bytes:
    return to_xlsx(HEADERS, department_rows(queryset), title="부서")


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    errors: list[str] = field(default_factory=list)


ImportError_ = TableError


def read_table(data: bytes) -> list[dict[str, str]]:
    rows = read_grid(data)
    header = [h.strip() for h in rows[0]]
    by_header = {h: c for h, c in zip(HEADERS, COLUMNS, strict=True)} | {c: c for c in COLUMNS}
    unknown = [h for h in header if h and h not in by_header]
    if "부서명" not in header and "name" not in header:
        raise ImportError_("'부서명' 열이 없습니다.")
    if unknown:
        raise ImportError_(f"알 수 없는 열: {', '.join(unknown)}")
    keys = [by_header.get(h) for h in header]
    return [
        {k: (v or "").strip() for k, v in zip(keys, row, strict=False) if k}
        for row in rows[1:]
        if any((v or "").strip() for v in row)
    ]


@transaction.atomic
def import_departments(data: bytes) -> ImportReport:
    """Create or update departments by name; all rows or none (errors roll everything back)."""
    report = ImportReport()
    rows = read_table(data)
    kinds = {k.value for k in Department.Kind}
    by_name = {d.name: d for d in Department.objects.all()}
    for number, row in enumerate(rows, start=2):
        name = row.get("name", "")
        if not name:
            report.errors.append(f"{number}행: 부서명이 비어 있습니다.")
            continue
        kind = row.get("kind") or Department.Kind.DIVISION
        if kind not in kinds:
            report.errors.append(
                f"{number}행: 종류 '{kind}'는 {', '.join(sorted(kinds))} 중 하나여야 합니다."
            )
            continue
        dept: Department | None = by_name.get(name) or Department(name=name)
        assert dept is not None
        is_new = dept.pk is None
        dept.kind = kind
        for attr in ("code", "duty", "keywords", "aliases", "phone", "email"):
            if attr in row:
                setattr(dept, attr, row[attr])
        dept.is_active = row.get("is_active", "Y").upper() not in {"N", "0", "FALSE", "아니오"}
        dept.save()
        by_name[name] = dept
        report.created += is_new
        report.updated += not is_new
    for number, row in enumerate(rows, start=2):
        dept = by_name.get(row.get("name", ""))
        if dept is None:
            continue
        for attr in ("parent", "replaced_by"):
            target = row.get(attr, "")
            if target and target not in by_name:
                report.errors.append(f"{number}행: '{target}' 부서를 찾을 수 없습니다.")
            elif attr in row:
                setattr(dept, attr, by_name.get(target) if target else None)
        dept.save()
    if report.errors:
        transaction.set_rollback(True)
        report.created = report.updated = 0
    return report


@transaction.atomic
def load_city_fixture(path: Path = FIXTURE) -> dict:
    """Load (idempotently) the city's departments and 읍면동 from our fixture."""
    data = json.loads(path.read_text(encoding="utf-8"))
    ensure_role_groups()
    by_name: dict[str, Department] = {}
    for order, item in enumerate(data["departments"]):
        parent = by_name.get(item["parent"]) if item["parent"] else None
        dept, _ = Department.objects.update_or_create(
            name=item["name"],
            parent=parent,
            defaults={
                "kind": item["kind"],
                "duty": item["duty"],
                "keywords": ", ".join(item["keywords"]),
                "sort_order": order,
            },
        )
        by_name[dept.name] = dept
    for order, item in enumerate(data["areas"], start=len(data["departments"])):
        office, _ = Department.objects.update_or_create(
            name=f"{item['name']} 행정복지센터",
            parent=None,
            defaults={
                "kind": Department.Kind.EMD,
                "sort_order": order,
                "duty": "주민등록·제증명, 복지 상담·신청, 현장 생활민원 1차 확인",
                "keywords": ", ".join(u["name"] for u in item["legal_units"]),
            },
        )
        Area.objects.update_or_create(
            code=item["code"],
            defaults={
                "name": item["name"],
                "kind": item["kind"],
                "legal_units": item["legal_units"],
                "office": office,
            },
        )
    return {"departments": Department.objects.count(), "areas": Area.objects.count()}

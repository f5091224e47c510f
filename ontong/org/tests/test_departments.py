import io

import pytest
from openpyxl import load_workbook

from ontong.org.models import Area, Department
from ontong.org.services import (
    ImportError_,
    export_departments_csv,
    export_departments_xlsx,
    import_departments,
    load_city_fixture,
)

pytestmark = pytest.mark.django_db


def test_city_fixture_loads_the_tree_and_all_fifteen_areas():
    summary = load_city_fixture()
    assert summary["areas"] == 15
    team = Department.objects.get(name="온통서산팀")
    assert team.parent.name == "공보담당관" and team.kind == "팀"
    assert Department.objects.get(name="도로과").path == "건설교통국 › 도로과"
    haemi = Area.objects.get(name="해미면")
    assert haemi.office.name == "해미면 행정복지센터" and haemi.code == "4421039000"
    assert {"name": "읍내리", "code": "4421039021"} in haemi.legal_units
    assert load_city_fixture() == summary  # idempotent


def test_export_then_import_round_trips_csv_and_xlsx():
    load_city_fixture()
    csv_bytes = export_departments_csv(Department.objects.all())
    assert csv_bytes.startswith("\ufeff".encode())
    xlsx_bytes = export_departments_xlsx(Department.objects.all())
    sheet = load_workbook(io.BytesIO(xlsx_bytes)).active
    assert sheet.cell(1, 1).value == "부서명"
    count = Department.objects.count()
    for data in [csv_bytes, xlsx_bytes]:
        report = import_departments(data)
        assert report.errors == [] and report.created == 0 and report.updated == count


def test_import_cp949_with_reorganisation():
    csv_text = "부서명,종류,상위부서,키워드,사용,개편후부서\n새과,과,,가로등,Y,\n옛과,과,,,N,새과\n"
    report = import_departments(csv_text.encode("cp949"))
    assert report.errors == [] and report.created == 2
    old = Department.objects.get(name="옛과")
    assert not old.is_active and old.current().name == "새과"
    assert Department.objects.get(name="새과").keyword_list() == ["가로등"]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "빈 파일"),
        (b"\xff\xfe\x00\x00junk\x00", "인코딩|열"),
        ("이름,종류\n도로과,과\n".encode(), "부서명"),
        ("부서명,색깔\n도로과,빨강\n".encode(), "알 수 없는 열"),
    ],
)
def test_bad_files_get_a_clear_error(data, message):
    with pytest.raises(ImportError_, match=message):
        import_departments(data)


def test_row_errors_roll_back_everything():
    csv_text = "부서명,종류,상위부서\n좋은과,과,\n,과,\n나쁜과,우주,\n고아과,팀,없는부서\n"
    report = import_departments(csv_text.encode())
    assert len(report.errors) == 3
    assert any("3행" in e and "비어" in e for e in report.errors)
    assert any("'우주'" in e for e in report.errors)
    assert any("없는부서" in e for e in report.errors)
    assert not Department.objects.filter(name="좋은과").exists()


def test_broken_xlsx_is_reported():
    with pytest.raises(ImportError_, match="XLSX"):
        import_departments(b"PK\x03\x04 not really")


def test_admin_imports_a_department_file(client, django_user_model):
    from django.core.files.uploadedfile import SimpleUploadedFile

    admin_user = django_user_model.objects.create_superuser("root", password="pw-for-tests-1")
    client.force_login(admin_user)
    assert "CSV/XLSX 가져오기" in client.get("/admin/org/department/").content.decode()
    upload = SimpleUploadedFile("org.csv", "부서명,종류\n가로등팀,팀\n".encode("cp949"))
    response = client.post("/admin/org/department/import/", {"file": upload}, follow=True)
    assert "새 부서 1개" in response.content.decode()
    assert Department.objects.filter(name="가로등팀", kind="팀").exists()
    bad = SimpleUploadedFile("org.csv", "부서명,종류\n나쁜과,우주\n".encode())
    response = client.post("/admin/org/department/import/", {"file": bad}, follow=True)
    assert "아무것도 바꾸지 않았습니다" in response.content.decode()

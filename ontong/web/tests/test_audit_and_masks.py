"""Looks at personal data are kept in their own log, and the timeline and reminders show no
personal data outside the masks (issue 13 item 10, issue 14 item 12)."""

import datetime as dt

import pytest
from django.core import mail
from django.utils import timezone

from ontong.complaints import reminders
from ontong.complaints.models import Event, Notification
from ontong.complaints.workflow import perform
from ontong.org.models import Department

pytestmark = pytest.mark.django_db

CITIZEN_IP = "203.0.113.77"


@pytest.fixture
def road_case(staff, new_complaint):
    c = new_complaint(
        "김철수 010-9876-5432 집 앞 가로등이 꺼졌어요",
        # A title the citizen typed (a default title leaves contact details out altogether).
        title="김철수 010-9876-5432 집 앞 가로등",
        name="김철수",
        phone="010-9876-5432",
        contact_consent=True,
        ip=CITIZEN_IP,
    )
    return perform(c, "assign", staff["triage"], department=Department.objects.get(name="도로과"))


def timeline(page: str) -> str:
    start = page.index('data-testid="timeline"')
    return page[start : page.index("</ol>", start)]


def test_page_views_do_not_flood_the_timeline_but_stay_in_the_access_log(client, staff, road_case):
    client.force_login(staff["road"])
    url = f"/complaints/{road_case.receipt_no}/"
    for _ in range(3):
        page = client.get(url).content.decode()
    assert Event.objects.filter(complaint=road_case, action="personal_data_viewed").count() == 3
    assert "개인정보 열람" not in timeline(page)
    assert 'data-testid="access-log-link"' in page

    log = client.get(url + "access-log/")
    assert log.status_code == 200
    text = log.content.decode()
    assert text.count("연락처가 보이는 화면을 열람") == 3 and "127.0.0.1" in text


def test_the_access_log_is_for_the_department_and_the_central_office_only(client, staff, road_case):
    url = f"/complaints/{road_case.receipt_no}/access-log/"
    client.force_login(staff["admin"])
    assert client.get(url).status_code == 200
    client.force_login(staff["road_mgr"])
    assert client.get(url).status_code == 200
    client.force_login(staff["triage"])  # sees every case, masked
    assert client.get(url).status_code == 404
    assert (
        'data-testid="access-log-link"'
        not in client.get(f"/complaints/{road_case.receipt_no}/").content.decode()
    )
    client.force_login(staff["traffic"])
    assert client.get(url).status_code == 404


def test_the_citizens_ip_is_masked_for_those_who_see_masked_data(client, staff, road_case):
    client.force_login(staff["triage"])
    page = timeline(client.get(f"/complaints/{road_case.receipt_no}/").content.decode())
    assert CITIZEN_IP not in page
    assert "203.0.113.*" in page
    client.force_login(staff["road"])  # handles the case: sees it whole, like the phone number
    assert CITIZEN_IP in timeline(
        client.get(f"/complaints/{road_case.receipt_no}/").content.decode()
    )


def test_ipv6_addresses_are_masked_to_their_network():
    from ontong.complaints.privacy import mask_ip

    assert mask_ip("2001:db8:85a3::8a2e:370:7334") == "2001:db8:85a3:*"
    assert mask_ip("203.0.113.77") == "203.0.113.*"
    assert mask_ip("") == ""


def test_overdue_reminders_and_digests_carry_masked_titles(staff, road_case, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    road_case.due_at = timezone.now() - dt.timedelta(hours=2)
    road_case.save(update_fields=["due_at"])
    assert reminders.send_reminder(road_case, reminders.Stage.OVERDUE)
    notes = Notification.objects.filter(complaint=road_case)
    assert notes.filter(user=staff["admin"]).exists()
    for note in notes:
        assert "010-9876-5432" not in note.subject + note.body
        assert "010-****-5432" in note.body
    text = reminders.digest_text(road_case.department, {}, [road_case], timezone.now())
    assert "010-9876-5432" not in text and "010-****-5432" in text
    for message in mail.outbox:
        assert "010-9876-5432" not in message.subject + message.body

"""The staff menu offers only what its person may open; reports and lists fit their content
(issue 13 item 8)."""

import re

import pytest

from ontong.devtools import demo
from ontong.org.models import User

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo_staff(city):
    demo.create_staff()
    return [u for u, *_ in demo.STAFF]


def menu_links(page: str) -> list[str]:
    header = re.search(r'<header class="top">.*?</header>', page, re.S)
    assert header, "the staff header is missing"
    return re.findall(r'href="([^"]+)"', header.group(0))


def test_every_menu_link_of_every_demo_role_opens(client, demo_staff):
    for username in demo_staff:
        client.force_login(User.objects.get(username=username))
        home = client.get("/", follow=True)
        assert home.status_code == 200, username
        links = menu_links(home.content.decode())
        assert links, username
        for url in links:
            assert client.get(url, follow=True).status_code == 200, (username, url)


def test_pr_is_not_offered_the_complaint_pages_it_cannot_open(client, staff):
    client.force_login(staff["pr"])
    page = client.get("/notifications/").content.decode()
    links = menu_links(page)
    for url in ["/inbox/", "/queue/", "/complaints/", "/overdue/", "/reports/"]:
        assert url not in links
        assert client.get(url).status_code == 404
    assert "/publishing/" in links


def test_officers_are_not_offered_the_inbox(client, staff):
    client.force_login(staff["road"])
    links = menu_links(client.get("/queue/").content.decode())
    assert "/inbox/" not in links and "/queue/" in links and "/reports/" in links
    assert "/publishing/" not in links


def test_reports_open_on_the_last_30_days(client, staff):
    import datetime as dt

    from django.utils import timezone

    client.force_login(staff["admin"])
    page = client.get("/reports/").content.decode()
    today = timezone.localdate()
    assert f'name="start" value="{today - dt.timedelta(days=29):%Y-%m-%d}"' in page
    assert f'name="end" value="{today:%Y-%m-%d}"' in page

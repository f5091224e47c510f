"""Content-Security-Policy without inline script or eval, Permissions-Policy, and no caching of
what a signed-in person sees (issue 14, item 11)."""

import pytest

from ontong.web.tests.browser import BROWSER_MARKS

pytestmark = pytest.mark.django_db


def policy(response) -> dict[str, list[str]]:
    directives = {}
    for part in response["Content-Security-Policy"].split(";"):
        name, *values = part.split()
        directives[name] = values
    return directives


@pytest.mark.parametrize("path", ["/minwon/", "/minwon/status/", "/login/", "/no-such-page/"])
def test_citizen_pages_allow_only_our_own_scripts(client, city, path):
    response = client.get(path)
    csp = policy(response)
    assert csp["script-src"] == ["'self'"]
    assert "'unsafe-eval'" not in response["Content-Security-Policy"]
    assert csp["object-src"] == ["'none'"] and csp["frame-ancestors"] == ["'none'"]
    assert "camera=()" in response["Permissions-Policy"]
    assert "geolocation=(self)" in response["Permissions-Policy"]


@pytest.mark.parametrize(
    "role,path",
    [
        ("triage", "/inbox/"),
        ("triage", "/complaints/"),
        ("road", "/queue/"),
        ("admin", "/reports/"),
        ("admin", "/admin/"),
        ("pr", "/publishing/"),
    ],
)
def test_staff_pages_are_never_cached_and_run_no_inline_script(client, staff, role, path):
    user = staff[role]
    if path.startswith("/admin/"):
        user.is_staff = user.is_superuser = True
        user.save()
    client.force_login(user)
    response = client.get(path)
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    assert policy(response)["script-src"] == ["'self'"]
    page = response.content.decode()
    assert "<script>" not in page and " onclick=" not in page and " onchange=" not in page


def test_uploaded_files_keep_their_own_sandbox(client, staff, new_complaint):
    import io

    from PIL import Image

    from ontong.images import clean_image

    out = io.BytesIO()
    Image.new("RGB", (4, 4)).save(out, "PNG")
    c = new_complaint(files=[clean_image(out.getvalue(), "photo-1", "a.png")])
    client.force_login(staff["triage"])
    attachment = c.attachments.get()
    response = client.get(f"/complaints/{c.receipt_no}/attachments/{attachment.pk}/")
    assert "sandbox" in response["Content-Security-Policy"]
    assert "no-store" in response["Cache-Control"]


@pytest.mark.django_db(transaction=True)
def test_pages_work_under_the_policy_in_chromium(open_page, staff, new_complaint):
    """Every script the pages need runs under the policy: no violation is reported."""
    complaint = new_complaint("시청 앞 가로등이 꺼졌어요")
    watch = """() => { window.__violations = [];
        document.addEventListener('securitypolicyviolation',
            e => window.__violations.push(e.violatedDirective + ' ' + e.blockedURI)); }"""
    pages = [
        ("/minwon/", None),
        ("/inbox/", "triage"),
        (f"/complaints/{complaint.receipt_no}/", "triage"),
        ("/reports/", "admin"),
        ("/publishing/", "pr"),
        ("/publishing/dashboard/", "pr"),
    ]
    for path, user in pages:
        page = open_page(path, user=user)
        page.add_init_script(f"({watch})()")
        page.reload()
        page.wait_for_timeout(3500 if path == "/inbox/" else 300)  # one poll of the 접수함
        assert page.evaluate("window.__violations") == [], path


for _mark in BROWSER_MARKS:
    test_pages_work_under_the_policy_in_chromium = _mark(
        test_pages_work_under_the_policy_in_chromium
    )

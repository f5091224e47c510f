"""Every timeline entry is shown in Korean words, from one place (issue 13 item 9)."""

import ast
from pathlib import Path

import pytest

from ontong.complaints.models import Event, EventAction, event_label
from ontong.complaints.workflow import ACTIONS

ROOT = Path(__file__).resolve().parents[2]


def written_codes() -> dict[str, str]:
    """Every literal `action=` given to an Event (or a complaint's events) anywhere in the code,
    with where it is written."""
    found = {}
    for path in ROOT.rglob("*.py"):
        if "tests" in path.parts or "migrations" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            target = ast.unparse(node.func)
            if not (target.endswith("Event.objects.create") or target.endswith("events.create")):
                continue
            if target.endswith("PostEvent.objects.create"):
                continue  # the publishing desk's own timeline
            for keyword in node.keywords:
                if keyword.arg == "action" and isinstance(keyword.value, ast.Constant):
                    found[str(keyword.value.value)] = f"{path.relative_to(ROOT)}:{node.lineno}"
    return found


def test_the_scan_finds_the_codes_written_outside_the_workflow():
    codes = written_codes()
    assert {"received", "agent_requested", "delivery_failed", "satisfaction"} <= set(codes)


def test_every_code_written_anywhere_has_a_korean_label():
    labelled = set(EventAction.values)
    missing = {code: where for code, where in written_codes().items() if code not in labelled}
    assert missing == {}
    assert set(ACTIONS) - labelled == set()
    for code in labelled:
        label = str(event_label(code))
        assert label != code and not label.endswith(":") and not label.isascii()


@pytest.mark.django_db
def test_the_staff_timeline_shows_words_not_codes(client, staff, new_complaint):
    c = new_complaint("읍내동 가로등이 꺼졌어요.")
    for code in ["agent_requested", "citizen_unsent", "delivery_held", "contact_consent"]:
        Event.objects.create(complaint=c, action=code)
    client.force_login(staff["admin"])
    timeline = client.get(f"/complaints/{c.receipt_no}/").content.decode()
    timeline = timeline[timeline.index('data-testid="timeline"') :]
    for code in ["agent_requested", "citizen_unsent", "delivery_held", "contact_consent"]:
        assert f">{code}<" not in timeline
        assert str(EventAction(code).label) in timeline


@pytest.mark.django_db
def test_staff_filter_labels_end_without_a_colon(client, staff):
    client.force_login(staff["admin"])
    page = client.get("/complaints/").content.decode()
    assert "접수일 부터</label>" in page
    assert ":</label>" not in page

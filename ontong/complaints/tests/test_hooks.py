"""complaints reaches the apps above it only through complaints.hooks, which they fill in from
their AppConfig.ready(): these tests hold the hooks to what receive_complaint and 법 제23조 need."""

import pytest
from django_tasks_db.models import DBTaskResult

from ontong.complaints import hooks
from ontong.complaints.models import Complaint, Message, State
from ontong.complaints.services import Intake, receive_complaint
from ontong.complaints.tests.test_satisfaction_reports import repeated
from ontong.complaints.workflow import WorkflowError, perform
from ontong.routing.tasks import after_intake

pytestmark = pytest.mark.django_db


def test_routing_places_every_received_complaint_through_its_ready_hook(new_complaint):
    complaint = new_complaint()
    placing = DBTaskResult.objects.filter(task_path=after_intake.module_path)
    assert list(placing.values_list("args_kwargs__args", flat=True)) == [[complaint.pk]]


def test_received_handlers_see_the_stored_complaint(city, monkeypatch):
    seen = []
    monkeypatch.setattr(
        hooks,
        "_received",
        [lambda c: seen.append((c.receipt_no, Complaint.objects.filter(pk=c.pk).exists()))],
    )
    complaint = receive_complaint(Intake(channel="web", body="가로등이 꺼졌어요"))
    assert seen == [(complaint.receipt_no, True)]


def test_a_failing_received_handler_rolls_the_whole_intake_back(city, monkeypatch):
    def refuse(complaint):
        raise RuntimeError("handler failed")

    monkeypatch.setattr(hooks, "_received", [*hooks._received, refuse])
    with pytest.raises(RuntimeError, match="handler failed"):
        receive_complaint(Intake(channel="web", body="가로등이 꺼졌어요"))
    assert not Complaint.objects.exists()
    assert not Message.objects.exists()
    assert not DBTaskResult.objects.exists()


def test_registering_a_handler_twice_runs_it_once(monkeypatch):
    calls = []
    monkeypatch.setattr(hooks, "_received", [])
    hooks.on_complaint_received(calls.append)
    hooks.on_complaint_received(calls.append)
    hooks.complaint_received("complaint")
    assert calls == ["complaint"]


def test_without_a_repeat_finder_no_complaint_closes_as_repeated(new_complaint, staff, monkeypatch):
    latest = repeated(new_complaint, staff, times=3, notified=2)
    monkeypatch.setattr(hooks, "_repeat_finder", [])
    with pytest.raises(WorkflowError, match="제23조"):
        perform(latest, "close_repeated", staff["admin"], reason="같은 내용 반복")
    assert Complaint.objects.get(pk=latest.pk).state != State.CLOSED

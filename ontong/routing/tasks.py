"""The routing app's background tasks. Their import paths are stored with every queued task, and
the modules that do the work enqueue them; so the work is imported when a task runs (each
`# why: task entry` below), and nothing here is imported by a module the worker has not loaded."""

from typing import TYPE_CHECKING

from ontong.tasks_queue import task

if TYPE_CHECKING:
    from ontong.complaints.models import Complaint


@task(priority=-10)  # a suggestion can wait for intake and deliveries
def after_intake(complaint_id: int) -> str:
    """Place the complaint (읍면동 from its text) and, if the city enabled it, auto-assign."""
    from .suggest import place_and_route  # why: task entry (see the module docstring)

    return place_and_route(complaint_id)


def enqueue_after_intake(complaint: "Complaint") -> None:
    """complaints' received hook (registered in apps.py): runs in the intake's transaction."""
    after_intake.enqueue(complaint.pk)


@task()
def retrain() -> str:
    from .suggest import train  # why: task entry (see the module docstring)

    record = train()
    return f"v{record.pk} promoted={record.promoted} {record.note}"


@task(priority=-10)
def build_similar_index() -> str:
    from .nearest import build  # why: task entry (see the module docstring)

    record = build()
    return f"similar index v{record.pk}: {record.cases} cases in {record.seconds} s"

"""The routing app's background tasks. Their import paths are stored with every queued task, and
the modules that do the work enqueue them; so the work is imported when a task runs (each
`# why: task entry` below), and nothing here is imported by a module the worker has not loaded."""

from typing import TYPE_CHECKING

from ontong.tasks_queue import enqueue_for, task

if TYPE_CHECKING:
    from ontong.complaints.models import Complaint


@task(priority=-10)  # a suggestion can wait for intake and deliveries
def after_intake(complaint_id: int) -> str:
    """Place the complaint (읍면동 from its text) and, if the city enabled it, auto-assign."""
    from .suggest import place_and_route  # why: task entry (see the module docstring)

    return place_and_route(complaint_id)


def enqueue_after_intake(complaint: "Complaint") -> None:
    """complaints' received hook (registered in apps.py): runs in the intake's transaction."""
    enqueue_for(complaint.pk, after_intake, after_intake_many)


@task(priority=-10)
def after_intake_many(complaint_ids: list[int]) -> str:
    """after_intake for a worker's batch of intakes (tasks_queue.batch)."""
    from ontong.complaints.models import Complaint  # why: task entry
    from ontong.tasks_queue import batch  # why: task entry

    from .suggest import place_and_route_complaint  # why: task entry (see the module docstring)

    with batch():  # the gazetteer read once
        found = Complaint.objects.in_bulk(complaint_ids)
        return "; ".join(
            place_and_route_complaint(found[pk])
            for pk in dict.fromkeys(complaint_ids)
            if pk in found
        )


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

"""The Kakao channel's background tasks. Their import paths are stored with every queued task, and
the modules that do the work enqueue them (transport → check_event_task); so the work is imported
when a task runs (each `# why: task entry` below)."""

from ontong.tasks_queue import task


@task()
def check_event_task(message_id: int, round_: int) -> str:
    from .transport import check_delivery  # why: task entry (module docstring)

    return check_delivery(message_id, round_)

"""The Kakao channel's background tasks. Their import paths are stored with every queued task, and
the modules that do the work enqueue them (transport → check_event_task); so the work is imported
when a task runs (each `# why: task entry` below; see meta/tasks.py)."""

from ontong.tasks_queue import task


@task()
def fetch_media(attachment_id: int) -> str:
    from .media import fetch_attachment  # why: task entry

    return fetch_attachment(attachment_id)


@task()
def process_skill_request(skill_request_id: int) -> str:
    """The safety net for a stored request whose answer was never made (the process answering
    it died): made now, its notices sent by the transport (Event API / fallback)."""
    from .skill import recover  # why: task entry

    return recover(skill_request_id)


@task()
def check_event_task(message_id: int, round_: int) -> str:
    from .transport import check_delivery  # why: task entry (module docstring)

    return check_delivery(message_id, round_)

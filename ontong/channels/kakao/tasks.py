"""The Kakao channel's background tasks (imported by path when a task runs; see meta/tasks.py)."""

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

"""The 알림톡 route's background task: its import path is stored with every queued task, and the
transport enqueues it; so the work is imported when it runs (`# why: task entry`)."""

from ontong.tasks_queue import task


@task()
def check_alimtalk(message_id: int, round_: int) -> str:
    from .transport import check_delivery  # why: task entry (module docstring)

    return check_delivery(message_id, round_)

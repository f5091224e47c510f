"""The staff workspace's background tasks (stored by import path; the work is imported when a
task runs, as in routing/tasks.py)."""

from ontong.tasks_queue import task


@task(priority=-10)  # the desk's themes can wait for intake and deliveries
def refresh_themes() -> str:
    from .themes import refresh  # why: task entry (themes enqueues this task)

    return refresh()

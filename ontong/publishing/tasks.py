"""The desk's background task: "지금 게시" publishes in the worker, not in the person's request
(a carousel's containers are polled for seconds each). Its import path is stored with each queued
task, so the work is imported when the task runs."""

from ontong.tasks_queue import task


@task()
def publish_post_now(post_id: int) -> str:
    from .services import publish_post  # why: task entry (see the module docstring)

    return publish_post(post_id)

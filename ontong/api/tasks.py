"""The api app's background task: one webhook delivery attempt."""

from ontong.tasks_queue import task


@task()
def deliver_webhook(delivery_id: int) -> str:
    from .webhooks import deliver  # why: task entry (the work imports this module to enqueue)

    return deliver(delivery_id)

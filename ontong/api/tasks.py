"""The api app's background tasks: one webhook delivery attempt; an Open311 media_url photo."""

from ontong.tasks_queue import task


@task()
def deliver_webhook(delivery_id: int) -> str:
    from .webhooks import deliver  # why: task entry (the work imports this module to enqueue)

    return deliver(delivery_id)


@task()
def fetch_media_url(attachment_id: int) -> str:
    from .open311 import fetch_media  # why: task entry (the work imports this module to enqueue)

    return fetch_media(attachment_id)

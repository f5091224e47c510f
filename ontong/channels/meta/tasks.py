from ontong.tasks_queue import task


@task()
def process_webhook(delivery_id: int) -> str:
    from .events import process_delivery

    return process_delivery(delivery_id)


@task()
def fetch_media(attachment_id: int) -> str:
    from .media import fetch_attachment

    return fetch_attachment(attachment_id)

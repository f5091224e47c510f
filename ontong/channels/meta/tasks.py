"""The Meta channel's background tasks. Their import paths are stored with every queued task, and
the modules that do the work enqueue them (events → process_webhook); so the work is imported when
a task runs (each `# why: task entry` below)."""

from ontong.tasks_queue import task


@task()
def process_webhook(delivery_id: int) -> str:
    from .events import process_delivery  # why: task entry (module docstring)

    return process_delivery(delivery_id)


@task()
def process_webhooks(delivery_ids: list[int]) -> str:
    from .events import process_deliveries  # why: task entry (module docstring)

    outcome = process_deliveries(delivery_ids)
    return ", ".join(f"{pk}: {what}" for pk, what in sorted(outcome.items()))


@task()
def fetch_media(attachment_id: int) -> str:
    from .media import fetch_attachment  # why: task entry (module docstring)

    return fetch_attachment(attachment_id)

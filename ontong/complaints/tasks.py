"""The complaints app's background tasks. Their import paths are stored with every queued task,
and the modules that do the work enqueue them (notices → deliver_message); so the work is imported
when a task runs (each `# why: task entry` below)."""

from ontong.tasks_queue import task


@task()
def recompute_due_times() -> int:
    from .services import recompute_open_due_times  # why: task entry (module docstring)

    return recompute_open_due_times()


# Under a backlog a citizen's acknowledgement or answer goes before the intake of further
# messages (bench/e2e.py: with one queue in arrival order, every acknowledgement waited behind
# the whole backlog of webhooks).
@task(priority=10)
def deliver_message(message_id: int) -> str:
    from .notices import deliver  # why: task entry (module docstring)

    return deliver(message_id)


@task(priority=10)
def deliver_messages(message_ids: list[int]) -> str:
    from .notices import deliver_many  # why: task entry (module docstring)

    outcome = deliver_many(message_ids)
    return ", ".join(f"{pk}: {state}" for pk, state in outcome.items())


@task()
def email_notification(notification_id: int) -> str:
    from .reminders import email_notification_now  # why: task entry (module docstring)

    return email_notification_now(notification_id)

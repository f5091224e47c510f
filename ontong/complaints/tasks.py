from django_tasks import task


@task()
def recompute_due_times() -> int:
    from .services import recompute_open_due_times

    return recompute_open_due_times()


@task()
def deliver_message(message_id: int) -> str:
    from .notices import deliver

    return deliver(message_id)


@task()
def email_notification(notification_id: int) -> str:
    from .reminders import email_notification_now

    return email_notification_now(notification_id)

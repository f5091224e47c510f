from django_tasks import task


@task()
def retrain() -> str:
    from .suggest import train

    record = train()
    return f"v{record.pk} promoted={record.promoted} {record.note}"

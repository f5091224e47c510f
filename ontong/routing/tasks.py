from ontong.tasks_queue import task


@task(priority=-10)  # a suggestion can wait for intake and deliveries
def after_intake(complaint_id: int) -> str:
    """Place the complaint (읍면동 from its text) and, if the city enabled it, auto-assign."""
    from .suggest import place_and_route

    return place_and_route(complaint_id)


@task()
def retrain() -> str:
    from .suggest import train

    record = train()
    return f"v{record.pk} promoted={record.promoted} {record.note}"


@task(priority=-10)
def build_similar_index() -> str:
    from .nearest import build

    record = build()
    return f"similar index v{record.pk}: {record.cases} cases in {record.seconds} s"

"""The due facts of existing cases, read from their timeline: 보완 요청 … 보완 완료 (or a
재배정 out of 보완요청) is a pause, 처리기간 연장 an extension to the date in the event, 다시 처리 a
new period. Due times already set are kept; the next recompute derives them from the facts."""

import datetime as dt

from django.db import migrations

CLOCK_ACTIONS = ("request_info", "resume", "assign", "reassign", "extend", "reopen")


def derive(apps, schema_editor):
    complaint_model = apps.get_model("complaints", "Complaint")
    event_model = apps.get_model("complaints", "Event")
    fact_model = apps.get_model("complaints", "DueFact")
    facts, open_pause = [], {}
    events = event_model.objects.filter(action__in=CLOCK_ACTIONS).order_by(
        "complaint_id", "created_at", "id"
    )
    for event in events.iterator():
        fact = fact_from(event, open_pause, fact_model)
        if fact is not None:
            facts.append(fact)
    # A pause the timeline does not show (a case put in 보완요청 by hand) but the case does.
    waiting = complaint_model.objects.filter(paused_at__isnull=False).exclude(
        pk__in=list(open_pause)
    )
    for complaint in waiting.only("pk", "paused_at"):
        facts.append(fact_model(complaint_id=complaint.pk, kind="pause", start=complaint.paused_at))
    fact_model.objects.bulk_create(facts, batch_size=1000)


def fact_from(event, open_pause: dict, fact_model):
    case = event.complaint_id
    if event.action == "request_info":
        open_pause[case] = fact_model(complaint_id=case, kind="pause", start=event.created_at)
        return open_pause[case]
    if event.action == "resume" or (
        event.action in ("assign", "reassign") and event.from_state == "needs_info"
    ):
        if case in open_pause:
            open_pause.pop(case).end = event.created_at
        return None
    if event.action == "reopen":
        return fact_model(complaint_id=case, kind="restart", start=event.created_at)
    if event.action == "extend":
        until = parsed((event.data or {}).get("new_due"))
        if until is not None:
            return fact_model(
                complaint_id=case, kind="extension", start=event.created_at, until=until
            )
    return None


def parsed(value):
    try:
        return dt.datetime.fromisoformat(str(value))
    except ValueError:
        return None


def underive(apps, schema_editor):
    complaint_model = apps.get_model("complaints", "Complaint")
    fact_model = apps.get_model("complaints", "DueFact")
    for fact in fact_model.objects.filter(kind="pause", end__isnull=True):
        complaint_model.objects.filter(pk=fact.complaint_id).update(paused_at=fact.start)
    fact_model.objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [
        ("complaints", "0012_due_facts"),
    ]

    operations = [
        migrations.RunPython(derive, underive),
    ]

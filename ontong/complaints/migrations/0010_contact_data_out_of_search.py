"""Take contact details out of the stored search text (issue 14: a masked phone number could be
found by its digits). Only the complaints whose text holds such details are analysed again."""

from django.db import migrations


def reindex_with_contact_data(apps, schema_editor):
    from ontong.complaints import privacy, search

    Complaint = apps.get_model("complaints", "Complaint")
    rows = Complaint.objects.only("pk", "title", "body", "address", "answer", "search_text")
    for complaint in rows.iterator(chunk_size=2000):
        raw = (complaint.search_text or "").split("\n", 1)[-1]
        if not privacy.contains_personal_data(raw):
            continue
        Complaint.objects.filter(pk=complaint.pk).update(
            search_text=search.index_text(
                complaint.title, complaint.body, complaint.address, complaint.answer
            )
        )


class Migration(migrations.Migration):
    dependencies = [("complaints", "0009_answered_report_index")]

    operations = [migrations.RunPython(reindex_with_contact_data, migrations.RunPython.noop)]

"""Receipt numbers from a database sequence on PostgreSQL (issue 21): no row lock per number."""

from django.db import migrations, models


def create_sequence(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("CREATE SEQUENCE IF NOT EXISTS complaints_receipt_no_seq")


def drop_sequence(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP SEQUENCE IF EXISTS complaints_receipt_no_seq")


class Migration(migrations.Migration):
    dependencies = [("complaints", "0017_followers_and_link_notices")]

    operations = [
        migrations.AddField(
            model_name="receiptsequence",
            name="sequence_base",
            field=models.BigIntegerField(blank=True, null=True),
        ),
        migrations.RunPython(create_sequence, drop_sequence),
    ]

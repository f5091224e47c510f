from django.db import migrations, models


class Migration(migrations.Migration):
    """The open 보완 pause is a DueFact now (0013 moved it there)."""

    dependencies = [
        ("complaints", "0013_derive_due_facts"),
    ]

    operations = [
        migrations.RemoveField(
            model_name="complaint",
            name="paused_at",
        ),
    ]

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("complaints", "0011_pending_question_enum"),
    ]

    operations = [
        migrations.CreateModel(
            name="DueFact",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "kind",
                    models.CharField(
                        choices=[
                            ("pause", "보완 대기"),
                            ("extension", "처리기간 연장"),
                            ("restart", "다시 처리"),
                        ],
                        max_length=10,
                    ),
                ),
                ("start", models.DateTimeField()),
                ("end", models.DateTimeField(blank=True, null=True)),
                ("until", models.DateTimeField(blank=True, null=True)),
                (
                    "complaint",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="due_facts",
                        to="complaints.complaint",
                    ),
                ),
            ],
            options={
                "verbose_name": "처리기한 근거",
                "verbose_name_plural": "처리기한 근거",
                "ordering": ["start", "id"],
            },
        ),
    ]

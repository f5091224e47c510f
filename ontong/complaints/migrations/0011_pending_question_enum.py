import django.db.models.deletion
from django.db import migrations, models


def split(apps, schema_editor):
    """"survey:123" → question "survey" about complaint 123 (none if it is gone)."""
    identity_model = apps.get_model("complaints", "ChannelIdentity")
    complaint_model = apps.get_model("complaints", "Complaint")
    for identity in identity_model.objects.filter(pending_question__contains=":"):
        question, _, complaint_id = identity.pending_question.partition(":")
        identity.pending_question = question
        identity.pending_complaint = (
            complaint_model.objects.filter(pk=complaint_id).first()
            if complaint_id.isdigit()
            else None
        )
        identity.save(update_fields=["pending_question", "pending_complaint"])


def join(apps, schema_editor):
    identity_model = apps.get_model("complaints", "ChannelIdentity")
    for identity in identity_model.objects.filter(pending_complaint__isnull=False):
        identity.pending_question = f"{identity.pending_question}:{identity.pending_complaint_id}"
        identity.save(update_fields=["pending_question"])


class Migration(migrations.Migration):

    dependencies = [
        ('complaints', '0010_contact_data_out_of_search'),
    ]

    operations = [
        migrations.AddField(
            model_name='channelidentity',
            name='pending_complaint',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='complaints.complaint'),
        ),
        migrations.AlterField(
            model_name='channelidentity',
            name='pending_question',
            field=models.CharField(blank=True, choices=[('', '없음'), ('new', '새 민원 내용'), ('consent', '연락처 수집 동의'), ('phone', '휴대전화 번호'), ('email', '이메일 주소'), ('survey', '만족도'), ('survey_comment', '만족도 의견')], default='', max_length=20),
        ),
        migrations.RunPython(split, join),
    ]

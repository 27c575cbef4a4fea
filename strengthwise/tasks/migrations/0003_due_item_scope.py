import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def forget_rows(apps, schema_editor):
    # The rows are a cache of the case: a client without is computed on its first read
    # (tasks/due.py), and `strengthwise refresh-due` rebuilds them all.
    apps.get_model("tasks", "DueItem").objects.all().delete()
    apps.get_model("tasks", "ClientDue").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0006_program_no_contact_days_program_plan_review_days"),
        ("tasks", "0002_client_due"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RunPython(forget_rows, migrations.RunPython.noop),
        migrations.AddField(
            model_name="dueitem",
            name="primary_worker",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AddField(
            model_name="dueitem",
            name="team",
            field=models.ForeignKey(
                default=0,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="accounts.team",
            ),
            preserve_default=False,
        ),
        migrations.AddIndex(
            model_name="dueitem",
            index=models.Index(
                fields=["agency", "primary_worker", "due_on"], name="dueitem_worker"
            ),
        ),
        migrations.AddIndex(
            model_name="dueitem",
            index=models.Index(fields=["agency", "team", "due_on"], name="dueitem_team"),
        ),
    ]

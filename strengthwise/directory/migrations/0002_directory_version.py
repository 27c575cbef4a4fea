"""The directory's version token, for the find-help index kept in memory (directory/index.py)."""

import uuid

from django.db import migrations, models


def first_token(apps, schema_editor):
    version = apps.get_model("directory", "DirectoryVersion")
    version.objects.using(schema_editor.connection.alias).create(pk=1, token=uuid.uuid4().hex)


class Migration(migrations.Migration):
    dependencies = [
        ("directory", "0001_initial"),
    ]

    operations = [
        migrations.CreateModel(
            name="DirectoryVersion",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("token", models.CharField(default="", max_length=32)),
                ("changed_at", models.DateTimeField(auto_now=True)),
            ],
        ),
        migrations.RunPython(first_token, migrations.RunPython.noop),
    ]

"""Strengths and the strengths assessment's words are sealed at rest (core/fields.py): a
strength can name a protected category. The values stored in clear before are sealed; going
back writes them in clear again before the columns return to their old types."""

from django.db import migrations

import strengthwise.core.fields


def seal_existing(apps, schema_editor):
    from strengthwise.core.rotation import seal_in_place

    seal_in_place(apps.get_model("assessments", "Factor"), ["description"])
    seal_in_place(apps.get_model("assessments", "StrengthsAssessmentVersion"), ["content"])


def open_existing(apps, schema_editor):
    from strengthwise.core.rotation import open_in_place

    open_in_place(apps.get_model("assessments", "Factor"), ["description"], schema_editor)
    open_in_place(
        apps.get_model("assessments", "StrengthsAssessmentVersion"), ["content"], schema_editor
    )


class Migration(migrations.Migration):
    dependencies = [
        ("assessments", "0005_client_in_portal"),
    ]

    operations = [
        migrations.AlterField(
            model_name="factor",
            name="description",
            field=strengthwise.core.fields.SealedCharField(
                max_length=300, verbose_name="description"
            ),
        ),
        migrations.AlterField(
            model_name="strengthsassessmentversion",
            name="content",
            field=strengthwise.core.fields.SealedJSONField(),
        ),
        migrations.RunPython(seal_existing, open_existing),
    ]

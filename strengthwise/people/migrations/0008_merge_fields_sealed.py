"""A merge's record of both clients' fields as they were (ClientMerge.fields_before) is sealed
at rest: it holds dates of birth and addresses that the records themselves keep sealed. Rows
stored in clear are sealed; going back writes them in clear again."""

from django.db import migrations

import strengthwise.core.fields


def seal_existing(apps, schema_editor):
    from strengthwise.core.rotation import seal_in_place

    seal_in_place(apps.get_model("people", "ClientMerge"), ["fields_before"])


def open_existing(apps, schema_editor):
    from strengthwise.core.rotation import open_in_place

    open_in_place(apps.get_model("people", "ClientMerge"), ["fields_before"], schema_editor)


class Migration(migrations.Migration):
    dependencies = [
        ("people", "0007_sealed_fields"),
    ]

    operations = [
        migrations.AlterField(
            model_name="clientmerge",
            name="fields_before",
            field=strengthwise.core.fields.SealedJSONField(default=dict),
        ),
        migrations.RunPython(seal_existing, open_existing),
    ]

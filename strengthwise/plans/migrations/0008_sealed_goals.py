"""A goal's words (the statement, the worker's view, why it matters, the five GAS levels),
their earlier wordings and the signed plan versions are sealed at rest (core/fields.py): a goal
can name a protected category. The values stored in clear before are sealed; going back writes
them in clear again before the columns return to their old types."""

from django.db import migrations

import strengthwise.core.fields

GOAL_WORDS = [
    "statement",
    "worker_view",
    "why_it_matters",
    "gas_minus2",
    "gas_minus1",
    "gas_zero",
    "gas_plus1",
    "gas_plus2",
]
SEALED = [("Goal", GOAL_WORDS), ("GoalWording", ["before", "after"]), ("PlanVersion", ["snapshot"])]


def seal_existing(apps, schema_editor):
    from strengthwise.core.rotation import seal_in_place

    for model, names in SEALED:
        seal_in_place(apps.get_model("plans", model), names)


def open_existing(apps, schema_editor):
    from strengthwise.core.rotation import open_in_place

    for model, names in SEALED:
        open_in_place(apps.get_model("plans", model), names, schema_editor)


class Migration(migrations.Migration):
    dependencies = [
        ("plans", "0007_recorded_in_portal"),
    ]

    operations = [
        migrations.AlterField(
            model_name="goal",
            name="gas_minus1",
            field=strengthwise.core.fields.SealedCharField(
                blank=True, max_length=300, verbose_name="−1 less than expected"
            ),
        ),
        migrations.AlterField(
            model_name="goal",
            name="gas_minus2",
            field=strengthwise.core.fields.SealedCharField(
                blank=True, max_length=300, verbose_name="−2 much less than expected"
            ),
        ),
        migrations.AlterField(
            model_name="goal",
            name="gas_plus1",
            field=strengthwise.core.fields.SealedCharField(
                blank=True, max_length=300, verbose_name="+1 better than expected"
            ),
        ),
        migrations.AlterField(
            model_name="goal",
            name="gas_plus2",
            field=strengthwise.core.fields.SealedCharField(
                blank=True, max_length=300, verbose_name="+2 much better than expected"
            ),
        ),
        migrations.AlterField(
            model_name="goal",
            name="gas_zero",
            field=strengthwise.core.fields.SealedCharField(
                blank=True, max_length=300, verbose_name="0 expected outcome"
            ),
        ),
        migrations.AlterField(
            model_name="goal",
            name="statement",
            field=strengthwise.core.fields.SealedTextField(
                max_length=500, verbose_name="the goal, in their words"
            ),
        ),
        migrations.AlterField(
            model_name="goal",
            name="why_it_matters",
            field=strengthwise.core.fields.SealedTextField(
                blank=True, max_length=1000, verbose_name="why it matters to them"
            ),
        ),
        migrations.AlterField(
            model_name="goal",
            name="worker_view",
            field=strengthwise.core.fields.SealedTextField(
                blank=True,
                help_text="Kept beside the client's words; a disagreement is recorded, never overwritten.",
                max_length=500,
                verbose_name="the worker's view, if different",
            ),
        ),
        migrations.AlterField(
            model_name="goalwording",
            name="after",
            field=strengthwise.core.fields.SealedTextField(blank=True),
        ),
        migrations.AlterField(
            model_name="goalwording",
            name="before",
            field=strengthwise.core.fields.SealedTextField(blank=True),
        ),
        migrations.AlterField(
            model_name="planversion",
            name="snapshot",
            field=strengthwise.core.fields.SealedJSONField(),
        ),
        migrations.RunPython(seal_existing, open_existing),
    ]

"""The matrices and screens now live as questionnaire responses (questionnaires 0003 moved
every one of them): their own tables go."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("questionnaires", "0003_matrix_and_screen_records"),
        ("assessments", "0006_sealed_strengths"),
    ]

    operations = [
        migrations.DeleteModel(name="SsmScore"),
        migrations.DeleteModel(name="SsmAdministration"),
        migrations.DeleteModel(name="ScreeningResponse"),
    ]

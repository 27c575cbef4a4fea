"""An index for one answer of a response by link id, covering its number (the matrix report
looks up each domain's level at entry)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("questionnaires", "0003_matrix_and_screen_records")]

    operations = [
        migrations.AddIndex(
            model_name="answervalue",
            index=models.Index(
                fields=["response", "link_id", "number"], name="qanswer_response_link"
            ),
        ),
    ]

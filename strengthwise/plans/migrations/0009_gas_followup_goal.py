"""An index for a goal's latest or first GAS score by one scorer (the reports' T-scores and
strengths look it up once per goal)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("plans", "0008_sealed_goals")]

    operations = [
        migrations.AddIndex(
            model_name="gasfollowup",
            index=models.Index(
                fields=["goal", "scored_by", "scored_on", "id"], name="gas_followup_goal"
            ),
        ),
    ]

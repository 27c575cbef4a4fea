"""The caseload and team indexes in the list pages' full order (last name, first name, id), so
keyset pages read only their rows (people.selectors.client_list_page). Made before the old
ones are dropped, so a caseload is never without an index."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("people", "0008_merge_fields_sealed")]

    operations = [
        migrations.AddIndex(
            model_name="client",
            index=models.Index(
                fields=["agency", "primary_worker", "legal_last_name", "legal_first_name", "id"],
                name="client_caseload_names",
            ),
        ),
        migrations.AddIndex(
            model_name="client",
            index=models.Index(
                fields=["agency", "team", "legal_last_name", "legal_first_name", "id"],
                name="client_team_names",
            ),
        ),
        migrations.RemoveIndex(model_name="client", name="client_caseload"),
        migrations.RemoveIndex(model_name="client", name="client_team"),
    ]

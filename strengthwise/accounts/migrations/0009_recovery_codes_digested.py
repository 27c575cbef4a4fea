"""Recovery codes are kept as keyed digests from now on (accounts/second_factor.py): the codes
stored in clear before are replaced by their digests, so they keep working."""

from django.db import migrations


def digest_codes(apps, schema_editor):
    from strengthwise.accounts.second_factor import stored_recovery_code

    StaticToken = apps.get_model("otp_static", "StaticToken")
    for token in StaticToken.objects.all().iterator():
        if len(token.token) < 16:  # a code in clear (digests fill the column's 16 characters)
            token.token = stored_recovery_code(token.token)
            token.save(update_fields=["token"])


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0008_program_retention_years"),
        ("otp_static", "0003_add_timestamps"),
    ]

    operations = [migrations.RunPython(digest_codes, migrations.RunPython.noop)]

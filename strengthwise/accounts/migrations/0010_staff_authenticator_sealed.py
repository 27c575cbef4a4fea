"""Staff authenticator keys are sealed at rest (accounts.StaffAuthenticator, core/fields.py):
every django-otp TOTPDevice moves to the new model with its key sealed, keeping its state (the
last code's time step, drift, throttling, timestamps), and the clear row is deleted. Going back
moves them to TOTPDevice again, in clear. Sessions already past the second factor stay so."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

import strengthwise.accounts.models
import strengthwise.core.fields

COPIED = (
    "user_id",
    "name",
    "confirmed",
    "throttling_failure_timestamp",
    "throttling_failure_count",
    "created_at",
    "last_used_at",
    "key",
    "step",
    "t0",
    "digits",
    "tolerance",
    "drift",
    "last_t",
)


def _move(source, target):
    for device in source.objects.order_by("pk").iterator(chunk_size=500):
        copy = target.objects.create(**{name: getattr(device, name) for name in COPIED})
        # created_at is auto_now_add: set it again as it was.
        target.objects.filter(pk=copy.pk).update(created_at=device.created_at)
    source.objects.all().delete()


def seal_devices(apps, schema_editor):
    _move(
        apps.get_model("otp_totp", "TOTPDevice"), apps.get_model("accounts", "StaffAuthenticator")
    )


def open_devices(apps, schema_editor):
    _move(
        apps.get_model("accounts", "StaffAuthenticator"), apps.get_model("otp_totp", "TOTPDevice")
    )


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0009_recovery_codes_digested"),
        ("otp_totp", "0003_add_timestamps"),
    ]

    operations = [
        migrations.CreateModel(
            name="StaffAuthenticator",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "name",
                    models.CharField(
                        help_text="The human-readable name of this device.", max_length=64
                    ),
                ),
                (
                    "confirmed",
                    models.BooleanField(default=True, help_text="Is this device ready for use?"),
                ),
                (
                    "throttling_failure_timestamp",
                    models.DateTimeField(
                        blank=True,
                        default=None,
                        help_text="A timestamp of the last failed verification attempt. Null if last attempt succeeded.",
                        null=True,
                    ),
                ),
                (
                    "throttling_failure_count",
                    models.PositiveIntegerField(
                        default=0, help_text="Number of successive failed attempts."
                    ),
                ),
                (
                    "created_at",
                    models.DateTimeField(
                        auto_now_add=True,
                        help_text="The date and time when this device was initially created in the system.",
                        null=True,
                    ),
                ),
                (
                    "last_used_at",
                    models.DateTimeField(
                        blank=True,
                        help_text="The most recent date and time this device was used.",
                        null=True,
                    ),
                ),
                (
                    "key",
                    strengthwise.core.fields.SealedCharField(
                        default=strengthwise.accounts.models.new_authenticator_key, max_length=80
                    ),
                ),
                ("step", models.PositiveSmallIntegerField(default=30)),
                ("t0", models.BigIntegerField(default=0)),
                ("digits", models.PositiveSmallIntegerField(default=6)),
                ("tolerance", models.PositiveSmallIntegerField(default=1)),
                ("drift", models.SmallIntegerField(default=0)),
                ("last_t", models.BigIntegerField(default=-1)),
                (
                    "user",
                    models.ForeignKey(
                        help_text="The user that this device belongs to.",
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="authenticators",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "verbose_name": "authenticator app",
                "abstract": False,
            },
        ),
        migrations.RunPython(seal_devices, open_devices),
    ]

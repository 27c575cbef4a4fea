"""The client's own door: a portal account (a kind of account of its own, never a staff user)
and the one-time invitations that open it."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from strengthwise.accounts.models import Agency
from strengthwise.core.fields import SealedCharField, SealedTextField
from strengthwise.core.models import TimeStampedModel
from strengthwise.people.models import Client


class PortalAccount(TimeStampedModel):
    """A client's sign-in to the portal. It is not a `User`: no staff page, staff API or admin
    accepts it, and the portal accepts nothing else (portal/middleware.py)."""

    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    client = models.OneToOneField(Client, on_delete=models.CASCADE, related_name="portal_account")
    # What the client types to sign in, kept folded to lower case; unique across agencies.
    login = models.CharField(_("sign-in name"), max_length=150, unique=True)
    password = models.CharField(max_length=128)
    active = models.BooleanField(default=True)
    last_sign_in_at = models.DateTimeField(null=True, blank=True)
    failed_sign_ins = models.PositiveSmallIntegerField(default=0)
    locked_until = models.DateTimeField(null=True, blank=True)
    # An optional code app (TOTP): the key is sealed at rest (core/crypto.py); a code's time
    # step is remembered so that no code works twice.
    totp_key = SealedCharField(max_length=80, blank=True)
    totp_confirmed = models.BooleanField(default=False)
    totp_last_step = models.BigIntegerField(default=-1)
    # Wrong codes in a row: apart from wrong passwords, and cleared only by a right code.
    failed_codes = models.PositiveSmallIntegerField(default=0)

    def __str__(self) -> str:
        return f"Portal account {self.pk} of client {self.client_id}"


class PortalInvitation(models.Model):
    """A one-time code that lets a client set up (or, with a new one, recover) their account.
    Only a digest of the code is kept; it works once, until it expires, and a newer
    invitation replaces any older one still open."""

    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="portal_invitations")
    code_digest = models.CharField(max_length=64, unique=True)
    email = models.EmailField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["agency", "client"], name="portal_invitation_client")]

    def __str__(self) -> str:
        return f"Portal invitation {self.pk} for client {self.client_id}"


class PortalReminderSent(models.Model):
    """One row per (account, reminder key) sent: `strengthwise remind-clients` never sends the
    same reminder twice."""

    account = models.ForeignKey(PortalAccount, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=120)
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["account", "key"], name="portal_reminder_once")
        ]

    def __str__(self) -> str:
        return f"{self.account_id}: {self.key}"


class Message(models.Model):
    """A message between the client and the staff who work with them, in the portal. A client's
    message is their own words (`from_client`); a staff member's names its author. The text is
    sealed at rest. `read_at` is when the other side first opened it: the client (a staff
    message, and the reminder is sent only while it is unread) or any staff member (the
    client's)."""

    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="portal_messages")
    from_client = models.BooleanField(default=False)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    text = SealedTextField(_("message"), max_length=2000)
    sent_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["sent_at", "id"]
        indexes = [
            models.Index(fields=["agency", "client", "sent_at"], name="portal_message_client")
        ]

    def __str__(self) -> str:
        return f"Portal message {self.pk} ({'from' if self.from_client else 'to'} {self.client_id})"


class SignInFailure(models.Model):
    """A failed sign-in (or set-up) from one address, kept for the lockout window: too many
    from one address rest that address, whatever names were tried (portal/services.py)."""

    address = models.GenericIPAddressField()
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["address", "at"], name="portal_failure_address")]

    def __str__(self) -> str:
        return f"{self.address} at {self.at}"

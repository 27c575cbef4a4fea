"""Helpers for tests and `strengthwise bench`: sessions past the second factor (never used by
the product's pages)."""

from __future__ import annotations

from typing import Any

from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken

from .models import StaffAuthenticator, User
from .second_factor import APP_DEVICE, RECOVERY_DEVICE, stored_recovery_code


def authenticator_for(user: User) -> StaffAuthenticator:
    device = StaffAuthenticator.objects.filter(user=user, confirmed=True).first()
    return device or StaffAuthenticator.objects.create(user=user, name=APP_DEVICE, confirmed=True)


def verified_session(client: Any, user: User) -> None:
    """Mark a test client's session as past the second factor, with a real device."""
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = authenticator_for(user).persistent_id
    session.save()


def recovery_code_for(username: str) -> str:
    """A fresh single-use recovery code for the user (who gets an authenticator if needed)."""
    user = User.objects.get(username=username)
    authenticator_for(user)
    device, _ = StaticDevice.objects.get_or_create(
        user=user, name=RECOVERY_DEVICE, defaults={"confirmed": True}
    )
    token = StaticToken.random_token()
    StaticToken.objects.create(device=device, token=stored_recovery_code(token))
    return token

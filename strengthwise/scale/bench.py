"""The benchmark's sign-in and the scenarios of the staff `strengthwise seed` adds."""

from __future__ import annotations

import time
from importlib import import_module
from typing import Any

from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.db.models import Exists, OuterRef
from django_otp import DEVICE_ID_SESSION_KEY

from strengthwise.accounts.models import Membership, Role, User
from strengthwise.accounts.testing import authenticator_for
from strengthwise.core.middleware import SessionLifetimeMiddleware
from strengthwise.people.bench import Scenario
from strengthwise.people.models import Client

from .seed_agency import USERNAME_PREFIX


def signed_in_cookie(user: Any) -> dict[str, str]:
    """The cookies of a browser signed in as `user`: a server-side session made directly, as
    `django.contrib.auth.login` would leave it (the sign-in form is not used: django-axes
    would lock the bench out). For `strengthwise bench` over HTTP."""
    engine = import_module(settings.SESSION_ENGINE)
    session = engine.SessionStore()
    session[SESSION_KEY] = user._meta.pk.value_to_string(user)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session[SessionLifetimeMiddleware.KEY] = int(time.time())
    session[DEVICE_ID_SESSION_KEY] = authenticator_for(user).persistent_id  # past the 2nd step
    session.save()
    return {settings.SESSION_COOKIE_NAME: str(session.session_key)}


def seeded_scenarios() -> list[Scenario]:
    """A worker and a supervisor added by `strengthwise seed`, when there are any — the first
    who carry clients (a worker with a caseload, a supervisor whose teams hold clients): their
    caseloads are the size of a real agency's."""
    carries = Client.objects.filter(primary_worker=OuterRef("pk"))
    oversees = Client.objects.filter(
        team__memberships__user=OuterRef("pk"),
        team__memberships__kind=Membership.Kind.SUPERVISOR,
    )
    worker = (
        User.objects.filter(username__startswith=USERNAME_PREFIX, role=Role.WORKER)
        .filter(Exists(carries))
        .order_by("username")
        .first()
    )
    supervisor = (
        User.objects.filter(username__startswith=USERNAME_PREFIX, role=Role.SUPERVISOR)
        .filter(Exists(oversees))
        .order_by("username")
        .first()
    )
    found: list[Scenario] = []
    if worker is not None:
        client = Client.objects.filter(primary_worker=worker).order_by("id").first()
        found.append(Scenario("seeded worker: caseload", "/clients/", worker))
        found.append(Scenario("seeded worker: today", "/today/", worker))
        if client is not None:
            found.append(Scenario("seeded worker: face sheet", f"/clients/{client.pk}/", worker))
            found.append(
                Scenario(
                    "seeded worker: search own client",
                    f"/clients/search/?q={client.legal_last_name or client.legal_first_name}",
                    worker,
                )
            )
        found.append(Scenario("seeded worker: API clients", "/api/v1/clients", worker, api=True))
    if supervisor is not None:
        found.append(
            Scenario("seeded supervisor: team caseload", "/clients/?scope=team", supervisor)
        )
        found.append(Scenario("seeded supervisor: team view", "/team/", supervisor))
    return found

"""The benchmark's sign-in, the scenarios of the staff `strengthwise seed` adds, and the writers
of `strengthwise bench --writers` (who they are, and the closed-loop driver over HTTP)."""

from __future__ import annotations

import asyncio
import datetime as dt
import re
import time
from dataclasses import dataclass, field, replace
from importlib import import_module
from typing import Any

from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django_otp import DEVICE_ID_SESSION_KEY

from strengthwise.accounts.models import Membership, Role, User
from strengthwise.accounts.services import api_token_create
from strengthwise.accounts.testing import authenticator_for
from strengthwise.core.middleware import SessionLifetimeMiddleware
from strengthwise.directory.models import Service
from strengthwise.people.bench import Scenario
from strengthwise.people.models import Client
from strengthwise.plans.models import Goal
from strengthwise.referrals import consent as consent_rules
from strengthwise.referrals.models import Consent

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


# --- `strengthwise bench --writers N`: concurrent writers ----------------------------------------

NOTE_DRAFT = "note draft (API)"
NOTE_SIGN = "note sign (API)"
CHECK_IN = "check-in (page form)"
REFERRAL_CREATE = "referral create (API)"
REFERRAL_MOVE = "referral transition (API)"
CONSENT = "consent record (API, setup)"
WRITE_KINDS = (NOTE_DRAFT, NOTE_SIGN, CHECK_IN, REFERRAL_CREATE, REFERRAL_MOVE)
LOCKED = "database is locked"
DEADLOCK = "deadlock detected"  # PostgreSQL's word for a lock cycle it broke


@dataclass
class Writer:
    """One writer of `strengthwise bench --writers`: a signed-in worker (a browser session for
    the pages, a token for the API) and one of their own open clients, with a goal to check in
    on and an active directory service to refer to. `organization_id` is set when no consent of
    the client covers that service yet: the writer records one (through the API) first."""

    username: str
    cookies: dict[str, str]
    token: str
    client_id: int
    goal_id: int
    service_id: str
    information: list[str]
    organization_id: str | None = None
    signed_name: str = ""


def _open_clients(user: Any) -> Any:
    return (
        Client.objects.filter(
            primary_worker=user,
            merged_into__isnull=True,
            episodes__closed_on__isnull=True,
            goals__status=Goal.Status.ACTIVE,
        )
        .distinct()
        .order_by("id")
    )


def writer_users(count: int) -> list[Any]:
    """Up to `count` distinct workers who carry open clients with an active goal: the seeded
    workers (`strengthwise seed`) first, then the demo's. Fewer when the data set has fewer."""
    carries = _open_clients(OuterRef("pk"))
    found: list[Any] = []
    for seeded in (True, False):
        users = User.objects.filter(role=Role.WORKER, is_active=True, agency__isnull=False).filter(
            Exists(carries)
        )
        if seeded:
            users = users.filter(username__startswith=USERNAME_PREFIX)
        else:
            users = users.exclude(username__startswith=USERNAME_PREFIX)
        found += list(users.order_by("username")[: count - len(found)])
        if len(found) >= count:
            break
    return found


def writer_plans(count: int, per_client: int = 1) -> list[Writer]:
    """`count` writers over the workers `writer_users` finds: each worker signs in once and
    writes about their own clients (when there are fewer workers than writers, a worker has
    several writers, each on another client). With `per_client` K > 1, K writers share each
    client (its worker signed in on K devices, or colleagues on one case): writes about one
    client at the same moment, the case that row locks must survive. Needs the database; the
    writers do not."""
    if per_client > 1:
        shared = writer_plans(-(-count // per_client))
        return [replace(shared[i // per_client]) for i in range(count)]
    users = writer_users(count)
    if not users:
        return []
    today = timezone.localdate()
    sessions: dict[Any, tuple[dict[str, str], str]] = {}
    clients_of: dict[Any, list[Client]] = {}
    plans: list[Writer] = []
    for i in range(count):
        user = users[i % len(users)]
        if user.pk not in sessions:
            token = api_token_create(acting_user=None, user=user, name="bench writers", days=1)
            sessions[user.pk] = (signed_in_cookie(user), token)
            clients_of[user.pk] = list(_open_clients(user)[:count])
        mine = clients_of[user.pk]
        client = mine[(i // len(users)) % len(mine)]
        goal = Goal.objects.filter(client=client, status=Goal.Status.ACTIVE).order_by("id").first()
        assert goal is not None  # _open_clients has one
        active = [
            c
            for c in Consent.objects.filter(
                client=client, organization__isnull=False, purpose="referral"
            ).order_by("-id")
            if consent_rules.status_on(c, today) == "active"
        ]
        services = Service.objects.filter(
            status=Service.Status.ACTIVE, organization__isnull=False
        ).order_by("id")
        service, information, needs_consent = None, ["contact", "goals"], True
        for consent in active:
            if consent.organization_id is None:
                continue
            service = services.filter(organization_id=consent.organization_id).first()
            if service is not None:
                information, needs_consent = sorted(consent.information), False
                break
        if service is None:
            service = services.first()
        if service is None:
            raise ValueError("No active directory service with an organisation to refer to.")
        cookies, token = sessions[user.pk]
        plans.append(
            Writer(
                username=user.username,
                cookies=cookies,
                token=token,
                client_id=client.pk,
                goal_id=goal.pk,
                service_id=str(service.pk),
                information=information,
                organization_id=str(service.organization_id) if needs_consent else None,
                signed_name=client.display_name or "Client",
            )
        )
    return plans


@dataclass
class WriteStats:
    """What one kind of write got: the latencies of the expected answers (ms, send to answer),
    the other answers by kind, and how many answers showed a database lock."""

    kind: str
    latencies: list[float] = field(default_factory=list)
    errors: dict[str, int] = field(default_factory=dict)
    locks: int = 0

    @property
    def requests(self) -> int:
        return len(self.latencies) + sum(self.errors.values())


def shows_lock(status: int, body: str) -> bool:
    """A lock that reached the user: a server error (on SQLite, what an unhandled
    OperationalError becomes) or the words themselves in the answer."""
    return status >= 500 or LOCKED in body.lower()


_CSRF_FIELD = re.compile(r'name="csrfmiddlewaretoken"\s+value="([^"]+)"')


def csrf_token_in(html: str) -> str | None:
    found = _CSRF_FIELD.search(html) or re.search(
        r'value="([^"]+)"\s+name="csrfmiddlewaretoken"', html
    )
    return found.group(1) if found else None


async def drive_writers(
    base: str,
    writers: list[Writer],
    *,
    seconds: float,
    timeout: float = 30.0,
    today: dt.date | None = None,
    transport: Any = None,
    samples: list[str] | None = None,
) -> tuple[dict[str, WriteStats], float]:
    """Run the writers concurrently, closed loop: each signs in (its cookies), fetches the
    check-in form once (for its CSRF token), records a consent if it needs one, waits for the
    others, then repeats whole cycles until `seconds` have passed since they all started (at
    least one cycle each): start a contact note with its content (API), sign it (API), record
    a check-in on the goal (the page's form), create a draft referral (API), send it
    (draft → requested) and cancel it with a reason (requested → cancelled). Returns the
    figures per kind of write and the seconds from the common start to the last answer;
    `samples` receives a few of the unexpected answers."""
    import httpx

    day = (today or timezone.localdate()).isoformat()
    stats = {kind: WriteStats(kind) for kind in (CONSENT, *WRITE_KINDS)}
    loop = asyncio.get_running_loop()
    ready = asyncio.Event()
    waiting = [len(writers)]
    deadline = [0.0]

    async def call(kind: str, http: Any, method: str, url: str, expect: int, **kwargs: Any) -> Any:
        started = loop.time()
        problem = ""
        response = None
        try:
            response = await http.request(method, url, **kwargs)
        except httpx.TimeoutException:
            problem = "timeout"
        except httpx.HTTPError as error:
            problem = type(error).__name__
        elapsed = (loop.time() - started) * 1000
        stat = stats[kind]
        if response is not None:
            body = response.text
            if shows_lock(response.status_code, body):
                stat.locks += 1
            if response.status_code != expect:
                problem = f"HTTP {response.status_code}"
            elif expect == 302 and "/login" in response.headers.get("location", ""):
                problem = "sent to sign in"
            if problem and samples is not None and len(samples) < 10:
                samples.append(f"{kind}: {method} {url} → {problem}: {body[:300]!r}")
        elif samples is not None and len(samples) < 10:
            samples.append(f"{kind}: {method} {url} → {problem}")
        if problem:
            stat.errors[problem] = stat.errors.get(problem, 0) + 1
            return None
        stat.latencies.append(elapsed)
        return response

    async def one(w: Writer) -> None:
        progress = f"/clients/{w.client_id}/goals/{w.goal_id}/progress/"
        common: dict[str, Any] = {"base_url": base, "timeout": timeout, "follow_redirects": False}
        if transport is not None:
            common["transport"] = transport
        async with (
            httpx.AsyncClient(cookies=w.cookies, **common) as browser,
            httpx.AsyncClient(headers={"Authorization": f"Bearer {w.token}"}, **common) as api,
        ):
            csrf: str | None = None
            try:
                try:
                    page = await browser.get(progress)
                    status, html = page.status_code, page.text
                except httpx.HTTPError as error:
                    status, html = 0, type(error).__name__
                csrf = csrf_token_in(html) if status == 200 else None
                if csrf is None:
                    stats[CHECK_IN].errors["no form"] = stats[CHECK_IN].errors.get("no form", 0) + 1
                    if samples is not None and len(samples) < 10:
                        samples.append(f"{CHECK_IN}: GET {progress} → {status}: {html[:300]!r}")
                if w.organization_id:
                    await call(
                        CONSENT,
                        api,
                        "POST",
                        f"/api/v1/clients/{w.client_id}/consents",
                        201,
                        json={
                            "information": w.information,
                            "organization_id": w.organization_id,
                            "purpose": "referral",
                            "valid_from": day,
                            "valid_until": (
                                dt.date.fromisoformat(day) + dt.timedelta(days=365)
                            ).isoformat(),
                            "method": "e_signature",
                            "signed_name": w.signed_name,
                            "right_to_revoke_explained": True,
                        },
                    )
            finally:
                waiting[0] -= 1
                if waiting[0] == 0:
                    deadline[0] = loop.time() + seconds
                    ready.set()
            await ready.wait()
            cycle = 0
            while True:
                cycle += 1
                note = await call(
                    NOTE_DRAFT,
                    api,
                    "POST",
                    f"/api/v1/clients/{w.client_id}/notes",
                    201,
                    json={
                        "contact_type": "phone",
                        "present": "client",
                        "sections": {
                            "goal": f"Check on the housing application ({cycle}).",
                            "intervention": "Called the landlord together; went over the lease.",
                            "response": "Relieved; says the move date works.",
                            "plan": "Follow up on the deposit next week.",
                        },
                    },
                )
                if note is not None:
                    await call(
                        NOTE_SIGN, api, "POST", f"/api/v1/notes/{note.json()['id']}/sign", 200
                    )
                if csrf is not None:
                    await call(
                        CHECK_IN,
                        browser,
                        "POST",
                        progress,
                        302,
                        data={
                            "csrfmiddlewaretoken": csrf,
                            "checked_on": day,
                            "client_rating": str(cycle % 11),
                            "worker_rating": str((cycle + 3) % 11),
                            "comment": "Feels closer to the move.",
                            "comment_author": "client",
                        },
                    )
                referral = await call(
                    REFERRAL_CREATE,
                    api,
                    "POST",
                    f"/api/v1/clients/{w.client_id}/referrals",
                    201,
                    json={
                        "service_id": w.service_id,
                        "information": w.information,
                        "send": False,
                        "request_note": "Needs help with the deposit.",
                    },
                )
                if referral is not None:
                    moves = f"/api/v1/referrals/{referral.json()['id']}/transition"
                    sent = await call(
                        REFERRAL_MOVE, api, "POST", moves, 200, json={"status": "requested"}
                    )
                    if sent is not None:
                        await call(
                            REFERRAL_MOVE,
                            api,
                            "POST",
                            moves,
                            200,
                            json={
                                "status": "cancelled",
                                "reason": "The client found help elsewhere.",
                            },
                        )
                if loop.time() >= deadline[0]:
                    break

    await asyncio.gather(*(one(w) for w in writers))
    if not stats[CONSENT].requests:
        del stats[CONSENT]
    return stats, loop.time() - (deadline[0] - seconds)

"""The client portal: invitations, sign-in, the client's own plan and privacy pages, and what a
client does for themselves — each recorded as theirs."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine
from django.core import mail
from django.test import Client as HttpClient
from django.urls import reverse
from django.utils import timezone

from strengthwise.audit.models import AuditEvent
from strengthwise.core.errors import ValidationFailed
from strengthwise.plans import services as plan_services
from strengthwise.plans.models import Step
from strengthwise.portal import services
from strengthwise.portal.models import PortalAccount
from strengthwise.referrals import selectors as referral_selectors
from strengthwise.referrals import services as referral_services
from strengthwise.referrals.models import Consent

PASSWORD = "a long walk by the river"


def invite(personas, client=None, **kwargs):
    return services.invitation_create(
        acting_user=personas.alice, client=client or personas.dana, **kwargs
    )


def portal_for(personas, client=None, login="dana.w") -> HttpClient:
    """A browser signed in to the portal as `client` (Dana by default), through the real
    invitation and set-up pages."""
    _, code = invite(personas, client)
    browser = HttpClient()
    response = browser.post(
        reverse("portal:start"),
        {"code": code, "login": login, "password": PASSWORD, "password_again": PASSWORD},
    )
    assert response.status_code == 302, response.content
    return browser


def test_an_invitation_code_works_once_and_sets_up_the_account(personas):
    invitation, code = invite(personas)
    assert re.fullmatch(r"[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}", code)
    assert code not in str(invitation.__dict__)  # only a digest is kept
    account = services.invitation_accept(code=code.lower(), login=" Dana.W ", password=PASSWORD)
    assert (account.client_id, account.login) == (personas.dana.pk, "dana.w")
    with pytest.raises(ValidationFailed, match="does not work"):
        services.invitation_accept(code=code, login="other", password=PASSWORD)
    assert AuditEvent.objects.filter(action="portal.invited", client_id=personas.dana.pk).exists()
    assert AuditEvent.objects.filter(action="portal.account_set_up").count() == 1


def test_an_invitation_expires_and_a_newer_one_replaces_it(personas):
    _, old = invite(personas)
    _, newer = invite(personas)
    with pytest.raises(ValidationFailed):
        services.invitation_accept(code=old, login="dana.w", password=PASSWORD)
    with (
        time_machine.travel(timezone.now() + dt.timedelta(days=15)),
        pytest.raises(ValidationFailed),
    ):
        services.invitation_accept(code=newer, login="dana.w", password=PASSWORD)
    assert not PortalAccount.objects.exists()


def test_a_new_invitation_recovers_a_forgotten_password(personas):
    services.invitation_accept(code=invite(personas)[1], login="dana.w", password=PASSWORD)
    services.invitation_accept(
        code=invite(personas)[1], login="dana.w", password="another long sentence"
    )
    assert services.sign_in(login="dana.w", password="another long sentence")
    with pytest.raises(services.SignInRefused):
        services.sign_in(login="dana.w", password=PASSWORD)


def test_weak_passwords_and_taken_names_are_refused_on_their_fields(personas):
    services.invitation_accept(code=invite(personas)[1], login="taken", password=PASSWORD)
    code = invite(personas, personas.rosa)[1]
    with pytest.raises(ValidationFailed) as weak:
        services.invitation_accept(code=code, login="rosa", password="short")
    assert "password" in weak.value.field_errors
    with pytest.raises(ValidationFailed) as taken:
        services.invitation_accept(code=code, login="TAKEN", password=PASSWORD)
    assert "login" in taken.value.field_errors


def test_repeated_wrong_passwords_lock_the_account_for_a_while(personas):
    services.invitation_accept(code=invite(personas)[1], login="dana.w", password=PASSWORD)
    for _ in range(services.MAX_FAILURES):
        with pytest.raises(services.SignInRefused):
            services.sign_in(login="dana.w", password="wrong password")
    # Resting: even the right password is refused, with the same words as any refusal (the
    # page never tells whether an account exists).
    with pytest.raises(services.SignInRefused) as resting:
        services.sign_in(login="dana.w", password=PASSWORD)
    with pytest.raises(services.SignInRefused) as unknown:
        services.sign_in(login="nobody", password=PASSWORD)
    assert resting.value.message == unknown.value.message
    assert AuditEvent.objects.filter(action="portal.locked_out").count() == 1
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=16)):
        assert services.sign_in(login="dana.w", password=PASSWORD)


def test_the_email_invitation_says_nothing_about_the_client(personas):
    personas.dana.email = "dana@example.org"
    _, code = invite(personas, email="dana@example.org")
    (message,) = mail.outbox
    assert code in message.body and "Dana" in message.body
    assert "Whitfield" not in message.body and "Whitfield" not in message.subject


def test_the_client_marks_their_own_steps_and_only_those(personas, audit_events):
    plan = plan_services.plan_start(acting_user=personas.alice, client=personas.dana)
    goal = plan_services.goal_add(
        acting_user=personas.alice,
        plan=plan,
        fields={"statement": "A place of my own", "domain": "daily_living"},
    )
    mine = plan_services.step_add(
        acting_user=personas.alice, goal=goal, fields={"text": "Call the landlord", "who": "client"}
    )
    theirs = plan_services.step_add(
        acting_user=personas.alice, goal=goal, fields={"text": "Write a letter", "who": "worker"}
    )
    browser = portal_for(personas)
    page = browser.get(reverse("portal:plan")).content.decode()
    assert "A place of my own" in page and "I did this" in page
    browser.post(reverse("portal:step-done", args=[mine.pk]))
    browser.post(reverse("portal:step-done", args=[theirs.pk]))
    assert Step.objects.get(pk=mine.pk).done_on == timezone.localdate()
    assert Step.objects.get(pk=theirs.pk).done_on is None
    (event,) = audit_events("step.done")
    assert event.actor_id is None and "in the portal" in event.actor_label


def test_withdrawing_a_consent_in_the_portal_stops_the_partner_link(
    personas, workshop_consent, web
):
    consent, referral = workshop_consent
    browser = portal_for(personas)
    page = browser.get(reverse("portal:privacy")).content.decode()
    assert consent.organization.name in page
    assert browser.get(reverse("portal:consent-withdraw", args=[consent.pk])).status_code == 200
    response = browser.post(reverse("portal:consent-withdraw", args=[consent.pk]))
    assert response.status_code == 302
    consent.refresh_from_db()
    assert consent.revoked_on == timezone.localdate()
    assert "portal" in consent.revoked_by
    referral.refresh_from_db()
    assert not referral_selectors.partner_may_see(referral)
    event = AuditEvent.objects.get(action="consent.revoked")
    assert event.actor_id is None and "in the portal" in event.actor_label
    # The referral that relied on it is flagged for the worker.
    assert referral.consent_withdrawn
    page = web(personas.alice).get(reverse("referrals:client", args=[personas.dana.pk]))
    assert "consent withdrawn" in page.content.decode()
    again = browser.post(reverse("portal:consent-withdraw", args=[consent.pk]))
    assert again.status_code == 400


@pytest.fixture
def workshop_consent(personas):
    from strengthwise.directory.testing import make_service

    service = make_service("Money Basics", org_name="River City Credit Union Foundation")
    consent = referral_services.consent_record(
        acting_user=personas.alice,
        client=personas.dana,
        fields={
            "information": ["contact", "goals"],
            "organization": service.organization,
            "purpose": "referral",
            "valid_from": timezone.localdate() - dt.timedelta(days=1),
            "valid_until": timezone.localdate() + dt.timedelta(days=300),
            "method": Consent.Method.E_SIGNATURE,
            "signed_name": "Dana Whitfield",
            "right_to_revoke_explained": True,
        },
    )
    referral = referral_services.referral_create(
        acting_user=personas.alice, client=personas.dana, service=service, information=["contact"]
    )
    return consent, referral


def test_the_access_log_shows_staff_reads_of_her_record_and_nobody_elses(personas, web):
    web(personas.alice).get(reverse("people:client-detail", args=[personas.dana.pk]))
    web(personas.carol).get(reverse("people:client-detail", args=[personas.carol_client.pk]))
    browser = portal_for(personas)
    page = browser.get(reverse("portal:privacy")).content.decode()
    assert personas.alice.label in page and "opened your record" in page
    assert personas.carol.label not in page
    # Her own visits are hers, not in the list of who looked.
    assert "(client, in the portal)" not in page
    # Her worker sees the same list on the record.
    staff = web(personas.alice).get(reverse("people:client-access-log", args=[personas.dana.pk]))
    assert staff.status_code == 200 and personas.alice.label in staff.content.decode()
    assert (
        web(personas.carol)
        .get(reverse("people:client-access-log", args=[personas.dana.pk]))
        .status_code
        == 404
    )


def test_the_worker_invites_from_the_record_and_sees_the_code_once(personas, web):
    url = reverse("portal:invite", args=[personas.dana.pk])
    assert web(personas.alice).get(url).status_code == 200
    response = web(personas.alice).post(url, {"email": ""})
    assert response.status_code == 200
    code = re.search(r'class="portal-code"[^>]*>([A-Z2-9-]+)<', response.content.decode())
    assert code and services.invitation_accept(
        code=code.group(1), login="dana.w", password=PASSWORD
    )
    for outsider in (personas.carol, personas.mallory):
        assert web(outsider).get(url).status_code == 404
        assert web(outsider).post(url, {"email": ""}).status_code == 404


def test_rosa_reads_her_portal_in_spanish(personas):
    browser = portal_for(personas, personas.rosa, login="rosa")
    page = browser.get(reverse("portal:home")).content.decode()
    assert 'lang="es"' in page and "Mi plan" in page
    page = browser.get(reverse("portal:privacy")).content.decode()
    assert "Mi privacidad" in page


def test_a_merged_record_s_account_follows_the_survivor(personas):
    from strengthwise.accounts.access import portal_client

    account = services.invitation_accept(
        code=invite(personas, personas.dana_duplicate)[1], login="old", password=PASSWORD
    )
    personas.dana_duplicate.merged_into = personas.dana
    personas.dana_duplicate.save(update_fields=["merged_into"])
    assert portal_client(account).pk == personas.dana.pk


def test_the_development_mail_log_never_shows_the_code(personas, settings, monkeypatch):
    import io
    import sys

    settings.EMAIL_BACKEND = "strengthwise.core.mail.ConsoleBackend"
    stream = io.StringIO()
    monkeypatch.setattr(sys, "stdout", stream)  # the console backend's default stream
    _, code = invite(personas, email="dana@example.org")
    assert "dana@example.org" in stream.getvalue()
    assert code not in stream.getvalue() and "withheld" in stream.getvalue()


@pytest.fixture
def dana_goal(personas):
    plan = plan_services.plan_start(acting_user=personas.alice, client=personas.dana)
    goal = plan_services.goal_add(
        acting_user=personas.alice,
        plan=plan,
        fields={
            "statement": "Get housing",
            "author": "worker",
            "verbatim": False,
            "domain": "daily_living",
        },
    )
    return plan, goal


def test_the_client_rewrites_her_goal_and_the_old_words_are_kept(personas, dana_goal, web):
    from strengthwise.plans.models import Goal, GoalWording

    plan, goal = dana_goal
    browser = portal_for(personas)
    url = reverse("portal:goal-words", args=[goal.pk])
    assert "Get housing" in browser.get(url).content.decode()
    response = browser.post(
        url,
        {
            "statement": "A place where Jayden has his own room",
            "why_it_matters": "So he can sleep",
            "version": goal.version,
        },
    )
    assert response.status_code == 302
    goal = Goal.objects.get(pk=goal.pk)
    assert goal.statement == "A place where Jayden has his own room"
    assert (goal.author, goal.verbatim, goal.why_it_matters_author) == ("client", True, "client")
    wording = GoalWording.objects.get(goal=goal, field="statement")
    assert (wording.before, wording.by_client, wording.by_id) == ("Get housing", True, None)
    # A stale version is not written over: the client sees the goal as it is now.
    stale = browser.post(url, {"statement": "Something else", "version": 0})
    assert stale.status_code == 409
    assert Goal.objects.get(pk=goal.pk).statement == "A place where Jayden has his own room"
    # Her worker sees what changed on the plan.
    page = web(personas.alice).get(reverse("plans:plan", args=[personas.dana.pk]))
    assert "Reworded by the client in the portal" in page.content.decode()
    assert "Get housing" in page.content.decode()


def test_the_client_agrees_to_her_plan_in_the_portal(personas, dana_goal):
    from strengthwise.plans.models import Plan, PlanEvent

    plan, _goal = dana_goal
    browser = portal_for(personas)
    assert "I agree to this plan" in browser.get(reverse("portal:plan")).content.decode()
    assert browser.post(reverse("portal:plan-agree")).status_code == 302
    assert Plan.objects.get(pk=plan.pk).status == Plan.Status.CLIENT_SIGNED
    event = PlanEvent.objects.get(plan=plan, kind=PlanEvent.Kind.CLIENT_AGREED)
    assert (event.signature_method, event.by_id) == ("portal", None)
    assert "in the client portal" in event.agreement.lower() or "portal" in event.agreement
    assert "You agreed to this plan" in browser.get(reverse("portal:plan")).content.decode()
    # Staff cannot record an agreement as given in the portal.
    with pytest.raises(ValidationFailed):
        plan_services.plan_client_agree(
            acting_user=personas.alice, plan=plan, method="portal", signed_name="Dana"
        )


def test_the_client_rates_a_finished_referral_in_her_own_words(personas, workshop_consent):
    from strengthwise.directory.models import ServiceRating

    _consent, referral = workshop_consent
    browser = portal_for(personas)
    page = browser.get(reverse("portal:help")).content.decode()
    assert referral.service.name in page and "Did this help?" not in page  # not finished
    from strengthwise.referrals.models import Referral

    Referral.objects.filter(pk=referral.pk).update(status="completed")  # the partner finished
    assert "Did this help?" in browser.get(reverse("portal:help")).content.decode()
    browser.post(
        reverse("portal:referral-rate", args=[referral.pk]),
        {"helpful": 5, "comment": "They found me a flat"},
    )
    referral.refresh_from_db()
    assert (referral.helpful, referral.rated_by, referral.rating_comment_verbatim) == (
        5,
        "client",
        True,
    )
    assert ServiceRating.objects.get(referral_id=referral.pk).recorded_by_id is None
    assert AuditEvent.objects.get(action="referral.rated").actor_id is None


def test_the_worker_sees_on_today_what_the_client_did_in_the_portal(personas, dana_goal, web):
    _plan, goal = dana_goal
    browser = portal_for(personas)
    browser.post(
        reverse("portal:goal-words", args=[goal.pk]),
        {"statement": "My own place", "why_it_matters": "", "version": goal.version},
    )
    browser.post(reverse("portal:plan-agree"))
    today = web(personas.alice).get(reverse("tasks:today")).content.decode()
    assert "From your clients, in the portal" in today
    assert "rewrote a goal in their own words" in today and "agreed to their plan" in today
    # carol's day shows nothing of Dana.
    assert (
        "From your clients" not in web(personas.carol).get(reverse("tasks:today")).content.decode()
    )


def test_the_client_checks_in_and_her_worker_reads_her_message(personas, dana_goal, web):
    from strengthwise.notes.models import CheckIn
    from strengthwise.plans.models import GasFollowUp

    _plan, goal = dana_goal
    levels = {"gas_minus2": "a", "gas_minus1": "b", "gas_zero": "c", "gas_plus1": "d"}
    plan_services.goal_update(
        acting_user=personas.alice,
        goal=goal,
        version=goal.version,
        fields={**levels, "gas_plus2": "Keys in my hand"},
    )
    browser = portal_for(personas)
    url = reverse("portal:check-in", args=[goal.pk])
    assert "Keys in my hand" in browser.get(url).content.decode()
    assert browser.post(url, {}).status_code == 400  # 0–10 is the one required answer
    response = browser.post(
        url,
        {"client_rating": 6, "client_gas": 1, "importance": 9, "comment": "Viewing on Friday!"},
    )
    assert response.status_code == 302
    checkin = CheckIn.objects.get(goal=goal)
    assert (checkin.client_rating, checkin.client_gas, checkin.importance) == (6, 1, 9)
    assert (checkin.comment_author, checkin.comment_verbatim, checkin.recorded_by) == (
        "client",
        True,
        None,
    )
    followup = GasFollowUp.objects.get(goal=goal)
    assert (followup.level, followup.scored_by, followup.recorded_by) == (1, "client", None)
    today = web(personas.alice).get(reverse("tasks:today")).content.decode()
    assert "checked in on a goal" in today and "Viewing on Friday!" in today


def test_client_reminders_go_once_in_her_language_and_say_nothing_else(personas, dana_goal):
    from django.core.management import call_command

    _plan, goal = dana_goal
    soon = timezone.localdate() + dt.timedelta(days=1)
    plan_services.step_add(
        acting_user=personas.alice,
        goal=goal,
        fields={"text": "Bring the lease to the clinic", "who": "client", "target_date": soon},
    )
    services.invitation_accept(code=invite(personas)[1], login="dana.w", password=PASSWORD)
    personas.rosa.email = "rosa@example.org"
    personas.rosa.save()
    rosa_plan = plan_services.plan_start(acting_user=personas.alice, client=personas.rosa)
    rosa_goal = plan_services.goal_add(
        acting_user=personas.alice,
        plan=rosa_plan,
        fields={"statement": "Aprender inglés", "domain": "daily_living"},
    )
    plan_services.step_add(
        acting_user=personas.alice,
        goal=rosa_goal,
        fields={"text": "Llamar a la escuela", "who": "client", "target_date": soon},
    )
    services.invitation_accept(
        code=invite(personas, personas.rosa)[1], login="rosa", password=PASSWORD
    )
    call_command("remind_clients")
    call_command("remind_clients")  # idempotent
    assert sorted(m.to[0] for m in mail.outbox) == [personas.dana.email, "rosa@example.org"]
    by_to = {m.to[0]: m for m in mail.outbox}
    dana_mail = by_to[personas.dana.email]
    assert "/portal/plan/" in dana_mail.body and "Dana" in dana_mail.body
    for private in ("lease", "clinic", "Whitfield", "Get housing"):
        assert private not in dana_mail.body and private not in dana_mail.subject
    assert "Hola" in by_to["rosa@example.org"].body


def _code_now(account, steps_ahead=0):
    from django_otp.oath import TOTP

    totp = TOTP(bytes.fromhex(account.totp_key), step=30, digits=6)
    totp.drift = steps_ahead
    return f"{totp.token():06d}"


def test_an_optional_code_app_guards_the_sign_in_and_a_code_works_once(personas):
    from django.db import connection

    browser = portal_for(personas)
    assert browser.get(reverse("portal:security")).status_code == 200  # shows the QR code
    account = PortalAccount.objects.get(client=personas.dana)
    with connection.cursor() as cursor:
        cursor.execute("SELECT totp_key FROM portal_portalaccount WHERE id = %s", [account.pk])
        assert cursor.fetchone()[0].startswith("sw1:")  # the key is sealed at rest
    assert browser.post(reverse("portal:security"), {"code": "000000"}).status_code == 400
    assert browser.post(reverse("portal:security"), {"code": _code_now(account)}).status_code == 302
    account.refresh_from_db()
    assert account.totp_confirmed
    browser.post(reverse("portal:sign-out"))
    signing_in = browser.post(reverse("portal:sign-in"), {"login": "dana.w", "password": PASSWORD})
    assert signing_in["Location"] == reverse("portal:code")
    assert browser.get(reverse("portal:home")).status_code == 302  # not in yet
    assert browser.post(reverse("portal:code"), {"code": "123456"}).status_code == 400
    # The code that turned the app on does not work again; the next one does.
    assert browser.post(reverse("portal:code"), {"code": _code_now(account)}).status_code == 400
    assert browser.post(reverse("portal:code"), {"code": _code_now(account, 1)}).status_code == 302
    assert browser.get(reverse("portal:home")).status_code == 200
    assert AuditEvent.objects.filter(action="portal.code_failed").count() == 2
    # Wrong codes have their own count, which a right password does not clear: guessing the
    # six digits nine at a time between password sign-ins still ends in a rest.
    for _ in range(services.MAX_FAILURES):
        services.sign_in(login="dana.w", password=PASSWORD)
        with pytest.raises(ValidationFailed):
            services.totp_verify(account=account, code="000001")
    account.refresh_from_db()
    assert account.locked_until is not None
    # A lost phone: a new code from the worker turns the app off with the new password.
    services.invitation_accept(code=invite(personas)[1], login="dana.w", password=PASSWORD)
    assert not PortalAccount.objects.get(pk=account.pk).totp_confirmed


def test_the_worker_asks_a_consent_and_the_client_gives_it_in_the_portal(personas, web):
    from strengthwise.directory.testing import make_service
    from strengthwise.referrals import consent as consent_rules

    service = make_service("Money Basics", org_name="River City Credit Union Foundation")
    fields = {
        "information": ["contact"],
        "organization": service.organization,
        "purpose": "referral",
        "valid_from": timezone.localdate(),
        "valid_until": timezone.localdate() + dt.timedelta(days=300),
        "method": "portal",
        "right_to_revoke_explained": False,
    }
    # Only for a client who signs in to the portal.
    with pytest.raises(ValidationFailed) as refused:
        referral_services.consent_record(
            acting_user=personas.alice, client=personas.dana, fields=fields
        )
    assert "method" in refused.value.field_errors
    browser = portal_for(personas)
    page = web(personas.alice).get(reverse("referrals:consent-new", args=[personas.dana.pk]))
    assert "Ask the client to agree in the portal" in page.content.decode()
    asked = referral_services.consent_record(
        acting_user=personas.alice, client=personas.dana, fields=fields
    )
    # Not a consent until she agrees: nothing can be sent under it.
    assert consent_rules.status_on(asked, timezone.localdate()) == "pending"
    with pytest.raises(consent_rules.ConsentRefused, match="answer in the portal"):
        referral_services.referral_create(
            acting_user=personas.alice,
            client=personas.dana,
            service=service,
            information=["contact"],
        )
    assert "Yes, I agree" in browser.get(reverse("portal:privacy")).content.decode()
    browser.post(reverse("portal:consent-answer", args=[asked.pk]), {"answer": "yes"})
    asked.refresh_from_db()
    assert asked.signed_at and asked.signed_name == personas.dana.display_name
    assert consent_rules.status_on(asked, timezone.localdate()) == "active"
    assert "portal" in asked.agreement.lower()
    referral_services.referral_create(
        acting_user=personas.alice, client=personas.dana, service=service, information=["contact"]
    )
    event = AuditEvent.objects.get(action="consent.given")
    assert event.actor_id is None and "in the portal" in event.actor_label
    # A second answer changes nothing.
    browser.post(reverse("portal:consent-answer", args=[asked.pk]), {"answer": "no"})
    asked.refresh_from_db()
    assert asked.revoked_on is None


def test_the_client_can_say_no(personas):
    from strengthwise.directory.testing import make_service
    from strengthwise.referrals import consent as consent_rules

    service = make_service("Money Basics", org_name="River City Credit Union Foundation")
    browser = portal_for(personas)
    asked = referral_services.consent_record(
        acting_user=personas.alice,
        client=personas.dana,
        fields={
            "information": ["contact"],
            "organization": service.organization,
            "purpose": "referral",
            "valid_from": timezone.localdate(),
            "valid_until": timezone.localdate() + dt.timedelta(days=300),
            "method": "portal",
        },
    )
    browser.post(reverse("portal:consent-answer", args=[asked.pk]), {"answer": "no"})
    asked.refresh_from_db()
    assert consent_rules.status_on(asked, timezone.localdate()) == "revoked"
    assert AuditEvent.objects.filter(action="consent.refused").count() == 1


def test_the_worker_turns_a_sign_in_off_at_once(personas, web):
    browser = portal_for(personas)
    assert browser.get(reverse("portal:home")).status_code == 200
    url = reverse("portal:invite", args=[personas.dana.pk])
    assert "Turn their portal sign-in off" in web(personas.alice).get(url).content.decode()
    web(personas.alice).post(url, {"turn_off": "1"})
    assert browser.get(reverse("portal:home")).status_code == 302  # out at once
    with pytest.raises(services.SignInRefused):
        services.sign_in(login="dana.w", password=PASSWORD)
    assert AuditEvent.objects.filter(action="portal.turned_off", client_id=personas.dana.pk)
    assert web(personas.carol).post(url, {"turn_off": "1"}).status_code == 404
    # A new code from the worker opens it again, with a new password.
    services.invitation_accept(code=invite(personas)[1], login="dana.w", password=PASSWORD)
    assert services.sign_in(login="dana.w", password=PASSWORD)


def test_many_failures_from_one_address_rest_that_address(personas, monkeypatch):
    """Guessing many names from one place: the address rests, whatever names are tried (a
    right password included), while other addresses still sign in; audited once."""
    monkeypatch.setattr(services, "MAX_ADDRESS_FAILURES", 5)
    services.invitation_accept(code=invite(personas)[1], login="dana.w", password=PASSWORD)
    guesser = HttpClient(REMOTE_ADDR="203.0.113.9")
    for n in range(5):
        response = guesser.post(
            reverse("portal:sign-in"), {"login": f"name{n}", "password": "guess guess guess"}
        )
        assert response.status_code == 400
    right = {"login": "dana.w", "password": PASSWORD}
    assert guesser.post(reverse("portal:sign-in"), right).status_code == 400
    _, code = invite(personas, personas.rosa)
    start = {"code": code, "login": "rosa", "password": PASSWORD, "password_again": PASSWORD}
    assert guesser.post(reverse("portal:start"), start).status_code == 400
    elsewhere = HttpClient(REMOTE_ADDR="198.51.100.7")
    assert elsewhere.post(reverse("portal:sign-in"), right).status_code == 302
    assert AuditEvent.objects.filter(action="portal.address_locked_out").count() == 1
    # Dana's own account was never the one guessed at: it does not rest.
    assert PortalAccount.objects.get(login="dana.w").locked_until is None

"""My words (issue 14, item 3) and messages with the worker (item 8): the client rewrites their
dream, what matters most to them and what helped, as their own exact words, the earlier words
kept and the worker told; the worker and the client write to each other, and the client is
reminded of an unread message once, with nothing but a link."""

from __future__ import annotations

import pytest
from django.core import mail
from django.core.management import call_command
from django.urls import reverse

from strengthwise.assessments import services as assessment_services
from strengthwise.assessments.models import MotivationRecord, StrengthsAssessmentVersion
from strengthwise.audit.models import AuditEvent
from strengthwise.core.errors import DomainError, ValidationFailed
from strengthwise.outcomes import services as outcome_services
from strengthwise.outcomes.models import Closure, ClosureEvent
from strengthwise.people.models import Episode
from strengthwise.portal import services
from strengthwise.portal.models import Message

from .test_portal import PASSWORD, invite, portal_for


def test_the_client_rewrites_her_dream_and_the_earlier_words_stay(personas, web):
    dana = personas.dana
    assessment_services.motivation_record_add(
        acting_user=personas.alice,
        client=dana,
        fields={"dreams": "A flat", "obstacles": "Money", "support": "Call me on Mondays"},
    )
    browser = portal_for(personas)
    url = reverse("portal:dream-words")
    assert "A flat" in browser.get(url).content.decode()
    read = MotivationRecord.objects.get(client=dana).pk  # the version the page carries
    assert browser.post(url, {"dreams": "  ", "version": read}).status_code == 400
    # The same words again change nothing: they stay whose they were.
    assert browser.post(url, {"dreams": "A  flat", "version": read}).status_code == 302
    assert MotivationRecord.objects.filter(client=dana).count() == 1
    response = browser.post(url, {"dreams": "A home with a door that locks", "version": read})
    assert response.status_code == 302
    latest, earlier = MotivationRecord.objects.filter(client=dana).order_by("-id")[:2]
    assert (latest.dreams, latest.dreams_author, latest.dreams_verbatim) == (
        "A home with a door that locks",
        "client",
        True,
    )
    assert (latest.by_client, latest.recorded_by) == (True, None)
    # The other answers carry over as they were; the earlier record is untouched.
    assert (latest.obstacles, latest.support) == ("Money", "Call me on Mondays")
    assert (earlier.dreams, earlier.by_client) == ("A flat", False)
    event = AuditEvent.objects.filter(action="motivation.recorded").latest("seq")
    assert event.actor_id is None and event.actor_label.endswith("(client, in the portal)")
    assert "door that locks" not in str(event.changes)  # her words stay out of the trail
    # A stale page (the worker wrote a newer record meanwhile) is not written over.
    stale = browser.post(url, {"dreams": "Something else", "version": read})
    assert stale.status_code == 409
    assert MotivationRecord.objects.filter(client=dana).latest("id").dreams == (
        "A home with a door that locks"
    )
    # The worker sees it on the record and on Today.
    page = web(personas.alice).get(reverse("assessments:motivation", args=[dana.pk]))
    assert "The client wrote these words themselves, in the portal." in page.content.decode()
    today = web(personas.alice).get(reverse("tasks:today")).content.decode()
    assert "rewrote their dream in their own words" in today


def test_the_client_rewrites_her_priorities_as_a_new_version(personas, web):
    dana = personas.dana
    assessment_services.strengths_assessment_revise(
        acting_user=personas.alice,
        client=dana,
        version=None,
        content={"priorities": [{"text": "Keep  my job", "author": "worker", "verbatim": False}]},
    )
    browser = portal_for(personas)
    plan_page = browser.get(reverse("portal:plan")).content.decode()
    assert "What matters most to me" in plan_page and "Keep  my job" in plan_page
    url = reverse("portal:priorities-words")
    assert "priority_2" in browser.get(url).content.decode()
    versions = StrengthsAssessmentVersion.objects.filter(assessment__client=dana)
    version = dana.strengths_assessment.version
    data = {
        "version": version,
        "priority_1": "Keep my job",  # the same words (spacing aside): still the worker's
        "priority_2": "Jayden stays at his school",
    }
    assert browser.post(url, data).status_code == 302
    latest = versions.order_by("-number").first()
    assert versions.count() == 2
    assert (latest.by_client, latest.saved_by_id) == (True, None)
    assert latest.content["priorities"] == [
        {"text": "Keep  my job", "author": "worker", "verbatim": False},
        {"text": "Jayden stays at his school", "author": "client", "verbatim": True},
    ]
    # A stale version is refused: the page shows the priorities as they are now.
    assert browser.post(url, {**data, "priority_2": "Other"}).status_code == 409
    assert versions.count() == 2
    history = web(personas.alice).get(reverse("assessments:strengths-versions", args=[dana.pk]))
    assert "the client, in the portal" in history.content.decode()


def test_the_client_rewrites_what_helped_after_the_episode_closed(personas, web):
    dana = personas.dana
    episode = Episode.objects.filter(client=dana, closed_on__isnull=True).first()
    closure = outcome_services.closure_start(acting_user=personas.alice, episode=episode)
    closure = outcome_services.closure_save(
        acting_user=personas.alice,
        closure=closure,
        fields={"what_helped": "The bus passes", "what_helped_author": "worker"},
    )
    Closure.objects.filter(pk=closure.pk).update(status=Closure.Status.CLOSED)
    closure.refresh_from_db()
    browser = portal_for(personas)
    url = reverse("portal:what-helped-words", args=[closure.pk])
    # Saving the same words changes nothing: they stay the worker's.
    same = browser.post(url, {"what_helped": "The bus passes", "version": closure.version})
    assert same.status_code == 302
    closure.refresh_from_db()
    assert closure.what_helped_author == "worker"
    assert not ClosureEvent.objects.filter(closure=closure, kind="reworded").exists()
    assert "The bus passes" in browser.get(reverse("portal:plan")).content.decode()
    response = browser.post(
        url, {"what_helped": "Being listened to, not lectured", "version": closure.version}
    )
    assert response.status_code == 302
    closure.refresh_from_db()
    assert (closure.what_helped, closure.what_helped_author, closure.what_helped_verbatim) == (
        "Being listened to, not lectured",
        "client",
        True,
    )
    event = ClosureEvent.objects.get(closure=closure, kind="reworded")
    assert (event.comment, event.by_id) == ("The bus passes", None)
    audit = AuditEvent.objects.get(action="closure.what_helped_reworded")
    assert "listened" not in str(audit.changes) and "bus" not in str(audit.changes)
    assert browser.post(url, {"what_helped": "x", "version": 1}).status_code == 409
    page = web(personas.alice).get(reverse("outcomes:closure", args=[dana.pk, episode.pk]))
    assert "The client rewrote what helped, in the portal" in page.content.decode()
    assert "The bus passes" in page.content.decode()


def test_another_clients_words_are_not_found(personas):
    episode = Episode.objects.filter(client=personas.dana, closed_on__isnull=True).first()
    closure = outcome_services.closure_start(acting_user=personas.alice, episode=episode)
    rosa = portal_for(personas, personas.rosa, login="rosa")
    url = reverse("portal:what-helped-words", args=[closure.pk])
    assert rosa.get(url).status_code == 404
    assert rosa.post(url, {"what_helped": "Rosa's words", "version": 1}).status_code == 404
    assert Closure.objects.get(pk=closure.pk).what_helped == ""


def test_worker_and_client_write_to_each_other(personas, web):
    dana = personas.dana
    staff_url = reverse("portal:client-messages", args=[dana.pk])
    # No sign-in yet: the worker is told to invite her first, and nothing is written.
    with pytest.raises(DomainError, match="no portal sign-in"):
        services.message_to_client(acting_user=personas.alice, client=dana, text="Hi")
    browser = portal_for(personas)
    assert web(personas.alice).post(staff_url, {"text": ""}).status_code == 400
    response = web(personas.alice).post(staff_url, {"text": "Your lease copy is ready."})
    assert response.status_code == 302
    message = Message.objects.get(client=dana)
    assert (message.from_client, message.author_id, message.read_at) == (
        False,
        personas.alice.pk,
        None,
    )
    home = browser.get(reverse("portal:home")).content.decode()
    assert "1 new message" in home
    page = browser.get(reverse("portal:messages")).content.decode()
    assert "Your lease copy is ready." in page
    message.refresh_from_db()
    assert message.read_at is not None  # she opened it
    assert browser.post(reverse("portal:messages"), {"text": "Thank you!"}).status_code == 302
    reply = Message.objects.get(client=dana, from_client=True)
    assert (reply.text, reply.author_id) == ("Thank you!", None)
    today = web(personas.alice).get(reverse("tasks:today")).content.decode()
    assert "sent you a message" in today and staff_url in today
    staff_page = web(personas.alice).get(staff_url).content.decode()
    assert "Thank you!" in staff_page
    assert "Portal message 1" not in staff_page  # not shown as a status message
    assert "new" in staff_page  # her message was new when the page opened
    # The audit trail says a message went, never what it said.
    events = AuditEvent.objects.filter(action__startswith="portal.message_")
    assert events.count() == 2
    assert all("Thank" not in str(e.changes) and "lease" not in str(e.changes) for e in events)
    # Another team's worker does not reach the conversation.
    assert web(personas.carol).get(staff_url).status_code == 404
    assert web(personas.carol).post(staff_url, {"text": "hello"}).status_code == 404
    assert Message.objects.filter(client=dana).count() == 2


def test_a_message_is_sealed_at_rest(personas):
    from django.db import connection

    services.invitation_accept(code=invite(personas)[1], login="dana.w", password=PASSWORD)
    services.message_to_client(
        acting_user=personas.alice, client=personas.dana, text="The shelter has a bed tonight"
    )
    with connection.cursor() as cursor:
        cursor.execute("SELECT text FROM portal_message")
        (raw,) = cursor.fetchone()
    assert "shelter" not in raw


def test_an_unread_message_is_reminded_once_with_only_a_link(personas):
    services.invitation_accept(code=invite(personas)[1], login="dana.w", password=PASSWORD)
    personas.rosa.email = "rosa@example.org"
    personas.rosa.save()
    services.invitation_accept(
        code=invite(personas, personas.rosa)[1], login="rosa", password=PASSWORD
    )
    services.message_to_client(
        acting_user=personas.alice, client=personas.dana, text="Court date moved to Tuesday"
    )
    services.message_to_client(
        acting_user=personas.alice, client=personas.rosa, text="La cita es el martes"
    )
    call_command("remind_clients")
    call_command("remind_clients")  # once each
    by_to = {m.to[0]: m for m in mail.outbox}
    assert len(mail.outbox) == 2
    dana_mail = by_to[personas.dana.email]
    assert "/portal/messages/" in dana_mail.body and "Dana" in dana_mail.body
    assert "Court" not in dana_mail.body and "Tuesday" not in dana_mail.body
    assert dana_mail.subject == "A new message for you"
    assert "martes" not in by_to["rosa@example.org"].body
    assert "Hola" in by_to["rosa@example.org"].body
    # A message she already read is not reminded.
    mail.outbox.clear()
    message = services.message_to_client(
        acting_user=personas.alice, client=personas.dana, text="Another"
    )
    services.messages_mark_read(client=personas.dana, by_client=True)
    call_command("remind_clients")
    assert mail.outbox == []
    assert Message.objects.get(pk=message.pk).read_at is not None


def test_words_and_messages_refuse_what_is_too_long_or_empty(personas):
    with pytest.raises(ValidationFailed):
        services.dream_reword(client=personas.dana, version=0, dreams="")
    with pytest.raises(ValidationFailed):
        services.message_to_worker(client=personas.dana, text="x" * 2001)
    with pytest.raises(ValidationFailed):
        services.message_to_worker(client=personas.dana, text="a\x00b")


def test_a_clients_message_is_a_portal_message_webhook_event_with_ids_only(personas):
    from strengthwise.interop import webhooks
    from strengthwise.interop.models import WebhookDelivery

    webhooks.endpoint_add(
        agency_id=personas.dana.agency_id, url="http://127.0.0.1:9/x", events=["portal.message"]
    )
    services.invitation_accept(code=invite(personas)[1], login="dana.w", password=PASSWORD)
    services.message_to_client(acting_user=personas.alice, client=personas.dana, text="Hello")
    assert not WebhookDelivery.objects.exists()  # staff writing is not the client's message
    services.message_to_worker(client=personas.dana, text="The lease is signed")
    (delivery,) = WebhookDelivery.objects.all()
    assert delivery.payload["type"] == "portal.message"
    assert delivery.payload["data"]["client_id"] == personas.dana.pk
    assert "lease" not in str(delivery.payload)

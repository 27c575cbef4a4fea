"""Every user changes their own password (issue 12 item 1)."""

from __future__ import annotations

from django.test import Client as HttpClient

from strengthwise.audit.models import AuditEvent
from strengthwise.people.personas import DEMO_PASSWORD

NEW = "a much longer phrase 2026"


def test_a_user_changes_their_password_and_it_is_audited(personas, web):
    carol = web(personas.carol)
    other_session = web(personas.carol)
    assert carol.get("/accounts/password/").status_code == 200
    done = carol.post(
        "/accounts/password/",
        {"old_password": DEMO_PASSWORD, "new_password1": NEW, "new_password2": NEW},
    )
    assert done.status_code == 302
    personas.carol.refresh_from_db()
    assert personas.carol.check_password(NEW)
    event = AuditEvent.objects.get(action="auth.password_changed")
    assert event.actor_id == personas.carol.pk
    assert NEW not in str(event.changes) and DEMO_PASSWORD not in str(event.changes)
    assert carol.get("/clients/").status_code == 200  # this session goes on …
    assert other_session.get("/clients/").status_code == 302  # … the others end
    fresh = HttpClient().post("/accounts/sign-in/", {"username": "carol", "password": NEW})
    assert fresh.status_code == 302


def test_a_wrong_current_password_or_a_weak_new_one_changes_nothing(personas, web):
    carol = web(personas.carol)
    for data in (
        {"old_password": "wrong", "new_password1": NEW, "new_password2": NEW},
        {"old_password": DEMO_PASSWORD, "new_password1": "short", "new_password2": "short"},
        {"old_password": DEMO_PASSWORD, "new_password1": NEW, "new_password2": NEW + "x"},
    ):
        page = carol.post("/accounts/password/", data)
        assert page.status_code == 200 and 'class="error-summary"' in page.content.decode()
    personas.carol.refresh_from_db()
    assert personas.carol.check_password(DEMO_PASSWORD)
    assert not AuditEvent.objects.filter(action="auth.password_changed").exists()


def test_signed_out_people_are_sent_to_sign_in(db, web):
    assert web().get("/accounts/password/").status_code == 302

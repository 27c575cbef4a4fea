"""Issue 10 (demo): notes and check-ins are written and signed on the day of the contact, not
at the moment the demo loaded, and never before the client's episode opened."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest
from django.utils import timezone

from strengthwise.accounts.models import User
from strengthwise.audit.verify import audit_chain_verify
from strengthwise.notes.models import Addendum, CheckIn, ClientTerms, Note


@pytest.fixture
def demo(demo_agency):
    return demo_agency.dana


def test_notes_are_signed_on_the_day_of_the_contact(demo):
    dana = demo
    zone = zoneinfo.ZoneInfo(dana.agency.timezone)
    now = timezone.now()
    recent = now - dt.timedelta(minutes=1)
    day = lambda at: timezone.localtime(at, zone).date()  # noqa: E731
    alice = User.objects.get(username="alice")
    notes = list(Note.objects.filter(author=alice).select_related("client"))
    assert len({n.client_id for n in notes}) > 5  # Dana and a sample of alice's other clients
    for note in notes:
        # A contact happens while the client is with us: never before their episode opened.
        opened = min(e.opened_on for e in note.client.episodes.all())
        assert note.contact_date >= opened, note
        assert day(note.created_at) == note.contact_date, note
        assert note.created_at <= note.updated_at < recent, note
        if note.signed:
            assert note.signed_at is not None
            assert note.created_at < note.signed_at < recent, note
            assert note.contact_date <= day(note.signed_at) <= note.contact_date + dt.timedelta(1)
        assert 8 <= timezone.localtime(note.created_at, zone).hour < 18, note
    # Dana's unfinished draft was started yesterday, not when the demo loaded.
    draft = Note.objects.get(client=dana, status=Note.Status.DRAFT)
    assert draft.autosaved_at is not None and draft.autosaved_at < recent
    # The correction came after the note it corrects was signed, on a later day.
    addendum = Addendum.objects.get(note__client=dana)
    assert addendum.note.signed_at is not None
    assert day(addendum.created_at) > day(addendum.note.signed_at)
    assert addendum.created_at < recent
    # Check-ins during the visits they belong to.
    checkins = list(CheckIn.objects.filter(client=dana))
    assert len(checkins) == 3
    visits = {n.contact_date: n for n in notes if n.client_id == dana.pk and n.signed}
    for checkin in checkins:
        assert day(checkin.created_at) == checkin.checked_on, checkin
        visit = visits[checkin.checked_on]
        assert visit.created_at <= checkin.created_at <= visit.signed_at
    terms = ClientTerms.objects.get(client=dana)
    assert day(terms.updated_at) == min(visits)  # her own words, from the first visit noted
    assert audit_chain_verify().ok

"""The staff side of the portal through the API (issue 13, part 2): messages and invitations,
with the same services as the pages."""

from __future__ import annotations

import pytest

from strengthwise.portal import services
from strengthwise.portal.models import Message, PortalInvitation

from .test_portal import PASSWORD


def test_invite_then_write_and_read_the_conversation(personas, api):
    alice = api(personas.alice)
    dana = personas.dana.pk
    assert (
        alice.post(f"/api/v1/clients/{dana}/portal-invitation", {"email": "nope"}).status_code
        == 400
    )
    invited = alice.post(f"/api/v1/clients/{dana}/portal-invitation", {})
    assert invited.status_code == 201
    code = invited.json()["code"]
    assert invited.json()["emailed"] is False
    # No sign-in yet: a message could not be read.
    assert alice.post(f"/api/v1/clients/{dana}/messages", {"text": "Hi"}).status_code == 400
    services.invitation_accept(code=code, login="dana.w", password=PASSWORD)
    sent = alice.post(f"/api/v1/clients/{dana}/messages", {"text": "Your copy is ready."})
    assert sent.status_code == 201
    assert sent.json()["author"] == personas.alice.username
    services.message_to_worker(client=personas.dana, text="Thank you")
    listed = alice.get(f"/api/v1/clients/{dana}/messages").json()
    assert [(m["from_client"], m["text"]) for m in listed] == [
        (False, "Your copy is ready."),
        (True, "Thank you"),
    ]
    # Reading through the API marks nothing read (the page does, when a person opens it).
    assert Message.objects.get(from_client=True).read_at is None


@pytest.mark.parametrize("who", ["carol", "mallory", "priya"])
def test_others_get_404(personas, api, who):
    other = api(getattr(personas, who))
    dana = personas.dana.pk
    assert other.get(f"/api/v1/clients/{dana}/messages").status_code == 404
    assert other.post(f"/api/v1/clients/{dana}/messages", {"text": "x"}).status_code == 404
    assert other.post(f"/api/v1/clients/{dana}/portal-invitation", {}).status_code == 404
    assert not PortalInvitation.objects.exists()

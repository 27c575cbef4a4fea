"""The webhook endpoint form (Settings → Webhooks): it only reads what was typed; the service
says what is wrong with it, as it does for the API."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .webhooks import EVENT_TYPES

EVENT_LABELS = {
    "consent.revoked": _("consent.revoked — a client revoked or refused a consent"),
    "plan.signed": _("plan.signed — a client agreed to their plan"),
    "portal.message": _("portal.message — a client wrote in the portal (a message or check-in)"),
    "referral.status_changed": _("referral.status_changed — a referral's status changed"),
}


class EventsField(forms.MultipleChoiceField):
    """The boxes to tick; a value that is not one of them is left for the service to name,
    as it names it for the API."""

    def valid_value(self, value: str) -> bool:
        return True


class WebhookEndpointForm(forms.Form):
    url = forms.CharField(
        label=_("Address"),
        max_length=500,
        required=False,  # the service names a missing address, for the page and the API alike
        help_text=_(
            "Where the deliveries are sent: https://, for example https://example.org/hooks."
        ),
        widget=forms.URLInput(attrs={"autocomplete": "url", "inputmode": "url"}),
    )
    events = EventsField(
        label=_("Events"),
        choices=[(e, EVENT_LABELS.get(e, e)) for e in EVENT_TYPES],
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_(
            "A delivery carries ids only; the receiver reads the rest with its own API token."
        ),
    )

"""Walking every route with real ids from the demo agency (shared by the route-walking tests)."""

from __future__ import annotations

import re
from typing import Any

from django.apps import apps
from django.urls import URLPattern, URLResolver


def model(label: str) -> Any:
    return apps.get_model(label)


def first(label: str, **filters: Any) -> Any:
    return model(label).objects.filter(**filters).order_by("pk").first()


def webhook_endpoint(agency_id: int) -> Any:
    """The demo agency registers no webhook endpoint: one for the walk, turned off (nothing is
    queued for it, nothing sent)."""
    found = first("interop.WebhookEndpoint", agency_id=agency_id)
    if found is None:
        found = model("interop.WebhookEndpoint").objects.create(
            agency_id=agency_id,
            url="https://hooks.example.org/walk",
            secret="not-a-real-secret",
            events=["plan.signed"],
            active=False,
        )
    return found


def samples(personas: Any) -> dict[str, Any]:
    dana = personas.dana
    values = {
        "client_id": dana.pk,
        "member_id": first("people.HouseholdMember", client=dana),
        "merge_id": first("people.ClientMerge", survivor=dana),
        "factor_id": first("assessments.Factor", client=dana),
        "node_id": first("assessments.EcomapNode", client=dana),
        "goal_id": first("plans.Goal", client=dana),
        "step_id": first("plans.Step", goal__client=dana),
        "set_id": first("plans.OptionSet", plan__client=dana),
        "saved_id": first("directory.SavedService", client=dana),
        "service_id": first("directory.Service"),
        "referral_id": first("referrals.Referral", client=dana),
        "consent_id": first("referrals.Consent", client=dana),
        "note_id": first("notes.Note", client=dana),
        "task_id": first("tasks.Task", client=dana),
        "episode_id": first("people.Episode", client=dana),
        "closure_id": None,
        "questionnaire_id": first("questionnaires.Questionnaire", key="tenancy-readiness"),
        "link_id": "landlord",
        "number": 1,
        "response_id": first("questionnaires.QuestionnaireResponse", client=dana),
        "event_id": "0",
        "endpoint_id": webhook_endpoint(dana.agency_id),
        "who": "client",
        "check": "plans_without_client_goal",
        "fmt": "csv",
        "kind": "strengths",  # a shipped questionnaire
        "name": "program",
        # The HSDS read API's objects are named by a plain `id` (a service's serves them all).
        "id": first("directory.Service"),
    }
    return {k: (getattr(v, "pk", v)) for k, v in values.items()}


def walk(resolver: URLResolver, prefix: str = "", namespace: str = "") -> Any:
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            space = namespace + (f"{entry.namespace}:" if entry.namespace else "")
            yield from walk(entry, prefix + str(entry.pattern), space)
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern), namespace + (entry.name or ""), entry


def route_keys(route: str) -> list[tuple[str, str]]:
    """The (converter, name) of every part of a route, from its whole text (an included URL
    conf's prefix carries parts the leaf pattern does not know)."""
    return [(kind or "str", key) for kind, key in re.findall(r"<(?:(\w+):)?(\w+)>", route)]


def fill(route: str, ids: dict[str, Any]) -> str:
    path = route
    for kind, key in route_keys(route):
        token = f"<{kind}:{key}>" if f"<{kind}:{key}>" in path else f"<{key}>"
        path = path.replace(token, str(ids[key]))
    return "/" + path

"""Bad input gets a clear 4xx, never a 500 (issue 12 item 9): every URL pattern in the resolver
and every API operation, with malformed and out-of-range ids, extreme dates, wrong-typed and
oversized bodies and invalid UTF-8, as a case worker and as a supervisor. API errors are JSON.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from strengthwise.api import api as ninja_api
from strengthwise.outcomes.tests.walk import samples

BAD_IDS = ["0", "99999999999999999999", "-1", "abc", "%FF", "1e9"]
BAD_QUERY = (
    "?page=99999999999999999999&q=%FF%FE&from=9999-12-31&to=0001-01-01&scope=%00"
    "&group=x:y&duplicate=99999999999999999999&limit=-5&after=%FF&check=x&fmt=x"
)
BAD_FORMS: list[dict[str, Any]] = [
    {},
    {
        "version": "99999999999999999999",
        "date_of_birth": "9999-99-99",
        "opened_on": "0000-01-01",
        "closed_on": "99999-01-01",
        "goal": "99999999999999999999",
        "service": "not-a-uuid",
        "to_worker": "x",
        "to_workers": ["x", "99999999999999999999"],
        "score": "1e400",
        "body": "x" * 200_000,
    },
]
BAD_BODIES: list[bytes] = [
    b"",
    b"[]",
    b'"text"',
    b"{",
    b"\xff\xfe\x00",
    json.dumps(
        {
            "client_id": 99999999999999999999,
            "goal_id": "x",
            "date": "9999-12-31",
            "opened_on": "0001-01-01",
            "score": 1e308,
            "version": -1,
            "body": "x" * 200_000,
            "unknown": {"deep": [1, 2]},
        }
    ).encode(),
]


def _patterns(resolver: URLResolver, prefix: str = "") -> Any:
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            yield from _patterns(entry, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern), entry


def _fill(route: str, entry: URLPattern, value: str, samples: dict[str, Any]) -> str | None:
    """The route with every id replaced: the first by `value` (if its converter would take
    it), the others by real ids, so each part of the route is tried on its own."""
    path = route
    first = True
    for key, converter in entry.pattern.converters.items():
        kind = {"IntConverter": "int", "UUIDConverter": "uuid"}.get(type(converter).__name__, "str")
        if first and value != "REAL":
            if kind == "int" and not value.isdigit():
                return None  # the resolver answers 404 before any view runs
            if kind == "uuid":
                value = "00000000-0000-0000-0000-000000000000"
            first = False
            path = path.replace(f"<{kind}:{key}>", value)
        else:
            path = path.replace(f"<{kind}:{key}>", str(samples.get(key, 1)))
    return "/" + path


@pytest.mark.parametrize("who", ["alice", "bob"])
def test_no_page_answers_500_to_bad_input(demo_agency, web, who):
    personas = demo_agency
    browser = web(getattr(personas, who))
    browser.raise_request_exception = False
    ids = {k: v for k, v in samples(personas).items() if v is not None}
    crashed = []
    tried = 0
    for route, entry in _patterns(get_resolver()):
        if route.startswith(("admin/", "api/")):
            continue
        values = [*BAD_IDS, "REAL"] if entry.pattern.converters else [""]
        for value in values:
            path = _fill(route, entry, value, ids) if entry.pattern.converters else "/" + route
            if path is None or "<" in path:
                continue
            answers = [browser.get(path + BAD_QUERY)]
            answers += [browser.post(path + BAD_QUERY, form) for form in BAD_FORMS]
            answers.append(
                browser.post(path, b"\xff\xfe", content_type="application/x-www-form-urlencoded")
            )
            for response in answers:
                tried += 1
                if response.status_code >= 500:
                    crashed.append(f"{response.request['REQUEST_METHOD']} {path}")
    assert tried > 800  # the walk reached every route, with real ids too
    assert crashed == [], f"500 on bad input: {sorted(set(crashed))[:20]}"


@pytest.mark.parametrize("who", ["alice", "bob"])
def test_no_api_operation_answers_500_and_errors_are_json(personas, api, who):
    client = api(getattr(personas, who))
    client.http.raise_request_exception = False
    crashed, not_json = [], []
    tried = 0
    for route, operations in ninja_api.get_openapi_schema()["paths"].items():
        keys = [part[1:-1] for part in route.split("/") if part.startswith("{")]
        for value in ["x", "0", "99999999999999999999", "-1"]:
            path = route
            for key in keys:
                path = path.replace("{" + key + "}", value)
            path += BAD_QUERY.replace("?", "?name=program&", 1)
            for method in operations:
                bodies = [b""] if method == "get" else BAD_BODIES
                for body in bodies:
                    response = getattr(client.http, method)(
                        path, body, content_type="application/json", headers=client.headers
                    )
                    label = f"{method.upper()} {route} [{value}] {body[:20]!r}"
                    tried += 1
                    if response.status_code >= 500:
                        crashed.append(label)
                    elif response.status_code >= 400 and not response.get(
                        "Content-Type", ""
                    ).startswith("application/json"):
                        not_json.append(label)
    assert tried > 500
    assert crashed == [], f"500 on bad input: {crashed[:20]}"
    assert not_json == [], f"API errors that are not JSON: {not_json[:20]}"


@pytest.mark.parametrize("name", ["program", "advocacy", "data-quality"])
@pytest.mark.parametrize("to", ["9999-12-31", "0001-01-01", "2026-02-30"])
def test_reports_refuse_dates_out_of_range_with_a_reason(personas, api, name, to):
    response = api(personas.priya).get(f"/api/v1/reports/{name}?to={to}")
    assert response.status_code in (400, 404, 422), response.content
    assert "detail" in response.json()
    assert response["Content-Type"].startswith("application/json")

"""The agency's questionnaires in the reports: every coded question is a dimension (clients by
answer, each client's newest response in the period), scored instruments show the change of
their total, small counts are suppressed for de-identified readers, free text never appears."""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from decimal import Decimal

import pytest

from strengthwise.outcomes import reports
from strengthwise.people.models import Client
from strengthwise.questionnaires import definition as qdef
from strengthwise.questionnaires import services

pytestmark = pytest.mark.django_db
T = qdef.Text
SCALE = tuple(qdef.Option(str(n), T(f"Level {n}", f"Nivel {n}"), Decimal(n)) for n in range(3))
INCOME = (
    qdef.Option("wages", T("Wages", "Salario")),
    qdef.Option("benefits", T("Benefits", "Beneficios")),
    qdef.Option("none", T("None", "Ninguno")),
)


def _publish(personas, key, purpose, items):
    q = services.questionnaire_create(
        acting_user=personas.admin, key=key, purpose=purpose, title_en=key.title(), title_es=key
    )
    for item in items:
        q = services.draft_item_save(acting_user=personas.admin, questionnaire=q, item=item)
    services.questionnaire_publish(acting_user=personas.admin, questionnaire=q)
    return q


def _clients(personas, n):
    made = []
    for i in range(n):
        made.append(
            Client.objects.create(
                agency=personas.river_city,
                legal_first_name=f"Q{i}",
                legal_last_name="Report",
                team=personas.housing,
                primary_worker=personas.alice,
            )
        )
    return made


def _table(report, key):
    return next((t for t in report.tables if t.key == key), None)


def test_coded_answers_are_counted_per_client_and_suppressed_for_priya(personas):
    fields = _publish(
        personas,
        "fields",
        "client_fields",
        [
            qdef.Item("income", "choice", T("Income", "Ingresos"), options=INCOME),
            qdef.Item("served", "boolean", T("Served?", "¿Sirvió?")),
            qdef.Item("words", "text", T("In your words", "En sus palabras")),
        ],
    )
    clients = _clients(personas, 9)
    rng_codes = [
        "wages",
        "wages",
        "benefits",
        "wages",
        "none",
        "wages",
        "benefits",
        "wages",
        "wages",
    ]
    expected = Counter()
    for i, (client, code) in enumerate(zip(clients, rng_codes, strict=True)):
        if i == 0:  # an older answer, replaced by a newer one: only the newest counts
            services.response_record(
                acting_user=personas.alice,
                client=client,
                questionnaire_id=fields.pk,
                answers={"income": "none"},
                answered_on=dt.date(2026, 1, 1),
            )
        services.response_record(
            acting_user=personas.alice,
            client=client,
            questionnaire_id=fields.pk,
            answers={"income": code, "served": i % 2 == 0, "words": f"secret words {i}"},
            answered_on=dt.date(2026, 2, 1),
        )
        expected[code] += 1
    alice = reports.report_for(personas.alice, reports.Filters())
    rows = dict(_table(alice, "q.fields.income").rows)
    assert rows == {
        "Wages": expected["wages"],
        "Benefits": expected["benefits"],
        "None": expected["none"],
    }
    assert dict(_table(alice, "q.fields.served").rows) == {"Yes": 5, "No": 4}
    assert _table(alice, "q.fields.words") is None  # free text is never a dimension
    priya = reports.report_for(personas.priya, reports.Filters())
    shown = dict(_table(priya, "q.fields.income").rows)
    assert shown["Wages"] == 6
    assert shown["Benefits"] == "<5" and shown["None"] == "<5"
    body = json.dumps(priya.figures, default=str) + json.dumps(alice.figures, default=str)
    assert "secret words" not in body
    # A period before the answers: nothing to count.
    early = reports.report_for(
        personas.alice, reports.Filters(start=dt.date(2025, 1, 1), end=dt.date(2025, 12, 31))
    )
    assert _table(early, "q.fields.income") is None


def test_a_few_answers_are_withheld_for_priya_and_the_score_change_is_shown_to_alice(personas):
    tenancy = _publish(
        personas,
        "tenancy",
        "instrument",
        [qdef.Item("rent", "choice", T("Rent", "Alquiler"), options=SCALE, required=True)],
    )
    for client, (before, after) in zip(
        _clients(personas, 3), [("0", "2"), ("1", "1"), ("2", "1")], strict=True
    ):
        services.response_record(
            acting_user=personas.alice,
            client=client,
            questionnaire_id=tenancy.pk,
            answers={"rent": before},
            occasion="entry",
            answered_on=dt.date(2026, 1, 1),
        )
        services.response_record(
            acting_user=personas.alice,
            client=client,
            questionnaire_id=tenancy.pk,
            answers={"rent": after},
            occasion="review",
            answered_on=dt.date(2026, 3, 1),
        )
    alice = reports.report_for(personas.alice, reports.Filters())
    change = _table(alice, "q.tenancy").rows[0]
    assert change[0] == 3 and change[4] == 0.33  # +2, 0 and -1
    figures = alice.figures["questionnaires"][0]["score_change"]
    assert (
        figures["improved"]["numerator"],
        figures["unchanged"]["numerator"],
        figures["worse"]["numerator"],
    ) == (1, 1, 1)
    assert figures["mean_change"]["value"] == round((2 + 0 - 1) / 3, 2)
    assert dict(_table(alice, "q.tenancy.rent").rows) == {"Level 0": 0, "Level 1": 2, "Level 2": 1}
    priya = reports.report_for(personas.priya, reports.Filters())
    assert _table(priya, "q.tenancy.rent").rows == []
    assert _table(priya, "q.tenancy").rows == []
    assert priya.figures["questionnaires"][0]["score_change"]["withheld"] is True


def test_one_client_ticking_many_answers_is_still_fewer_than_five(personas):
    several = _publish(
        personas,
        "several",
        "client_fields",
        [qdef.Item("help", "choice", T("Help", "Ayuda"), repeats=True, options=INCOME)],
    )
    (client,) = _clients(personas, 1)
    services.response_record(
        acting_user=personas.alice,
        client=client,
        questionnaire_id=several.pk,
        answers={"help": ["wages", "benefits", "none"]},
    )
    alice = reports.report_for(personas.alice, reports.Filters())
    assert dict(_table(alice, "q.several.help").rows) == {"Wages": 1, "Benefits": 1, "None": 1}
    priya = reports.report_for(personas.priya, reports.Filters())
    assert _table(priya, "q.several.help").rows == []

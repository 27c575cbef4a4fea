"""The seed's `insert` writes exactly the row `bulk_create` writes, and sets the same keys."""

from __future__ import annotations

import copy
import datetime as dt
from typing import Any

import pytest
import time_machine
from django.db import connection, models

from strengthwise.notes.models import CheckIn, Note
from strengthwise.people.models import Client
from strengthwise.plans.models import GasFollowUp, PlanEvent, Step
from strengthwise.questionnaires.models import AnswerValue, QuestionnaireResponse
from strengthwise.scale.bulk import insert

MODELS: list[type[models.Model]] = [
    Client,  # sealed date, text and numbers; dates; foreign keys
    Note,  # sealed JSON, date times, search tokens
    QuestionnaireResponse,
    AnswerValue,
    CheckIn,
    GasFollowUp,
    Step,
    PlanEvent,
]


def _raw(model: type[models.Model], pk: Any) -> dict[str, Any]:
    """The stored row as the database holds it (not through the fields)."""
    table = connection.ops.quote_name(model._meta.db_table)
    pk_col = connection.ops.quote_name(model._meta.pk.column)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {table} WHERE {pk_col} = %s", [pk])  # noqa: S608
        names = [c[0] for c in cursor.description]
        return dict(zip(names, cursor.fetchone(), strict=True))


def _sealed(model: type[models.Model]) -> set[str]:
    """Columns stored sealed: the same value seals differently each time (a fresh nonce)."""
    return {f.column for f in model._meta.concrete_fields if type(f).__name__.startswith("Sealed")}


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_insert_writes_what_bulk_create_writes(demo_agency, model):
    originals = list(model._default_manager.order_by("pk")[:4])
    assert originals, f"the demo has no {model.__name__}"

    def fresh() -> list[models.Model]:
        made = []
        for obj in originals:
            new = copy.copy(obj)
            new._state = copy.copy(obj._state)
            new._state.adding = True
            new.pk = None
            made.append(new)
        return made

    by_django, by_insert = fresh(), fresh()
    with time_machine.travel(dt.datetime(2026, 6, 1, 12, tzinfo=dt.UTC), tick=False):
        model._default_manager.bulk_create(by_django)  # auto_now stamps "now" in both
        insert(model, by_insert)

    assert all(o.pk is not None and not o._state.adding for o in by_insert)
    assert len({o.pk for o in by_insert} | {o.pk for o in by_django}) == 2 * len(originals)
    skip = {model._meta.pk.column} | _sealed(model)
    for a, b in zip(by_django, by_insert, strict=True):
        raw_a, raw_b = _raw(model, a.pk), _raw(model, b.pk)
        assert {k: v for k, v in raw_a.items() if k not in skip} == {
            k: v for k, v in raw_b.items() if k not in skip
        }
        # Sealed columns open to the same values.
        read_a = model._default_manager.filter(pk=a.pk).values().get()
        read_b = model._default_manager.filter(pk=b.pk).values().get()
        read_a.pop(model._meta.pk.attname)
        read_b.pop(model._meta.pk.attname)
        assert read_a == read_b


def test_insert_takes_keys_of_related_objects_saved_after_assignment(demo_agency):
    step = Step.objects.select_related("goal").order_by("pk").first()
    goal = copy.copy(step.goal)
    goal._state = copy.copy(step.goal._state)
    goal.pk = None
    goal._state.adding = True
    new_step = Step(agency_id=step.agency_id, goal=goal, text="Call the landlord", order=9)
    goal.save()  # after the assignment: as with bulk_create, the key is taken now
    assert new_step.goal_id is None
    insert(Step, [new_step])
    assert Step.objects.get(pk=new_step.pk).goal_id == goal.pk


def test_insert_refuses_an_unsaved_related_object(demo_agency):
    step = Step.objects.select_related("goal").order_by("pk").first()
    goal = copy.copy(step.goal)
    goal._state = copy.copy(step.goal._state)
    goal.pk = None
    before = Step.objects.count()
    with pytest.raises(ValueError, match="not saved"):
        insert(Step, [Step(agency_id=step.agency_id, goal=goal, text="x", order=1)])
    assert Step.objects.count() == before


def test_insert_refuses_a_mix_of_given_and_missing_keys(demo_agency):
    rows = list(CheckIn.objects.order_by("pk")[:2])
    rows[1].pk = None
    with pytest.raises(ValueError, match="every object a primary key"):
        insert(CheckIn, rows)

"""The seed's `insert` and `insert_rows` write exactly the row `bulk_create` writes, and set
(or return) the same keys."""

from __future__ import annotations

import copy
import datetime as dt
from typing import Any

import pytest
import time_machine
from django.db import connection, models

from strengthwise.assessments.models import StrengthsAssessmentVersion
from strengthwise.notes.models import CheckIn, Note
from strengthwise.people.models import Client
from strengthwise.plans.models import GasFollowUp, GoalPeriod, PlanEvent, Step
from strengthwise.questionnaires.models import AnswerValue, QuestionnaireResponse
from strengthwise.referrals.models import ReferralEvent
from strengthwise.scale.bulk import insert, insert_rows
from strengthwise.scale.seed_agency import own_timestamps

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


# --- insert_rows: rows of values, not instances ------------------------------------------------

ROW_MODELS: list[type[models.Model]] = [
    *MODELS,
    AnswerValue,
    GoalPeriod,
    StrengthsAssessmentVersion,
    ReferralEvent,
    Note.goals.through,
]


def _values(obj: models.Model, names: list[str]) -> list[Any]:
    return [getattr(obj, n) for n in names]


def _stored(model: type[models.Model], pk: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    """The row as the database holds it (sealed columns left out) and as read back through the
    fields (sealed columns opened), both without the primary key."""
    skip = {model._meta.pk.column} | _sealed(model)
    raw = {k: v for k, v in _raw(model, pk).items() if k not in skip}
    read = model._default_manager.filter(pk=pk).values().get()
    read.pop(model._meta.pk.attname)
    return raw, read


# Values that must differ from the demo's own rows (unique together), on both sides alike.
UNIQUE_SHIFT = {StrengthsAssessmentVersion: "number"}


def _bulk_create_then_insert_rows(
    model: type[models.Model], names: list[str], rows: list[list[Any]]
) -> list[Any]:
    """bulk_create the instances `model(**row)`, keep what it wrote, delete it (the rows may be
    unique), insert_rows the same rows; the stored rows are the same. Returns insert_rows' keys."""
    by_django = [model(**dict(zip(names, row, strict=True))) for row in rows]
    with time_machine.travel(dt.datetime(2026, 6, 1, 12, tzinfo=dt.UTC), tick=False):
        model._default_manager.bulk_create(by_django)  # auto_now stamps "now" in both
        written = [_stored(model, o.pk) for o in by_django]
        model._default_manager.filter(pk__in=[o.pk for o in by_django])._raw_delete(
            model._default_manager.db
        )
        pks = insert_rows(model, names, rows)
    assert len(pks) == len(rows) and all(p is not None for p in pks)
    assert [_stored(model, p) for p in pks] == written
    return pks


@pytest.mark.parametrize("only_required", [False, True], ids=["every-field", "defaults-left-out"])
@pytest.mark.parametrize("model", ROW_MODELS, ids=lambda m: m.__name__)
def test_insert_rows_writes_what_bulk_create_writes(demo_agency, model, only_required):
    originals = list(model._default_manager.order_by("pk")[:4])
    assert originals, f"the demo has no {model.__name__}"
    pk = model._meta.pk
    names = [
        f.attname
        for f in model._meta.concrete_fields
        if f is not pk and not (only_required and f.has_default())
    ]
    rows = [_values(obj, names) for obj in originals]
    shift = UNIQUE_SHIFT.get(model)
    if shift:
        for row in rows:
            row[names.index(shift)] += 1000
    if model is Note.goals.through:  # links are unique: write them again
        model._default_manager.filter(pk__in=[o.pk for o in originals]).delete()
    _bulk_create_then_insert_rows(model, names, rows)


def test_insert_rows_keeps_the_timestamps_given_under_own_timestamps(demo_agency):
    step = Step.objects.order_by("pk").first()
    names = ["agency_id", "goal_id", "text", "order", "created_at", "updated_at"]
    at = dt.datetime(2025, 3, 4, 10, 30, tzinfo=dt.UTC)
    with own_timestamps((Step,)):
        (pk,) = _bulk_create_then_insert_rows(
            Step, names, [[step.agency_id, step.goal_id, "Call the landlord", 4, at, at]]
        )
    assert Step.objects.get(pk=pk).updated_at == at
    assert Step.objects.get(pk=pk).created_at == at


def test_insert_rows_with_given_keys(demo_agency):
    originals = list(CheckIn.objects.order_by("pk")[:2])
    top = CheckIn.objects.order_by("-pk").values_list("pk", flat=True).first()
    names = [f.attname for f in CheckIn._meta.concrete_fields]
    assert names[0] == "id"
    rows = [[top + 10 + i, *_values(obj, names[1:])] for i, obj in enumerate(originals)]
    assert _bulk_create_then_insert_rows(CheckIn, names, rows) == [top + 10, top + 11]


def test_insert_rows_refuses_what_is_not_a_field(demo_agency):
    with pytest.raises(ValueError, match="not fields"):
        insert_rows(Step, ["goal", "text"], [[1, "x"]])  # `goal_id`, not `goal`
    with pytest.raises(ValueError, match="one value per name"):
        insert_rows(Step, ["goal_id", "text"], [[1]])
    assert insert_rows(Step, ["goal_id", "text"], []) == []

"""The agency is the distribution key: the schema, read from the app registry, can be distributed
by agency on Citus (docs/operations.md "Past one PostgreSQL"), and stays so.

Citus splits a *distributed* table into shards by one column — here `agency_id` — and keeps the
shards of every table distributed by it for one agency on the same node (co-location), so a
query or transaction about one agency runs on one node. Its rules, checked here:

- Every tenant table (anything that belongs to an agency) has the `agency` column, NOT NULL. A
  table reached only through another (an addendum through its note) needs the column too.
- A unique constraint must include the distribution column (each node checks only its own
  shards). The primary keys are the one global exception, not listed below: on Citus each `id`
  would become `(agency_id, id)` (Django 5.2's CompositePrimaryKey), ids staying unique as they
  come from one sequence.
- Composite indexes start with `agency` (DESIGN.md §4: every query is about one agency; Citus
  needs no such order, but a query that names the agency then uses the index on its shard).
- A foreign key between two distributed tables must include the distribution column on both
  sides and so lies within one agency: on Citus `goal.client_id → client.id` becomes
  `(agency_id, client_id) → client(agency_id, id)`. So a foreign key from a tenant table may
  point to another tenant table *with* an agency column (then that composite key can be
  declared, and it also makes a cross-agency link impossible, which today only the services
  prevent), or to a reference table; never to a table without the column, nor to a local one.
- Reference tables (`REFERENCE`: the agencies, the staff accounts, the shared directory and
  its taxonomy, Django's content types and permissions) are copied whole to every node; they
  may point only to reference tables. Local tables (`LOCAL`) stay on the coordinator: no
  agency, or looked up before the agency is known; they may point to reference and local
  tables.

Known exceptions are in `EXCEPTIONS`, each with its reason; the test fails on anything new, and on
an exception that no longer applies. Migrations for the apps assessments, questionnaires,
outcomes, tasks and scale are being written by someone else: their entries say "to fix with the
next migration of this app".
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import pytest
from django.apps import apps
from django.db import models
from django.test.utils import isolate_apps

AGENCY = "agency"

# Copied to every node (Citus reference tables).
REFERENCE = {
    "accounts.Agency": "the tenants themselves: every distributed table points to its agency",
    "accounts.User": "staff sign in by a username unique across agencies, read on every request",
    "accounts.User_groups": "between two reference tables",
    "accounts.User_user_permissions": "between two reference tables",
    "auth.Group": "Django's, global",
    "auth.Group_permissions": "Django's, global",
    "auth.Permission": "Django's, global",
    "contenttypes.ContentType": "Django's, global",
    "directory.Address": "the shared resource directory (HSDS)",
    "directory.Attribute": "the shared directory's taxonomy links",
    "directory.DirectoryVersion": "the shared directory's version (one row)",
    "directory.Language": "the shared resource directory (HSDS)",
    "directory.Location": "the shared resource directory (HSDS)",
    "directory.Organization": "the shared resource directory (HSDS)",
    "directory.Phone": "the shared resource directory (HSDS)",
    "directory.Program": "the shared resource directory (HSDS)",
    "directory.Schedule": "the shared resource directory (HSDS)",
    "directory.Service": "the shared resource directory (HSDS)",
    "directory.ServiceArea": "the shared resource directory (HSDS)",
    "directory.ServiceAtLocation": "the shared resource directory (HSDS)",
    "directory.ServiceDomain": "the shared resource directory (HSDS)",
    "directory.Taxonomy": "global reference data",
    "directory.TaxonomyTerm": "global reference data",
}

# Kept on the coordinator only (Citus local tables).
LOCAL = {
    "admin.LogEntry": "Django admin's log of superuser actions",
    "accounts.ApiToken": "found by its key before the agency is known; agency may be empty",
    "accounts.StaffAuthenticator": "a staff member's second factor (staff are a reference table)",
    "audit.AuditEvent": "one hash chain across agencies: a single sequence, one writer at a time",
    "audit.AuditHead": "the head of that one chain",
    "axes.AccessAttempt": "sign-in lockout, before anyone is known",
    "axes.AccessAttemptExpiration": "sign-in lockout, before anyone is known",
    "axes.AccessFailureLog": "sign-in lockout, before anyone is known",
    "axes.AccessLog": "sign-in lockout, before anyone is known",
    "interop.IdempotentRequest": "API idempotency keys, per token owner; short-lived",
    "otp_static.StaticDevice": "a staff member's recovery codes",
    "otp_static.StaticToken": "a staff member's recovery codes",
    "otp_totp.TOTPDevice": "a staff member's authenticator (django-otp's table)",
    "portal.SignInFailure": "portal sign-in throttling by address, before anyone is known",
    "sessions.Session": "found by its key before the agency is known",
    "tasks.ReminderSent": "reminders sent to a staff member (a reference row)",
}

_NEEDS_COLUMN = (
    "reached only through {}: needs its own agency column (filled from it) to be distributed"
)
_NEXT_MIGRATION = "to fix with the next migration of this app"

# (model, kind, name) -> why it is allowed for now.
EXCEPTIONS: dict[tuple[str, str, str], str] = {
    # Tenant tables without the agency column.
    ("notes.Addendum", "agency-column", ""): _NEEDS_COLUMN.format("its note"),
    ("notes.ClientTerms", "agency-column", ""): _NEEDS_COLUMN.format("its client"),
    ("notes.Note_goals", "agency-column", ""): _NEEDS_COLUMN.format(
        "note and goal (an explicit through model)"
    ),
    ("plans.Goal_strengths", "agency-column", ""): _NEEDS_COLUMN.format(
        "goal and factor (an explicit through model)"
    ),
    ("plans.Goal_supports", "agency-column", ""): _NEEDS_COLUMN.format(
        "goal and ecomap node (an explicit through model)"
    ),
    ("plans.PlanEventDocument", "agency-column", ""): _NEEDS_COLUMN.format("its plan event"),
    ("portal.PortalReminderSent", "agency-column", ""): _NEEDS_COLUMN.format("its account"),
    ("referrals.ConsentDocument", "agency-column", ""): _NEEDS_COLUMN.format("its consent"),
    ("referrals.ReferralEvent", "agency-column", ""): _NEEDS_COLUMN.format("its referral"),
    ("interop.WebhookDelivery", "agency-column", ""): _NEEDS_COLUMN.format("its endpoint"),
    # Composite indexes that do not start with the agency.
    ("notes.Note", "index", "note_author_status"): (
        "a worker's own drafts are looked up by author alone; agency first once those reads "
        "name the agency too"
    ),
    ("plans.GoalPeriod", "index", "goal_period_start"): (
        "a goal's periods are looked up by goal alone (plans/selectors.py); agency first once "
        "those reads name the agency too"
    ),
    ("plans.GasFollowUp", "index", "gas_followup_goal"): (
        "a goal's latest and first scores by one scorer are looked up by goal alone "
        "(outcomes/measures.py); agency first once those reads name the agency too"
    ),
    ("questionnaires.AnswerValue", "index", "qanswer_response_link"): (
        "a response's answer to one question is looked up by response alone "
        "(outcomes/measures.py, the matrix change); agency first once those reads name the "
        "agency too"
    ),
    ("referrals.Referral", "index", "referral_service"): (
        "a directory service's referrals are looked up by service (the directory is shared); "
        "agency first once those reads name the agency"
    ),
    ("tasks.DueItem", "index", "dueitem_client"): _NEXT_MIGRATION,
    ("tasks.Task", "index", "task_open"): _NEXT_MIGRATION,
    # Unique constraints without the agency (each would become (agency, …): the same rule,
    # since the rows they join belong to one agency).
    ("accounts.Membership", "unique", "membership_unique_user_team"): (
        "(agency, user, team) says the same; changed with the composite keys"
    ),
    ("people.Episode", "unique", "episode_one_open_per_program"): (
        "(agency, client, program) says the same; changed with the composite keys"
    ),
    ("plans.Plan", "unique", "episode"): "(agency, episode): changed with the composite keys",
    ("plans.PlanVersion", "unique", "plan_version_unique"): (
        "(agency, plan, number): changed with the composite keys"
    ),
    ("directory.SavedService", "unique", "saved_service_once"): (
        "(agency, client, service): changed with the composite keys"
    ),
    ("directory.ServiceRating", "unique", "referral_id"): (
        "(agency, referral_id): changed with the composite keys"
    ),
    ("portal.PortalAccount", "unique", "client"): (
        "(agency, client): changed with the composite keys"
    ),
    ("portal.PortalAccount", "unique", "login"): (
        "a client signs in to the portal before the agency is known: on Citus a login → "
        "(agency, account) lookup kept as a reference table"
    ),
    ("portal.PortalInvitation", "unique", "code_digest"): (
        "an invitation code is redeemed before the agency is known: on Citus a code → "
        "(agency, invitation) lookup kept as a reference table"
    ),
    ("assessments.StrengthsAssessment", "unique", "client"): _NEXT_MIGRATION,
    ("assessments.StrengthsAssessmentVersion", "unique", "strengths_version_unique"): (
        _NEXT_MIGRATION
    ),
    ("assessments.SsmScore", "unique", "ssm_one_level_per_domain"): _NEXT_MIGRATION,
    ("questionnaires.QuestionnaireVersion", "unique", "questionnaire_version_number"): (
        _NEXT_MIGRATION
    ),
    ("outcomes.Closure", "unique", "episode"): _NEXT_MIGRATION,
    ("outcomes.Reopening", "unique", "episode"): _NEXT_MIGRATION,
}


@dataclass(frozen=True, order=True)
class Problem:
    model: str
    kind: str  # agency-column, agency-null, index, unique, fk
    name: str  # the index, constraint or field ("" for the table)
    detail: str = ""

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.model, self.kind, self.name)


def _has_agency(model: type[models.Model]) -> bool:
    return any(f.name == AGENCY and f.is_relation for f in model._meta.concrete_fields)


def _field_names(fields: Iterable[str]) -> list[str]:
    return [f.lstrip("-") for f in fields]


def problems(
    models_: Iterable[type[models.Model]],
    *,
    reference: Iterable[str] = (),
    local: Iterable[str] = (),
) -> list[Problem]:
    """What keeps `models_` from being distributed by agency, given which of them are
    reference and local tables (every other one is distributed)."""
    reference, local = set(reference), set(local)
    found: list[Problem] = []
    for model in models_:
        meta = model._meta
        if meta.proxy or not meta.managed:
            continue
        label = meta.label
        relations = [f for f in meta.concrete_fields if f.is_relation and f.related_model]
        if label in reference or label in local:
            allowed = reference if label in reference else reference | local
            for f in relations:
                target = f.related_model._meta.label  # type: ignore[union-attr]
                if target not in allowed:
                    kind = "reference" if label in reference else "local"
                    found.append(Problem(label, "fk", f.name, f"a {kind} table → {target}"))
            continue
        if not _has_agency(model):
            # Its indexes, unique constraints and links all follow once it has the column.
            found.append(Problem(label, "agency-column", "", "a tenant table without agency"))
            continue
        if meta.get_field(AGENCY).null:
            found.append(Problem(label, "agency-null", AGENCY, "the distribution column"))
        for index in meta.indexes:
            fields = _field_names(index.fields)
            if index.expressions or (len(fields) > 1 and fields[0] != AGENCY):
                found.append(Problem(label, "index", str(index.name), f"{fields}"))
        uniques: list[tuple[str, list[str]]] = []
        for constraint in meta.constraints:
            if isinstance(constraint, models.UniqueConstraint):
                fields = list(constraint.fields) if not constraint.expressions else []
                uniques.append((constraint.name, fields))
        for together in meta.unique_together:
            uniques.append(("unique_together " + ",".join(together), list(together)))
        for f in meta.concrete_fields:
            if f.unique and not f.primary_key:
                uniques.append((f.name, [f.name]))
        for name, fields in uniques:
            if AGENCY not in fields:
                found.append(Problem(label, "unique", name, f"{fields}"))
        for f in relations:
            target_model = f.related_model
            target = target_model._meta.label  # type: ignore[union-attr]
            if target in reference:
                continue
            if target in local:
                found.append(Problem(label, "fk", f.name, f"→ local table {target}"))
            elif not _has_agency(target_model):  # type: ignore[arg-type]
                found.append(Problem(label, "fk", f.name, f"→ {target}, which has no agency"))
    return sorted(found)


def installed() -> list[type[models.Model]]:
    return list(apps.get_models(include_auto_created=True))


# --- the schema -------------------------------------------------------------------------------


def test_the_schema_can_be_distributed_by_agency() -> None:
    found = problems(installed(), reference=REFERENCE, local=LOCAL)
    new = [f"{p.model} {p.kind} {p.name}: {p.detail}" for p in found if p.key not in EXCEPTIONS]
    assert new == [], (
        "Not distributable by agency (see this module's docstring; fix it, or add it to "
        "EXCEPTIONS with the reason):\n" + "\n".join(new)
    )


def test_every_exception_still_applies() -> None:
    """An exception that no longer matches anything is removed (a model another change removes
    is skipped: its entry goes with it)."""
    labels = {m._meta.label for m in installed()}
    found = {p.key for p in problems(installed(), reference=REFERENCE, local=LOCAL)}
    stale = sorted(k for k in EXCEPTIONS if k[0] in labels and k not in found)
    assert stale == []
    listed = set(REFERENCE) | set(LOCAL)
    assert sorted(listed - labels) == []
    assert set(REFERENCE) & set(LOCAL) == set()


def test_every_table_is_distributed_reference_or_local_on_purpose() -> None:
    """A new table without an agency column must be classified (or fail the first test)."""
    for model in installed():
        label = model._meta.label
        if label in REFERENCE or label in LOCAL:
            continue
        assert _has_agency(model) or (label, "agency-column", "") in EXCEPTIONS, label


# --- the checker itself, on made-up models -----------------------------------------------------


@pytest.fixture
def fake() -> Any:
    """Made-up models in a registry of their own (nothing installed changes)."""
    with isolate_apps("strengthwise.core"):

        class Agency(models.Model):  # noqa: DJ008
            class Meta:
                app_label = "core"

        class Client(models.Model):  # noqa: DJ008
            agency = models.ForeignKey(Agency, on_delete=models.CASCADE)
            name = models.CharField(max_length=20)

            class Meta:
                app_label = "core"
                indexes = [models.Index(fields=["agency", "name"], name="client_name")]
                constraints = [
                    models.UniqueConstraint(fields=["agency", "name"], name="client_once")
                ]

        class Session(models.Model):  # noqa: DJ008
            class Meta:
                app_label = "core"

        yield type("Fake", (), {"Agency": Agency, "Client": Client, "Session": Session})


def _kinds(*models_: Any) -> list[tuple[str, str, str]]:
    return [p.key for p in problems(models_, reference={"core.Agency"}, local={"core.Session"})]


def test_the_checker_passes_an_agency_first_schema(fake: Any) -> None:
    assert _kinds(fake.Agency, fake.Client, fake.Session) == []


def test_the_checker_fails_a_composite_index_that_does_not_start_with_the_agency(
    fake: Any,
) -> None:
    class Note(models.Model):  # noqa: DJ008
        agency = models.ForeignKey(fake.Agency, on_delete=models.CASCADE)
        client = models.ForeignKey(fake.Client, on_delete=models.CASCADE)
        day = models.DateField()

        class Meta:
            app_label = "core"
            indexes = [
                models.Index(fields=["agency", "client", "-day"], name="note_agency_first"),
                models.Index(fields=["day"], name="note_day"),  # one column: fine
                models.Index(fields=["client", "day"], name="note_client_day"),
            ]

    assert _kinds(Note) == [("core.Note", "index", "note_client_day")]


def test_the_checker_fails_uniqueness_without_the_agency(fake: Any) -> None:
    class Plan(models.Model):  # noqa: DJ008
        agency = models.ForeignKey(fake.Agency, on_delete=models.CASCADE)
        client = models.OneToOneField(fake.Client, on_delete=models.CASCADE)  # unique
        number = models.IntegerField()
        code = models.CharField(max_length=5, unique=True)

        class Meta:
            app_label = "core"
            constraints = [
                models.UniqueConstraint(fields=["agency", "number"], name="plan_number"),
                models.UniqueConstraint(fields=["client", "number"], name="plan_client_number"),
            ]

    assert _kinds(Plan) == [
        ("core.Plan", "unique", "client"),
        ("core.Plan", "unique", "code"),
        ("core.Plan", "unique", "plan_client_number"),
    ]


def test_the_checker_fails_tables_and_links_that_cannot_be_colocated(fake: Any) -> None:
    # No agency: reached only through its client.
    class Addendum(models.Model):  # noqa: DJ008
        client = models.ForeignKey(fake.Client, on_delete=models.CASCADE)

        class Meta:
            app_label = "core"

    class Link(models.Model):  # noqa: DJ008
        agency = models.ForeignKey(fake.Agency, on_delete=models.CASCADE, null=True)
        addendum = models.ForeignKey(Addendum, on_delete=models.CASCADE)
        session = models.ForeignKey(fake.Session, on_delete=models.CASCADE)

        class Meta:
            app_label = "core"

    # A reference table pointing into tenant data.
    class Shared(models.Model):  # noqa: DJ008
        client = models.ForeignKey(fake.Client, on_delete=models.CASCADE)

        class Meta:
            app_label = "core"

    found = problems(
        [Addendum, Link, Shared], reference={"core.Agency", "core.Shared"}, local={"core.Session"}
    )
    assert [p.key for p in found] == [
        ("core.Addendum", "agency-column", ""),
        ("core.Link", "agency-null", "agency"),
        ("core.Link", "fk", "addendum"),
        ("core.Link", "fk", "session"),
        ("core.Shared", "fk", "client"),
    ]

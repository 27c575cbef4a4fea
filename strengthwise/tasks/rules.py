"""Derived tasks: what needs doing, computed from the case, so they disappear when the work is
done. Each has a stable key (kind, client, due date) used to remind once.

Two ways to the same answer: `derive_for` derives them in Python from `annotated()` clients
(the face sheet's one client, and the reference the tests check the table against), and the
maintained table of tasks/due.py (`DueItem`, turned into tasks by `from_item`) that the day,
the team view, the API and reminders read a page of."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

from django.db.models import Exists, OuterRef, QuerySet, Subquery
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from strengthwise.accounts.access import client_scope_q
from strengthwise.accounts.models import Role
from strengthwise.assessments.models import Kind, StrengthsAssessmentVersion
from strengthwise.notes.models import Note
from strengthwise.people.models import Client, Episode
from strengthwise.plans.models import Plan, PlanEvent
from strengthwise.questionnaires.models import QuestionnaireResponse
from strengthwise.referrals import workflow
from strengthwise.referrals.models import Consent, Referral

REASSESS = "reassessment"
PLAN_REVIEW = "plan_review"
REFERRAL = "referral_follow_up"
NO_CONTACT = "no_contact"
CONSENT = "consent_expiring"
APPROVAL = "approval_waiting"
KINDS = (REASSESS, PLAN_REVIEW, REFERRAL, NO_CONTACT, CONSENT, APPROVAL)


def kind_labels() -> dict[str, str]:
    return {
        APPROVAL: _("Plans waiting for your approval"),
        REFERRAL: _("Referrals to follow up"),
        CONSENT: _("Consents ending soon"),
        NO_CONTACT: _("No contact for a while"),
        REASSESS: _("Assessments due"),
        PLAN_REVIEW: _("Plan reviews due"),
        "manual": _("Your own tasks"),
    }


DEFAULT_REASSESS_DAYS = 90
DEFAULT_REVIEW_DAYS = 90
DEFAULT_NO_CONTACT_DAYS = 30
DEFAULT_FOLLOW_UP_DAYS = 5
FIRST_ASSESSMENT_DAYS = 14
CONSENT_WARNING_DAYS = 30
LOOKAHEAD_DAYS = 7  # derived tasks show from a week before they fall due


@dataclass(frozen=True)
class DerivedTask:
    key: str
    kind: str
    title: str
    due_on: dt.date
    client_id: int | None
    client_name: str
    worker_id: int | None
    url: str
    worker_name: str = ""  # the client's primary worker (a supervisor sees whose client)

    @property
    def derived(self) -> bool:
        return True


def _day(value: Any) -> dt.date | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return timezone.localdate(value)
    return value  # type: ignore[no-any-return]


def caseload(user: Any, *, only: str | None = None) -> QuerySet[Client]:
    """Clients with an open episode that the user carries (workers) or oversees (supervisors),
    annotated with what the rules need."""
    scope = client_scope_q(user, only=only or ("teams" if user.role == Role.SUPERVISOR else "mine"))
    return annotated(Client.objects.filter(scope))


def annotated(clients: QuerySet[Client]) -> QuerySet[Client]:
    open_episode = Episode.objects.filter(client=OuterRef("pk"), closed_on__isnull=True)
    return (
        clients.filter(Exists(open_episode))
        .select_related("team__program", "primary_worker")
        .annotate(
            opened_on=Subquery(open_episode.order_by("opened_on").values("opened_on")[:1]),
            last_strengths=Subquery(
                StrengthsAssessmentVersion.objects.filter(assessment__client=OuterRef("pk"))
                .order_by("-saved_at")
                .values("saved_at")[:1]
            ),
            last_ssm=Subquery(
                QuestionnaireResponse.objects.filter(
                    client=OuterRef("pk"), questionnaire__shipped=Kind.SSM
                )
                .order_by("-answered_on")
                .values("answered_on")[:1]
            ),
            last_contact=Subquery(
                Note.objects.filter(client=OuterRef("pk"), status=Note.Status.SIGNED)
                .order_by("-contact_date")
                .values("contact_date")[:1]
            ),
            plan_agreed=Subquery(
                PlanEvent.objects.filter(
                    plan__client=OuterRef("pk"),
                    plan__status=Plan.Status.ACTIVE,
                    kind__in=[PlanEvent.Kind.APPROVED, PlanEvent.Kind.CLIENT_AGREED],
                )
                .order_by("-at")
                .values("at")[:1]
            ),
        )
    )


def _program_days(client: Client, field: str, default: int) -> int:
    program = client.team.program if client.team_id else None
    return int(getattr(program, field, default) or default) if program else default


def derive(
    user: Any, *, today: dt.date | None = None, only: str | None = None
) -> list[DerivedTask]:
    """Every derived task for the user's clients, due within LOOKAHEAD_DAYS or overdue, read
    from the maintained table (tasks/due.py). For `strengthwise remind` and tests: the pages
    and the API read a page of it (tasks/selectors.py)."""
    from . import due

    today = today or timezone.localdate()
    supervisor = user.role == Role.SUPERVISOR
    only = only or ("teams" if supervisor else "mine")
    due.ensure_fresh(user, only=only)
    items = item_rows().filter(due.items_q(user, only=only, today=today, approvals=supervisor))
    urls = Urls()
    found = [from_item(i, urls) for i in items]
    found.sort(key=lambda t: (t.due_on, t.client_name, t.kind))
    return found


ITEM_FIELDS = (
    "id",
    "kind",
    "due_on",
    "ends_on",
    "since",
    "client_id",
    "referral_id",
    "consent_id",
    "plan_id",
    "client__preferred_name",
    "client__legal_first_name",
    "client__legal_last_name",
    "client__primary_worker_id",
    "client__primary_worker__display_name",
    "client__primary_worker__first_name",
    "client__primary_worker__last_name",
    "client__primary_worker__username",
    "referral__service__name",
    "consent__organization__name",
    "consent__program__name",
    "plan__number",
)


def item_rows() -> QuerySet[Any]:
    """DueItem rows as dicts of what their titles need (no model instances: a day builds
    a hundred or more of them)."""
    from .models import DueItem

    return DueItem.objects.values(*ITEM_FIELDS)


display_name = Client.display_name.fget  # type: ignore[attr-defined]


class Urls:
    """reverse() once per URL name and request, then fill in the ids."""

    def __init__(self) -> None:
        self.patterns: dict[str, str] = {}

    def __call__(self, name: str, *ids: int) -> str:
        pattern = self.patterns.get(name)
        if pattern is None:
            marks = [str(900000001 + i) for i in range(len(ids))]
            pattern = reverse(name, args=marks)
            for i, mark in enumerate(marks):
                pattern = pattern.replace(mark, f"{{{i}}}")
            self.patterns[name] = pattern
        return pattern.format(*ids)


def from_item(row: dict[str, Any], urls: Urls | None = None) -> DerivedTask:
    """The task a stored DueItem (a dict from `item_rows`) stands for: the same key, title
    and link as `derive_for`."""
    urls = urls or Urls()
    pk = row["client_id"]
    name = display_name(  # Client.display_name, without building a Client
        SimpleNamespace(
            preferred_name=row["client__preferred_name"],
            legal_first_name=row["client__legal_first_name"],
            legal_last_name=row["client__legal_last_name"],
        )
    )
    kind, due = row["kind"], row["due_on"]
    extra = ""
    if kind == REASSESS:
        url = urls("assessments:overview", pk)
        title = (
            _("Reassess with %(name)s (last on %(day)s)")
            % {"name": name, "day": date_format(row["since"], "SHORT_DATE_FORMAT")}
            if row["since"]
            else _("Start the strengths assessment with %(name)s") % {"name": name}
        )
    elif kind == PLAN_REVIEW:
        url = urls("plans:plan", pk)
        title = _("Review the plan with %(name)s") % {"name": name}
    elif kind == NO_CONTACT:
        url = urls("notes:list", pk)
        title = (
            _("No contact with %(name)s since %(day)s")
            % {"name": name, "day": date_format(row["since"], "SHORT_DATE_FORMAT")}
            if row["since"]
            else _("No contact recorded with %(name)s yet") % {"name": name}
        )
    elif kind == REFERRAL:
        url = urls("referrals:referral", pk, row["referral_id"])
        title = _("Follow up %(name)s's referral to %(service)s") % {
            "name": name,
            "service": row["referral__service__name"],
        }
        extra = str(row["referral_id"])
    elif kind == CONSENT:
        url = urls("referrals:client", pk)
        title = _("%(name)s's consent for %(who)s ends on %(day)s") % {
            "name": name,
            "who": row["consent__organization__name"] or row["consent__program__name"],
            "day": date_format(row["ends_on"], "SHORT_DATE_FORMAT"),
        }
        extra = str(row["consent_id"])
    else:  # APPROVAL
        url = urls("plans:plan", pk)
        title = _("Approve or return %(name)s's plan (version %(n)s)") % {
            "name": name,
            "n": row["plan__number"],
        }
        extra = f"{row['plan_id']}.{row['plan__number']}"
    worker = ""
    if row["client__primary_worker_id"] is not None:
        full = f"{row['client__primary_worker__first_name']} {row['client__primary_worker__last_name']}"
        worker = (
            row["client__primary_worker__display_name"]
            or full.strip()
            or row["client__primary_worker__username"]
        )
    return DerivedTask(
        key=f"{kind}:{pk}:{extra or due.isoformat()}",
        kind=kind,
        title=title,
        due_on=due,
        client_id=pk,
        client_name=name,
        worker_id=row["client__primary_worker_id"],
        url=url,
        worker_name=worker,
    )


def for_client(client: Client, *, today: dt.date | None = None) -> list[DerivedTask]:
    """The derived tasks about one client (for the face sheet), whoever looks."""
    return derive_for(annotated(Client.objects.filter(pk=client.pk)), today=today)


def derive_for(
    clients_qs: QuerySet[Client] | list[Client],
    *,
    today: dt.date | None = None,
    approvals: bool = False,
) -> list[DerivedTask]:
    """The rules over clients from `annotated()` (a queryset, or the list already fetched),
    derived in Python each time: the face sheet's one client, and the independent reference
    the tests hold the maintained table (tasks/due.py) to."""
    today = today or timezone.localdate()
    horizon = today + dt.timedelta(days=LOOKAHEAD_DAYS)
    clients = list(clients_qs)
    by_id = {c.pk: c for c in clients}
    found: list[DerivedTask] = []

    def add(
        kind: str, client: Client | None, due: dt.date, title: str, url: str, extra: str = ""
    ) -> None:
        if due > horizon:
            return
        found.append(
            DerivedTask(
                key=f"{kind}:{client.pk if client else '-'}:{extra or due.isoformat()}",
                kind=kind,
                title=title,
                due_on=due,
                client_id=client.pk if client else None,
                client_name=client.display_name if client else "",
                worker_id=client.primary_worker_id if client else None,
                url=url,
                worker_name=client.primary_worker.label
                if client and client.primary_worker is not None
                else "",
            )
        )

    for c in clients:
        name = c.display_name
        # Reassessment: the strengths assessment or the matrix, whichever is newer.
        dates = [d for d in (_day(c.last_strengths), _day(c.last_ssm)) if d]  # type: ignore[attr-defined]
        every = _program_days(c, "reassessment_days", DEFAULT_REASSESS_DAYS)
        assess_url = reverse("assessments:overview", args=[c.pk])
        if dates:
            last = max(dates)
            add(
                REASSESS,
                c,
                last + dt.timedelta(days=every),
                _("Reassess with %(name)s (last on %(day)s)")
                % {"name": name, "day": date_format(last, "SHORT_DATE_FORMAT")},
                assess_url,
            )
        elif c.opened_on:  # type: ignore[attr-defined]
            add(
                REASSESS,
                c,
                c.opened_on + dt.timedelta(days=FIRST_ASSESSMENT_DAYS),  # type: ignore[attr-defined]
                _("Start the strengths assessment with %(name)s") % {"name": name},
                assess_url,
            )
        # Plan review: the last agreement or approval of an active plan.
        agreed = _day(c.plan_agreed)  # type: ignore[attr-defined]
        if agreed:
            add(
                PLAN_REVIEW,
                c,
                agreed
                + dt.timedelta(days=_program_days(c, "plan_review_days", DEFAULT_REVIEW_DAYS)),
                _("Review the plan with %(name)s") % {"name": name},
                reverse("plans:plan", args=[c.pk]),
            )
        # No contact: the last contact note, or the episode's start.
        since = c.last_contact or c.opened_on  # type: ignore[attr-defined]
        limit = _program_days(c, "no_contact_days", DEFAULT_NO_CONTACT_DAYS)
        if since:
            due = since + dt.timedelta(days=limit)
            add(
                NO_CONTACT,
                c,
                due,
                _("No contact with %(name)s since %(day)s")
                % {"name": name, "day": date_format(since, "SHORT_DATE_FORMAT")}
                if c.last_contact  # type: ignore[attr-defined]
                else _("No contact recorded with %(name)s yet") % {"name": name},
                reverse("notes:list", args=[c.pk]),
            )

    ids = list(by_id)
    for r in Referral.objects.filter(client_id__in=ids, status=workflow.REQUESTED).select_related(
        "service"
    ):
        client = by_id[r.client_id]
        days = _program_days(client, "referral_follow_up_days", DEFAULT_FOLLOW_UP_DAYS)
        if r.requested_at:
            add(
                REFERRAL,
                client,
                timezone.localdate(r.requested_at) + dt.timedelta(days=days),
                _("Follow up %(name)s's referral to %(service)s")
                % {"name": client.display_name, "service": r.service.name},
                reverse("referrals:referral", args=[client.pk, r.pk]),
                extra=str(r.pk),
            )
    for consent in Consent.objects.filter(
        client_id__in=ids,
        revoked_on__isnull=True,
        valid_until__gte=today,
        valid_until__lte=today + dt.timedelta(days=CONSENT_WARNING_DAYS),
    ).select_related("organization", "program"):
        client = by_id[consent.client_id]
        until = consent.valid_until
        if until is None:  # excluded by the query; for the type checker
            continue
        add(
            CONSENT,
            client,
            until - dt.timedelta(days=LOOKAHEAD_DAYS),
            _("%(name)s's consent for %(who)s ends on %(day)s")
            % {
                "name": client.display_name,
                "who": consent.recipient,
                "day": date_format(until, "SHORT_DATE_FORMAT"),
            },
            reverse("referrals:client", args=[client.pk]),
            extra=str(consent.pk),
        )
    if approvals:
        for plan in Plan.objects.filter(
            client_id__in=ids, status=Plan.Status.AWAITING_APPROVAL
        ).select_related("client"):
            client = by_id[plan.client_id]
            add(
                APPROVAL,
                client,
                _day(plan.updated_at) or today,
                _("Approve or return %(name)s's plan (version %(n)s)")
                % {"name": client.display_name, "n": plan.number},
                reverse("plans:plan", args=[client.pk]),
                extra=f"{plan.pk}.{plan.number}",
            )
    found.sort(key=lambda t: (t.due_on, t.client_name, t.kind))
    return found


def overdue(tasks: list[DerivedTask], today: dt.date) -> list[DerivedTask]:
    return [t for t in tasks if t.due_on < today]

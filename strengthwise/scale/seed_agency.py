"""`strengthwise seed`: add an agency's worth of casework to an existing agency, in bulk.

Shaped like a real agency (issue 11): new case workers carrying 20–60 clients each, teams of
6–10 workers with a supervisor who is a member of the team they supervise, spread across the
agency's programs; per client on average ~10 contact notes over two years, three goals with
steps and GAS follow-ups, two strengths-assessment versions, the matrix at entry and review,
two referrals to directory services (each under its own consent), check-ins, a task, and some
closures and reopenings; the directory topped up to `--services` services.

The casework goes in with `scale.bulk.insert` (the rows `bulk_create` writes, without its
per-value SQL compiling) and, for the biggest tables (notes, GAS follow-ups, steps, answers,
check-ins, plan and referral events, assessment versions, the matrix), `scale.bulk.insert_rows`
from rows of values without model instances; staff, services and audit events with
`bulk_create`; one transaction per batch of clients, deterministic for a given `--seed` and
starting database. The people already there (the demo's alice, bob, Dana …) are not touched.

Indexes: clients and notes become searchable as any other row: the SQLite FTS5 tables are kept
by triggers on insert (people/migrations 0002 and 0005, notes/migrations 0004 and 0007), the
PostgreSQL GIN indexes are expression indexes; the seed fills the columns they read
(`search_name`, `search_keys`, and a note's keyed tokens `Note.search_text` and
`search_starts`, notes/word_index.py) exactly as the services do. Directory services get their
`search_text` from `directory.services.reindex`.

Audit: one event per seeded client ("seed.client", with what was created for it) plus one per
batch of staff and of services, appended to the hash chain in bulk with the same HMAC and
previous-hash scheme as `audit_record`, the chain head locked and moved once per batch, so
`strengthwise verify-audit` still passes.
"""

from __future__ import annotations

import datetime as dt
import math
import random
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, NamedTuple, cast

from django.contrib.auth.hashers import make_password
from django.db import models, transaction
from django.utils import timezone
from faker import Faker

from strengthwise.accounts.models import Agency, Membership, Role, Team, User
from strengthwise.accounts.models import Program as AgencyProgram
from strengthwise.assessments import as_questionnaire
from strengthwise.assessments.models import (
    Kind,
    StrengthsAssessment,
    StrengthsAssessmentVersion,
)
from strengthwise.assessments.templates_data import template_current
from strengthwise.audit.models import AuditEvent, AuditHead
from strengthwise.audit.services import audit_record, event_hash, head_mac
from strengthwise.directory import demo as directory_demo
from strengthwise.directory.models import (
    Address,
    Attribute,
    Language,
    Location,
    Organization,
    Phone,
    Schedule,
    Service,
    ServiceArea,
    ServiceAtLocation,
    ServiceDomain,
    ServiceRating,
    TaxonomyTerm,
)
from strengthwise.notes.models import CheckIn, ContactType, Note
from strengthwise.notes.word_index import tokens_for
from strengthwise.outcomes.models import (
    EPISODE_REASON_TEXT,
    CloseReason,
    Closure,
    ClosureEvent,
    Reopening,
)
from strengthwise.people.demo import LOCALES, OWN_NAMES, _fake_client
from strengthwise.people.models import Client, Episode
from strengthwise.people.personas import DEMO_PASSWORD
from strengthwise.plans.models import (
    GasFollowUp,
    Goal,
    GoalPeriod,
    Plan,
    PlanEvent,
    PlanVersion,
    SignatureMethod,
    Step,
)
from strengthwise.plans.services import snapshot_of
from strengthwise.questionnaires import definition as qdef
from strengthwise.questionnaires.models import (
    AnswerValue,
    QuestionnaireResponse,
    QuestionnaireVersion,
)
from strengthwise.questionnaires.selectors import definition_of
from strengthwise.referrals import workflow
from strengthwise.referrals.models import Consent, Referral, ReferralEvent
from strengthwise.scale import seed_text as words
from strengthwise.scale.bulk import defer, insert, insert_rows
from strengthwise.tasks.models import Task

CASELOAD_MIN, CASELOAD_MAX, CASELOAD_MEAN = 20, 60, 40
TEAM_MIN, TEAM_MAX = 6, 10
USERNAME_PREFIX = "sw-"
SERVICES_PER_ORG = 6

# The biggest tables are written as rows of values (`bulk.insert_rows`), not model instances:
# building ~100 instances per client was most of the seed's time. These name the values.
STEP_FIELDS = (
    "goal_id",
    "agency_id",
    "text",
    "who",
    "who_name",
    "target_date",
    "done_on",
    "order",
    "created_at",
    "updated_at",
)
GAS_FIELDS = (
    "agency_id",
    "goal_id",
    "scored_on",
    "level",
    "scored_by",
    "recorded_by_id",
    "created_at",
)
PLAN_EVENT_FIELDS = (
    "agency_id",
    "plan_id",
    "number",
    "kind",
    "signed_name",
    "signature_method",
    "by_id",
    "at",
)
NOTE_FIELDS = (
    "agency_id",
    "client_id",
    "author_id",
    "contact_type",
    "contact_date",
    "duration_minutes",
    "present",
    "format",
    "sections",
    "status",
    "signed_at",
    "signed_by_id",
    "autosaved_at",
    "search_text",
    "search_starts",
    "version",
    "created_at",
    "updated_at",
)
CHECKIN_FIELDS = (
    "agency_id",
    "client_id",
    "goal_id",
    "checked_on",
    "client_rating",
    "worker_rating",
    "importance",
    "confidence",
    "comment",
    "recorded_by_id",
    "created_at",
)
ASSESSMENT_VERSION_FIELDS = (
    "assessment_id",
    "agency_id",
    "number",
    "content",
    "saved_by_id",
    "saved_at",
)
SSM_FIELDS = (
    "agency_id",
    "client_id",
    "questionnaire_id",
    "version_id",
    "occasion",
    "answered_on",
    "items",
    "score",
    "recorded_by_id",
    "created_at",
)
REFERRAL_EVENT_FIELDS = (
    "referral_id",
    "from_status",
    "to_status",
    "side",
    "reason",
    "actor_id",
    "actor_label",
    "at",
)
ANSWER_FIELDS = (
    "agency_id",
    "response_id",
    "questionnaire_id",
    "client_id",
    "link_id",
    "code",
    "number",
)


class _StepView(NamedTuple):
    """What a plan version's snapshot reads of a step (`plans.services.snapshot_of`)."""

    text: str
    who: str
    who_name: str
    target_date: dt.date
    done_on: dt.date | None


# Rows whose timestamps the seed sets itself (the history is two years long, not "now").
OWN_TIMESTAMPS: tuple[type[models.Model], ...] = (
    Client,
    Episode,
    Note,
    Plan,
    Goal,
    Step,
    Closure,
    ClosureEvent,
    Reopening,
    PlanEvent,
    PlanVersion,
    GasFollowUp,
    CheckIn,
    StrengthsAssessment,
    StrengthsAssessmentVersion,
    QuestionnaireResponse,
    Consent,
    Referral,
    Task,
)


@dataclass
class Counts:
    values: dict[str, int] = field(default_factory=dict)

    def add(self, name: str, n: int) -> None:
        self.values[name] = self.values.get(name, 0) + n


@contextmanager
def own_timestamps(targets: tuple[type[models.Model], ...]) -> Iterator[None]:
    """Let bulk_create keep the created/updated times the seed gives each row (auto_now and
    auto_now_add would stamp every row "now"). Restored afterwards, whatever happens."""
    changed: list[tuple[Any, bool, bool]] = []
    for model in targets:
        for f in model._meta.concrete_fields:
            stamp: Any = f
            if getattr(stamp, "auto_now", False) or getattr(stamp, "auto_now_add", False):
                changed.append((stamp, stamp.auto_now, stamp.auto_now_add))
                stamp.auto_now = stamp.auto_now_add = False
    try:
        yield
    finally:
        for f, auto_now, auto_now_add in changed:
            f.auto_now, f.auto_now_add = auto_now, auto_now_add


def caseload_sizes(clients: int, rng: random.Random) -> list[int]:
    """Caseloads between CASELOAD_MIN and CASELOAD_MAX (about CASELOAD_MEAN) that add up to
    `clients`. Fewer clients than CASELOAD_MIN make one smaller caseload."""
    if clients <= 0:
        return []
    workers = max(1, math.ceil(clients / CASELOAD_MEAN))
    if workers == 1:
        return [clients]
    # With ceil(clients / 40) workers, 20 × workers <= clients <= 60 × workers: the loops end.
    sizes = [rng.randint(CASELOAD_MIN, CASELOAD_MAX) for _ in range(workers)]
    total = sum(sizes)
    while total > clients:
        i = rng.randrange(workers)
        if sizes[i] > CASELOAD_MIN:
            sizes[i] -= 1
            total -= 1
    while total < clients:
        i = rng.randrange(workers)
        if sizes[i] < CASELOAD_MAX:
            sizes[i] += 1
            total += 1
    return sizes


def team_sizes(workers: int, rng: random.Random) -> list[int]:
    """Split `workers` into teams of TEAM_MIN–TEAM_MAX (one smaller team if there are few)."""
    if workers <= TEAM_MAX:
        return [workers] if workers else []
    teams = math.ceil(workers / ((TEAM_MIN + TEAM_MAX) / 2))
    base, extra = divmod(workers, teams)
    sizes = [base + (1 if i < extra else 0) for i in range(teams)]
    rng.shuffle(sizes)
    return sizes


def _at(day: dt.date, hour: int = 10, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=dt.UTC)


def _uuid(rng: random.Random) -> uuid.UUID:
    return uuid.UUID(int=rng.getrandbits(128), version=4)


class AuditChain:
    """Appends events to the audit chain in bulk, as `audit_record` would one at a time.
    Use inside the batch's transaction: `append` locks the head, `flush` writes and moves it."""

    def __init__(self) -> None:
        self.pending: list[dict[str, Any]] = []

    def add(self, **fields: Any) -> None:
        self.pending.append(fields)

    def flush(self) -> int:
        if not self.pending:
            return 0
        head = AuditHead.objects.select_for_update().filter(pk=1).first()
        if head is None:
            # The head is missing: let the service record the discontinuity, then chain on.
            audit_record(actor=None, actor_label="seed", action="seed.started")
            head = AuditHead.objects.select_for_update().get(pk=1)
        seq, prev = head.seq, head.hash
        now = timezone.now()
        rows = []
        for given in self.pending:
            seq += 1
            fields: dict[str, Any] = {
                "seq": seq,
                "at": now,
                "agency_id": given.get("agency_id"),
                "actor_id": None,
                "actor_label": "seed",
                "action": given["action"],
                "target_type": given.get("target_type", ""),
                "target_id": str(given.get("target_id", ""))[:64],
                "client_id": given.get("client_id"),
                "changes": given.get("changes", {}),
                "ip": None,
                "prev_hash": prev,
            }
            fields["hash"] = prev = event_hash(fields)
            rows.append(AuditEvent(**fields))
        AuditEvent.objects.bulk_create(rows, batch_size=500)
        AuditHead.objects.filter(pk=1).update(seq=seq, hash=prev, mac=head_mac(seq, prev))
        written = len(self.pending)
        self.pending = []
        return written


# --- staff ------------------------------------------------------------------------------------


@dataclass
class Staff:
    workers: list[User]  # one per caseload, in the order clients are dealt out
    sizes: list[int]
    team_of: dict[int, Team]  # worker pk -> team
    supervisors: list[User]


def make_staff(agency: Agency, clients: int, rng: random.Random, fake: Faker) -> Staff:
    """New workers (one per caseload) in new teams of 6–10 with a new supervisor each, the
    teams spread over the agency's programs."""
    programs = list(AgencyProgram.objects.filter(agency=agency).order_by("id"))
    if not programs:
        raise ValueError("The agency has no program: load the demo first.")
    sizes = caseload_sizes(clients, rng)
    teams_split = team_sizes(len(sizes), rng)
    number = User.objects.filter(username__startswith=USERNAME_PREFIX).count()
    taken = set(Team.objects.filter(agency=agency).values_list("name", flat=True))
    password = make_password(DEMO_PASSWORD)  # hashed once: one shared demo password

    def new_user(role: str) -> User:
        nonlocal number
        number += 1
        first, last = fake.first_name(), fake.last_name()
        return User(
            username=f"{USERNAME_PREFIX}{number:06d}",
            agency=agency,
            role=role,
            first_name=first,
            last_name=last,
            display_name=f"{first} {last}",
            email=f"{USERNAME_PREFIX}{number:06d}@example.org",
            password=password,
        )

    teams: list[Team] = []
    supervisors: list[User] = []
    workers: list[User] = []
    worker_team: list[int] = []
    counter = len(taken)
    for t, size in enumerate(teams_split):
        program = programs[t % len(programs)]
        counter += 1
        name = f"{program.name} {counter}"
        while name in taken:
            counter += 1
            name = f"{program.name} {counter}"
        taken.add(name)
        teams.append(Team(agency=agency, program=program, name=name))
        supervisors.append(new_user(Role.SUPERVISOR))
        for _ in range(size):
            workers.append(new_user(Role.WORKER))
            worker_team.append(t)
    Team.objects.bulk_create(teams)
    User.objects.bulk_create(supervisors + workers, batch_size=500)
    if teams and teams[0].pk is None or (workers and workers[0].pk is None):  # pragma: no cover
        raise RuntimeError("bulk_create did not return primary keys")
    memberships = [
        Membership(agency=agency, user=s, team=teams[t], kind=Membership.Kind.SUPERVISOR)
        for t, s in enumerate(supervisors)
    ] + [
        Membership(agency=agency, user=w, team=teams[worker_team[i]], kind=Membership.Kind.MEMBER)
        for i, w in enumerate(workers)
    ]
    Membership.objects.bulk_create(memberships, batch_size=500)
    order = list(range(len(workers)))
    rng.shuffle(order)  # caseload sizes are not tied to team order
    return Staff(
        workers=[workers[i] for i in order],
        sizes=sizes,
        team_of={w.pk: teams[worker_team[i]] for i, w in enumerate(workers)},
        supervisors=supervisors,
    )


# --- directory --------------------------------------------------------------------------------


def top_up_services(
    target: int, rng: random.Random, fake: Faker, on_progress: Callable[[int], None]
) -> list[uuid.UUID]:
    """Add organisations and services until the directory holds `target` services. Returns the
    new services' ids (their search text is computed afterwards by `reindex`)."""
    need = target - Service.objects.count()
    if need <= 0:
        return []
    today = dt.date.today()
    terms = {
        key: TaxonomyTerm.objects.filter(pk=directory_demo._uid("term", key)).first()
        for key in directory_demo.TERMS
    }
    hoods = list(directory_demo.NEIGHBOURHOODS.values())
    templates = directory_demo.TEMPLATES
    made: list[uuid.UUID] = []
    while len(made) < need:
        rows: dict[type, list[Any]] = {}

        def add(obj: Any, rows: dict[type, list[Any]] = rows) -> Any:
            rows.setdefault(type(obj), []).append(obj)
            return obj

        batch_start = len(made)
        while len(made) < need and len(made) - batch_start < 2000:
            hood = rng.choice(hoods)
            org_name = fake.company()
            org = add(
                Organization(
                    id=_uuid(rng),
                    name=org_name,
                    description=f"{org_name} serves {hood.name} and the rest of River City.",
                    email=f"info{len(made)}@example.org",
                )
            )
            lat, lon = directory_demo._offset(
                hood.north_km + rng.uniform(-1.5, 1.5), hood.east_km + rng.uniform(-1.5, 1.5)
            )
            location = add(
                Location(
                    id=_uuid(rng), organization=org, name=org_name, latitude=lat, longitude=lon
                )
            )
            add(
                Address(
                    id=_uuid(rng),
                    location=location,
                    address_1=f"{rng.randint(10, 2900)} {rng.choice(hood.streets)}",
                    city=directory_demo.CITY,
                    state_province=directory_demo.STATE,
                    postal_code=hood.postal_code,
                )
            )
            number = f"(618) 555-{rng.randint(200, 999):04d}"
            add(Phone(id=_uuid(rng), organization=org, number=number, type="voice"))
            for tpl in rng.sample(templates, min(SERVICES_PER_ORG, need - len(made))):
                fill = {"org": org_name, "site": hood.name}
                capacity, notes = directory_demo._capacity(rng)
                closed = rng.random() < 0.04
                service = add(
                    Service(
                        id=_uuid(rng),
                        organization=org,
                        name=tpl.name.format(**fill).split(" — ")[0],
                        description=tpl.description.format(**fill),
                        status=Service.Status.TEMPORARILY_CLOSED if closed else "active",
                        application_process=tpl.apply,
                        fees_description=tpl.fees,
                        eligibility_description=tpl.eligibility.format(**fill),
                        minimum_age=tpl.min_age,
                        maximum_age=tpl.max_age,
                        capacity=capacity,
                        capacity_notes=notes,
                        wait_time=notes if capacity == Service.Capacity.WAITLIST else "",
                    )
                )
                made.append(service.id)
                add(ServiceAtLocation(id=_uuid(rng), service=service, location=location))
                add(Phone(id=_uuid(rng), service=service, number=number, type="voice"))
                rules = directory_demo._schedule(tpl.schedule, rng, today)
                for byday, opens, closes, valid_from, valid_to, description in rules:
                    add(
                        Schedule(
                            id=_uuid(rng),
                            service=service,
                            byday=byday,
                            opens_at=dt.time.fromisoformat(opens),
                            closes_at=dt.time.fromisoformat(closes),
                            valid_from=valid_from,
                            valid_to=valid_to,
                            description=description,
                        )
                    )
                codes = ["en"] if tpl.english else []
                codes += [c for c in (*tpl.languages, *hood.languages[:1]) if c not in codes]
                for code in codes:
                    name = directory_demo.LANGUAGES.get(code, code)
                    add(Language(id=_uuid(rng), service=service, name=name, code=code))
                add(ServiceArea(id=_uuid(rng), service=service, name=hood.name))
                for domain in tpl.domains:
                    add(ServiceDomain(service=service, domain=domain))
                for key in tpl.terms:
                    if terms.get(key) is not None:
                        add(
                            Attribute(
                                id=_uuid(rng),
                                taxonomy_term=terms[key],
                                link_id=service.id,
                                link_entity="service",
                            )
                        )
        with transaction.atomic():
            for model in (
                Organization,
                Location,
                Address,
                Service,
                ServiceAtLocation,
                Phone,
                Schedule,
                Language,
                ServiceArea,
                ServiceDomain,
                Attribute,
            ):
                model._default_manager.bulk_create(rows.get(model, []), batch_size=500)
        on_progress(len(made) - batch_start)
    return made


# --- clients and their casework ---------------------------------------------------------------


@dataclass
class Context:
    agency: Agency
    rng: random.Random
    today: dt.date
    notes_per_client: int
    fakers: dict[str, Faker]
    weights: list[float]
    domains: list[str]
    strengths_template: Any
    strengths_columns: list[str]
    ssm_template: Any
    ssm_domains: list[str]
    ssm_version: QuestionnaireVersion  # the agency's matrix questionnaire at that template
    services: list[tuple[uuid.UUID, uuid.UUID]]  # (service id, organisation id), active
    supervisor_of: dict[int, User]  # team pk -> a supervisor


def make_context(
    agency: Agency, rng: random.Random, notes_per_client: int, staff: Staff, seed: int
) -> Context:
    Faker.seed(seed)
    fakers = {loc: Faker(loc if loc not in OWN_NAMES else "en_US") for loc, _, _ in LOCALES}
    strengths = template_current(agency_id=agency.pk, kind=Kind.STRENGTHS)
    ssm = template_current(agency_id=agency.pk, kind=Kind.SSM)
    services = list(
        Service.objects.filter(status=Service.Status.ACTIVE, organization__isnull=False)
        .order_by("id")
        .values_list("id", "organization_id")
    )
    supervisor_of: dict[int, User] = {}
    for w in staff.workers:
        team = staff.team_of[w.pk]
        supervisor_of.setdefault(team.pk, w)
    for m in Membership.objects.filter(
        agency=agency, kind=Membership.Kind.SUPERVISOR
    ).select_related("user"):
        supervisor_of[m.team_id] = m.user
    return Context(
        agency=agency,
        rng=rng,
        today=timezone.localdate(),
        notes_per_client=notes_per_client,
        fakers=fakers,
        weights=[w for _, _, w in LOCALES],
        domains=[d for d in (d["key"] for d in strengths.content["domains"]) if d in words.GOALS]
        or list(words.GOALS),
        strengths_template=strengths,
        strengths_columns=[c["key"] for c in strengths.content["columns"]],
        ssm_template=ssm,
        ssm_domains=[d["key"] for d in ssm.content["domains"]],
        ssm_version=as_questionnaire.shipped_version(
            agency_id=agency.pk, kind=Kind.SSM, content=ssm.content, version=ssm.version
        ),
        services=services,
        supervisor_of=supervisor_of,
    )


def seed_batch(ctx: Context, assignments: list[User], team_of: dict[int, Team]) -> Counts:
    """One transaction's worth: the clients dealt to `assignments` (one worker per client) with
    all their casework, and their audit events."""
    rng, today, agency = ctx.rng, ctx.today, ctx.agency
    counts = Counts()
    clients: list[Client] = []
    for worker in assignments:
        locale, language, _ = rng.choices(LOCALES, weights=ctx.weights)[0]
        team = team_of[worker.pk]
        client = _fake_client(ctx.fakers[locale], rng, agency, team, worker, language, locale)
        clients.append(client)

    # Episodes: every seeded client is being served now (one open episode); a fifth had an
    # earlier episode, closed with a closure, and came back (a reopening).
    episodes: list[Episode] = []
    history: list[list[Episode]] = []
    for client in clients:
        program_id = int(client.team.program_id or 0)
        r = rng.random()
        eps: list[Episode] = []
        if r < 0.2:  # closed, then came back
            first = today - dt.timedelta(days=rng.randint(300, 730))
            closed = first + dt.timedelta(days=rng.randint(60, 200))
            back = closed + dt.timedelta(days=rng.randint(14, 90))
            reason = rng.choice(list(CloseReason)[:4])
            eps.append(
                Episode(
                    agency_id=agency.pk,
                    client=client,
                    program_id=program_id,
                    opened_on=first,
                    closed_on=closed,
                    close_reason=EPISODE_REASON_TEXT[reason],
                    opened_by=client.primary_worker,
                )
            )
            eps.append(
                Episode(
                    agency_id=agency.pk,
                    client=client,
                    program_id=program_id,
                    opened_on=back,
                    opened_by=client.primary_worker,
                )
            )
        else:
            first = today - dt.timedelta(days=rng.randint(14, 730))
            eps.append(
                Episode(
                    agency_id=agency.pk,
                    client=client,
                    program_id=program_id,
                    opened_on=first,
                    opened_by=client.primary_worker,
                )
            )
        for e in eps:
            e.created_at = e.updated_at = _at(e.opened_on, 9)
        client.created_at = _at(eps[0].opened_on, 9)
        client.updated_at = _at(eps[-1].closed_on or eps[-1].opened_on, 17)
        episodes.extend(eps)
        history.append(eps)
    insert(Client, clients)
    for e in episodes:
        e.client_id = e.client.pk
    insert(Episode, episodes)
    counts.add("clients", len(clients))
    counts.add("episodes", len(episodes))

    # Closures (and the reopenings of clients who came back).
    closures: list[Closure] = []
    closure_events: list[ClosureEvent] = []
    reopenings: list[Reopening] = []
    for client, eps in zip(clients, history, strict=True):
        worker = _worker(client)
        for i, e in enumerate(eps):
            if e.closed_on is None:
                continue
            reason = next(k for k, v in EPISODE_REASON_TEXT.items() if v == e.close_reason)
            closure = Closure(
                agency_id=agency.pk,
                client_id=client.pk,
                episode=e,
                status=Closure.Status.CLOSED,
                reason=reason,
                what_helped=rng.choice(words.CLOSURE_HELPED),
                worker_summary="Worked on the plan together; goals reviewed at closing.",
                closed_on=e.closed_on,
                started_by=worker,
                submitted_by=worker,
                submitted_at=_at(e.closed_on, 11),
                closed_by=worker,
                closed_at=_at(e.closed_on, 12),
            )
            closure.created_at = _at(e.closed_on, 10)
            closure.updated_at = _at(e.closed_on, 12)
            closures.append(closure)
            closure_events.append(
                ClosureEvent(
                    agency_id=agency.pk,
                    closure=closure,
                    kind=ClosureEvent.Kind.CLOSED,
                    by=worker,
                    at=_at(e.closed_on, 12),
                )
            )
            if i + 1 < len(eps):
                came_back = eps[i + 1]
                closure_events.append(
                    ClosureEvent(
                        agency_id=agency.pk,
                        closure=closure,
                        kind=ClosureEvent.Kind.REOPENED,
                        new_episode=came_back,
                        by=worker,
                        at=_at(came_back.opened_on, 9),
                    )
                )
                reopenings.append(
                    Reopening(
                        agency_id=agency.pk,
                        client_id=client.pk,
                        episode=came_back,
                        previous_episode=e,
                        previous_closure=closure,
                        reason=rng.choice(words.REOPEN_REASONS),
                        by=worker,
                        at=_at(came_back.opened_on, 9),
                    )
                )
    insert(Closure, closures)
    for ev in closure_events:
        ev.closure_id = ev.closure.pk
    insert(ClosureEvent, closure_events)
    insert(Reopening, reopenings)
    counts.add("closures", len(closures))
    counts.add("reopenings", len(reopenings))

    # Plans (one, on the latest episode), goals, steps, GAS, sign-off and approval.
    plans: list[Plan] = []
    plan_day: list[dt.date] = []
    for client, eps in zip(clients, history, strict=True):
        e = eps[-1]
        end = e.closed_on or today
        day = min(end, e.opened_on + dt.timedelta(days=rng.randint(3, 14)))
        plan = Plan(
            agency_id=agency.pk,
            client_id=client.pk,
            episode=e,
            status=Plan.Status.ACTIVE,
            number=1,
            version=4,
            created_by=client.primary_worker,
        )
        plan.created_at = _at(day, 10)
        plan.updated_at = _at(min(end, day + dt.timedelta(days=2)), 15)
        plans.append(plan)
        plan_day.append(day)
    insert(Plan, plans)
    counts.add("plans", len(plans))

    goals: list[Goal] = []
    goals_of: list[list[Goal]] = []
    steps: list[tuple[Goal, list[Any]]] = []  # (goal, the row without its goal_id)
    steps_of: dict[int, list[_StepView]] = {}
    for client, plan, day, eps in zip(clients, plans, plan_day, history, strict=True):
        end = eps[-1].closed_on or today
        mine: list[Goal] = []
        for order, domain in enumerate(
            rng.sample(ctx.domains, min(len(ctx.domains), rng.choice([2, 3, 3, 3, 4]))), start=1
        ):
            statement, why = rng.choice(words.GOALS[domain])
            gas = words.GAS[domain]
            status = Goal.Status.ACTIVE
            if eps[-1].closed_on is not None or rng.random() < 0.15:
                status = rng.choice([Goal.Status.ACHIEVED, Goal.Status.ACTIVE])
            goal = Goal(
                agency_id=agency.pk,
                client_id=client.pk,
                plan=plan,
                statement=statement,
                author="client",
                verbatim=rng.random() < 0.7,
                why_it_matters=why,
                why_it_matters_verbatim=rng.random() < 0.5,
                domain=domain,
                stage=rng.choice(["contemplation", "preparation", "action", "action"]),
                importance=rng.randint(6, 10),
                confidence=rng.randint(3, 9),
                status=status,
                order=order,
                gas_minus2=gas[0],
                gas_minus1=gas[1],
                gas_zero=gas[2],
                gas_plus1=gas[3],
                gas_plus2=gas[4],
                gas_importance=rng.randint(1, 3),
                gas_difficulty=rng.randint(1, 3),
                gas_baseline=rng.choice([-2, -1, -1]),
                recorded_by=client.primary_worker,
            )
            goal.created_at = _at(day, 10, 10 + order)
            goal.updated_at = _at(end, 16)
            mine.append(goal)
            for s_order, (text, who) in enumerate(
                rng.sample(words.STEPS[domain], min(3, len(words.STEPS[domain]))), start=1
            ):
                target = day + dt.timedelta(days=rng.randint(7, 120))
                done = target if target < end and rng.random() < 0.6 else None
                who_name = "River City services" if who == "agency" else ""
                steps.append(
                    (
                        goal,
                        [
                            agency.pk,
                            text,
                            who,
                            who_name,
                            target,
                            done,
                            s_order,
                            _at(day, 10, 30),
                            _at(done or day, 16),
                        ],
                    )
                )
                steps_of.setdefault(id(goal), []).append(
                    _StepView(text, who, who_name, target, done)
                )
        goals.extend(mine)
        goals_of.append(mine)
    insert(Goal, goals)
    insert_rows(Step, STEP_FIELDS, [[goal.pk, *row] for goal, row in steps])
    counts.add("goals", len(goals))
    counts.add("steps", len(steps))

    periods: list[tuple[Any, ...]] = []
    followups: list[tuple[Any, ...]] = []
    events: list[tuple[Any, ...]] = []
    versions: list[PlanVersion] = []
    for client, plan, day, eps, mine in zip(
        clients, plans, plan_day, history, goals_of, strict=True
    ):
        worker = _worker(client)
        end = eps[-1].closed_on or today
        supervisor = ctx.supervisor_of.get(client.team_id, worker)
        for goal in mine:
            periods.append((agency.pk, goal.pk, day))
            span = max(1, (end - day).days)
            level = goal.gas_baseline or -1
            for k in (1, 2):
                scored = day + dt.timedelta(days=span * k // 3)
                level = max(-2, min(2, level + rng.choice([0, 1, 1, 2])))
                for whose in ("client", "worker"):
                    followups.append(
                        (
                            agency.pk,
                            goal.pk,
                            scored,
                            level if whose == "client" else max(-2, level - rng.randint(0, 1)),
                            whose,
                            worker.pk,
                            _at(scored, 14),
                        )
                    )
        for kind, offset, by in (
            (PlanEvent.Kind.CLIENT_AGREED, 0, worker),
            (PlanEvent.Kind.WORKER_SIGNED, 0, worker),
            (PlanEvent.Kind.SUBMITTED, 0, worker),
            (PlanEvent.Kind.APPROVED, 1, supervisor),
        ):
            agreed = kind == PlanEvent.Kind.CLIENT_AGREED
            events.append(
                (
                    agency.pk,
                    plan.pk,
                    1,
                    kind,
                    client.display_name if agreed else "",
                    SignatureMethod.TYPED if agreed else "",
                    by.pk,
                    _at(min(end, day + dt.timedelta(days=offset)), 11 + offset),
                )
            )
        versions.append(
            PlanVersion(
                agency_id=agency.pk,
                plan=plan,
                number=1,
                snapshot=snapshot_of(
                    1, [(g, cast(list[Step], steps_of.get(id(g), []))) for g in mine]
                ),
                created_at=_at(day, 11),
            )
        )
    insert_rows(GoalPeriod, ("agency_id", "goal_id", "start"), periods)
    insert_rows(GasFollowUp, GAS_FIELDS, followups)
    insert_rows(PlanEvent, PLAN_EVENT_FIELDS, events)
    insert(PlanVersion, versions)
    counts.add("gas_followups", len(followups))

    # Contact notes over the episodes, most signed, linked to goals.
    notes: list[tuple[Any, ...]] = []
    note_goals: list[tuple[int, Goal]] = []  # (the note's place in `notes`, a goal)
    checkins: list[tuple[Any, ...]] = []
    mean = ctx.notes_per_client
    for client, eps, mine in zip(clients, history, goals_of, strict=True):
        worker = _worker(client)
        name = client.preferred_name or client.legal_first_name or client.legal_last_name
        n = rng.randint(mean // 2, mean + mean // 2) if mean > 0 else 0
        spans = [(e.opened_on, e.closed_on or today) for e in eps]
        days = sorted(
            s + dt.timedelta(days=rng.randint(0, max(0, (end - s).days)))
            for s, end in (
                rng.choices(spans, weights=[(b - a).days + 1 for a, b in spans])[0]
                for _ in range(n)
            )
        )
        for i, day in enumerate(days):
            draft = i == len(days) - 1 and eps[-1].closed_on is None and rng.random() < 0.08
            extra = rng.choice(words.PRESENT_EXTRA)
            present = f"{name}, {extra}" if extra else name
            sections = {
                "goal": rng.choice(mine).statement if mine else "Check-in.",
                "intervention": rng.choice(words.INTERVENTIONS).format(name=name),
                "response": rng.choice(words.RESPONSES).format(name=name),
                "plan": rng.choice(words.PLANS).format(name=name),
            }
            minutes = rng.choice([15, 30, 45, 50, 60, 90])
            started = _at(day, rng.randint(8, 17), rng.choice([0, 15, 30, 45]))
            signed_at = started + dt.timedelta(minutes=minutes + 15)
            search_text, search_starts = tokens_for(agency.pk, present, *sections.values())
            notes.append(
                (
                    agency.pk,
                    client.pk,
                    worker.pk,
                    rng.choice(ContactType.values),
                    day,
                    minutes,
                    present,
                    "girp",
                    sections,
                    Note.Status.DRAFT if draft else Note.Status.SIGNED,
                    None if draft else signed_at,
                    None if draft else worker.pk,
                    signed_at,
                    search_text,
                    search_starts,
                    3,
                    started,
                    signed_at,
                )
            )
            if mine and rng.random() < 0.6:
                note_goals.append((len(notes) - 1, rng.choice(mine)))
        for goal in mine[:2]:
            day = spans[-1][0] + dt.timedelta(days=rng.randint(7, 60))
            if day > spans[-1][1]:
                continue
            checkins.append(
                (
                    agency.pk,
                    client.pk,
                    goal.pk,
                    day,
                    rng.randint(3, 9),
                    rng.randint(3, 9),
                    rng.randint(6, 10),
                    rng.randint(3, 9),
                    rng.choice(["", "Getting there.", "Better than last month."]),
                    worker.pk,
                    _at(day, 15),
                )
            )
    note_ids = insert_rows(Note, NOTE_FIELDS, notes)
    insert_rows(
        Note.goals.through, ("note_id", "goal_id"), [(note_ids[i], g.pk) for i, g in note_goals]
    )
    insert_rows(CheckIn, CHECKIN_FIELDS, checkins)
    counts.add("notes", len(notes))
    counts.add("checkins", len(checkins))

    # Strengths assessment (two versions) and the matrix at entry and review.
    assessments: list[StrengthsAssessment] = []
    assessment_versions: list[tuple[StrengthsAssessment, list[Any]]] = []
    ssm: list[tuple[Any, ...]] = []
    ssm_entry: list[dict[str, int]] = []
    ssm_definition = definition_of(ctx.ssm_version)
    for client, eps, mine in zip(clients, history, goals_of, strict=True):
        worker = _worker(client)
        start = eps[-1].opened_on
        end = eps[-1].closed_on or today
        second = min(end, start + dt.timedelta(days=rng.randint(30, 120)))
        assessment = StrengthsAssessment(
            agency_id=agency.pk,
            client_id=client.pk,
            template=ctx.strengths_template,
            latest_number=2,
            version=2,
            created_at=_at(start, 11),
            updated_at=_at(second, 11),
        )
        assessments.append(assessment)
        first_doc = _strengths_document(ctx, rng, mine, filled=3)
        second_doc = _strengths_document(ctx, rng, mine, filled=len(ctx.domains))
        for number, doc, day in ((1, first_doc, start), (2, second_doc, second)):
            assessment_versions.append(
                (assessment, [agency.pk, number, doc, worker.pk, _at(day, 11, 30)])
            )
        entry_scores = {d: rng.randint(1, 4) for d in ctx.ssm_domains}
        review_day = min(end, start + dt.timedelta(days=rng.randint(60, 120)))
        for ssm_kind, day, scores in (
            (QuestionnaireResponse.Occasion.ENTRY, start, entry_scores),
            (
                QuestionnaireResponse.Occasion.REVIEW,
                review_day,
                {d: min(5, s + rng.choice([0, 0, 1, 1, 2])) for d, s in entry_scores.items()},
            ),
        ):
            typed = {d: [str(level)] for d, level in scores.items()}
            ssm.append(
                (
                    agency.pk,
                    client.pk,
                    ctx.ssm_version.questionnaire_id,
                    ctx.ssm_version.pk,
                    ssm_kind,
                    day,
                    qdef.response_items(ssm_definition, typed, {}),
                    qdef.total_score(ssm_definition, typed),
                    worker.pk,
                    _at(day, 12),
                )
            )
            ssm_entry.append(scores)
    insert(StrengthsAssessment, assessments)
    insert_rows(
        StrengthsAssessmentVersion,
        ASSESSMENT_VERSION_FIELDS,
        [[a.pk, *row] for a, row in assessment_versions],
    )
    ssm_ids = insert_rows(QuestionnaireResponse, SSM_FIELDS, ssm)
    insert_rows(
        AnswerValue,
        ANSWER_FIELDS,
        [
            (agency.pk, pk, a[2], a[1], d, str(level), level)
            for pk, a, scores in zip(ssm_ids, ssm, ssm_entry, strict=True)
            for d, level in scores.items()
        ],
    )
    counts.add("assessment_versions", len(assessment_versions))
    counts.add("ssm", len(ssm))

    # Referrals to directory services, each under a consent to the service's organisation.
    consents: list[Consent] = []
    referrals: list[Referral] = []
    ref_events: list[tuple[Referral, list[Any]]] = []
    ratings: list[ServiceRating] = []
    paths = [
        [workflow.REQUESTED],
        [workflow.REQUESTED, workflow.ACCEPTED],
        [workflow.REQUESTED, workflow.ACCEPTED, workflow.IN_PROGRESS],
        [workflow.REQUESTED, workflow.ACCEPTED, workflow.COMPLETED],
        [workflow.REQUESTED, workflow.ACCEPTED, workflow.COMPLETED],
        [workflow.REQUESTED, workflow.REJECTED],
        [workflow.REQUESTED, workflow.CANCELLED],
    ]
    for client, eps, mine in zip(clients, history, goals_of, strict=True):
        if not ctx.services:
            break
        worker = _worker(client)
        start, end = eps[-1].opened_on, eps[-1].closed_on or today
        for _ in range(2):
            service_id, org_id = rng.choice(ctx.services)
            sent = start + dt.timedelta(days=rng.randint(0, max(0, (end - start).days)))
            path = rng.choice(paths) if eps[-1].closed_on is None else paths[3]
            consent = Consent(
                agency_id=agency.pk,
                client_id=client.pk,
                information=["contact", "goals"],
                organization_id=org_id,
                purpose="referral",
                valid_from=sent,
                valid_until=sent + dt.timedelta(days=365),
                method=Consent.Method.E_SIGNATURE,
                signed_name=client.display_name,
                signed_at=_at(sent, 10),
                right_to_revoke_explained=True,
                recorded_by_id=worker.pk,
                created_at=_at(sent, 10),
                updated_at=_at(sent, 10),
            )
            consents.append(consent)
            times = [_at(min(end, sent + dt.timedelta(days=3 * i)), 11) for i in range(len(path))]
            ref_status = path[-1]
            ref_reason = ""
            if ref_status in workflow.REASON_REQUIRED:
                ref_reason = rng.choice(
                    ["No capacity this month.", "The client found help elsewhere."]
                )
            referral = Referral(
                agency_id=agency.pk,
                client_id=client.pk,
                goal=rng.choice(mine) if mine else None,
                service_id=service_id,
                organization_id=org_id,
                consent=consent,
                information=["contact", "goals"],
                request_note=rng.choice(words.REFERRAL_NOTES),
                status=ref_status,
                status_reason=ref_reason,
                status_changed_at=times[-1],
                requested_at=times[0],
                accepted_at=times[1] if workflow.ACCEPTED in path else None,
                finished_at=times[-1] if ref_status in workflow.TERMINAL else None,
                outcome="Seen and helped." if ref_status == workflow.COMPLETED else "",
                partner_nonce=f"{rng.getrandbits(64):016x}",
                partner_link_expires_at=times[0] + dt.timedelta(days=30),
                created_by=worker,
                version=len(path) + 1,
                created_at=times[0],
                updated_at=times[-1],
            )
            if ref_status == workflow.COMPLETED and rng.random() < 0.5:
                referral.helpful = rng.randint(3, 5)
                referral.rated_by = Referral.RatedBy.CLIENT
                referral.rated_at = times[-1]
            referrals.append(referral)
            before = ""
            for st, at in zip(path, times, strict=True):
                side = workflow.REQUESTER if st in (workflow.REQUESTED,) else workflow.RECEIVER
                if st == workflow.CANCELLED:
                    side = workflow.REQUESTER
                ref_events.append(
                    (
                        referral,
                        [
                            before,
                            st,
                            side,
                            ref_reason if st == ref_status else "",
                            worker.pk if side == workflow.REQUESTER else None,
                            worker.label if side == workflow.REQUESTER else "partner",
                            at,
                        ],
                    )
                )
                before = st
    insert(Consent, consents)
    for referral in referrals:
        referral.consent_id = referral.consent.pk if referral.consent else None
    insert(Referral, referrals)
    insert_rows(ReferralEvent, REFERRAL_EVENT_FIELDS, [[r.pk, *row] for r, row in ref_events])
    for referral in referrals:
        if referral.helpful:
            ratings.append(
                ServiceRating(
                    service_id=referral.service_id,
                    agency_id=agency.pk,
                    referral_id=referral.pk,
                    helpful=referral.helpful,
                    recorded_by=referral.created_by,
                )
            )
    insert(ServiceRating, ratings)
    counts.add("referrals", len(referrals))

    # A task each for open clients: some done, some due soon.
    tasks: list[Task] = []
    for client, eps in zip(clients, history, strict=True):
        if eps[-1].closed_on is not None:
            continue
        due = today + dt.timedelta(days=rng.randint(-20, 30))
        made = _at(due - dt.timedelta(days=7), 9)
        tasks.append(
            Task(
                agency_id=agency.pk,
                client_id=client.pk,
                assigned_to=client.primary_worker,
                title=rng.choice(words.TASKS),
                due_on=due,
                done_at=_at(due, 16) if due < today and rng.random() < 0.7 else None,
                created_by=client.primary_worker,
                created_at=made,
                updated_at=made,
            )
        )
    insert(Task, tasks)
    counts.add("tasks", len(tasks))

    # The audit trail: one chained event per seeded client, saying what was created.
    chain = AuditChain()
    per_client: dict[int, dict[str, int]] = {c.pk: {} for c in clients}
    for note in notes:
        client_id = note[1]
        per_client[client_id]["notes"] = per_client[client_id].get("notes", 0) + 1
    for client, mine in zip(clients, goals_of, strict=True):
        chain.add(
            action="seed.client",
            agency_id=agency.pk,
            target_type="people.client",
            target_id=client.pk,
            client_id=client.pk,
            changes={
                "notes": [None, per_client[client.pk].get("notes", 0)],
                "goals": [None, len(mine)],
                "worker": [None, client.primary_worker_id],
            },
        )
    counts.add("audit_events", len(chain.pending))
    defer(chain.flush)  # with the batch's rows (`bulk.write_behind`)
    return counts


def _worker(client: Client) -> User:
    worker = client.primary_worker
    assert worker is not None  # every seeded client has one
    return worker


def _strengths_document(
    ctx: Context, rng: random.Random, goals: list[Goal], *, filled: int
) -> dict[str, Any]:
    """A strengths document in the canonical shape (assessments.services
    `strengths_content_normalise`): every domain and column, `filled` domains written."""
    keys = [d["key"] for d in ctx.strengths_template.content["domains"]]
    written = set(rng.sample(keys, min(filled, len(keys))))
    banks = {"aspirations": words.ASPIRATIONS, "current_status": words.CURRENT}
    domains: dict[str, Any] = {}
    for key in keys:
        cells: dict[str, Any] = {}
        for column in ctx.strengths_columns:
            text = rng.choice(banks.get(column, words.RESOURCES)) if key in written else ""
            author = "client" if column == "aspirations" else "together"
            cells[column] = {
                "text": text,
                "author": author,
                "verbatim": bool(text) and column == "aspirations",
            }
        domains[key] = cells
    priorities = [{"text": g.statement, "author": "client", "verbatim": True} for g in goals]
    return {"domains": domains, "priorities": priorities[:5]}


def deal(staff: Staff) -> list[User]:
    """One worker per client, in order: each worker's whole caseload."""
    return [w for w, size in zip(staff.workers, staff.sizes, strict=True) for _ in range(size)]

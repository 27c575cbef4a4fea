"""Writes for notes and check-ins. A draft belongs to its author and autosaves; signing locks
it (a signed note is never edited — corrections are dated addenda). Audit: creating a draft,
signing (with a SHA-256 of the signed text), addenda and discards are audited; the many
autosaves of a draft in between are not (the signed text is the record)."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable, Mapping
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from strengthwise.accounts.models import Agency, User
from strengthwise.assessments.models import Author
from strengthwise.audit.services import audit_record, changed_fields, plain
from strengthwise.core import language, sensitivity
from strengthwise.core.errors import Conflict, DomainError, ValidationFailed
from strengthwise.core.text import show_date
from strengthwise.core.validation import not_in_future, parse_id, refuse_nul, validated
from strengthwise.people.models import Client
from strengthwise.people.services import lock_open_record
from strengthwise.plans import services as plan_services
from strengthwise.plans.models import Goal

from . import formats, word_index
from .models import Addendum, CheckIn, ClientTerms, LanguageTerm, Note

NOTE_FIELDS = ("contact_type", "contact_date", "duration_minutes", "present", "format")
MAX_SECTION = 20_000


class NoteLocked(Conflict):
    """A signed note cannot change; say so with 409 and point to addenda."""

    def __init__(self, note: Note):
        super().__init__(
            _(
                "This note was signed on %(day)s and cannot be changed. Add a dated addendum instead."
            )
            % {"day": show_date(note.signed_at)},
            current={"status": note.status, "version": note.version},
            attempted={},
        )


def _classify(note: Note) -> None:
    """Set the note's protected categories (core/sensitivity.py: suggested from its words,
    never dropped once set) and its word index text: a note in a protected category is kept
    out of the index, so its words exist only sealed (notes search does not find it). The
    index holds keyed tokens, never the words (`word_index`)."""
    words = [note.present, *(str(v) for v in note.sections.values())]
    sensitivity.categorise(note, words)
    note.search_text, note.search_starts = (
        ("", "") if note.categories else word_index.tokens_for(note.agency_id, *words)
    )


def _digest(note: Note) -> str:
    body = json.dumps(
        {"sections": note.sections, **{k: str(getattr(note, k)) for k in NOTE_FIELDS}},
        sort_keys=True,
        ensure_ascii=False,
    )
    return hashlib.sha256(body.encode()).hexdigest()


def _client_goals(client_id: int, goal_ids: Iterable[Any]) -> list[Goal]:
    """The goals a user chose by id, looked up among this client's own; an unknown id is
    refused on the "goals" field, so the page and the API answer alike."""
    ids = [parse_id(g) for g in goal_ids]
    wanted = {pk for pk in ids if pk is not None}
    found = list(Goal.objects.filter(client_id=client_id, pk__in=wanted).order_by("id"))
    if None in ids or len(found) != len(wanted):
        message = _("Choose among this person's goals.")
        raise ValidationFailed(message, field_errors={"goals": [message]})
    return found


def note_start(
    *,
    acting_user: User,
    client: Client,
    goal: Goal | None = None,
    goal_id: Any = None,
    request: Any = None,
) -> Note:
    """Open a draft for today (GIRP, office visit): the page autosaves into it from the first
    word, so a session timeout never loses what was typed. `goal_id` (one of the client's
    goals, else refused) links the draft to the goal it is about."""
    if goal is None and goal_id is not None:
        goal = _client_goals(client.pk, [goal_id])[0]
    with transaction.atomic():
        lock_open_record(client.pk)
        note = Note.objects.create(
            agency_id=client.agency_id,
            client=client,
            author=acting_user,
            contact_date=timezone.localdate(),
            format=formats.DEFAULT,
            sections={},
        )
        if goal is not None and goal.client_id == client.pk:
            note.goals.add(goal)
        audit_record(actor=acting_user, action="note.started", target=note, request=request)
    return note


def _own_draft(acting_user: User, note: Note) -> None:
    if note.signed:
        raise NoteLocked(note)
    if note.author_id != acting_user.pk:
        raise DomainError(_("Only the person who is writing this draft can change it."))


def note_save(
    *,
    acting_user: User,
    note: Note,
    fields: Mapping[str, Any],
    sections: Mapping[str, str],
    goals: Iterable[Goal] | None = None,
    goal_ids: Iterable[Any] | None = None,
    quotes: Any = None,
    version: int | None = None,
) -> Note:
    """Save a draft (autosave or the save button). Keeps every section's text even when the
    format changes, so switching GIRP → DAP never loses words. `quotes` (when given) says whose
    words the quotations are (`Note.quotes`; see `clean_quotes`). With `version`, a draft
    saved elsewhere since that version is refused (Conflict, 409), never overwritten.
    `goal_ids` (when given) sets the goals the note is about, each one of the client's own:
    an unknown id refuses the save on the "goals" field."""
    refuse_nul(fields)
    refuse_nul(sections)
    if goals is None and goal_ids is not None:
        goals = _client_goals(note.client_id, goal_ids)
    with transaction.atomic():
        current = Note.objects.select_for_update(no_key=True).get(pk=note.pk)
        _own_draft(acting_user, current)
        if version is not None and version != current.version:
            # Saved elsewhere since `version` was read (another tab, another API client).
            raise Conflict(
                _("This draft was saved elsewhere since you opened it. Reload it, then save."),
                current={"version": current.version, "sections": dict(current.sections)},
                attempted={"version": version, "sections": dict(sections)},
            )
        for name in NOTE_FIELDS:
            if name in fields:
                setattr(current, name, fields[name])
        if current.format not in formats.formats():
            raise ValidationFailed(
                _("Please correct the errors below."),
                field_errors={"format": [_("Choose a format from the list.")]},
            )
        too_long = [k for k, v in sections.items() if len(v) > MAX_SECTION]
        if too_long:
            raise ValidationFailed(
                _("Please correct the errors below."),
                field_errors={k: [_("This section is too long.")] for k in too_long},
            )
        merged = dict(current.sections)
        merged.update({k: v for k, v in sections.items() if k in formats.SECTIONS})
        current.sections = merged
        if quotes is not None:
            current.quotes = clean_quotes(quotes, merged)
        if current.contact_date:
            not_in_future(current.contact_date, "contact_date")
            _not_before_1900(current.contact_date, "contact_date")
        _classify(current)
        current.autosaved_at = timezone.now()
        current.version += 1
        validated(current, exclude=["goals", "signed_by", "signed_at", "autosaved_at"])
        current.save()
        if goals is not None:
            current.goals.set([g for g in goals if g.client_id == current.client_id])
    return current


QUOTE_BY = (language.CLIENT, language.OTHER)
MAX_QUOTES = 200


def clean_quotes(raw: Any, sections: Mapping[str, str]) -> list[dict[str, str]]:
    """Check whose-words entries ({"section", "text", "by", "who"}) and keep those whose words
    are still in their section (a quotation deleted from the text drops its mark). A bad entry
    refuses the whole save with a reason; nothing is written."""
    problem = _("Whose words the quotations are could not be read.")
    if not isinstance(raw, list) or len(raw) > MAX_QUOTES:
        raise ValidationFailed(problem, field_errors={"quotes": [problem]})
    kept: list[dict[str, str]] = []
    for entry in raw:
        if not isinstance(entry, dict):
            raise ValidationFailed(problem, field_errors={"quotes": [problem]})
        section, text = entry.get("section"), entry.get("text")
        by, who = entry.get("by"), entry.get("who", "")
        if (
            section not in formats.SECTIONS
            or not isinstance(text, str)
            or not text.strip()
            or len(text) > 2000
            or by not in QUOTE_BY
            or not isinstance(who, str)
            or len(who) > 120
        ):
            raise ValidationFailed(problem, field_errors={"quotes": [problem]})
        refuse_nul({"text": text, "who": who})
        item = {"section": section, "text": text, "by": by, "who": who.strip()}
        in_text = language.quote_key(text) in " ".join(sections.get(section, "").split()).casefold()
        if in_text and item not in kept:
            kept.append(item)
    return kept


def note_sign(*, acting_user: User, note: Note, request: Any = None) -> Note:
    with transaction.atomic():
        current = Note.objects.select_for_update(no_key=True).get(pk=note.pk)
        _own_draft(acting_user, current)
        written = [
            k for k in formats.sections_of(current.format) if current.sections.get(k, "").strip()
        ]
        if not written:
            raise ValidationFailed(
                _("Write the note before signing it."),
                field_errors={"__all__": [_("Write the note before signing it.")]},
            )
        # What is signed is what shows: sections of another format (typed before switching)
        # are dropped, so no hidden words travel with the signed note or its hash.
        current.sections = {
            k: v for k, v in current.sections.items() if k in formats.sections_of(current.format)
        }
        _classify(current)
        current.status = Note.Status.SIGNED
        current.signed_at = timezone.now()
        current.signed_by = acting_user
        current.version += 1
        current.save()
        audit_record(
            actor=acting_user,
            action="note.signed",
            target=current,
            changes={"status": ["draft", "signed"], "sha256": [None, _digest(current)]},
            request=request,
        )
    return current


def note_discard(*, acting_user: User, note: Note, request: Any = None) -> None:
    with transaction.atomic():
        current = Note.objects.select_for_update().get(pk=note.pk)
        _own_draft(acting_user, current)
        audit_record(actor=acting_user, action="note.discarded", target=current, request=request)
        current.delete()


def addendum_add(*, acting_user: User, note: Note, text: str, request: Any = None) -> Addendum:
    refuse_nul({"text": text})
    if not note.signed:
        raise DomainError(
            _("This note is still a draft: change it directly; addenda are for signed notes.")
        )
    if not text.strip():
        raise ValidationFailed(
            _("Please correct the errors below."),
            field_errors={"text": [_("Write the addendum.")]},
        )
    addendum = Addendum(note=note, text=text.strip(), author=acting_user)
    validated(addendum, exclude=["note", "author"])
    with transaction.atomic():
        addendum.save()
        audit_record(
            actor=acting_user,
            action="note.addendum",
            target=note,
            changes={"addendum": [None, hashlib.sha256(addendum.text.encode()).hexdigest()]},
            request=request,
        )
    return addendum


# --- the language list ------------------------------------------------------------------------


def language_terms(agency: Agency) -> tuple[language.Term, ...]:
    """The agency's active list, seeded from the shipped list the first time it is used."""
    rows = list(LanguageTerm.objects.filter(agency=agency).order_by("term"))
    if not rows:
        with transaction.atomic():
            LanguageTerm.objects.bulk_create(
                [
                    LanguageTerm(
                        agency=agency,
                        term=t.term,
                        alternatives="; ".join(t.alternatives),
                        sources="; ".join(t.sources),
                    )
                    for t in language.shipped_terms()
                ],
                ignore_conflicts=True,
            )
        rows = list(LanguageTerm.objects.filter(agency=agency).order_by("term"))
    return tuple(
        language.Term(
            term=row.term,
            alternatives=tuple(a.strip() for a in row.alternatives.split(";") if a.strip()),
            sources=tuple(s.strip() for s in row.sources.split(";") if s.strip()),
        )
        for row in rows
        if row.active
    )


def language_term_save(
    *,
    acting_user: User,
    agency: Agency,
    fields: Mapping[str, Any],
    term: LanguageTerm | None = None,
    request: Any = None,
) -> LanguageTerm:
    if acting_user.role != "admin" or acting_user.agency_id != agency.pk:
        raise DomainError(_("Only the agency's admins change the language list."))
    refuse_nul(fields)
    row = term or LanguageTerm(agency=agency)
    before = {k: getattr(row, k) for k in ("term", "alternatives", "sources", "active")}
    for k in ("term", "alternatives", "sources", "active"):
        if k in fields:
            setattr(row, k, fields[k].strip() if isinstance(fields[k], str) else fields[k])
    validated(row, exclude=["agency"])
    if (
        LanguageTerm.objects.filter(agency=agency, term__iexact=row.term)
        .exclude(pk=row.pk)
        .exists()
    ):
        raise ValidationFailed(
            _("Please correct the errors below."),
            field_errors={"term": [_("This term is already on the list.")]},
        )
    with transaction.atomic():
        row.save()
        audit_record(
            actor=acting_user,
            action="language_term.saved",
            target=row,
            changes=changed_fields(before, {k: getattr(row, k) for k in before}),
            request=request,
        )
    return row


def client_terms_save(
    *, acting_user: User, client: Client, terms: str, request: Any = None
) -> ClientTerms:
    refuse_nul({"terms": terms})
    with transaction.atomic():
        lock_open_record(client.pk)
        row, _created = ClientTerms.objects.get_or_create(
            client=client, defaults={"updated_by": acting_user}
        )
        before = row.terms
        row.terms = "; ".join(t.strip() for t in terms.split(";") if t.strip())
        row.updated_by = acting_user
        validated(row, exclude=["client", "updated_by"])
        row.save()
        audit_record(
            actor=acting_user,
            action="client.own_terms",
            target=client,
            changes={"terms": [before, row.terms]},
            request=request,
        )
    return row


# --- check-ins ----------------------------------------------------------------------------------

CHECKIN_FIELDS = (
    "checked_on",
    "client_rating",
    "worker_rating",
    "client_gas",
    "worker_gas",
    "importance",
    "confidence",
    "comment",
    "comment_author",
    "comment_verbatim",
)


def checkin_add(
    *,
    acting_user: User | None,
    goal: Goal,
    fields: Mapping[str, Any],
    request: Any = None,
    actor_label: str = "",
) -> CheckIn:
    """A progress check-in. GAS levels, when given, are also recorded as the goal's GAS
    follow-ups (so the T-score over time includes them). The client checks in themselves in
    the portal (`acting_user` None, `actor_label` naming them)."""
    refuse_nul(fields)
    values = {k: fields.get(k) for k in CHECKIN_FIELDS if k in fields}
    values["checked_on"] = values.get("checked_on") or timezone.localdate()
    values["comment"] = (values.get("comment") or "").strip()
    if values.get("comment_author", Author.CLIENT) not in Author.values:
        raise ValidationFailed(
            _("Please correct the errors below."),
            field_errors={"comment_author": [_("Choose whose words these are.")]},
        )
    values["comment_verbatim"] = bool(values.get("comment_verbatim"))
    if all(
        values.get(k) is None
        for k in ("client_rating", "worker_rating", "client_gas", "worker_gas")
    ):
        raise ValidationFailed(
            _("Please correct the errors below."),
            field_errors={"client_rating": [_("Give at least one rating.")]},
        )
    checkin = CheckIn(
        agency_id=goal.agency_id,
        client_id=goal.client_id,
        goal=goal,
        recorded_by=acting_user,
        **values,
    )
    not_in_future(checkin.checked_on, "checked_on")
    _not_before_1900(checkin.checked_on, "checked_on")
    validated(checkin, exclude=["agency", "client", "goal", "recorded_by"])
    with transaction.atomic():
        lock_open_record(goal.client_id)
        checkin.save()
        for level, who in ((checkin.client_gas, "client"), (checkin.worker_gas, "worker")):
            if level is not None:
                plan_services.gas_followup_add(
                    acting_user=acting_user,
                    actor_label=actor_label,
                    goal=goal,
                    level=level,
                    scored_by=who,
                    scored_on=checkin.checked_on,
                    note=checkin.comment[:300],
                )
        audit_record(
            actor=acting_user,
            actor_label=actor_label,
            action="checkin.recorded",
            target=checkin,
            changes={k: [None, plain(getattr(checkin, k))] for k in CHECKIN_FIELDS},
            request=request,
        )
    return checkin


def _not_before_1900(day: dt.date, field: str) -> None:
    if day < dt.date(1900, 1, 1):
        raise ValidationFailed(
            _("Please correct the errors below."),
            field_errors={field: [_("Check the year.")]},
        )

"""Changing an agency's questionnaires (draft, publish, import, retire) and recording a client's
answers. One service per change, for the pages and the API alike; each writes one audit event
(which questions changed or were answered, never the answers themselves)."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from strengthwise.accounts.models import Program, User
from strengthwise.audit.services import audit_record
from strengthwise.core.errors import Conflict, DomainError, ValidationFailed
from strengthwise.core.validation import not_in_future, parse_id
from strengthwise.people.models import Client, Episode, HouseholdMember

from . import definition as qdef
from .models import AnswerValue, Questionnaire, QuestionnaireResponse, QuestionnaireVersion
from .selectors import definition_of, latest_version

KEY_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]{0,59}$")
#: The short names of the instruments Strengthwise ships (assessments/as_questionnaire.py).
SHIPPED_KEYS = frozenset({"ssm", "ahc-hrsn"})


def _agency(user: User) -> int:
    """The acting admin's agency (staff without one reach no questionnaire)."""
    if user.agency_id is None:
        raise DomainError(_("Only an agency's staff have questionnaires."))
    return int(user.agency_id)


def canonical_url(agency_id: int, key: str) -> str:
    return f"{settings.STRENGTHWISE_BASE_URL}/fhir/Questionnaire/agency-{agency_id}-{key}"


def draft_stamp(questionnaire: Questionnaire) -> str:
    """What a page posts back to say which state of the draft it showed."""
    return questionnaire.updated_at.isoformat()


def fhir_name(key: str) -> str:
    """A FHIR `name` (a capital first, then letters, digits and '_') from the short name."""
    name = "".join(part[:1].upper() + part[1:] for part in re.split(r"[-_.]", key) if part)
    return name if name[:1].isalpha() else f"Q{name}"


def _draft_json(questionnaire: Questionnaire, definition: qdef.Definition) -> dict[str, Any]:
    return qdef.to_fhir(
        definition,
        url=canonical_url(questionnaire.agency_id, questionnaire.key),
        name=fhir_name(questionnaire.key),
        status="draft",
    )


def _refuse(problems: list[str], message: str) -> None:
    if problems:
        raise ValidationFailed(message, field_errors={"definition": problems})


def _program(user: User, program_id: Any) -> Program | None:
    if program_id in (None, ""):
        return None
    pk = parse_id(program_id)
    agency_id = _agency(user)
    program = Program.objects.filter(agency_id=agency_id, pk=pk).first() if pk else None
    if program is None:
        raise ValidationFailed(
            _("Choose one of the agency's programs."),
            field_errors={"program": [_("Choose one of the agency's programs.")]},
        )
    return program


def _check_purpose(purpose: str, program: Program | None) -> None:
    if purpose not in Questionnaire.Purpose.values:
        raise ValidationFailed(
            _("Choose what the questionnaire is for."),
            field_errors={"purpose": [_("Choose what the questionnaire is for.")]},
        )
    if purpose == Questionnaire.Purpose.INTAKE and program is None:
        raise ValidationFailed(
            _("Intake questions belong to a program."),
            field_errors={"program": [_("Choose the program that asks them.")]},
        )
    if purpose == Questionnaire.Purpose.CLIENT_FIELDS and program is not None:
        raise ValidationFailed(
            _("Fields on the client's record are the whole agency's, not one program's."),
            field_errors={"program": [_("Leave the program empty.")]},
        )


def _check_key(user: User, key: str) -> None:
    if not KEY_PATTERN.match(key or ""):
        raise ValidationFailed(
            _("Choose a short name of letters, digits and '-'."),
            field_errors={"key": [_("Use 1–60 small letters, digits or '-'.")]},
        )
    if (
        key in SHIPPED_KEYS
        or Questionnaire.objects.filter(agency_id=_agency(user), key=key).exists()
    ):
        raise ValidationFailed(
            _("The agency has a questionnaire with this short name already."),
            field_errors={"key": [_("Choose another short name.")]},
        )


def questionnaire_create(
    *,
    acting_user: User,
    key: str,
    purpose: str,
    title_en: str,
    title_es: str = "",
    program_id: Any = None,
) -> Questionnaire:
    """A new questionnaire with an empty draft (questions are added next, then published)."""
    program = _program(acting_user, program_id)
    _check_purpose(purpose, program)
    _check_key(acting_user, key)
    title = qdef.Text(title_en.strip(), title_es.strip())
    if not title.en or len(title.en) > qdef.MAX_TITLE or len(title.es) > qdef.MAX_TITLE:
        raise ValidationFailed(
            _("The questionnaire needs a title."),
            field_errors={"title_en": [_("Give it a title of at most 200 characters.")]},
        )
    with transaction.atomic():
        questionnaire = Questionnaire(
            agency_id=_agency(acting_user),
            key=key,
            purpose=purpose,
            program=program,
            draft={},
            changed_by=acting_user,
        )
        questionnaire.draft = _draft_json(questionnaire, qdef.Definition(title=title))
        questionnaire.save()
        audit_record(
            actor=acting_user,
            action="questionnaire.created",
            target=questionnaire,
            changes={"key": [None, key], "purpose": [None, purpose]},
        )
    return questionnaire


def questionnaire_import(
    *,
    acting_user: User,
    text: str | bytes,
    key: str = "",
    purpose: str = "",
    program_id: Any = None,
    into: Questionnaire | None = None,
) -> Questionnaire:
    """A Questionnaire (FHIR R4 JSON) as a new questionnaire's draft, or as the draft of `into`.
    Every problem is named and nothing is written while there is one."""
    if into is not None:
        _editable(into)
    resource, problems = qdef.parse_json(text)
    _refuse(problems, _("This file cannot be imported; nothing was changed."))
    assert resource is not None
    definition = qdef.read(resource)
    _refuse(qdef.problems(definition), _("This file cannot be imported; nothing was changed."))
    with transaction.atomic():
        if into is None:
            program = _program(acting_user, program_id)
            _check_purpose(purpose, program)
            _check_key(acting_user, key)
            into = Questionnaire(
                agency_id=_agency(acting_user),
                key=key,
                purpose=purpose,
                program=program,
                draft={},
                changed_by=acting_user,
            )
        into.draft = _draft_json(into, definition)
        into.draft_changed = True
        into.changed_by = acting_user
        into.save()
        audit_record(
            actor=acting_user,
            action="questionnaire.imported",
            target=into,
            changes={"items": [None, len(list(definition.walk()))]},
        )
    return into


def _editable(questionnaire: Questionnaire) -> None:
    if questionnaire.shipped:
        raise DomainError(
            _(
                "This instrument ships with Strengthwise: it follows the agency's domains "
                "(administration), not this editor. Export it to start a questionnaire of "
                "your own from it."
            )
        )


def _save_draft(
    acting_user: User,
    questionnaire: Questionnaire,
    definition: qdef.Definition,
    *,
    action: str,
    link_id: str = "",
    seen: str | None = None,
) -> Questionnaire:
    _editable(questionnaire)
    _refuse(qdef.problems(definition, draft=True), _("The change was not saved."))
    with transaction.atomic():
        locked = Questionnaire.objects.select_for_update(no_key=True).get(pk=questionnaire.pk)
        # `seen`: the draft's stamp when the page was opened (a stale page is refused too).
        if locked.draft != questionnaire.draft or (seen and seen != draft_stamp(locked)):
            raise Conflict(
                _("Someone changed this draft since you opened it; open it again."),
                current={"draft": locked.draft},
                attempted={},
            )
        locked.draft = _draft_json(locked, definition)
        locked.draft_changed = True
        locked.changed_by = acting_user
        locked.save(update_fields=["draft", "draft_changed", "changed_by", "updated_at"])
        audit_record(
            actor=acting_user,
            action=action,
            target=locked,
            changes={"item": [None, link_id]} if link_id else {},
        )
    return locked


def draft_title_save(
    *,
    acting_user: User,
    questionnaire: Questionnaire,
    title_en: str,
    title_es: str,
    description_en: str = "",
    description_es: str = "",
    seen: str | None = None,
) -> Questionnaire:
    current = qdef.read(questionnaire.draft)
    definition = qdef.Definition(
        title=qdef.Text(title_en.strip(), title_es.strip()),
        description=qdef.Text(description_en.strip(), description_es.strip()),
        items=current.items,
    )
    return _save_draft(
        acting_user, questionnaire, definition, action="questionnaire.titled", seen=seen
    )


def draft_item_save(
    *,
    acting_user: User,
    questionnaire: Questionnaire,
    item: qdef.Item,
    parent: str = "",
    replacing: str = "",
    seen: str | None = None,
) -> Questionnaire:
    """Add an item (at the end, or of group `parent`) or replace the item `replacing`."""
    current = qdef.read(questionnaire.draft)
    if replacing and current.find(replacing) is None:
        raise DomainError(_("That question is no longer in the draft."))
    old = current.find(replacing) if replacing else None
    if old is not None and old.type == "group" and item.type != "group" and old.items:
        raise ValidationFailed(
            _("This group holds questions: move or remove them before changing its kind."),
            field_errors={"type": [_("Keep it a group while it holds questions.")]},
        )
    if replacing and replacing != item.link_id:
        if current.find(item.link_id) is not None:
            raise ValidationFailed(
                _("Another question has this link id."),
                field_errors={"link_id": [_("Choose a link id no other question has.")]},
            )
        # Renaming: the item keeps its place; conditions on it follow it.
        current = _renamed(current, replacing, item.link_id)
    elif not replacing and current.find(item.link_id) is not None:
        raise ValidationFailed(
            _("Another question has this link id."),
            field_errors={"link_id": [_("Choose a link id no other question has.")]},
        )
    if parent:
        group = current.find(parent)
        if group is None or group.type != "group":
            raise ValidationFailed(
                _("Choose a group of this questionnaire."),
                field_errors={"parent": [_("Choose a group of this questionnaire.")]},
            )
        if item.type == "group":
            raise ValidationFailed(
                _("A group cannot be inside another group here."),
                field_errors={"parent": [_("Put a group at the top level.")]},
            )
    if old is not None:
        item = qdef.keeping_imported(old, item)
    definition = qdef.with_item(current, item, parent=parent)
    return _save_draft(
        acting_user,
        questionnaire,
        definition,
        action="questionnaire.item_saved",
        link_id=item.link_id,
        seen=seen,
    )


def _renamed(definition: qdef.Definition, old: str, new: str) -> qdef.Definition:
    def fix(items: tuple[qdef.Item, ...]) -> tuple[qdef.Item, ...]:
        out = []
        for i in items:
            conditions = tuple(
                replace(c, question=new) if c.question == old else c for c in i.enable_when
            )
            out.append(
                replace(
                    i,
                    link_id=new if i.link_id == old else i.link_id,
                    enable_when=conditions,
                    items=fix(i.items),
                )
            )
        return tuple(out)

    return replace(definition, items=fix(definition.items))


def draft_item_remove(
    *, acting_user: User, questionnaire: Questionnaire, link_id: str, seen: str | None = None
) -> Questionnaire:
    """Remove an item from the draft. Answers already given keep it: they render with the
    version they were answered with. Questions shown only when it is answered are named."""
    current = qdef.read(questionnaire.draft)
    if current.find(link_id) is None:
        raise DomainError(_("That question is no longer in the draft."))
    dependants = [
        i.link_id for i in current.walk() if any(c.question == link_id for c in i.enable_when)
    ]
    if dependants:
        raise DomainError(
            _("Other questions are shown depending on this one (%(ids)s): change them first.")
            % {"ids": ", ".join(dependants)}
        )
    return _save_draft(
        acting_user,
        questionnaire,
        qdef.without_item(current, link_id),
        action="questionnaire.item_removed",
        link_id=link_id,
        seen=seen,
    )


def draft_item_move(
    *,
    acting_user: User,
    questionnaire: Questionnaire,
    link_id: str,
    step: int,
    seen: str | None = None,
) -> Questionnaire:
    current = qdef.read(questionnaire.draft)
    if current.find(link_id) is None:
        raise DomainError(_("That question is no longer in the draft."))
    return _save_draft(
        acting_user,
        questionnaire,
        qdef.moved(current, link_id, -1 if step < 0 else 1),
        action="questionnaire.item_moved",
        link_id=link_id,
        seen=seen,
    )


def questionnaire_publish(
    *, acting_user: User, questionnaire: Questionnaire
) -> QuestionnaireVersion:
    """The draft as a new published version (1, 2, …): refused while our rules or the FHIR
    model find a problem or any text lacks its Spanish. Answers given to earlier versions keep
    theirs."""
    _editable(questionnaire)
    with transaction.atomic():
        # The draft as it is now, read under the lock: never a copy someone changed since.
        locked = Questionnaire.objects.select_for_update(no_key=True).get(pk=questionnaire.pk)
        definition = qdef.read(locked.draft)
        found = qdef.problems(definition) + qdef.spanish_missing(definition)
        _refuse(found, _("The draft cannot be published yet; nothing was changed."))
        if not locked.draft_changed and locked.versions.exists():
            raise DomainError(_("The draft is the same as the published version."))
        last = locked.versions.order_by("-number").values_list("number", flat=True).first() or 0
        number = last + 1
        now = timezone.now()
        resource = qdef.to_fhir(
            definition,
            url=canonical_url(locked.agency_id, locked.key),
            name=fhir_name(locked.key),
            version=str(number),
            status="active",
            date=now.isoformat(),
        )
        _refuse(qdef.fhir_problems(resource), _("The draft cannot be published yet."))
        version = QuestionnaireVersion.objects.create(
            agency_id=locked.agency_id,
            questionnaire=locked,
            number=number,
            definition=resource,
            published_by=acting_user,
            published_at=now,
        )
        locked.draft_changed = False
        locked.retired = False
        locked.save(update_fields=["draft_changed", "retired", "updated_at"])
        audit_record(
            actor=acting_user,
            action="questionnaire.published",
            target=locked,
            changes={"version": [last or None, number]},
        )
    return version


def questionnaire_retire(
    *, acting_user: User, questionnaire: Questionnaire, retired: bool = True
) -> Questionnaire:
    """Stop (or start again) offering the questionnaire; every answer stays on the records."""
    _editable(questionnaire)
    with transaction.atomic():
        questionnaire.retired = retired
        questionnaire.save(update_fields=["retired", "updated_at"])
        audit_record(
            actor=acting_user,
            action="questionnaire.retired" if retired else "questionnaire.restored",
            target=questionnaire,
        )
    return questionnaire


def _program_ids(client: Client) -> set[int]:
    return set(Episode.objects.filter(client=client).values_list("program_id", flat=True))


def response_record(
    *,
    acting_user: User,
    client: Client,
    questionnaire_id: Any,
    answers: Mapping[str, Any],
    exact_words: Mapping[str, bool] | None = None,
    occasion: str = "",
    answered_on: dt.date | None = None,
    version_number: int | None = None,
) -> QuestionnaireResponse:
    """Record the client's answers to the current version of one of the agency's questionnaires.

    The answers pass `definition.check_answers` (types, codes, required questions, nothing for a
    question that is not shown); intake questions are for clients in that program; an
    instrument is given at entry, review or exit, a review or exit after an entry.
    `version_number` (the version the form showed) is refused with 409 when a newer one was
    published since: answers are always kept with the words they were given to."""
    pk = parse_id(questionnaire_id)
    questionnaire = (
        Questionnaire.objects.filter(
            agency_id=client.agency_id, pk=pk, retired=False, shipped=""
        ).first()
        if pk
        else None
    )
    version = latest_version(questionnaire) if questionnaire is not None else None
    if questionnaire is None or version is None:
        raise ValidationFailed(
            _("Choose one of the agency's published questionnaires."),
            field_errors={
                "questionnaire": [_("Choose one of the agency's published questionnaires.")]
            },
        )
    if version_number is not None and version_number != version.number:
        raise Conflict(
            _(
                "A new version of these questions was published since the form was opened: "
                "check the answers against it and save again."
            ),
            current={"version": version.number},
            attempted={"version": version_number},
        )
    answered_on = answered_on or timezone.localdate()
    not_in_future(answered_on, "answered_on")
    if (
        questionnaire.purpose == Questionnaire.Purpose.INTAKE
        and questionnaire.program_id not in _program_ids(client)
    ):
        raise DomainError(_("These are intake questions of a program this client is not in."))
    if questionnaire.purpose == Questionnaire.Purpose.INSTRUMENT:
        if occasion not in QuestionnaireResponse.Occasion.values:
            raise ValidationFailed(
                _("Choose entry, review or exit."),
                field_errors={"occasion": [_("Choose entry, review or exit.")]},
            )
        first = (
            QuestionnaireResponse.objects.filter(
                client=client, questionnaire=questionnaire, occasion="entry"
            )
            .order_by("answered_on")
            .values_list("answered_on", flat=True)
            .first()
        )
        if occasion != "entry" and (first is None or answered_on < first):
            raise DomainError(_("Record the entry first; reviews and exits follow it."))
    else:
        occasion = ""
    definition = definition_of(version)
    typed, errors = qdef.check_answers(definition, answers)
    if errors:
        raise ValidationFailed(
            _("Some answers need a look; nothing was saved."), field_errors=errors
        )
    if not typed:
        raise ValidationFailed(_("Answer at least one question."))
    marks = {k: bool(v) for k, v in (exact_words or {}).items()}
    with transaction.atomic():
        response = response_create(
            acting_user=acting_user,
            client=client,
            version=version,
            typed=typed,
            exact_words=marks,
            occasion=occasion,
            answered_on=answered_on,
        )
        audit_record(
            actor=acting_user,
            action="questionnaire.answered",
            target=response,
            changes={
                "questionnaire": [None, questionnaire.key],
                "version": [None, version.number],
                "answered": [None, sorted(typed)],
            },
        )
    return response


def response_create(
    *,
    acting_user: User,
    client: Client,
    version: QuestionnaireVersion,
    typed: qdef.Answers,
    exact_words: Mapping[str, bool] | None = None,
    occasion: str = "",
    answered_on: dt.date,
    member: HouseholdMember | None = None,
    derived: Mapping[str, Any] | None = None,
) -> QuestionnaireResponse:
    """Keep checked answers (`definition.check_answers`) to one published version: the
    response's `item` list, its score and the typed rows reports count. The one writer of
    responses, for the agency's questionnaires and the shipped instruments alike; the caller
    holds the transaction and records the audit event of its own action."""
    definition = definition_of(version)
    response = QuestionnaireResponse.objects.create(
        agency_id=client.agency_id,
        client=client,
        questionnaire_id=version.questionnaire_id,
        version=version,
        member=member,
        occasion=occasion,
        answered_on=answered_on,
        items=qdef.response_items(definition, typed, exact_words or {}),
        score=qdef.total_score(definition, typed),
        derived=dict(derived or {}),
        recorded_by=acting_user,
    )
    AnswerValue.objects.bulk_create(_typed_rows(response, definition, typed))
    return response


def _typed_rows(
    response: QuestionnaireResponse, definition: qdef.Definition, typed: qdef.Answers
) -> list[AnswerValue]:
    rows = []
    for item in definition.questions():
        if item.type in qdef.FREE_TEXT:
            continue
        for value in typed.get(item.link_id, []):
            row = AnswerValue(
                agency_id=response.agency_id,
                response=response,
                questionnaire_id=response.questionnaire_id,
                client_id=response.client_id,
                link_id=item.link_id,
            )
            if item.type == "choice":
                row.code = value
                option = item.option(value)
                row.number = option.score if option is not None else None
            elif item.type == "boolean":
                row.code = "yes" if value else "no"
            elif item.type == "date":
                row.date = value
            else:
                row.number = value
            rows.append(row)
    return rows

"""Writes for closing an episode with the client, and for coming back.

Rules:
* one closure per episode; it is written as a draft (reason, what helped in the client's words,
  the worker's summary, the closing date) and submitted;
* submitting is refused while a referral is still requested / accepted / in progress / on hold,
  unless the worker ticked "close anyway" (the open referrals are recorded with that choice);
* a program with `requires_closure_approval` sends the closure to a supervisor of the client's
  team (the same rule as plan approval); otherwise it closes at once;
* closing sets the episode's `closed_on` and `close_reason` in the same transaction; the person
  is never closed;
* the final GAS scores are follow-ups recorded through the plans service, dated the closing day;
* coming back starts a new episode (the old one stays closed) and names the closure before it.

Every write is one transaction with its audit event.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from strengthwise.accounts.access import CASEWORK_ROLES, may_approve
from strengthwise.accounts.models import Program, User
from strengthwise.assessments.models import Author
from strengthwise.audit.services import audit_record, changed_fields, plain
from strengthwise.core.errors import Conflict, DomainError, ValidationFailed
from strengthwise.core.validation import not_in_future, parse_id, refuse_nul, validated
from strengthwise.people.models import Client, Episode
from strengthwise.people.services import episode_open, lock_open_record
from strengthwise.plans.models import Goal
from strengthwise.plans.services import gas_followup_add

from . import selectors
from .models import EPISODE_REASON_TEXT, CloseReason, Closure, ClosureEvent, Reopening

CLOSURE_FIELDS = (
    "reason",
    "reason_other",
    "what_helped",
    "what_helped_author",
    "what_helped_verbatim",
    "worker_summary",
    "closed_on",
    "close_anyway",
)
TEXT_FIELDS = ("reason_other", "what_helped", "worker_summary")


class NotAllowed(DomainError):
    """The user may see the client but may not take this step (403)."""

    status_code = 403


def _snapshot(closure: Closure) -> dict[str, Any]:
    return {k: plain(getattr(closure, k)) for k in CLOSURE_FIELDS}


def _event(closure: Closure, kind: str, user: User | None, **extra: Any) -> ClosureEvent:
    return ClosureEvent.objects.create(
        agency_id=closure.agency_id, closure=closure, kind=kind, by=user, **extra
    )


def _check_casework(user: User) -> None:
    if user.role not in CASEWORK_ROLES:
        raise NotAllowed(_("Only case workers and supervisors close episodes with clients."))


# --- the draft ------------------------------------------------------------------------------


def closure_start(*, acting_user: User, episode: Episode, request: Any = None) -> Closure:
    """Start closing an open episode with the client (one closure per episode)."""
    _check_casework(acting_user)
    with transaction.atomic():
        lock_open_record(episode.client_id)
        current = Episode.objects.select_for_update(no_key=True).get(pk=episode.pk)
        if current.closed_on is not None:
            raise DomainError(_("This episode is already closed."))
        if Closure.objects.filter(episode=current).exists():
            raise DomainError(_("Closing this episode has already started."))
        today = timezone.localdate()
        closure = Closure.objects.create(
            agency_id=current.agency_id,
            client_id=current.client_id,
            episode=current,
            closed_on=max(today, current.opened_on),
            started_by=acting_user,
        )
        audit_record(
            actor=acting_user,
            action="closure.started",
            target=closure,
            changes={"episode": [None, current.pk]},
            request=request,
        )
    return closure


def _clean_values(fields: Mapping[str, Any]) -> dict[str, Any]:
    unknown = set(fields) - set(CLOSURE_FIELDS)
    if unknown:
        raise ValidationFailed(
            _("Please correct the errors below."),
            field_errors={k: [_("Unknown field.")] for k in sorted(unknown)},
        )
    refuse_nul(fields)
    values = dict(fields)
    for name in TEXT_FIELDS:
        if name in values:
            values[name] = (values[name] or "").strip()
    if "reason_other" in values:
        values["reason_other"] = " ".join(values["reason_other"].split())
    if values.get("closed_on") is not None:
        if not isinstance(values["closed_on"], dt.date):
            raise ValidationFailed(
                _("Please correct the errors below."),
                field_errors={"closed_on": [_("Enter a date.")]},
            )
        not_in_future(values["closed_on"], "closed_on")
    if "reason" in values and values["reason"] not in ("", *CloseReason.values):
        raise ValidationFailed(
            _("Please correct the errors below."),
            field_errors={"reason": [_("Choose one of the reasons.")]},
        )
    if "what_helped_author" in values and values["what_helped_author"] not in Author.values:
        raise ValidationFailed(
            _("Please correct the errors below."),
            field_errors={"what_helped_author": [_("Say whose words these are.")]},
        )
    return values


def closure_save(
    *,
    acting_user: User,
    closure: Closure,
    fields: Mapping[str, Any],
    version: int | None = None,
    request: Any = None,
) -> Closure:
    """Save the draft (any of CLOSURE_FIELDS). With `version`, refuse when someone else saved
    it since (Conflict with both versions)."""
    _check_casework(acting_user)
    values = _clean_values(fields)
    with transaction.atomic():
        current = (
            Closure.objects.select_for_update(no_key=True)
            .select_related("episode")
            .get(pk=closure.pk)
        )
        before = _snapshot(current)
        if version is not None and current.version != version:
            raise Conflict(
                _("Someone else saved this closure while you were editing it."),
                current=before,
                attempted={**before, **{k: plain(v) for k, v in values.items()}},
            )
        if not current.is_editable:
            raise DomainError(
                _("This closure is %(status)s and cannot be changed.")
                % {"status": current.get_status_display().lower()}
            )
        for name, value in values.items():
            setattr(current, name, value)
        validated(
            current,
            exclude=[
                "agency",
                "client",
                "episode",
                "started_by",
                "submitted_by",
                "reviewed_by",
                "closed_by",
            ],
        )
        changes = changed_fields(before, _snapshot(current), hidden=TEXT_FIELDS)
        if changes:
            current.version += 1
            current.save()
            audit_record(
                actor=acting_user,
                action="closure.saved",
                target=current,
                changes=changes,
                request=request,
            )
    closure.refresh_from_db()
    return closure


def closure_what_helped_reword(
    *,
    closure: Closure,
    version: int,
    what_helped: str,
    actor_label: str,
    request: Any = None,
) -> Closure:
    """The client rewrites "what helped" in their own words, in the portal — also after the
    episode closed (it is theirs to say). Recorded as the client's exact words; the words it
    replaces stay in the closure's history (a REWORDED event), which the worker sees."""
    refuse_nul({"what_helped": what_helped})
    text = (what_helped or "").strip()
    if not text:
        raise ValidationFailed(
            _("Write what helped, in your words."),
            field_errors={"what_helped": [_("Write what helped, in your words.")]},
        )
    if len(text) > 2000:
        raise ValidationFailed(
            _("Keep it under 2,000 characters."),
            field_errors={"what_helped": [_("Keep it under 2,000 characters.")]},
        )
    with transaction.atomic():
        current = Closure.objects.select_for_update(no_key=True).get(pk=closure.pk)
        before = _snapshot(current)
        if current.version != version:
            raise Conflict(
                _("Someone else saved this closure while you were writing."),
                current=before,
                attempted={**before, "what_helped": text},
            )
        if current.status == Closure.Status.AWAITING_APPROVAL:
            raise DomainError(_("Your worker has sent this for approval. Try again in a few days."))
        if " ".join(text.split()) == " ".join(current.what_helped.split()):
            return current  # unchanged: the words stay whose they were
        replaced = current.what_helped
        current.what_helped = text
        current.what_helped_author = Author.CLIENT
        current.what_helped_verbatim = True
        current.version += 1
        current.save(
            update_fields=[
                "what_helped",
                "what_helped_author",
                "what_helped_verbatim",
                "version",
                "updated_at",
            ]
        )
        _event(current, ClosureEvent.Kind.REWORDED, None, comment=replaced)
        audit_record(
            actor=None,
            actor_label=actor_label,
            action="closure.what_helped_reworded",
            target=current,
            changes=changed_fields(before, _snapshot(current), hidden=("what_helped",)),
            request=request,
        )
    return current


def closure_gas_record(
    *,
    acting_user: User,
    closure: Closure,
    levels: Mapping[int, Mapping[str, int | None]],
    request: Any = None,
) -> Closure:
    """Record the final GAS scores ({goal id: {"client": level, "worker": level}}) as follow-ups
    of the plans service, dated the closing day. Only goals of this episode's plan that can be
    scored (all five levels written; active or achieved) are accepted."""
    _check_casework(acting_user)
    if not closure.is_editable:
        raise DomainError(_("The final scores are recorded before the closure is sent."))
    goals = {g.pk: g for g in selectors.final_gas_goals(episode=closure.episode)}
    errors: dict[str, list[str]] = {}
    for goal_id in levels:
        if goal_id not in goals:
            errors[f"goal_{goal_id}"] = [_("This goal cannot take a final score here.")]
    if errors:
        raise ValidationFailed(_("Please correct the errors below."), field_errors=errors)
    day = closure.closed_on or timezone.localdate()
    recorded: dict[str, dict[str, int]] = {}
    with transaction.atomic():
        locked = Closure.objects.select_for_update(no_key=True).get(pk=closure.pk)
        if not locked.is_editable:
            raise DomainError(_("The final scores are recorded before the closure is sent."))
        final = dict(locked.final_gas or {})
        for goal_id, by_whom in levels.items():
            goal: Goal = goals[goal_id]
            for who in ("client", "worker"):
                level = by_whom.get(who)
                if level is None:
                    continue
                followup = gas_followup_add(
                    acting_user=acting_user,
                    goal=goal,
                    level=level,
                    scored_by=who,
                    scored_on=day,
                    note=_("Final score at closure"),
                )
                recorded.setdefault(str(goal_id), {})[who] = followup.pk
        if not recorded:
            raise ValidationFailed(_("Choose at least one final level."))
        for goal_key, ids in recorded.items():
            final[goal_key] = {**final.get(goal_key, {}), **ids}
        Closure.objects.filter(pk=locked.pk).update(
            final_gas=final, version=locked.version + 1, updated_at=timezone.now()
        )
        audit_record(
            actor=acting_user,
            action="closure.final_gas",
            target=locked,
            changes={"final_gas": [locked.final_gas or {}, final], "scored_on": [None, day]},
            request=request,
        )
    closure.refresh_from_db()
    return closure


# --- submit, review, close ------------------------------------------------------------------


def _ready_to_close(closure: Closure) -> list[dict[str, Any]]:
    """Refuse an incomplete closure; return the referrals still open (allowed only with
    close_anyway)."""
    errors: dict[str, list[str]] = {}
    if not closure.reason:
        errors["reason"] = [_("Choose why the episode ends.")]
    if closure.reason == CloseReason.OTHER and not closure.reason_other.strip():
        errors["reason_other"] = [_("Say what the reason is.")]
    if not closure.what_helped.strip() and closure.reason != CloseReason.NO_CONTACT:
        errors["what_helped"] = [_("Ask them what helped, and write it in their words.")]
    if closure.closed_on is None:
        errors["closed_on"] = [_("Enter the closing date.")]
    elif closure.closed_on < closure.episode.opened_on:
        errors["closed_on"] = [_("The episode cannot close before it opened.")]
    elif closure.closed_on > timezone.localdate():
        errors["closed_on"] = [_("The date cannot be in the future.")]
    if errors:
        raise ValidationFailed(_("Finish the closure before sending it."), field_errors=errors)
    still_open = [
        {
            "id": r.pk,
            "service": r.service.name,
            "organization": r.organization.name if r.organization else "",
            "status": r.status,
        }
        for r in selectors.open_referrals(client=closure.client)
    ]
    if still_open and not closure.close_anyway:
        message = ngettext(
            "%(n)d referral is still open with the organisation. Follow it up first, or tick "
            "“close anyway” if it stays open with the organisation after the episode closes.",
            "%(n)d referrals are still open with the organisation. Follow them up first, or "
            "tick “close anyway” if they stay open with the organisation after the episode "
            "closes.",
            len(still_open),
        ) % {"n": len(still_open)}
        raise DomainError(message, field_errors={"close_anyway": [message]})
    return still_open


def _close(
    locked: Closure, acting_user: User, still_open: list[dict[str, Any]], request: Any
) -> None:
    """Inside the caller's transaction: close the closure and its episode."""
    episode = Episode.objects.select_for_update(no_key=True).get(pk=locked.episode_id)
    if episode.closed_on is not None:
        raise DomainError(_("This episode was closed a moment ago."))
    text = EPISODE_REASON_TEXT[CloseReason(locked.reason)]
    if locked.reason == CloseReason.OTHER and locked.reason_other:
        text = f"other: {locked.reason_other}"
    now = timezone.now()
    Episode.objects.filter(pk=episode.pk).update(
        closed_on=locked.closed_on, close_reason=text[:200], updated_at=now
    )
    Closure.objects.filter(pk=locked.pk).update(
        status=Closure.Status.CLOSED,
        closed_by=acting_user,
        closed_at=now,
        open_referrals_at_close=still_open,
        version=locked.version + 1,
        updated_at=now,
    )
    _event(
        locked,
        ClosureEvent.Kind.CLOSED,
        acting_user,
        comment=ngettext(
            "Closed with %(n)d referral still open with the organisation.",
            "Closed with %(n)d referrals still open with the organisation.",
            len(still_open),
        )
        % {"n": len(still_open)}
        if still_open
        else "",
    )
    audit_record(
        actor=acting_user,
        action="episode.closed",
        target=episode,
        changes={
            "closed_on": [None, plain(locked.closed_on)],
            "close_reason": [episode.close_reason or None, text[:200]],
        },
        request=request,
    )
    audit_record(
        actor=acting_user,
        action="closure.closed",
        target=locked,
        changes={
            "status": [locked.status, Closure.Status.CLOSED],
            "reason": [None, locked.reason],
            "open_referrals": [None, [r["id"] for r in still_open]],
            "close_anyway": [None, locked.close_anyway],
        },
        request=request,
    )


def closure_submit(*, acting_user: User, closure: Closure, request: Any = None) -> Closure:
    """Send the closure: to a supervisor when the program requires approval, else it closes
    the episode at once."""
    _check_casework(acting_user)
    with transaction.atomic():
        lock_open_record(closure.client_id)
        locked = (
            Closure.objects.select_for_update(no_key=True)
            .select_related("episode__program", "client")
            .get(pk=closure.pk)
        )
        if not locked.is_editable:
            raise DomainError(_("This closure has already been sent."))
        if locked.episode.closed_on is not None:
            raise DomainError(_("This episode is already closed."))
        still_open = _ready_to_close(locked)
        now = timezone.now()
        needs_approval = locked.episode.program.requires_closure_approval
        Closure.objects.filter(pk=locked.pk).update(
            submitted_by=acting_user,
            submitted_at=now,
            open_referrals_at_close=still_open,
            updated_at=now,
        )
        if needs_approval:
            _event(locked, ClosureEvent.Kind.SUBMITTED, acting_user)
            Closure.objects.filter(pk=locked.pk).update(
                status=Closure.Status.AWAITING_APPROVAL, version=locked.version + 1
            )
            audit_record(
                actor=acting_user,
                action="closure.submitted",
                target=locked,
                changes={
                    "status": [locked.status, Closure.Status.AWAITING_APPROVAL],
                    "open_referrals": [None, [r["id"] for r in still_open]],
                    "close_anyway": [None, locked.close_anyway],
                },
                request=request,
            )
        else:
            _close(locked, acting_user, still_open, request)
    closure.refresh_from_db()
    return closure


def closure_review(
    *,
    acting_user: User,
    closure: Closure,
    approve: bool,
    comment: str = "",
    request: Any = None,
) -> Closure:
    """A supervisor of the client's team approves (the episode closes) or returns the closure
    with a comment (required)."""
    comment = (comment or "").strip()
    refuse_nul({"comment": comment})
    if len(comment) > 2000:
        raise ValidationFailed(
            _("Please correct the errors below."),
            field_errors={"comment": [_("Keep the comment under 2,000 characters.")]},
        )
    if not may_approve(acting_user, closure.client):
        raise NotAllowed(
            _("Only a supervisor of this client's team can approve or return the closure.")
        )
    if not approve and not comment:
        raise ValidationFailed(
            _("Say what to change when you return a closure."),
            field_errors={"comment": [_("Say what to change when you return a closure.")]},
        )
    with transaction.atomic():
        lock_open_record(closure.client_id)
        locked = (
            Closure.objects.select_for_update(no_key=True)
            .select_related("episode__program", "client")
            .get(pk=closure.pk)
        )
        if locked.status != Closure.Status.AWAITING_APPROVAL:
            raise DomainError(_("This closure is not waiting for approval."))
        now = timezone.now()
        Closure.objects.filter(pk=locked.pk).update(
            reviewed_by=acting_user, reviewed_at=now, supervisor_comment=comment, updated_at=now
        )
        if approve:
            # Checked again: a referral may have been sent since the closure was submitted.
            still_open = _ready_to_close(locked)
            _event(locked, ClosureEvent.Kind.APPROVED, acting_user, comment=comment)
            audit_record(
                actor=acting_user,
                action="closure.approved",
                target=locked,
                changes={"status": [locked.status, "approved"], "comment": [None, comment]},
                request=request,
            )
            _close(locked, acting_user, still_open, request)
        else:
            _event(locked, ClosureEvent.Kind.RETURNED, acting_user, comment=comment)
            Closure.objects.filter(pk=locked.pk).update(
                status=Closure.Status.RETURNED, version=locked.version + 1
            )
            audit_record(
                actor=acting_user,
                action="closure.returned",
                target=locked,
                changes={
                    "status": [locked.status, Closure.Status.RETURNED],
                    "comment": [None, comment],
                },
                request=request,
            )
    closure.refresh_from_db()
    return closure


# --- coming back ----------------------------------------------------------------------------


def episode_reopen(
    *,
    acting_user: User,
    client: Client,
    reason: str,
    program: Program | None = None,
    program_id: Any = None,
    reason_author: str = Author.CLIENT,
    reason_verbatim: bool = False,
    opened_on: dt.date | None = None,
    request: Any = None,
) -> Episode:
    """The client comes back: a NEW episode in `program` (the closed one stays closed), linked
    to the episode and closure before it so their history is in view. Why they came back
    records whose words it is and whether they are exact. The page and the API name the
    program by `program_id`, looked up among the agency's programs (refused on "program"
    otherwise), so both give the same answer."""
    _check_casework(acting_user)
    reason = (reason or "").strip()
    refuse_nul({"reason": reason})
    if reason_author not in Author.values:
        raise ValidationFailed(
            _("Please correct the errors below."),
            field_errors={"reason_author": [_("Choose whose words these are.")]},
        )
    if not reason:
        raise ValidationFailed(
            _("Say why they came back."), field_errors={"reason": [_("Say why they came back.")]}
        )
    if len(reason) > 1000:
        raise ValidationFailed(
            _("Please correct the errors below."),
            field_errors={"reason": [_("Keep the reason under 1,000 characters.")]},
        )
    if program is None:
        pk = parse_id(program_id)
        program = (
            Program.objects.filter(pk=pk, agency_id=client.agency_id).first()
            if pk is not None
            else None
        )
    if program is None or program.agency_id != client.agency_id:
        raise ValidationFailed(
            _("Choose one of the agency's programs."),
            field_errors={"program": [_("Choose one of the agency's programs.")]},
        )
    opened_on = opened_on or timezone.localdate()
    not_in_future(opened_on, "opened_on")
    with transaction.atomic():
        lock_open_record(client.pk)
        if Episode.objects.filter(client=client, program=program, closed_on__isnull=True).exists():
            raise DomainError(
                _("%(name)s already has an open episode in %(program)s.")
                % {"name": client.display_name, "program": program.name},
                field_errors={"program": [_("There is already an open episode here.")]},
            )
        closed = Episode.objects.filter(client=client, closed_on__isnull=False)
        previous = (
            closed.filter(program=program).order_by("-closed_on", "-id").first()
            or closed.order_by("-closed_on", "-id").first()
        )
        if previous is None:
            raise DomainError(
                _("%(name)s has no closed episode to come back from; open one at intake.")
                % {"name": client.display_name}
            )
        if previous.closed_on and opened_on < previous.closed_on:
            raise ValidationFailed(
                _("Please correct the errors below."),
                field_errors={
                    "opened_on": [_("The new episode starts on or after the last one closed.")]
                },
            )
        previous_closure = Closure.objects.filter(
            episode=previous, status=Closure.Status.CLOSED
        ).first()
        episode = episode_open(
            acting_user=acting_user, client=client, program=program, opened_on=opened_on
        )
        Reopening.objects.create(
            agency_id=client.agency_id,
            client=client,
            episode=episode,
            previous_episode=previous,
            previous_closure=previous_closure,
            reason=reason,
            reason_author=reason_author,
            reason_verbatim=bool(reason_verbatim),
            by=acting_user,
        )
        if previous_closure is not None:
            _event(
                previous_closure,
                ClosureEvent.Kind.REOPENED,
                acting_user,
                comment=reason,
                new_episode=episode,
            )
        audit_record(
            actor=acting_user,
            action="episode.reopened",
            target=episode,
            changes={
                "program": [None, program.name],
                "previous_episode": [None, previous.pk],
                "previous_closure": [None, previous_closure.pk if previous_closure else None],
                "reason": [None, reason],
                "reason_author": [None, reason_author],
                "reason_verbatim": [None, bool(reason_verbatim)],
            },
            request=request,
        )
    return episode

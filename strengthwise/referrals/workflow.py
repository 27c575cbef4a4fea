"""The closed-loop referral status workflow, exactly as ../shared/reference/referral-status.md
(FHIR R4 Task, Gravity SDOH Clinical Care IG 3.0.0, SDOHCC-TaskForReferralManagement).

Pure: no database. `check(current, new, side, reason)` raises TransitionRefused (409, with the
allowed next statuses), SideRefused (403) or ReasonRequired (400)."""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from strengthwise.core.errors import DomainError

DRAFT = "draft"
REQUESTED = "requested"
ACCEPTED = "accepted"
REJECTED = "rejected"
IN_PROGRESS = "in-progress"
ON_HOLD = "on-hold"
FAILED = "failed"
COMPLETED = "completed"
CANCELLED = "cancelled"
ENTERED_IN_ERROR = "entered-in-error"

REQUESTER = "requester"
RECEIVER = "receiver"
SIDES = (REQUESTER, RECEIVER)

STATUS_CHOICES = [
    (DRAFT, gettext_lazy("Draft")),
    (REQUESTED, gettext_lazy("Requested")),
    (ACCEPTED, gettext_lazy("Accepted")),
    (REJECTED, gettext_lazy("Rejected")),
    (IN_PROGRESS, gettext_lazy("In progress")),
    (ON_HOLD, gettext_lazy("On hold")),
    (FAILED, gettext_lazy("Failed")),
    (COMPLETED, gettext_lazy("Completed")),
    (CANCELLED, gettext_lazy("Cancelled")),
    (ENTERED_IN_ERROR, gettext_lazy("Entered in error")),
]
STATUSES = tuple(code for code, _label in STATUS_CHOICES)

# Where a referral may start.
START = (DRAFT, REQUESTED)

# The IG's state diagram; "any status -> entered-in-error" is added below.
_NEXT: dict[str, tuple[str, ...]] = {
    DRAFT: (REQUESTED, CANCELLED),
    REQUESTED: (ACCEPTED, REJECTED, CANCELLED),
    ACCEPTED: (IN_PROGRESS, ON_HOLD, COMPLETED, FAILED, CANCELLED),
    IN_PROGRESS: (COMPLETED, FAILED, CANCELLED, ON_HOLD),
    ON_HOLD: (IN_PROGRESS, COMPLETED, FAILED, CANCELLED),
    REJECTED: (),
    CANCELLED: (),
    COMPLETED: (),
    FAILED: (),
    ENTERED_IN_ERROR: (),
}
TRANSITIONS: dict[str, tuple[str, ...]] = {
    status: nxt + ((ENTERED_IN_ERROR,) if status != ENTERED_IN_ERROR else ())
    for status, nxt in _NEXT.items()
}
TERMINAL = frozenset({REJECTED, CANCELLED, COMPLETED, FAILED, ENTERED_IN_ERROR})
# Who may set each status.
SET_BY: dict[str, frozenset[str]] = {
    DRAFT: frozenset({REQUESTER}),
    REQUESTED: frozenset({REQUESTER}),
    ACCEPTED: frozenset({RECEIVER}),
    REJECTED: frozenset({RECEIVER}),
    IN_PROGRESS: frozenset({RECEIVER}),
    ON_HOLD: frozenset({RECEIVER}),
    FAILED: frozenset({RECEIVER}),
    COMPLETED: frozenset({RECEIVER}),
    CANCELLED: frozenset({REQUESTER, RECEIVER}),
    ENTERED_IN_ERROR: frozenset({REQUESTER}),
}
REASON_REQUIRED = frozenset({REJECTED, CANCELLED, ON_HOLD, FAILED})
# "Finished" referrals are the ones the client is asked to rate.
FINISHED = frozenset({COMPLETED, FAILED, REJECTED, CANCELLED})


class TransitionRefused(DomainError):
    status_code = 409

    def __init__(self, message: str, *, allowed: list[str]):
        super().__init__(message)
        self.allowed = allowed

    def api_body(self) -> dict[str, list[str]]:
        return {"allowed": self.allowed}


class SideRefused(DomainError):
    status_code = 403


def allowed_next(current: str | None, side: str | None = None) -> list[str]:
    """The statuses reachable from `current` (None = a new referral), optionally only those the
    given side may set."""
    options = START if current is None else TRANSITIONS.get(current, ())
    return [s for s in options if side is None or side in SET_BY[s]]


def label(status: str | None) -> str:
    """The readable (translated) name of a status code."""
    return str(dict(STATUS_CHOICES).get(status or "", status or _("new")))


def check(current: str | None, new: str, side: str, reason: str = "") -> None:
    if side not in SIDES:
        raise ValueError(f"Unknown side {side!r}; expected one of {SIDES}.")
    if new not in STATUSES:
        raise TransitionRefused(
            _("“%(status)s” is not a referral status.") % {"status": new},
            allowed=allowed_next(current),
        )
    if new not in (START if current is None else TRANSITIONS[current]):
        raise TransitionRefused(
            _("A referral cannot go from “%(current)s” to “%(new)s”.")
            % {"current": label(current), "new": label(new)},
            allowed=allowed_next(current),
        )
    if side not in SET_BY[new]:
        raise SideRefused(
            _("Only the %(sides)s sets a referral to “%(new)s”.")
            % {
                "sides": _(" or ").join(label_side(s) for s in sorted(SET_BY[new])),
                "new": label(new),
            }
        )
    if new in REASON_REQUIRED and not reason.strip():
        raise DomainError(
            _("Say why the referral is “%(new)s”.") % {"new": label(new)},
            field_errors={"reason": [_("A reason is required for this status.")]},
        )


def label_side(side: str) -> str:
    return _("referring worker") if side == REQUESTER else _("receiving organisation")

"""The referral workflow of referral-status.md, as a table: every (from, to) pair, every side."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from strengthwise.core.errors import DomainError
from strengthwise.referrals import workflow as wf

# The IG's diagram written out independently of the module, so a typo in one is caught.
ALLOWED = {
    None: {"draft", "requested"},
    "draft": {"requested", "cancelled", "entered-in-error"},
    "requested": {"accepted", "rejected", "cancelled", "entered-in-error"},
    "accepted": {"in-progress", "on-hold", "completed", "failed", "cancelled", "entered-in-error"},
    "in-progress": {"completed", "failed", "cancelled", "on-hold", "entered-in-error"},
    "on-hold": {"in-progress", "completed", "failed", "cancelled", "entered-in-error"},
    "rejected": {"entered-in-error"},
    "cancelled": {"entered-in-error"},
    "completed": {"entered-in-error"},
    "failed": {"entered-in-error"},
    "entered-in-error": set(),
}
SETTER = {
    "draft": {"requester"},
    "requested": {"requester"},
    "accepted": {"receiver"},
    "rejected": {"receiver"},
    "in-progress": {"receiver"},
    "on-hold": {"receiver"},
    "failed": {"receiver"},
    "completed": {"receiver"},
    "cancelled": {"requester", "receiver"},
    "entered-in-error": {"requester"},
}
NEEDS_REASON = {"rejected", "cancelled", "on-hold", "failed"}
PAIRS = [(a, b) for a in ALLOWED for b in wf.STATUSES]


def test_statuses_are_the_reference_list():
    assert set(wf.STATUSES) == set(SETTER)
    assert {"rejected", "cancelled", "completed", "failed", "entered-in-error"} == wf.TERMINAL


@pytest.mark.parametrize(("current", "new"), PAIRS)
@pytest.mark.parametrize("side", ["requester", "receiver"])
def test_every_pair(current, new, side):
    reason = "because" if new in NEEDS_REASON else ""
    if new not in ALLOWED[current]:
        with pytest.raises(wf.TransitionRefused) as refused:
            wf.check(current, new, side, reason)
        assert refused.value.status_code == 409
        assert set(refused.value.allowed) == ALLOWED[current]
    elif side not in SETTER[new]:
        with pytest.raises(wf.SideRefused) as refused:
            wf.check(current, new, side, reason)
        assert refused.value.status_code == 403
    else:
        wf.check(current, new, side, reason)


@pytest.mark.parametrize("new", sorted(NEEDS_REASON))
def test_reason_required(new):
    current = {"rejected": "requested", "on-hold": "accepted"}.get(new, "accepted")
    side = "receiver"
    with pytest.raises(DomainError) as refused:
        wf.check(current, new, side, "   ")
    assert "reason" in refused.value.field_errors
    wf.check(current, new, side, "a reason")


def test_unknown_status_and_side():
    with pytest.raises(wf.TransitionRefused):
        wf.check("requested", "approved", "receiver")
    with pytest.raises(ValueError, match="Unknown side"):
        wf.check("requested", "accepted", "partner")


def test_allowed_next_by_side():
    assert wf.allowed_next("requested", "receiver") == ["accepted", "rejected", "cancelled"]
    assert wf.allowed_next("requested", "requester") == ["cancelled", "entered-in-error"]
    assert wf.allowed_next(None) == ["draft", "requested"]


@given(st.lists(st.tuples(st.sampled_from(wf.STATUSES), st.sampled_from(wf.SIDES)), max_size=30))
def test_random_sequences_never_leave_the_workflow(moves):
    """Apply random attempts; the accepted ones always follow the table and only by their side;
    nothing ever moves out of a terminal status except to entered-in-error."""
    current = None
    history = []
    for new, side in moves:
        try:
            wf.check(current, new, side, "reason")
        except DomainError:
            continue
        assert new in ALLOWED[current]
        assert side in SETTER[new]
        if current in wf.TERMINAL:
            assert new == "entered-in-error"
        history.append(new)
        current = new
    assert current is None or current in ALLOWED
    assert history.count("entered-in-error") <= 1

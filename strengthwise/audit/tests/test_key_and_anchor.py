"""The audit key lives apart from SECRET_KEY; an anchor kept elsewhere catches a rewrite made
by someone who holds the key."""

from __future__ import annotations

import stat

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import override_settings

from strengthwise.audit import keys
from strengthwise.audit.checks import audit_key_check
from strengthwise.audit.models import AuditEvent, AuditHead
from strengthwise.audit.services import HASHED_FIELDS, audit_record, event_hash, head_mac
from strengthwise.audit.verify import anchor_check, audit_chain_verify

from .tamper import append_only_lifted

GOOD_KEY = "a" * 64


def _events(n, start=0):
    for i in range(start, start + n):
        audit_record(actor=None, action="test.event", target_type="x", target_id=str(i))


@pytest.fixture
def chain(db):
    _events(5)


def _anchor(capsys) -> str:
    call_command("verify_audit", "--anchor")
    line = capsys.readouterr().out.strip()
    assert "\n" not in line
    return line


def _rewrite_with_the_key(seq: int, action: str) -> None:
    """What an insider holding the key can do: alter #seq and recompute every hash after it."""
    rows = list(AuditEvent.objects.order_by("seq").values("id", "hash", *HASHED_FIELDS))
    prev = rows[seq - 2]["hash"] if seq > 1 else "0" * 64
    with append_only_lifted(), connection.cursor() as cursor:
        for row in rows[seq - 1 :]:
            if row["seq"] == seq:
                row["action"] = action
            row["prev_hash"] = prev
            row["hash"] = event_hash(row)
            cursor.execute(
                "UPDATE audit_auditevent SET action = %s, prev_hash = %s, hash = %s WHERE id = %s",
                [row["action"], row["prev_hash"], row["hash"], row["id"]],
            )
            prev = row["hash"]
    AuditHead.objects.filter(pk=1).update(hash=prev, mac=head_mac(rows[-1]["seq"], prev))


def test_anchor_is_one_line_with_the_heads_number_and_hash(chain, capsys):
    head = AuditHead.objects.get(pk=1)
    assert _anchor(capsys) == f"5:{head.hash}"


def test_against_an_anchor_passes_while_the_trail_only_grows(chain, capsys):
    anchor = _anchor(capsys)
    _events(3, start=5)
    call_command("verify_audit", "--against", anchor)
    out = capsys.readouterr().out
    assert "8 entries" in out and "unchanged up to the anchor #5" in out


def test_a_rewrite_with_the_key_passes_verify_but_not_the_anchor(chain, capsys):
    anchor = _anchor(capsys)  # taken at #5, kept elsewhere
    _events(2, start=5)
    _rewrite_with_the_key(3, "test.innocent")
    assert audit_chain_verify().ok  # the key holder made a consistent chain...
    call_command("verify_audit")
    with pytest.raises(CommandError) as error:  # ...but the anchor remembers
        call_command("verify_audit", "--against", anchor)
    message = str(error.value)
    assert "does NOT match the anchor" in message and "#5" in message and "rewritten" in message


def test_a_rebuilt_shorter_trail_is_caught_by_the_anchor(chain, capsys):
    anchor = _anchor(capsys)
    with append_only_lifted(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM audit_auditevent WHERE seq > 3")
    last = AuditEvent.objects.get(seq=3)
    AuditHead.objects.filter(pk=1).update(seq=3, hash=last.hash, mac=head_mac(3, last.hash))
    assert audit_chain_verify().ok
    problem = anchor_check(anchor)
    assert "#5" in problem and "gone" in problem


def test_a_broken_chain_fails_before_the_anchor_is_looked_at(chain, capsys):
    anchor = _anchor(capsys)
    with append_only_lifted(), connection.cursor() as cursor:
        cursor.execute("UPDATE audit_auditevent SET action = 'x' WHERE seq = 2")
    with pytest.raises(CommandError, match="BROKEN"):
        call_command("verify_audit", "--against", anchor)
    with pytest.raises(CommandError, match="BROKEN"):
        call_command("verify_audit", "--anchor")


@pytest.mark.parametrize("anchor", ["", "5", "5:xyz", "abc:" + "0" * 64, "5 " + "0" * 64])
def test_a_malformed_anchor_is_refused(chain, anchor):
    with pytest.raises(CommandError, match="not an audit anchor"):
        call_command("verify_audit", "--against", anchor)


# --- the key -------------------------------------------------------------------------------


def test_without_the_environment_the_key_is_a_new_0600_file_not_the_secret_key(db, tmp_path):
    key_file = tmp_path / "audit_key"
    with override_settings(STRENGTHWISE_AUDIT_KEY="", STRENGTHWISE_AUDIT_KEY_FILE=key_file):
        keys._resolve.cache_clear()
        key = keys.audit_key()
        assert key_file.read_text().strip() == key.decode()
        assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
        assert len(key) == 64 and not keys.derives_from_secret(key.decode(), "x" * 50)
        from django.conf import settings

        assert key.decode() != keys.legacy_key(settings.SECRET_KEY)
        assert keys.audit_key() == key  # stable
    keys._resolve.cache_clear()


def test_an_old_database_chained_with_the_derived_key_keeps_it(db, tmp_path):
    legacy = keys.legacy_key()
    with override_settings(STRENGTHWISE_AUDIT_KEY=legacy):
        _events(3)
    key_file = tmp_path / "audit_key"
    with override_settings(STRENGTHWISE_AUDIT_KEY="", STRENGTHWISE_AUDIT_KEY_FILE=key_file):
        keys._resolve.cache_clear()
        assert keys.audit_key() == legacy.encode()
        assert key_file.read_text().strip() == legacy
        assert audit_chain_verify().ok
    keys._resolve.cache_clear()


def test_verify_audit_names_the_old_derived_key_when_that_is_the_cause(db):
    with override_settings(STRENGTHWISE_AUDIT_KEY=keys.legacy_key()):
        _events(3)
    with override_settings(STRENGTHWISE_AUDIT_KEY=GOOD_KEY), pytest.raises(CommandError) as error:
        call_command("verify_audit")
    message = str(error.value)
    assert "derived from SECRET_KEY" in message and "legacy_key" in message


def _check_ids(**overrides):
    base = {"DEBUG": False, "STRENGTHWISE_DEMO": False, "SECRET_KEY": "s" * 50}
    with override_settings(**{**base, **overrides}):
        return [message.id for message in audit_key_check()]


def test_the_deploy_check_wants_a_separate_key_from_the_environment():
    assert _check_ids(STRENGTHWISE_AUDIT_KEY="") == ["audit.E001"]
    assert _check_ids(STRENGTHWISE_AUDIT_KEY="s" * 50) == ["audit.E002"]
    assert _check_ids(STRENGTHWISE_AUDIT_KEY=keys.legacy_key("s" * 50)) == ["audit.E002"]
    assert _check_ids(STRENGTHWISE_AUDIT_KEY="short") == ["audit.E003"]
    assert _check_ids(STRENGTHWISE_AUDIT_KEY=GOOD_KEY) == []
    assert _check_ids(STRENGTHWISE_AUDIT_KEY="", DEBUG=True) == []
    assert _check_ids(STRENGTHWISE_AUDIT_KEY="", STRENGTHWISE_DEMO=True) == []


def test_the_deploy_check_is_registered():
    from django.core import checks

    with override_settings(DEBUG=False, STRENGTHWISE_DEMO=False, STRENGTHWISE_AUDIT_KEY=""):
        found = checks.run_checks(include_deployment_checks=True, tags=["security"])
    assert "audit.E001" in [m.id for m in found]

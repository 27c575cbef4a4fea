"""Checking the hash chain end to end."""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.db import DEFAULT_DB_ALIAS

from .models import AuditEvent, AuditHead
from .services import GENESIS, HASHED_FIELDS, HEAD_RECREATED, event_hash, head_mac


@dataclass
class ChainReport:
    ok: bool
    entries: int
    problem: str = ""
    first_broken_seq: int | None = None
    head_hash: str = GENESIS  # the newest event's hash (when ok)

    @property
    def anchor(self) -> str:
        """One line to keep away from this machine: the head's number and hash."""
        return f"{self.entries}:{self.head_hash}"


def _broken(count: int, seq: int | None, problem: str) -> ChainReport:
    return ChainReport(False, count, problem, seq)


def audit_chain_verify(*, using: str = DEFAULT_DB_ALIAS, key: bytes | None = None) -> ChainReport:
    """Walk every event in order; report the first one that does not fit the chain, then check
    the sealed head so that removing the newest events (or all of them) is caught too.

    `using` checks another database (a backup's copy); `key` another key (the SECRET_KEY-derived
    one of older databases, keys.legacy_key)."""
    expected_seq = 1
    prev_hash = GENESIS
    count = 0
    rows = AuditEvent.objects.using(using).order_by("seq").values("id", "hash", *HASHED_FIELDS)
    for row in rows.iterator(chunk_size=2000):
        where = f"entry #{row['seq']} (id {row['id']})"
        if row["seq"] != expected_seq:
            return _broken(
                count,
                expected_seq,
                f"entry #{expected_seq} is missing (the next stored entry is #{row['seq']}, id {row['id']})",
            )
        if row["prev_hash"] != prev_hash:
            return _broken(count, row["seq"], f"{where} does not follow the entry before it")
        if event_hash(row, key=key) != row["hash"]:
            return _broken(
                count, row["seq"], f"{where} was altered: its content does not match its hash"
            )
        if row["action"] == HEAD_RECREATED:
            return _broken(
                count,
                row["seq"],
                f"{where} records that the chain head had been deleted: events before it may have been removed",
            )
        prev_hash = row["hash"]
        expected_seq += 1
        count += 1
    head = AuditHead.objects.using(using).filter(pk=1).first()
    if head is None:
        return _broken(
            count,
            count + 1,
            f"the chain head is missing after #{count}: the trail may have been cut or wiped",
        )
    if head.mac != head_mac(head.seq, head.hash, key=key):
        return _broken(count, head.seq, "the chain head was altered: its seal does not match")
    if head.seq != count or head.hash != prev_hash:
        return _broken(
            count,
            count + 1 if head.seq > count else None,
            f"the chain ends at #{count} but the head records #{head.seq}: "
            "entries were removed from the end",
        )
    return ChainReport(True, count, head_hash=prev_hash)


ANCHOR = re.compile(r"^\s*(\d+):([0-9a-f]{64})\s*$")


def anchor_parse(anchor: str) -> tuple[int, str]:
    """`SEQ:HASH` as `verify-audit --anchor` prints it; ValueError otherwise."""
    match = ANCHOR.match(anchor)
    if not match:
        raise ValueError(
            f"not an audit anchor: {anchor!r} (expected SEQ:HASH, as `verify-audit --anchor` prints)"
        )
    return int(match[1]), match[2]


def anchor_check(anchor: str, *, using: str = DEFAULT_DB_ALIAS) -> str:
    """Empty if the event at the anchor's number still has the anchor's hash, else the problem.

    Together with an intact chain this proves nothing up to the anchor was rewritten — even by
    someone holding the key — since every event's hash covers the one before it."""
    seq, expected = anchor_parse(anchor)
    if seq == 0:
        return ""
    row = AuditEvent.objects.using(using).filter(seq=seq).values("id", "hash").first()
    if row is None:
        return (
            f"entry #{seq} of the anchor is gone: the trail was cut or rebuilt since the anchor "
            "was taken"
        )
    if row["hash"] != expected:
        return (
            f"entry #{seq} (id {row['id']}) no longer has the anchored hash: the trail up to "
            f"#{seq} was rewritten (by someone holding the audit key) or the key was changed"
        )
    return ""


def backup_check(using: str) -> tuple[bool, str]:
    """For `strengthwise backup` / `restore` (core.backup): the chain in another database."""
    report = audit_chain_verify(using=using)
    if not report.ok:
        return False, f"BROKEN after {report.entries} good entries: {report.problem}"
    return True, f"intact, {report.entries} entries, anchor {report.anchor}"

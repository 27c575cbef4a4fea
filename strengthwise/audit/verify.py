"""Checking the hash chain end to end."""

from __future__ import annotations

from dataclasses import dataclass

from .models import AuditEvent, AuditHead
from .services import GENESIS, HASHED_FIELDS, event_hash


@dataclass
class ChainReport:
    ok: bool
    entries: int
    problem: str = ""
    first_broken_seq: int | None = None


def audit_chain_verify() -> ChainReport:
    """Walk every event in order; report the first one that does not fit the chain."""
    expected_seq = 1
    prev_hash = GENESIS
    count = 0
    rows = AuditEvent.objects.order_by("seq").values("id", "hash", *HASHED_FIELDS)
    for row in rows.iterator(chunk_size=2000):
        if row["seq"] != expected_seq:
            return ChainReport(
                False,
                count,
                f"entry #{expected_seq} is missing (next stored entry is #{row['seq']}, id {row['id']})",
                expected_seq,
            )
        if row["prev_hash"] != prev_hash:
            return ChainReport(
                False,
                count,
                f"entry #{row['seq']} (id {row['id']}) does not follow the entry before it",
                row["seq"],
            )
        if event_hash(row) != row["hash"]:
            return ChainReport(
                False,
                count,
                f"entry #{row['seq']} (id {row['id']}) was altered: its content does not match its hash",
                row["seq"],
            )
        prev_hash = row["hash"]
        expected_seq += 1
        count += 1
    head = AuditHead.objects.filter(pk=1).first()
    head_seq, head_hash = (head.seq, head.hash) if head else (0, GENESIS)
    if head_seq != count or head_hash != prev_hash:
        missing = count + 1 if head_seq > count else None
        return ChainReport(
            False,
            count,
            f"the chain ends at #{count} but the head records #{head_seq}: "
            "entries were removed from the end or the head was altered",
            missing,
        )
    return ChainReport(True, count)

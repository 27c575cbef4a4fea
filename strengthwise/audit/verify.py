"""Checking the hash chain end to end."""

from __future__ import annotations

from dataclasses import dataclass

from .models import AuditEvent, AuditHead
from .services import GENESIS, HASHED_FIELDS, HEAD_RECREATED, event_hash, head_mac


@dataclass
class ChainReport:
    ok: bool
    entries: int
    problem: str = ""
    first_broken_seq: int | None = None


def _broken(count: int, seq: int | None, problem: str) -> ChainReport:
    return ChainReport(False, count, problem, seq)


def audit_chain_verify() -> ChainReport:
    """Walk every event in order; report the first one that does not fit the chain, then check
    the sealed head so that removing the newest events (or all of them) is caught too."""
    expected_seq = 1
    prev_hash = GENESIS
    count = 0
    rows = AuditEvent.objects.order_by("seq").values("id", "hash", *HASHED_FIELDS)
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
        if event_hash(row) != row["hash"]:
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
    head = AuditHead.objects.filter(pk=1).first()
    if head is None:
        return _broken(
            count,
            count + 1,
            f"the chain head is missing after #{count}: the trail may have been cut or wiped",
        )
    if head.mac != head_mac(head.seq, head.hash):
        return _broken(count, head.seq, "the chain head was altered: its seal does not match")
    if head.seq != count or head.hash != prev_hash:
        return _broken(
            count,
            count + 1 if head.seq > count else None,
            f"the chain ends at #{count} but the head records #{head.seq}: "
            "entries were removed from the end",
        )
    return ChainReport(True, count)

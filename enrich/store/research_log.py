"""Recording researched values idempotently: the same finding seen again refreshes, never duplicates.

A re-run over an account (stale values, a resumed run) finds many values it already recorded. A value
row with the same field, source kind, page, evidence offsets and value is the same observation: its
``verified_at`` moves to now, and no new row is written — also when the observation was stored as
superseded, unless its value has to be put back in force. Anything else goes through
``enrich.store.values.record_value`` and its rules (CRM and reviewer values are never replaced).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, select, update

from enrich.store.schema import field_value
from enrich.store.values import Candidate, record_value


def record_value_once(
    conn: Connection,
    entity_type: str,
    entity_id: int,
    candidate: Candidate,
    *,
    status: str,
    now: datetime,
    run_id: int | None = None,
) -> tuple[int, bool]:
    """Returns (row id, whether a new row was written)."""
    rows = conn.execute(
        select(field_value.c.id, field_value.c.value, field_value.c.status).where(
            field_value.c.entity_type == entity_type,
            field_value.c.entity_id == entity_id,
            field_value.c.field == candidate.field,
            field_value.c.source_kind == candidate.source_kind,
            field_value.c.page_sha256 == candidate.page_sha256,
            field_value.c.evidence_start == candidate.evidence_start,
        )
    ).all()
    same = sorted(
        (row for row in rows if row.value == candidate.value), key=lambda row: row.status == "superseded"
    )
    if same and (
        same[0].status != "superseded" or not _revives(conn, entity_type, entity_id, candidate, status)
    ):
        conn.execute(update(field_value).where(field_value.c.id == same[0].id).values(verified_at=now))
        return int(same[0].id), False
    return record_value(conn, entity_type, entity_id, candidate, status=status, now=now, run_id=run_id), True


def _revives(conn: Connection, entity_type: str, entity_id: int, candidate: Candidate, status: str) -> bool:
    """Whether an observation stored as superseded must be recorded again to put its value back in force:
    it is to be accepted now and no accepted row of the field holds that value. (Two pages stating the
    same value trade places as the accepted one from run to run; that writes nothing new.)"""
    if status != "accepted":
        return False
    accepted = conn.scalars(
        select(field_value.c.value).where(
            field_value.c.entity_type == entity_type,
            field_value.c.entity_id == entity_id,
            field_value.c.field == candidate.field,
            field_value.c.status == "accepted",
        )
    )
    return all(value != candidate.value for value in accepted)

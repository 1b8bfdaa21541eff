"""Writing a cleanup plan: normalised values, flags to review, merge proposals and automatic merges.

Every write is guarded, so a plan that went stale while it ran (a reviewer decided, an import came
in) loses nothing: a change or flag is applied only if the value row it was planned on is still the
accepted one at the same version. Each account's changes are one transaction; each merge is one
transaction (``enrich.cleanup.merge``); each transaction first extends the run's lock (``fence``), so
a run that lost its lock writes nothing more. Applying a plan twice changes nothing the second time:
normalised values are normal, a proposal already pending, rejected or merged is not made again.

History: a normalised value is a new row from the same source (a CRM value stays the CRM's, so its rank
is unchanged) with ``extractor = "cleanup"`` and the reason; the row it replaces becomes ``superseded``
and keeps the original. A flagged value's own row goes to ``pending_review`` with the reason, and a
``flag`` review event records it (``leadscore review undo`` puts it back).
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, replace
from datetime import datetime
from itertools import groupby
from typing import Any

from sqlalchemy import Connection, Engine, insert, select, update

from enrich.cleanup.merge import StepHook, apply_merge
from enrich.cleanup.model import CleanupPlan, FieldChange, Flag
from enrich.store.merges import record_proposals
from enrich.store.schema import field_value, review_event
from enrich.store.values import Candidate, JsonValue, display_value, record_value, refresh_account_columns

CLEANUP_EXTRACTOR = "cleanup"
CLEANUP_VERSION = "1"
ACTOR = "leadscore cleanup"
Fence = Callable[[Connection], None]


@dataclass
class ApplyCounts:
    values_normalised: int = 0
    values_to_review: int = 0
    flags_to_review: int = 0
    skipped_stale_plan: int = 0  # the value changed after planning: next run looks again
    merge_proposals: int = 0
    merged: int = 0

    def to_dict(self) -> dict[str, int]:
        return dict(self.__dict__)


def apply_values(
    engine: Engine, plan: CleanupPlan, *, fence: Fence, now: datetime, run_id: int, counts: ApplyCounts
) -> set[int]:
    """Write the changes and review flags, one transaction per account; returns the accounts touched."""
    touched: set[int] = set()
    for account_id, changes, flags in _by_account(plan):
        with engine.begin() as conn:
            fence(conn)
            written: dict[str, int] = {}  # field → the accepted row a change wrote
            wrote = False
            for change in changes:
                new_id = _write_change(conn, change, now=now, run_id=run_id, counts=counts)
                wrote |= new_id is not None
                if new_id is not None and change.action == "apply":
                    written[change.field] = new_id
            for flag in flags:
                if flag.field in written:  # normalised in this plan, then found implausible: flag the new row
                    flag = replace(flag, row_id=written[flag.field], row_version=1)
                wrote |= _write_flag(conn, flag, now=now, run_id=run_id, counts=counts)
            if wrote:
                refresh_account_columns(conn, account_id, now=now)
                touched.add(account_id)
    return touched


def _by_account(plan: CleanupPlan) -> Iterator[tuple[int, list[FieldChange], list[Flag]]]:
    """(account, its changes, its review flags) in account order, read from the spooled plan one
    account at a time (the plan lists each step's proposals in account order)."""
    changes: Iterable[FieldChange | Flag] = plan.changes
    review_flags: Iterable[FieldChange | Flag] = (flag for flag in plan.flags if flag.action == "review")
    merged = heapq.merge(changes, review_flags, key=lambda item: item.account_id)
    for account_id, items in groupby(merged, key=lambda item: item.account_id):
        account_changes: list[FieldChange] = []
        account_flags: list[Flag] = []
        for item in items:
            if isinstance(item, FieldChange):
                account_changes.append(item)
            else:
                account_flags.append(item)
        yield account_id, account_changes, account_flags


def apply_merges(
    engine: Engine,
    plan: CleanupPlan,
    *,
    fence: Fence,
    now: datetime,
    run_id: int,
    counts: ApplyCounts,
    step_hook: StepHook | None = None,
    check: Callable[[], None] = lambda: None,
) -> set[int]:
    """Record every proposal (pending review), then merge the automatic ones, one transaction each;
    returns the kept accounts of the merges done."""
    if not plan.merges:
        return set()
    with engine.begin() as conn:
        fence(conn)
        pending = record_proposals(conn, plan.merges, run_id=run_id, now=now)
    counts.merge_proposals = sum(1 for plan_item in plan.merges if not plan_item.automatic)
    kept: set[int] = set()
    for item in plan.merges:
        proposal_id = pending.get((item.keep_id, item.merge_id))
        if not item.automatic or proposal_id is None:
            continue
        check()
        with engine.begin() as conn:
            outcome = apply_merge(
                conn,
                proposal_id,
                actor=ACTOR,
                now=now,
                reason=f"automatic: similarity {item.similarity:.3f} ({item.evidence.get('basis')})",
                fence=fence,
                step_hook=step_hook,
            )
        if outcome.status == "merged":
            counts.merged += 1
            kept.add(outcome.keep_id)
    return kept


def _current(conn: Connection, row_id: int | None, version: int | None) -> Any:
    """The planned-on value row, if it is still accepted at the version the plan read."""
    if row_id is None:
        return None
    row = conn.execute(select(field_value).where(field_value.c.id == row_id)).first()
    if row is None or row.status != "accepted" or row.version != version:
        return False
    return row


def _write_change(
    conn: Connection, change: FieldChange, *, now: datetime, run_id: int, counts: ApplyCounts
) -> int | None:
    """Record the change; returns the new value row's id, or None when the plan went stale."""
    row = _current(conn, change.row_id, change.row_version)
    if row is False:
        counts.skipped_stale_plan += 1
        return None
    if change.action == "review" and _proposed_before(conn, change):
        return None
    if row is None and change.before is not None:
        _record_column_value(
            conn, change.account_id, change.field, change.before, status="superseded", now=now
        )
    confidence = min(change.confidence, row.confidence) if row is not None else change.confidence
    candidate = Candidate(
        field=change.field,
        value=change.after,
        value_text=change.before_text
        if change.before_text is not None
        else display_value(change.before) or None,
        confidence=confidence,
        source_kind=change.source_kind,
        source_url=row.source_url if row is not None else None,
        extractor=CLEANUP_EXTRACTOR,
        extractor_version=CLEANUP_VERSION,
        reason=f"cleanup: {change.why}",
    )
    status = "accepted" if change.action == "apply" else "pending_review"
    if change.action == "apply" and row is not None:
        conn.execute(
            update(field_value)
            .where(field_value.c.id == row.id, field_value.c.version == row.version)
            .values(status="superseded", decided_at=now, reason=f"normalised by cleanup run {run_id}",
                    version=row.version + 1)
        )  # fmt: skip
    new_id = record_value(
        conn, "account", change.account_id, candidate, status=status, now=now, run_id=run_id
    )
    if change.action == "apply":
        counts.values_normalised += 1
    else:
        counts.values_to_review += 1
    return new_id


def _write_flag(conn: Connection, flag: Flag, *, now: datetime, run_id: int, counts: ApplyCounts) -> bool:
    row = _current(conn, flag.row_id, flag.row_version)
    if row is False:
        counts.skipped_stale_plan += 1
        return False
    reason = f"cleanup: {flag.why}"
    if row is None:
        if flag.value is None:
            return False
        value_id = _record_column_value(
            conn, flag.account_id, flag.field, flag.value, status="pending_review", now=now
        )
        before: dict[str, Any] = {"status": "column", "version": 1}
        version = 1
    else:
        value_id, version = int(row.id), int(row.version) + 1
        conn.execute(
            update(field_value)
            .where(field_value.c.id == row.id, field_value.c.version == row.version)
            .values(status="pending_review", reason=reason, version=version)
        )
        before = {
            "status": row.status, "decided_by": row.decided_by,
            "decided_at": row.decided_at.isoformat() if row.decided_at else None,
            "reason": row.reason, "version": row.version,
        }  # fmt: skip
    conn.execute(
        insert(review_event).values(
            field_value_id=value_id,
            action="flag",
            actor=ACTOR,
            before=before,
            after={"status": "pending_review", "version": version, "reason": reason, "value": flag.value,
                   "field": flag.field, "run_id": run_id},
            reason=reason,
            created_at=now,
        )
    )  # fmt: skip
    counts.flags_to_review += 1
    return True


def _proposed_before(conn: Connection, change: FieldChange) -> bool:
    """A review proposal of this exact value already waits, or a reviewer rejected it: not again."""
    rows = conn.execute(
        select(field_value.c.value).where(
            field_value.c.entity_type == "account",
            field_value.c.entity_id == change.account_id,
            field_value.c.field == change.field,
            field_value.c.extractor == CLEANUP_EXTRACTOR,
            field_value.c.status.in_(("pending_review", "rejected")),
        )
    )
    return any(value == change.after for (value,) in rows)


def _record_column_value(
    conn: Connection, account_id: int, field: str, value: JsonValue, *, status: str, now: datetime
) -> int:
    """A value only the account column held becomes a row, so its history starts before the change."""
    candidate = Candidate(
        field=field,
        value=value,
        value_text=display_value(value),
        confidence=1.0,
        source_kind="crm",
        reason="the account column's value before the cleanup",
    )
    return record_value(conn, "account", account_id, candidate, status=status, now=now)


def pending_from_cleanup(conn: Connection) -> int:
    """Values the cleanup sent to review that still wait: its proposals and the values it flagged."""
    flagged = select(review_event.c.field_value_id).where(
        review_event.c.action == "flag", review_event.c.actor == ACTOR
    )
    rows = conn.execute(
        select(field_value.c.id).where(
            field_value.c.status == "pending_review",
            (field_value.c.extractor == CLEANUP_EXTRACTOR) | field_value.c.id.in_(flagged),
        )
    ).all()
    return len(rows)

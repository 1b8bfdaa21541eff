"""Applying and rejecting merge proposals: one transaction per merge, so nothing is ever half-merged.

``apply_merge`` runs in the caller's transaction (the cleanup and the review CLI/web each open one per
merge). In it, the proposal is claimed with optimistic locking and the losing account is folded into
the kept one:

1. its contacts, activities and every ``field_value`` row (the field histories) move to the kept
   account; where both accounts had an accepted value of the same source rank that differ, the kept
   account's value stays in force and the moved one becomes ``superseded`` (still in history), while
   a value only the merged account had fills the kept account's gap;
2. its hand-off moves over (or is released when the kept account has one), its queued enrichment job
   is closed, its scores (derived data) are deleted, and accounts merged into it earlier now point to
   the kept account;
3. the merged account is marked ``merged_into_id`` (it keeps its CRM id, so a re-import can still find
   it), the proposal records which CRM ids were merged and what moved, and a ``merge`` review event
   is appended.

A crash anywhere rolls all of it back; the proposal is still pending and the next run applies it.
A proposal whose accounts were merged meanwhile (A←B, then B←C) is applied to the surviving account;
one whose two accounts already are one becomes ``superseded``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, delete, insert, select, update

from enrich.errors import ConflictError, InputError
from enrich.review.scoring import AccountScorer
from enrich.store.schema import (
    account,
    activity,
    contact,
    field_value,
    handoff,
    job,
    merge_proposal,
    review_event,
    score,
)
from enrich.store.values import SOURCE_RANKS, refresh_account_columns

PENDING = "pending_review"
Fence = Callable[[Connection], None]
StepHook = Callable[[str], None]


@dataclass(frozen=True)
class MergeOutcome:
    proposal_id: int
    status: str  # merged | superseded | rejected
    keep_id: int
    merge_id: int
    event_id: int
    moved: dict[str, int]


def apply_merge(
    conn: Connection,
    proposal_id: int,
    *,
    actor: str,
    now: datetime,
    reason: str | None = None,
    expected_version: int | None = None,
    fence: Fence | None = None,
    scorer: AccountScorer | None = None,
    step_hook: StepHook | None = None,
) -> MergeOutcome:
    """Merge the proposal's accounts in the caller's transaction (see the module doc).

    ``fence`` runs first (the cleanup's lock check); ``step_hook`` is called with the name of each
    step done, so tests can stop a merge half-way and see that nothing of it stays."""
    if fence is not None:
        fence(conn)
    proposal = _claimable(conn, proposal_id, expected_version)
    keep_id = _surviving(conn, int(proposal.keep_account_id))
    merge_id = _surviving(conn, int(proposal.merge_account_id))
    if keep_id == merge_id:
        note = f"accounts {proposal.keep_account_id} and {proposal.merge_account_id} were already merged"
        return _close(conn, proposal, "superseded", actor, now, note, keep_id, merge_id, {}, None)
    hook = step_hook or (lambda _step: None)
    crm_ids = _crm_ids(conn, keep_id, merge_id)
    moved: dict[str, Any] = {}
    moved["contacts"] = _move(conn, contact, contact.c.account_id, merge_id, keep_id, now, stamp=True)
    hook("contacts")
    moved["activities"] = _move(conn, activity, activity.c.account_id, merge_id, keep_id, now)
    hook("activities")
    moved["field_values"], moved["superseded_values"] = _move_values(conn, merge_id, keep_id, now)
    hook("field_values")
    moved["handoff"] = _move_handoff(conn, merge_id, keep_id, now)
    conn.execute(
        update(job)
        .where(job.c.entity_type == "account", job.c.entity_id == merge_id, job.c.state == "queued")
        .values(state="done", last_error=f"merged into account {keep_id}", updated_at=now)
    )
    conn.execute(delete(score).where(score.c.entity_type == "account", score.c.entity_id == merge_id))
    conn.execute(update(account).where(account.c.merged_into_id == merge_id).values(merged_into_id=keep_id))
    marked = conn.execute(
        update(account)
        .where(account.c.id == merge_id, account.c.merged_into_id.is_(None))
        .values(merged_into_id=keep_id, updated_at=now)
    )
    if marked.rowcount != 1:
        raise ConflictError(
            f"account {merge_id} was merged by someone else just now", hint="reload and retry"
        )
    hook("account")
    refresh_account_columns(conn, keep_id, now=now)
    conn.execute(update(account).where(account.c.id == keep_id).values(updated_at=now))
    counts = {key: len(value) if isinstance(value, list) else int(value) for key, value in moved.items()}
    outcome = _close(conn, proposal, "merged", actor, now, reason, keep_id, merge_id, moved, crm_ids)
    hook("proposal")
    if scorer is not None:
        scorer.rescore(conn, keep_id)
    return MergeOutcome(outcome.proposal_id, "merged", keep_id, merge_id, outcome.event_id, counts)


def reject_merge(
    conn: Connection,
    proposal_id: int,
    *,
    actor: str,
    now: datetime,
    reason: str | None = None,
    expected_version: int | None = None,
) -> MergeOutcome:
    """The accounts are different companies: the pair is never proposed again."""
    proposal = _claimable(conn, proposal_id, expected_version)
    keep_id, merge_id = int(proposal.keep_account_id), int(proposal.merge_account_id)
    return _close(conn, proposal, "rejected", actor, now, reason, keep_id, merge_id, {}, None)


def _claimable(conn: Connection, proposal_id: int, expected_version: int | None) -> Any:
    row = conn.execute(select(merge_proposal).where(merge_proposal.c.id == proposal_id)).first()
    if row is None:
        raise InputError(f"no merge proposal with id {proposal_id}", hint="see `leadscore merges list`")
    if row.status != PENDING:
        who = f" by {row.decided_by}" if row.decided_by else ""
        raise ConflictError(
            f"merge proposal {proposal_id} is already {row.status}{who}", hint="reload the list"
        )
    if expected_version is not None and row.version != expected_version:
        raise ConflictError(
            f"merge proposal {proposal_id} changed since you loaded it", hint="reload it and decide again"
        )
    return row


def _surviving(conn: Connection, account_id: int) -> int:
    """The live account an account was (perhaps transitively) merged into; itself when live."""
    seen = {account_id}
    current = account_id
    while True:
        target = conn.scalar(select(account.c.merged_into_id).where(account.c.id == current))
        if target is None:
            return current
        if target in seen:
            raise ConflictError(
                f"accounts {sorted(seen)} are merged into each other", hint="fix merged_into_id"
            )
        seen.add(int(target))
        current = int(target)


def _crm_ids(conn: Connection, keep_id: int, merge_id: int) -> dict[str, Any]:
    keep_crm = conn.scalar(select(account.c.crm_id).where(account.c.id == keep_id))
    merged = [
        crm_id
        for crm_id in conn.scalars(
            select(account.c.crm_id)
            .where((account.c.id == merge_id) | (account.c.merged_into_id == merge_id))
            .order_by(account.c.id)
        )
        if crm_id
    ]
    return {"kept": keep_crm, "merged": merged}


def _move(
    conn: Connection, table: Any, column: Any, merge_id: int, keep_id: int, now: datetime, stamp: bool = False
) -> list[int]:
    ids = [int(row_id) for row_id in conn.scalars(select(table.c.id).where(column == merge_id))]
    if ids:
        values: dict[str, Any] = {column.name: keep_id}
        if stamp:
            values["updated_at"] = now
        conn.execute(update(table).where(column == merge_id).values(**values))
    return ids


def _move_values(conn: Connection, merge_id: int, keep_id: int, now: datetime) -> tuple[list[int], list[int]]:
    """Move the merged account's value rows; supersede those that would contradict the kept account's."""
    is_account = field_value.c.entity_type == "account"
    kept_accepted: dict[tuple[str, int], set[str]] = {}
    for name, source_kind, value in conn.execute(
        select(field_value.c.field, field_value.c.source_kind, field_value.c.value).where(
            is_account, field_value.c.entity_id == keep_id, field_value.c.status == "accepted"
        )
    ):
        kept_accepted.setdefault((name, SOURCE_RANKS.get(source_kind, 0)), set()).add(repr(value))
    moved = [int(row_id) for row_id in conn.scalars(
        select(field_value.c.id).where(is_account, field_value.c.entity_id == merge_id)
    )]  # fmt: skip
    superseded = []
    for row_id, name, source_kind, value in conn.execute(
        select(field_value.c.id, field_value.c.field, field_value.c.source_kind, field_value.c.value).where(
            is_account, field_value.c.entity_id == merge_id, field_value.c.status == "accepted"
        )
    ):
        kept = kept_accepted.get((name, SOURCE_RANKS.get(source_kind, 0)))
        if kept and repr(value) not in kept:
            superseded.append(int(row_id))
    if superseded:
        conn.execute(
            update(field_value)
            .where(field_value.c.id.in_(superseded))
            .values(
                status="superseded",
                decided_at=now,
                reason=f"merged into account {keep_id}, whose value of the field stays in force",
                version=field_value.c.version + 1,
            )
        )
    if moved:
        conn.execute(
            update(field_value)
            .where(is_account, field_value.c.entity_id == merge_id)
            .values(entity_id=keep_id)
        )
    return moved, superseded


def _move_handoff(conn: Connection, merge_id: int, keep_id: int, now: datetime) -> int:
    mine = conn.execute(
        select(handoff.c.id, handoff.c.released_at).where(handoff.c.account_id == merge_id)
    ).first()
    if mine is None:
        return 0
    kept = conn.scalar(select(handoff.c.id).where(handoff.c.account_id == keep_id))
    if kept is None:
        conn.execute(update(handoff).where(handoff.c.id == mine.id).values(account_id=keep_id))
        return 1
    # the unique account_id allows one hand-off per account: the kept account's stands, this one ends
    if mine.released_at is None:
        conn.execute(update(handoff).where(handoff.c.id == mine.id).values(released_at=now))
    return 0


def _close(
    conn: Connection,
    proposal: Any,
    status: str,
    actor: str,
    now: datetime,
    reason: str | None,
    keep_id: int,
    merge_id: int,
    moved: dict[str, Any],
    crm_ids: dict[str, Any] | None,
) -> MergeOutcome:
    state: dict[str, Any] = {
        "status": status,
        "decided_by": actor,
        "decided_at": now,
        "reason": reason,
        "version": proposal.version + 1,
    }
    if status == "merged":
        state |= {"merged_crm_ids": crm_ids, "result": {"keep_id": keep_id, "merge_id": merge_id, **moved}}
    claimed = conn.execute(
        update(merge_proposal)
        .where(merge_proposal.c.id == proposal.id, merge_proposal.c.version == proposal.version)
        .values(**state)
    )
    if claimed.rowcount != 1:
        raise ConflictError(f"merge proposal {proposal.id} was decided by someone else just now")
    counts = {key: len(value) if isinstance(value, list) else int(value) for key, value in moved.items()}
    event = conn.execute(
        insert(review_event).values(
            merge_proposal_id=proposal.id,
            action="merge" if status == "merged" else ("reject_merge" if status == "rejected" else status),
            actor=actor,
            before={"status": proposal.status, "version": proposal.version},
            after={
                "status": status,
                "version": proposal.version + 1,
                "keep_id": keep_id,
                "merge_id": merge_id,
            }
            | ({"moved": counts, "merged_crm_ids": crm_ids} if status == "merged" else {}),
            reason=reason,
            created_at=now,
        )
    )
    key = event.inserted_primary_key
    assert key is not None
    return MergeOutcome(int(proposal.id), status, keep_id, merge_id, int(key[0]), counts)

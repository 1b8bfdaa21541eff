"""Deciding: approve, reject, edit, bulk approve and undo; each claims its row with optimistic locking
and appends an audit event."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Row, insert, select, update

from enrich.errors import ConflictError, InputError
from enrich.review.field_input import parse_reviewer_value
from enrich.review.queue import PENDING, QueueFilter, format_time, list_pending
from enrich.review.scoring import AccountScorer
from enrich.store.schema import contact, field_value, review_event
from enrich.store.values import Candidate, record_value, refresh_account_columns


@dataclass(frozen=True)
class Decision:
    event_id: int
    action: str  # approve | reject | edit | undo
    value_id: int
    status: str  # the decided row's status afterwards
    new_value_id: int | None = None  # the reviewer's row an edit created


def approve(
    conn: Connection,
    value_id: int,
    *,
    actor: str,
    now: datetime,
    reason: str | None = None,
    expected_version: int | None = None,
    scorer: AccountScorer | None = None,
) -> Decision:
    """Accept a pending value as found (its provenance is kept) and make it the field's value: other
    accepted values of the field that differ from it (CRM ones included: a person decided) are superseded."""
    return _set_status(conn, value_id, "approve", "accepted", actor, now, reason, expected_version, scorer)


def reject(
    conn: Connection,
    value_id: int,
    *,
    actor: str,
    now: datetime,
    reason: str | None = None,
    expected_version: int | None = None,
    scorer: AccountScorer | None = None,
) -> Decision:
    """Reject a pending value; it stays stored (with the reason) so it is not proposed blindly again."""
    return _set_status(conn, value_id, "reject", "rejected", actor, now, reason, expected_version, scorer)


def _set_status(
    conn: Connection,
    value_id: int,
    action: str,
    status: str,
    actor: str,
    now: datetime,
    reason: str | None,
    expected_version: int | None,
    scorer: AccountScorer | None,
) -> Decision:
    row = _claimable(conn, value_id, expected_version)
    after = _decide(conn, row, status=status, actor=actor, now=now, reason=reason)
    if status == "accepted":
        after["superseded"] = _supersede_rivals(conn, row, row.value, actor=actor, now=now)
    event_id = _record_event(
        conn, action, row, before=_snapshot(row), after=after, actor=actor, now=now, reason=reason
    )
    _follow_up(conn, row, scorer, now)
    return Decision(event_id, action, row.id, status)


def edit(
    conn: Connection,
    value_id: int,
    new_value: str,
    *,
    actor: str,
    now: datetime,
    reason: str | None = None,
    expected_version: int | None = None,
    scorer: AccountScorer | None = None,
) -> Decision:
    """Replace a pending value with the reviewer's own: a new accepted ``reviewer`` row; the proposal
    is superseded. ``new_value`` is parsed for the field (numbers, ranges, country codes, domains)."""
    row = _claimable(conn, value_id, expected_version)
    parsed, value_text = parse_reviewer_value(row.field, new_value)
    after = _decide(
        conn, row, status="superseded", actor=actor, now=now, reason=reason or "edited by reviewer"
    )
    accepted_before = _accepted_rows(conn, row)
    candidate = Candidate(
        field=row.field,
        value=parsed,
        value_text=value_text,
        confidence=1.0,
        source_kind="reviewer",
        reason=reason or f"reviewer's correction of value {row.id}",
    )
    new_id = record_value(
        conn, row.entity_type, row.entity_id, candidate, status="accepted", now=now, decided_by=actor
    )
    new_version = conn.scalar(select(field_value.c.version).where(field_value.c.id == new_id))
    after |= {"new_value_id": new_id, "new_value": parsed, "new_version": new_version}
    # record_value supersedes an earlier, different reviewer value; undo has to bring it back
    after["superseded"] = _changed_since(conn, accepted_before)
    event_id = _record_event(
        conn, "edit", row, before=_snapshot(row), after=after, actor=actor, now=now, reason=reason
    )
    _follow_up(conn, row, scorer, now)
    return Decision(event_id, "edit", row.id, "superseded", new_value_id=new_id)


def bulk_approve(
    conn: Connection,
    queue: QueueFilter,
    *,
    actor: str,
    now: datetime,
    reason: str | None = None,
    expected_count: int | None = None,
    scorer: AccountScorer | None = None,
) -> list[Decision]:
    """Approve every pending value matching ``queue``, one audit event each.

    With ``expected_count`` (what the reviewer was shown and confirmed), a queue that changed in the
    meantime is refused with a ``ConflictError`` and nothing is approved.
    """
    pending = list_pending(conn, queue)
    if expected_count is not None and len(pending) != expected_count:
        raise ConflictError(
            f"the queue changed: {len(pending)} values match now, {expected_count} were confirmed",
            hint="look at the queue again and confirm the new count",
        )
    return [
        approve(
            conn, item.id, actor=actor, now=now, reason=reason, expected_version=item.version, scorer=scorer
        )
        for item in pending
    ]


def undo(
    conn: Connection, event_id: int, *, actor: str, now: datetime, scorer: AccountScorer | None = None
) -> Decision:
    """Restore what ``event_id`` changed, exactly; refused for undo events, and for events already undone
    or whose value has been decided again since."""
    event = conn.execute(select(review_event).where(review_event.c.id == event_id)).first()
    if event is None or event.field_value_id is None:
        raise InputError(
            f"no review decision with event id {event_id}", hint="see `leadscore review history`"
        )
    if event.action == "undo":
        raise ConflictError(f"event {event_id} is itself an undo", hint="decide the value again instead")
    undone_by = conn.execute(select(review_event).where(review_event.c.undoes_event_id == event_id)).first()
    if undone_by is not None:
        raise ConflictError(
            f"event {event_id} was already undone by event {undone_by.id} "
            f"({undone_by.actor} at {format_time(undone_by.created_at)})"
        )
    recorded: dict[str, Any] = event.after or {}
    row = _value_row(conn, event.field_value_id)
    _check_unchanged(row, recorded.get("version"), event_id)
    after = _restore(conn, row, event.before or {})
    for rival in recorded.get("superseded", []):
        rival_row = _value_row(conn, int(rival["id"]))
        _check_unchanged(rival_row, rival["version"], event_id)
        _restore(conn, rival_row, rival["before"])
    if recorded.get("new_value_id") is not None:
        _withdraw_reviewer_value(conn, recorded, event_id=event_id)
    after |= {key: recorded[key] for key in ("superseded", "new_value_id") if key in recorded}
    undo_id = _record_event(
        conn,
        "undo",
        row,
        before=_snapshot(row),
        after=after,
        actor=actor,
        now=now,
        reason=None,
        undoes=event_id,
    )
    _follow_up(conn, row, scorer, now)
    return Decision(undo_id, "undo", row.id, after["status"])


# ---------------------------------------------------------------- internals


def _value_row(conn: Connection, value_id: int) -> Row[Any]:
    row = conn.execute(select(field_value).where(field_value.c.id == value_id)).first()
    if row is None:
        raise InputError(f"no value with id {value_id}", hint="see `leadscore review list`")
    return row


def _claimable(conn: Connection, value_id: int, expected_version: int | None) -> Row[Any]:
    row = _value_row(conn, value_id)
    if row.status != PENDING:
        raise _already_decided(row)
    if expected_version is not None and row.version != expected_version:
        raise ConflictError(
            f"value {value_id} changed since you loaded it (version {expected_version}, now {row.version})",
            hint="reload it and decide again",
        )
    return row


def _already_decided(row: Row[Any]) -> ConflictError:
    if row.decided_by:
        who = f"already decided by {row.decided_by} at {format_time(row.decided_at)} ({row.status})"
    else:
        who = f"not awaiting review (status {row.status}, set by enrichment)"
    return ConflictError(f"value {row.id} is {who}", hint="reload the queue")


def _decide(
    conn: Connection, row: Row[Any], *, status: str, actor: str, now: datetime, reason: str | None
) -> dict[str, Any]:
    """The claim: only the holder of the version it read can move the row on; returns the new state."""
    state = {
        "status": status,
        "decided_by": actor,
        "decided_at": now,
        "reason": reason,
        "version": row.version + 1,
    }
    _guarded_update(conn, row, state)
    return _jsonable(state)


def _restore(conn: Connection, row: Row[Any], before: dict[str, Any]) -> dict[str, Any]:
    decided_at = before.get("decided_at")
    state = {
        "status": before["status"],
        "decided_by": before.get("decided_by"),
        "decided_at": datetime.fromisoformat(decided_at) if decided_at else None,
        "reason": before.get("reason"),
        "version": row.version + 1,
    }
    _guarded_update(conn, row, state)
    return _jsonable(state)


def _guarded_update(conn: Connection, row: Row[Any], state: dict[str, Any]) -> None:
    result = conn.execute(
        update(field_value)
        .where(field_value.c.id == row.id, field_value.c.version == row.version)
        .values(**state)
    )
    if result.rowcount != 1:
        current = _value_row(conn, row.id)
        if current.status != PENDING or current.decided_by:
            raise _already_decided(current)
        raise ConflictError(
            f"value {row.id} was changed by someone else just now", hint="reload it and decide again"
        )


def _check_unchanged(row: Row[Any], version_after_event: object, event_id: int) -> None:
    if row.version != version_after_event:
        raise ConflictError(
            f"value {row.id} changed after event {event_id} (now {row.status}, version {row.version})",
            hint="undo the later events first (newest first)",
        )


def _accepted_rows(conn: Connection, row: Row[Any]) -> list[Row[Any]]:
    """The other accepted values of the same entity and field."""
    query = select(field_value).where(
        field_value.c.entity_type == row.entity_type,
        field_value.c.entity_id == row.entity_id,
        field_value.c.field == row.field,
        field_value.c.status == "accepted",
        field_value.c.id != row.id,
    )
    return list(conn.execute(query))


def _changed_since(conn: Connection, rows: list[Row[Any]]) -> list[dict[str, Any]]:
    """For each of ``rows`` changed since it was read: what undo needs to restore it."""
    changed = []
    for old in rows:
        version = conn.scalar(select(field_value.c.version).where(field_value.c.id == old.id))
        if version != old.version:
            changed.append({"id": old.id, "before": _snapshot(old), "version": version})
    return changed


def _supersede_rivals(
    conn: Connection, row: Row[Any], kept: object, *, actor: str, now: datetime
) -> list[dict[str, Any]]:
    """Supersede the other accepted values of the row's field that differ from ``kept``, whatever their
    rank: an approved value keeps its source (and so its rank), so this is how the reviewer's choice takes
    effect. Returns what undo needs to restore each of them (id, state before, version after)."""
    superseded = []
    for rival in _accepted_rows(conn, row):
        if rival.value == kept:
            continue
        state = {
            "status": "superseded",
            "decided_by": actor,
            "decided_at": now,
            "reason": f"superseded by the review of value {row.id}",
            "version": rival.version + 1,
        }
        _guarded_update(conn, rival, state)
        superseded.append({"id": rival.id, "before": _snapshot(rival), "version": rival.version + 1})
    return superseded


def _withdraw_reviewer_value(conn: Connection, edit_after: dict[str, Any], *, event_id: int) -> None:
    new_row = _value_row(conn, int(edit_after["new_value_id"]))
    if new_row.version != edit_after.get("new_version") or new_row.status != "accepted":
        raise ConflictError(
            f"the reviewer's value {new_row.id} from event {event_id} changed since (now {new_row.status})",
            hint="undo the later events first",
        )
    state = {"status": "superseded", "reason": f"withdrawn by undo of review event {event_id}"}
    _guarded_update(conn, new_row, state | {"version": new_row.version + 1})


def _snapshot(row: Row[Any]) -> dict[str, Any]:
    return _jsonable(
        {name: getattr(row, name) for name in ("status", "decided_by", "decided_at", "reason", "version")}
    )


def _jsonable(state: dict[str, Any]) -> dict[str, Any]:
    return {key: value.isoformat() if isinstance(value, datetime) else value for key, value in state.items()}


def _record_event(
    conn: Connection,
    action: str,
    row: Row[Any],
    *,
    before: dict[str, Any],
    after: dict[str, Any],
    actor: str,
    now: datetime,
    reason: str | None,
    undoes: int | None = None,
) -> int:
    after = after | {"value": row.value, "field": row.field}
    result = conn.execute(
        insert(review_event).values(
            field_value_id=row.id,
            action=action,
            actor=actor,
            before=before,
            after=after,
            reason=reason,
            undoes_event_id=undoes,
            created_at=now,
        )
    )
    key = result.inserted_primary_key
    assert key is not None
    return int(key[0])


def _follow_up(conn: Connection, row: Row[Any], scorer: AccountScorer | None, now: datetime) -> None:
    account_id = _account_of(conn, row)
    if account_id is None:
        return
    if row.entity_type == "account":
        refresh_account_columns(conn, account_id, now=now)
    if scorer is not None:
        scorer.rescore(conn, account_id)


def _account_of(conn: Connection, row: Row[Any]) -> int | None:
    if row.entity_type == "account":
        return int(row.entity_id)
    owner = conn.scalar(select(contact.c.account_id).where(contact.c.id == row.entity_id))
    return None if owner is None else int(owner)

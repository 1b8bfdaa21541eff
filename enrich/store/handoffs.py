"""Stored scores as hand-off candidates, and the ``handoff`` table: hand-offs and picks, claimed atomically.

The ``handoff`` table's unique ``account_id`` is the claim: inserting a row is the only way to hand over
or pick an account, and ``INSERT … ON CONFLICT DO NOTHING`` (or the unique violation on other
databases) decides between two reps racing for the same account in the database, not in Python.
Whoever inserts first wins; the other gets a :class:`ConflictError` naming the holder. A second
hand-off run therefore never hands over an account twice.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, func, insert, select
from sqlalchemy.exc import IntegrityError

from enrich.errors import ConflictError, InputError, Problem
from enrich.store.conflicts import conflict_insert
from enrich.store.schema import account, contact, handoff, score
from scoring.handoff import Assignment

_LIVE = account.c.merged_into_id.is_(None)


@dataclass(frozen=True)
class StoredScore:
    """One account's stored score with what the commands show next to it."""

    account_id: int
    name: str
    domain: str | None
    country: str | None
    band: str | None
    fit: float | None
    fit_min: float | None
    fit_max: float | None
    tier: str | None
    engagement: float | None
    phase: str | None
    priority: float | None
    best_contact_id: int | None
    best_contact: str | None
    ruleset_hash: str
    handed_to: str | None

    def to_dict(self) -> dict[str, Any]:
        return {item.name: getattr(self, item.name) for item in fields(self) if item.name != "ruleset_hash"}


def _contact_label(first: str | None, last: str | None, email: str | None) -> str | None:
    name = " ".join(part for part in (first, last) if part)
    return name or email


def read_scores(
    conn: Connection,
    ruleset_name: str,
    *,
    band: str | None = None,
    tier: str | None = None,
    min_priority: float | None = None,
    unclaimed_only: bool = False,
    account_id: int | None = None,
    limit: int | None = None,
) -> list[StoredScore]:
    """Stored account scores of one ruleset, highest priority first (ties: lowest account id)."""
    query = (
        select(
            score,
            account.c.name,
            account.c.domain,
            account.c.country,
            contact.c.first_name,
            contact.c.last_name,
            contact.c.email,
            handoff.c.rep,
        )
        .join(account, account.c.id == score.c.entity_id)
        .outerjoin(contact, contact.c.id == score.c.best_contact_id)
        .outerjoin(handoff, handoff.c.account_id == score.c.entity_id)
        .where(score.c.entity_type == "account", score.c.ruleset_name == ruleset_name, _LIVE)
        .order_by(score.c.priority.desc(), score.c.entity_id)
    )
    if band is not None:
        query = query.where(score.c.band == band)
    if tier is not None:
        query = query.where(score.c.tier == tier)
    if min_priority is not None:
        query = query.where(score.c.priority >= min_priority)
    if unclaimed_only:
        query = query.where(handoff.c.id.is_(None))
    if account_id is not None:
        query = query.where(score.c.entity_id == account_id)
    if limit is not None:
        query = query.limit(limit)
    return [
        StoredScore(
            row.entity_id,
            row.name,
            row.domain,
            row.country,
            row.band,
            row.fit,
            row.fit_min,
            row.fit_max,
            row.tier,
            row.engagement,
            row.phase,
            row.priority,
            row.best_contact_id,
            _contact_label(row.first_name, row.last_name, row.email),
            row.ruleset_hash,
            row.rep,
        )
        for row in conn.execute(query)
    ]


def stale_score_count(conn: Connection, ruleset_name: str, ruleset_hash: str) -> int:
    """How many stored scores of this ruleset were computed with another version of it."""
    query = select(func.count()).where(
        score.c.entity_type == "account",
        score.c.ruleset_name == ruleset_name,
        score.c.ruleset_hash != ruleset_hash,
    )
    return int(conn.scalar(query) or 0)


def open_handoffs_by_rep(conn: Connection) -> dict[str, int]:
    """Hand-offs and picks not yet released, per rep: leads leadscore has already given each rep."""
    query = select(handoff.c.rep, func.count()).where(handoff.c.released_at.is_(None)).group_by(handoff.c.rep)
    return {rep: int(count) for rep, count in conn.execute(query)}


def _insert_claim(conn: Connection, values: dict[str, Any]) -> bool:
    """Insert one hand-off row unless the account is already claimed; True when this call claimed it."""
    statement = conflict_insert(conn, handoff)
    if statement is not None:
        # RETURNING, not rowcount: through psycopg the rowcount did not report the inserted row
        inserted = statement.values(values).on_conflict_do_nothing(index_elements=["account_id"])
        return conn.execute(inserted.returning(handoff.c.id)).first() is not None
    try:
        with conn.begin_nested():
            conn.execute(insert(handoff).values(values))
    except IntegrityError:
        return False
    return True


def record_handoffs(
    conn: Connection,
    assignments: Iterable[Assignment],
    *,
    ruleset_hash: str,
    run_id: int | None,
    handed_at: datetime,
) -> list[Assignment]:
    """Record planned hand-offs; returns those recorded (an account already claimed is skipped)."""
    recorded = []
    for item in assignments:
        values = {
            "account_id": item.account_id,
            "contact_id": item.contact_id,
            "kind": "handoff",
            "rep": item.rep,
            "team": item.team,
            "priority": item.priority,
            "threshold": item.threshold,
            "ruleset_hash": ruleset_hash,
            "run_id": run_id,
            "handed_at": handed_at,
        }
        if _insert_claim(conn, values):
            recorded.append(item)
    return recorded


def holder(conn: Connection, account_id: int) -> tuple[str, str, datetime] | None:
    """(rep, kind, handed_at) of the account's claim, or None when unclaimed."""
    row = conn.execute(
        select(handoff.c.rep, handoff.c.kind, handoff.c.handed_at).where(handoff.c.account_id == account_id)
    ).first()
    return None if row is None else (row.rep, row.kind, row.handed_at)


def claim(conn: Connection, candidate: StoredScore, *, rep: str, claimed_at: datetime) -> None:
    """Pick ``candidate`` for ``rep``, atomically. Raises ConflictError when someone holds it already."""
    values = {
        "account_id": candidate.account_id,
        "contact_id": candidate.best_contact_id,
        "kind": "pick",
        "rep": rep,
        "priority": candidate.priority,
        "ruleset_hash": candidate.ruleset_hash,
        "handed_at": claimed_at,
    }
    if _insert_claim(conn, values):
        return
    taken = holder(conn, candidate.account_id)
    by = f"{taken[0]} ({taken[1]}, {taken[2]:%Y-%m-%d %H:%M})" if taken else "someone else"
    raise ConflictError(
        f"account {candidate.account_id} ({candidate.name}) is already taken by {by}",
        hint="pick another account; `leadscore top` shows who holds which",
    )


def find_account(conn: Connection, reference: str) -> int:
    """The account id for an id, a domain or a name (exact, else unique substring, case-insensitive).

    Raises InputError when nothing matches, or when a name matches several accounts (listing them).
    """
    text = reference.strip()
    if text.isdigit():
        found = conn.scalar(select(account.c.id).where(account.c.id == int(text)))
        if found is not None:
            return int(found)
    lowered = text.lower()
    for condition in (
        account.c.domain == lowered,
        func.lower(account.c.name) == lowered,
        func.lower(account.c.name).contains(lowered, autoescape=True),
    ):
        rows = conn.execute(
            select(account.c.id, account.c.name, account.c.domain)
            .where(condition, _LIVE)
            .order_by(account.c.id)
        ).all()
        if len(rows) == 1:
            return int(rows[0].id)
        if rows:
            problems = [
                Problem("account", None, None, f"{row.id}: {row.name} ({row.domain or 'no domain'})")
                for row in rows[:20]
            ]
            raise InputError(
                f"{len(rows)} accounts match {reference!r}", problems, hint="name one by id or domain"
            )
    raise InputError(f"no account matches {reference!r}", hint="use an account id, a domain or a name")

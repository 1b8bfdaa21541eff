"""Merge proposals in the store: recorded once per pair, listed and shown for review.

A pair of accounts is proposed at most once, whichever way round: a pair already proposed, merged or
rejected is never proposed again (a reviewer's "these are different companies" stands), which makes a
repeated cleanup idempotent. Applying and rejecting live in ``enrich.cleanup.merge``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, and_, func, insert, or_, select

from enrich.cleanup.model import MergePlan
from enrich.store.schema import ACCOUNT_FIELDS, account, contact, merge_proposal

PENDING = "pending_review"
COMPARED_FIELDS = tuple(name for name in ACCOUNT_FIELDS if not name.endswith("_range"))


@dataclass(frozen=True)
class MergeItem:
    """One merge proposal with the two accounts' names, for people."""

    id: int
    version: int
    status: str  # pending_review | merged | rejected | superseded
    keep_account_id: int
    keep_label: str
    merge_account_id: int
    merge_label: str
    similarity: float
    evidence: dict[str, Any]
    created_at: datetime
    decided_by: str | None
    decided_at: datetime | None
    reason: str | None
    run_id: int | None
    merged_crm_ids: dict[str, Any] | None
    result: dict[str, Any] | None

    @property
    def basis(self) -> str:
        return str(self.evidence.get("basis", ""))


@dataclass(frozen=True)
class FieldPair:
    """One field of the two accounts side by side (the review page shows where they differ)."""

    field: str
    keep: object
    merge: object

    @property
    def differs(self) -> bool:
        return self.keep is not None and self.merge is not None and self.keep != self.merge


def record_proposals(
    conn: Connection, plans: Sequence[MergePlan], *, run_id: int | None, now: datetime
) -> dict[tuple[int, int], int]:
    """Insert the plans not proposed before (either way round); returns pair → proposal id for every
    plan whose proposal is still pending (new or from an earlier run)."""
    pending: dict[tuple[int, int], int] = {}
    for plan in plans:
        existing = find_pair(conn, plan.keep_id, plan.merge_id)
        if existing is not None:
            if existing.status == PENDING:
                pending[(plan.keep_id, plan.merge_id)] = int(existing.id)
            continue
        new_id = conn.execute(
            insert(merge_proposal).returning(merge_proposal.c.id),
            {
                "keep_account_id": plan.keep_id,
                "merge_account_id": plan.merge_id,
                "similarity": plan.similarity,
                "evidence": dict(plan.evidence) | {"automatic": plan.automatic},
                "status": PENDING,
                "created_at": now,
                "version": 1,
                "run_id": run_id,
            },
        ).scalar_one()
        pending[(plan.keep_id, plan.merge_id)] = int(new_id)
    return pending


def find_pair(conn: Connection, first: int, second: int) -> Any:
    """The proposal for this pair of accounts, either way round, or None."""
    query = select(merge_proposal).where(
        or_(
            and_(merge_proposal.c.keep_account_id == first, merge_proposal.c.merge_account_id == second),
            and_(merge_proposal.c.keep_account_id == second, merge_proposal.c.merge_account_id == first),
        )
    )
    return conn.execute(query).first()


def pair_states(conn: Connection) -> dict[frozenset[int], str]:
    """Every proposed pair's status: a merged or rejected pair is never proposed again, a pending one
    is not proposed twice."""
    rows = conn.execute(
        select(merge_proposal.c.keep_account_id, merge_proposal.c.merge_account_id, merge_proposal.c.status)
    )
    return {frozenset((keep, merge)): status for keep, merge, status in rows}


def count_pending_merges(conn: Connection) -> int:
    return int(conn.scalar(select(func.count()).where(merge_proposal.c.status == PENDING)) or 0)


def list_merges(
    conn: Connection, *, status: str | None = PENDING, limit: int | None = None
) -> list[MergeItem]:
    """Proposals (pending by default), most similar first (ties: oldest first)."""
    query = _items_query()
    if status is not None:
        query = query.where(merge_proposal.c.status == status)
    query = query.order_by(merge_proposal.c.similarity.desc(), merge_proposal.c.id)
    if limit is not None:
        query = query.limit(limit)
    return [_item(row) for row in conn.execute(query)]


def get_merge(conn: Connection, proposal_id: int) -> MergeItem | None:
    row = conn.execute(_items_query().where(merge_proposal.c.id == proposal_id)).first()
    return None if row is None else _item(row)


def compare_accounts(conn: Connection, keep_id: int, merge_id: int) -> tuple[list[FieldPair], dict[int, int]]:
    """The two accounts' fields side by side, and each account's number of contacts."""
    rows: dict[int, Any] = {
        row["id"]: row
        for row in conn.execute(select(account).where(account.c.id.in_([keep_id, merge_id]))).mappings()
    }
    keep: Any = rows.get(keep_id, {})
    merge: Any = rows.get(merge_id, {})
    pairs = [FieldPair("crm_id", keep.get("crm_id"), merge.get("crm_id"))]
    for name in COMPARED_FIELDS:
        pairs.append(FieldPair(name, _shown(keep, name), _shown(merge, name)))
    query = (
        select(contact.c.account_id, func.count())
        .where(contact.c.account_id.in_([keep_id, merge_id]))
        .group_by(contact.c.account_id)
    )
    counts = {int(account_id): int(count) for account_id, count in conn.execute(query)}
    return pairs, {keep_id: int(counts.get(keep_id, 0)), merge_id: int(counts.get(merge_id, 0))}


def _shown(row: Any, name: str) -> object:
    if not row:
        return None
    value = row.get(name)
    if value is None and f"{name}_range" in row:
        return row.get(f"{name}_range")
    return value


def _items_query() -> Any:
    keep = account.alias("keep")
    merge = account.alias("merge")
    return select(
        merge_proposal,
        keep.c.name.label("keep_name"),
        keep.c.domain.label("keep_domain"),
        merge.c.name.label("merge_name"),
        merge.c.domain.label("merge_domain"),
    ).select_from(
        merge_proposal.join(keep, keep.c.id == merge_proposal.c.keep_account_id).join(
            merge, merge.c.id == merge_proposal.c.merge_account_id
        )
    )


def _label(name: str | None, domain: str | None, account_id: int) -> str:
    label = name or f"account #{account_id}"
    return f"{label} ({domain})" if domain else label


def _item(row: Any) -> MergeItem:
    return MergeItem(
        id=row.id,
        version=row.version,
        status=row.status,
        keep_account_id=row.keep_account_id,
        keep_label=_label(row.keep_name, row.keep_domain, row.keep_account_id),
        merge_account_id=row.merge_account_id,
        merge_label=_label(row.merge_name, row.merge_domain, row.merge_account_id),
        similarity=row.similarity,
        evidence=row.evidence or {},
        created_at=row.created_at,
        decided_by=row.decided_by,
        decided_at=row.decided_at,
        reason=row.reason,
        run_id=row.run_id,
        merged_crm_ids=row.merged_crm_ids,
        result=row.result,
    )

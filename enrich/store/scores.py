"""Scoring the store: stream accounts with their contacts and activities in batches, upsert score rows.

Accounts are read in id order, ``batch_size`` at a time, each batch with its contacts and activities in
two more queries, scored with the pure engine and written in one transaction, so memory stays flat
whatever the number of accounts, and an interrupted run leaves every finished batch written. A score
row is keyed by (entity_type, entity_id, ruleset_name): scoring again replaces it, never duplicates it.

``changed_only`` re-scores only the accounts that changed since their last score: no score yet for this
ruleset, a score from another version of the ruleset (hash), the account or one of its contacts updated
after the score was written, or an activity newer than the last finished score run with this ruleset
(each run records the highest activity id it saw, in ``run.detail``). Unchanged accounts keep their
score, including its ``as_of``: decay is brought up to date by a full run.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, and_, exists, func, insert, or_, select, update

from enrich.clock import Clock, utc_now
from enrich.store.conflicts import conflict_insert
from enrich.store.runs import begin_run
from enrich.store.schema import account, activity, contact, run, score
from scoring.engagement import Activity
from scoring.engine import score_account
from scoring.fields import Record, account_record, contact_record
from scoring.persona import ContactInput
from scoring.ruleset import Ruleset
from scoring.score import Score

BATCH_SIZE = 500
_LIVE = account.c.merged_into_id.is_(None)
_SCORE_COLUMNS = tuple(
    column.name
    for column in score.columns
    if column.name not in {"id", "entity_type", "entity_id", "ruleset_name"}
)


@dataclass(frozen=True)
class AccountInput:
    """One account as the engine reads it: its record, its contacts and its own (contact-less) activities."""

    account_id: int
    record: Record
    contacts: list[ContactInput]
    activities: list[Activity]


def load_account_inputs(conn: Connection, ruleset: Ruleset, account_ids: Sequence[int]) -> list[AccountInput]:
    """The given accounts (merged ones skipped) with contacts and activities, in ``account_ids`` order."""
    if not account_ids:
        return []
    rows = conn.execute(select(account).where(account.c.id.in_(account_ids), _LIVE)).mappings().all()
    by_account: dict[int, list[Any]] = {row["id"]: [] for row in rows}
    contact_rows = conn.execute(
        select(contact).where(contact.c.account_id.in_(list(by_account))).order_by(contact.c.id)
    ).mappings()
    for row in contact_rows:
        by_account[row["account_id"]].append(row)
    contact_ids = [row["id"] for contacts in by_account.values() for row in contacts]
    by_contact: dict[int, list[Activity]] = {contact_id: [] for contact_id in contact_ids}
    own: dict[int, list[Activity]] = {account_id: [] for account_id in by_account}
    columns = (
        activity.c.kind,
        activity.c.asset,
        activity.c.occurred_at,
        activity.c.contact_id,
        activity.c.account_id,
    )
    for start in range(0, len(contact_ids), 1000):  # bounded IN lists
        chunk = contact_ids[start : start + 1000]
        for kind, asset, occurred_at, contact_id, _ in conn.execute(
            select(*columns).where(activity.c.contact_id.in_(chunk)).order_by(activity.c.id)
        ):
            by_contact[contact_id].append(Activity(kind, asset, occurred_at, contact_id))
    account_level = select(*columns).where(
        activity.c.account_id.in_(list(own)), activity.c.contact_id.is_(None)
    )
    for kind, asset, occurred_at, _, account_id in conn.execute(account_level.order_by(activity.c.id)):
        own[account_id].append(Activity(kind, asset, occurred_at, None))
    by_id = {row["id"]: row for row in rows}
    return [
        AccountInput(
            account_id,
            account_record(dict(by_id[account_id]), ruleset.custom_fields),
            [
                ContactInput(row["id"], contact_record(row), by_contact[row["id"]])
                for row in by_account[account_id]
            ],
            own[account_id],
        )
        for account_id in account_ids
        if account_id in by_id
    ]


def _id_batches(conn_factory: Callable[[], Connection], batch_size: int) -> Iterator[list[int]]:
    """Live account ids in id order, one batch at a time (keyset pagination: no big OFFSETs)."""
    last = 0
    while True:
        with conn_factory() as conn:
            ids = list(
                conn.scalars(
                    select(account.c.id)
                    .where(account.c.id > last, _LIVE)
                    .order_by(account.c.id)
                    .limit(batch_size)
                )
            )
        if not ids:
            return
        yield ids
        last = ids[-1]


def score_row(result: Score, *, scored_at: datetime) -> dict[str, Any]:
    """The ``score`` table columns of one account's Score (without the key columns)."""
    return {
        "ruleset_version": result.ruleset.version,
        "ruleset_hash": result.ruleset.sha256,
        "as_of": result.as_of,
        "fit": result.fit,
        "fit_min": result.fit_min,
        "fit_max": result.fit_max,
        "band": result.band,
        "tier": result.tier,
        "tier_weight": result.tier_weight,
        "engagement": result.engagement,
        "phase": result.phase,
        "priority": result.priority,
        "best_contact_id": result.best_contact_id,
        "explanation": result.to_dict(),
        "scored_at": scored_at,
    }


def upsert_scores(conn: Connection, rows: Sequence[dict[str, Any]]) -> None:
    """Insert or replace score rows (each with entity_type, entity_id, ruleset_name and the columns)."""
    if not rows:
        return
    statement = conflict_insert(conn, score)
    if statement is not None:
        conn.execute(
            statement.on_conflict_do_update(
                index_elements=["entity_type", "entity_id", "ruleset_name"],
                set_={name: statement.excluded[name] for name in _SCORE_COLUMNS},
            ),
            list(rows),
        )
        return
    for row in rows:  # other dialects: update, else insert (the unique key still prevents duplicates)
        key = and_(
            score.c.entity_type == row["entity_type"],
            score.c.entity_id == row["entity_id"],
            score.c.ruleset_name == row["ruleset_name"],
        )
        if conn.execute(update(score).where(key).values({k: row[k] for k in _SCORE_COLUMNS})).rowcount == 0:
            conn.execute(insert(score).values(row))


def _last_watermark(conn: Connection, ruleset: Ruleset) -> int | None:
    """Highest activity id seen by the newest finished score run with this exact ruleset, if any."""
    query = (
        select(run.c.detail)
        .where(run.c.kind == "score", run.c.status == "finished")
        .order_by(run.c.id.desc())
    )
    for detail in conn.scalars(query.limit(200)):
        if isinstance(detail, dict) and detail.get("ruleset_hash") == ruleset.ref.sha256:
            value = detail.get("max_activity_id")
            return int(value) if isinstance(value, int) else None
    return None


def changed_account_ids(conn: Connection, ruleset: Ruleset) -> list[int]:
    """Live accounts whose score for this ruleset is missing or older than their data (see module doc)."""
    watermark = _last_watermark(conn, ruleset)
    current = and_(
        score.c.entity_type == "account",
        score.c.entity_id == account.c.id,
        score.c.ruleset_name == ruleset.ref.name,
    )
    scored_at = select(score.c.scored_at).where(current).scalar_subquery()
    fresh_score = exists().where(current, score.c.ruleset_hash == ruleset.ref.sha256)
    contact_changed = exists().where(contact.c.account_id == account.c.id, contact.c.updated_at > scored_at)
    conditions = [~fresh_score, account.c.updated_at > scored_at, contact_changed]
    if watermark is None:
        conditions.append(exists().where(activity.c.account_id == account.c.id))
        conditions.append(
            exists().where(contact.c.account_id == account.c.id, activity.c.contact_id == contact.c.id)
        )
    else:
        new_activity = activity.c.id > watermark
        conditions.append(exists().where(activity.c.account_id == account.c.id, new_activity))
        conditions.append(
            exists().where(
                contact.c.account_id == account.c.id, activity.c.contact_id == contact.c.id, new_activity
            )
        )
    query = select(account.c.id).where(_LIVE, or_(*conditions)).order_by(account.c.id)
    return list(conn.scalars(query))


@dataclass
class ScoreRunSummary:
    run_id: int
    ruleset: str
    ruleset_hash: str
    as_of: datetime
    changed_only: bool
    scored: int = 0
    bands: dict[str, int] = field(default_factory=dict)
    tiers: dict[str, int] = field(default_factory=dict)
    phases: dict[str, int] = field(default_factory=dict)
    unmapped_assets: dict[str, int] = field(default_factory=dict)

    def add(self, result: Score) -> None:
        self.scored += 1
        for counts, key in (
            (self.bands, result.band),
            (self.tiers, result.tier),
            (self.phases, result.phase),
        ):
            name = key or "none"
            counts[name] = counts.get(name, 0) + 1
        for asset, count in result.explanation.unmapped_assets.items():
            self.unmapped_assets[asset] = self.unmapped_assets.get(asset, 0) + count

    def to_dict(self) -> dict[str, Any]:
        top_unmapped = sorted(self.unmapped_assets.items(), key=lambda item: (-item[1], item[0]))
        return {
            "run_id": self.run_id,
            "ruleset": self.ruleset,
            "ruleset_hash": self.ruleset_hash,
            "as_of": self.as_of.isoformat(),
            "changed_only": self.changed_only,
            "scored": self.scored,
            "bands": dict(sorted(self.bands.items())),
            "tiers": dict(sorted(self.tiers.items())),
            "phases": dict(sorted(self.phases.items())),
            "unmapped_assets": dict(top_unmapped),
        }


def _batches(ids: list[int], batch_size: int) -> Iterator[list[int]]:
    for start in range(0, len(ids), batch_size):
        yield ids[start : start + batch_size]


def score_store(
    engine: Engine,
    ruleset: Ruleset,
    *,
    as_of: datetime,
    changed_only: bool = False,
    clock: Clock = utc_now,
    batch_size: int = BATCH_SIZE,
    progress: Callable[[int], None] | None = None,
) -> ScoreRunSummary:
    """Score every live account (or only the changed ones) and record the run. Idempotent."""
    started = clock()
    with engine.begin() as conn:
        watermark = conn.scalar(select(func.max(activity.c.id))) or 0
        detail = {
            "ruleset": str(ruleset.ref),
            "ruleset_hash": ruleset.ref.sha256,
            "as_of": as_of.isoformat(),
            "changed_only": changed_only,
            "max_activity_id": watermark,
        }
        run_id = begin_run(conn, "score", now=started, detail=detail)
        changed = changed_account_ids(conn, ruleset) if changed_only else None
    summary = ScoreRunSummary(run_id, str(ruleset.ref), ruleset.ref.sha256, as_of, changed_only)
    batches: Iterable[list[int]] = (
        _batches(changed, batch_size) if changed is not None else _id_batches(engine.connect, batch_size)
    )
    status = "failed"
    try:
        for ids in batches:
            with engine.begin() as conn:
                rows = []
                for item in load_account_inputs(conn, ruleset, ids):
                    result = score_account(
                        ruleset,
                        item.record,
                        as_of=as_of,
                        contacts=item.contacts,
                        activities=item.activities,
                        account_id=item.account_id,
                    )
                    summary.add(result)
                    key = {
                        "entity_type": "account",
                        "entity_id": item.account_id,
                        "ruleset_name": ruleset.ref.name,
                    }
                    rows.append(key | score_row(result, scored_at=clock()))
                upsert_scores(conn, rows)
            if progress is not None:
                progress(summary.scored)
        status = "finished"
    finally:
        with engine.begin() as conn:
            conn.execute(
                update(run)
                .where(run.c.id == run_id)
                .values(status=status, finished_at=clock(), counts=summary.to_dict() | {"run_id": run_id})
            )
    return summary

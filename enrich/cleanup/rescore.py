"""Before and after: which affected accounts changed band, tier or hand-off because of the cleanup.

The scorer is the pure engine over the store's inputs (``enrich.store.scores.load_account_inputs``).
*Before* is scored from the store as it is; *after* is either scored from the store once the cleanup
wrote its changes (and stored as the accounts' new scores), or — in a dry run — from the same inputs
with the proposed values laid over them and each automatic merge's contacts and activities added to
the kept account. Hand-off means: priority at or above the ruleset's base hand-off threshold.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, select

from enrich.cleanup.model import ScoreMove
from enrich.store.schema import account
from enrich.store.scores import AccountInput, load_account_inputs, score_row, upsert_scores
from scoring.engine import score_account
from scoring.fields import Record, account_record
from scoring.ruleset import Ruleset

BATCH = 500
NUMBER_FIELDS = ("employee_count", "annual_revenue", "founded_year")
EXAMPLES = 20


@dataclass(frozen=True, slots=True)
class Standing:
    band: str | None
    tier: str | None
    handoff: bool


def standings(
    engine: Engine,
    ruleset: Ruleset,
    account_ids: Collection[int],
    *,
    as_of: datetime,
    overlay: Mapping[int, Mapping[str, object]] | None = None,
    absorb: Mapping[int, Sequence[int]] | None = None,
    store: bool = False,
) -> dict[int, Standing]:
    """Band, tier and hand-off of each live account in ``account_ids``; ``overlay`` replaces columns,
    ``absorb`` gives a kept account the contacts and activities of accounts merged into it; ``store``
    writes the scores (as ``leadscore score`` would)."""
    overlay = overlay or {}
    absorb = absorb or {}
    result: dict[int, Standing] = {}
    for ids in _batches(sorted(account_ids)):
        with engine.begin() as conn:
            inputs = {item.account_id: item for item in load_account_inputs(conn, ruleset, ids)}
            merged_ids = [merged for kept in ids for merged in absorb.get(kept, ())]
            merged_inputs = {item.account_id: item for item in load_account_inputs(conn, ruleset, merged_ids)}
            columns = _columns(conn, [*[i for i in ids if i in overlay or i in absorb], *merged_ids])
            rows = []
            for account_id, item in inputs.items():
                if account_id in overlay or account_id in absorb:
                    item = _laid_over(item, ruleset, columns, overlay, absorb, merged_inputs)
                item = replace(item, record=_readable(item.record))
                scored = score_account(
                    ruleset, item.record, as_of=as_of, contacts=item.contacts, activities=item.activities,
                    account_id=account_id,
                )  # fmt: skip
                result[account_id] = Standing(
                    scored.band, scored.tier, scored.priority >= ruleset.handoff.base_threshold
                )
                if store:
                    key = {
                        "entity_type": "account",
                        "entity_id": account_id,
                        "ruleset_name": ruleset.ref.name,
                    }
                    rows.append(key | score_row(scored, scored_at=as_of))
            if store:
                upsert_scores(conn, rows)
    return result


def compare(ruleset: Ruleset, before: Mapping[int, Standing], after: Mapping[int, Standing]) -> ScoreMove:
    """How many accounts (scored both before and after) changed band, tier or hand-off."""
    band = tier = handoff = 0
    examples: list[tuple[int, str, str, str]] = []
    common = sorted(set(before) & set(after))
    for account_id in common:
        old, new = before[account_id], after[account_id]
        for what, was, now in (
            ("band", old.band, new.band),
            ("tier", old.tier, new.tier),
            ("handoff", _yes(old.handoff), _yes(new.handoff)),
        ):
            if was != now:
                band += what == "band"
                tier += what == "tier"
                handoff += what == "handoff"
                if len(examples) < EXAMPLES:
                    examples.append((account_id, what, str(was), str(now)))
    return ScoreMove(str(ruleset.ref), len(common), band, tier, handoff, tuple(examples))


def _readable(record: Record) -> Record:
    """Numbers the store holds as text (SQLite keeps "1.200" in an integer column) count as missing: the
    scorer compares numbers, and normalising them is the cleanup's job."""
    unreadable = [name for name in NUMBER_FIELDS if isinstance(record.get(name), str)]
    return {**record, **dict.fromkeys(unreadable)} if unreadable else record


def _yes(flag: bool) -> str:
    return "yes" if flag else "no"


def _batches(ids: list[int]) -> Iterator[list[int]]:
    for start in range(0, len(ids), BATCH):
        yield ids[start : start + BATCH]


def _columns(conn: Connection, ids: Sequence[int]) -> dict[int, dict[str, Any]]:
    if not ids:
        return {}
    rows = conn.execute(select(account).where(account.c.id.in_(list(ids)))).mappings()
    return {row["id"]: dict(row) for row in rows}


def _laid_over(
    item: AccountInput,
    ruleset: Ruleset,
    columns: Mapping[int, dict[str, Any]],
    overlay: Mapping[int, Mapping[str, object]],
    absorb: Mapping[int, Sequence[int]],
    merged_inputs: Mapping[int, AccountInput],
) -> AccountInput:
    row = dict(columns.get(item.account_id, {}))
    contacts, activities = list(item.contacts), list(item.activities)
    for merged in absorb.get(item.account_id, ()):
        for name, value in columns.get(merged, {}).items():
            if row.get(name) is None and value is not None:
                row[name] = value  # the merged account's values fill the kept account's gaps
        if merged in merged_inputs:
            contacts += merged_inputs[merged].contacts
            activities += merged_inputs[merged].activities
    row.update(overlay.get(item.account_id, {}))
    return replace(
        item, record=account_record(row, ruleset.custom_fields), contacts=contacts, activities=activities
    )

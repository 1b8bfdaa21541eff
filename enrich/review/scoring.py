"""The seam between review and scoring: re-score an account after a decision, preview a decision's effect.

Review needs two things from scoring, behind ``AccountScorer``: store a fresh score for one account, and
say how accepting one value would move its band and tier. ``RulesetScorer`` does both with the pure
engine (``scoring.engine``), the store's scoring (``enrich.store.scores``) and one ruleset; the CLI
builds it from the settings (``enrich.cli.review.load_account_scorer``). Without a scorer, review only
refreshes the account's columns.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol, cast

from sqlalchemy import Connection, select

from enrich.clock import Clock, utc_now
from enrich.store.schema import account
from enrich.store.scores import load_account_inputs, score_row, upsert_scores
from enrich.store.values import JsonValue, account_columns
from scoring.engine import band_of, fit_of, score_account, tier_of
from scoring.fields import account_record
from scoring.ruleset import Ruleset


@dataclass(frozen=True)
class ScoreChange:
    """Band and tier of one ruleset before and after a proposed decision."""

    ruleset: str
    band_before: str | None
    tier_before: str | None
    band_after: str | None
    tier_after: str | None


class AccountScorer(Protocol):
    """What review needs from scoring; ``None`` wherever no scoring engine or ruleset is available."""

    def rescore(self, conn: Connection, account_id: int) -> None:
        """Recompute and store the account's score from its current columns."""

    def preview(self, conn: Connection, account_id: int, field: str, value: object) -> ScoreChange | None:
        """The account's band and tier now, and if ``field`` took ``value``; nothing is written."""


def preview_score_change(
    conn: Connection, scorer: AccountScorer | None, account_id: int | None, field: str, value: object
) -> ScoreChange | None:
    """How accepting ``value`` for ``field`` would move the account's band and tier; None when no
    scorer is available (the page then shows the stored score and says it is re-scored afterwards)."""
    if scorer is None or account_id is None:
        return None
    return scorer.preview(conn, account_id, field, value)


@dataclass(frozen=True)
class RulesetScorer:
    """Scores accounts from the store with one ruleset (the same engine ``leadscore score`` uses)."""

    ruleset: Ruleset
    clock: Clock = utc_now

    def preview(self, conn: Connection, account_id: int, field: str, value: object) -> ScoreChange | None:
        columns = _account_columns(conn, account_id)
        if columns is None:
            return None
        changed = dict(columns) | account_columns(field, cast(JsonValue, value))
        band_before, tier_before = self._band_and_tier(columns)
        band_after, tier_after = self._band_and_tier(changed)
        return ScoreChange(str(self.ruleset.ref), band_before, tier_before, band_after, tier_after)

    def rescore(self, conn: Connection, account_id: int) -> None:
        """The computation and row of ``leadscore score``, for one account, in the caller's transaction."""
        inputs = load_account_inputs(conn, self.ruleset, [account_id])
        if not inputs:
            return
        now = self.clock()
        result = score_account(
            self.ruleset,
            inputs[0].record,
            as_of=now,
            contacts=inputs[0].contacts,
            activities=inputs[0].activities,
            account_id=account_id,
        )
        key = {"entity_type": "account", "entity_id": account_id, "ruleset_name": result.ruleset.name}
        upsert_scores(conn, [key | score_row(result, scored_at=now)])

    def _band_and_tier(self, columns: Mapping[str, object]) -> tuple[str, str | None]:
        record = account_record(columns, self.ruleset.custom_fields)
        return band_of(self.ruleset, fit_of(self.ruleset, record)), tier_of(self.ruleset, record).name


def _account_columns(conn: Connection, account_id: int) -> Mapping[str, Any] | None:
    row = conn.execute(select(account).where(account.c.id == account_id)).first()
    return None if row is None else dict(row._mapping)

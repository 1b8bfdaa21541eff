"""Read-only counts for ``leadscore status``."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, and_, func, select

from enrich.store.schema import account, activity, contact, field_value, merge_proposal, score

# Fields whose absence matters for scoring and enrichment; ranges count as present.
REPORTED_FIELDS: tuple[str, ...] = (
    "domain",
    "industry",
    "employee_count",
    "annual_revenue",
    "country",
    "city",
    "founded_year",
)


def store_status(engine: Engine) -> dict[str, Any]:
    live = account.c.merged_into_id.is_(None)
    with engine.connect() as conn:
        accounts = conn.scalar(select(func.count()).select_from(account).where(live)) or 0
        missing: dict[str, int] = {}
        for name in REPORTED_FIELDS:
            column = account.c[name]
            range_column = account.c.get(f"{name}_range")
            condition = (
                column.is_(None) if range_column is None else and_(column.is_(None), range_column.is_(None))
            )
            missing[name] = conn.scalar(select(func.count()).select_from(account).where(live, condition)) or 0
        return {
            "accounts": accounts,
            "contacts": conn.scalar(select(func.count()).select_from(contact)) or 0,
            "activities": conn.scalar(select(func.count()).select_from(activity)) or 0,
            "pending_review": conn.scalar(
                select(func.count()).select_from(field_value).where(field_value.c.status == "pending_review")
            )
            or 0,
            "pending_merges": conn.scalar(
                select(func.count())
                .select_from(merge_proposal)
                .where(merge_proposal.c.status == "pending_review")
            )
            or 0,
            "scored_accounts": conn.scalar(
                select(func.count(func.distinct(score.c.entity_id))).where(score.c.entity_type == "account")
            )
            or 0,
            "missing": missing,
        }

"""Rows for store-based backtest and journey tests, inserted straight into the schema's tables."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Engine, insert

from enrich.store.schema import account, activity, contact

CREATED = datetime(2023, 1, 1, tzinfo=UTC)
_keys = itertools.count(1)

JOURNEY_RULESET = """
[ruleset]
name = "journey-test"
version = 1

[fit]
bands = { red = 0, green = 50 }

[[fit.rule]]
when = "employee_count >= 100"
points = 50

[engagement]
half_life_days = 30
phases = ["awareness", "consideration", "evaluation", "purchase_intent"]

[engagement.assets]
"whitepaper-*" = { phase = "awareness", points = 5 }
"webinar-*" = { phase = "consideration", points = 10 }
"pricing-page" = { phase = "evaluation", points = 15 }
"cta-contact-us" = { phase = "purchase_intent", points = 40 }
"unsubscribe" = { points = -20 }

[handoff]
base_threshold = 50
"""


def write_ruleset(directory: Path, text: str = JOURNEY_RULESET) -> Path:
    path = directory / "journey.toml"
    path.write_text(text, encoding="utf-8")
    return path


def add_account(engine: Engine, name: str, *, employee_count: int | None = None, **columns: object) -> int:
    with engine.begin() as conn:
        return int(
            conn.execute(
                insert(account).values(
                    name=name,
                    employee_count=employee_count,
                    custom={},
                    created_at=CREATED,
                    updated_at=CREATED,
                    **columns,
                )
            ).inserted_primary_key[0]
        )


def add_contact(engine: Engine, account_id: int, email: str) -> int:
    with engine.begin() as conn:
        return int(
            conn.execute(
                insert(contact).values(
                    account_id=account_id, email=email, custom={}, created_at=CREATED, updated_at=CREATED
                )
            ).inserted_primary_key[0]
        )


def add_activity(
    engine: Engine,
    asset: str,
    occurred_at: datetime,
    *,
    contact_id: int | None = None,
    account_id: int | None = None,
    kind: str = "cta_click",
) -> None:
    with engine.begin() as conn:
        conn.execute(
            insert(activity).values(
                dedupe_key=f"test-{next(_keys)}",
                contact_id=contact_id,
                account_id=account_id,
                kind=kind,
                asset=asset,
                occurred_at=occurred_at,
                source="test",
            )
        )


def write_outcomes(path: Path, rows: list[tuple[str, str, str]], key: str = "account_id") -> Path:
    path.write_text(
        f"{key},outcome,decision_date\n" + "".join(f"{a},{b},{c}\n" for a, b, c in rows), encoding="utf-8"
    )
    return path

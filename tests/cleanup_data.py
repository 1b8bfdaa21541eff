"""Accounts for the cleanup tests, written the way an import writes them: account row + CRM value rows.

Values are stored as given, so a test can hold what a careless CRM holds ("Deutschland", "1.200",
"  Acme   GmbH"); ``add_account`` puts each one in a ``field_value`` row (source ``crm`` unless told)
and caches it in the account columns like ``enrich.store.values`` does.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, insert, select

from enrich.store.schema import account, activity, contact, field_value
from enrich.store.values import Candidate, account_columns, display_value, record_new_entity_values

NOW = datetime(2025, 6, 2, 8, 0, tzinfo=UTC)
FIELDS = (
    "name", "domain", "website", "industry", "employee_count", "annual_revenue", "country", "city",
    "founded_year",
)  # fmt: skip


def add_account(
    engine: Engine,
    name: str,
    *,
    crm_id: str | None = None,
    source_kind: str = "crm",
    observed_at: datetime = NOW - timedelta(days=10),
    created_at: datetime = NOW - timedelta(days=30),
    register: str | None = None,
    vat_id: str | None = None,
    **values: Any,
) -> int:
    """A live account with accepted values for ``name`` and every field in ``values`` (None: no value)."""
    wanted = {"name": name} | {key: value for key, value in values.items() if value is not None}
    unknown = set(wanted) - set(FIELDS)
    assert not unknown, f"not a field: {unknown}"
    columns: dict[str, Any] = {}
    for key, value in wanted.items():
        columns |= account_columns(key, value)
    with engine.begin() as conn:
        account_id = int(
            conn.execute(
                insert(account).returning(account.c.id),
                {"crm_id": crm_id, "source": "test", "custom": {}, "created_at": created_at,
                 "updated_at": created_at} | columns,
            ).scalar_one()
        )  # fmt: skip
        candidates = [
            (account_id, Candidate(key, value, display_value(value), 1.0 if source_kind == "crm" else 0.9,
                                   source_kind))
            for key, value in wanted.items()
        ]  # fmt: skip
        for key, value in (("commercial_register", register), ("vat_id", vat_id)):
            if value is not None:
                candidates.append(
                    (
                        account_id,
                        Candidate(key, value, value, 0.95, "imprint", source_url=f"https://{name}/imprint"),
                    )
                )
        record_new_entity_values(conn, "account", candidates, now=observed_at)
    return account_id


def add_contacts(engine: Engine, account_id: int, count: int, *, activities_each: int = 0) -> list[int]:
    """Contacts with e-mail addresses, each with ``activities_each`` web visits."""
    ids = []
    with engine.begin() as conn:
        for number in range(count):
            contact_id = int(
                conn.execute(
                    insert(contact).returning(contact.c.id),
                    {"account_id": account_id, "email": f"person{number}.{account_id}@example.com",
                     "custom": {}, "created_at": NOW, "updated_at": NOW},
                ).scalar_one()
            )  # fmt: skip
            ids.append(contact_id)
            for visit in range(activities_each):
                key = hashlib.sha256(f"{contact_id}:{visit}".encode()).hexdigest()
                conn.execute(
                    insert(activity).values(
                        dedupe_key=key, contact_id=contact_id, account_id=account_id, kind="visit",
                        asset="pricing-page", occurred_at=NOW - timedelta(days=visit + 1), source="test",
                    )
                )  # fmt: skip
    return ids


def values_of(engine: Engine, account_id: int, field: str) -> list[dict[str, Any]]:
    """Every value row of one field of an account, oldest first."""
    with engine.connect() as conn:
        rows = conn.execute(
            select(field_value)
            .where(field_value.c.entity_type == "account", field_value.c.entity_id == account_id)
            .where(field_value.c.field == field)
            .order_by(field_value.c.id)
        ).mappings()
        return [dict(row) for row in rows]


def column(engine: Engine, account_id: int, name: str) -> Any:
    with engine.connect() as conn:
        return conn.scalar(select(account.c[name]).where(account.c.id == account_id))

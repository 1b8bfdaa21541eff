"""Reading live accounts from the store as :class:`AccountSnapshot`, a batch at a time (flat memory).

A snapshot holds the account row, the accepted value in force per firmographic field (the row that
holds it, so a change can extend its history), the imprint's register number and VAT id, and how many
contacts and activities hang on the account (the survivor of a merge is the richer record).
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, func, select

from enrich.cleanup.model import AccountSnapshot, FieldState
from enrich.numbers import NumRange, parse_crm_number
from enrich.store.schema import account, activity, contact, field_value
from enrich.store.values import FIRMOGRAPHIC_FIELDS, RANGE_FIELDS, JsonValue, StoredValue, current_values

BATCH_SIZE = 1000
IDENTITY_FIELDS = ("commercial_register", "vat_id")
_LIVE = account.c.merged_into_id.is_(None)


def iter_snapshots(
    engine: Engine, *, only: Collection[int] | None = None, batch_size: int = BATCH_SIZE
) -> Iterator[list[AccountSnapshot]]:
    """Live accounts in id order, ``batch_size`` at a time; with ``only``, just these ids."""
    if only is not None:
        wanted = sorted(only)
        for start in range(0, len(wanted), batch_size):
            with engine.connect() as conn:
                yield read_snapshots(conn, wanted[start : start + batch_size])
        return
    last_id = 0
    while True:
        query = select(account.c.id).where(_LIVE, account.c.id > last_id)
        with engine.connect() as conn:
            ids = list(conn.scalars(query.order_by(account.c.id).limit(batch_size)))
            if not ids:
                return
            last_id = ids[-1]
            yield read_snapshots(conn, ids)


def read_snapshots(conn: Connection, account_ids: Sequence[int]) -> list[AccountSnapshot]:
    """The given live accounts as snapshots, in ``account_ids`` order."""
    if not account_ids:
        return []
    rows = {
        row["id"]: row
        for row in conn.execute(select(account).where(account.c.id.in_(account_ids))).mappings()
    }
    known = current_values(conn, "account", account_ids)
    value_ids = [stored.id for fields in known.values() for stored in fields.values()]
    verified: dict[int, datetime | None] = {}
    for start in range(0, len(value_ids), 1000):
        chunk = value_ids[start : start + 1000]
        query = select(field_value.c.id, field_value.c.verified_at).where(field_value.c.id.in_(chunk))
        verified.update((int(value_id), moment) for value_id, moment in conn.execute(query))
    contacts = _counts(conn, contact.c.account_id, account_ids)
    activities = _counts(conn, activity.c.account_id, account_ids)
    snapshots = []
    for account_id in account_ids:
        row = rows.get(account_id)
        if row is None or row["merged_into_id"] is not None:
            continue
        values = known.get(account_id, {})
        fields = {
            name: _state(stored, verified.get(stored.id))
            for name, stored in values.items()
            if stored.status == "accepted" and name in FIRMOGRAPHIC_FIELDS
        }
        for name in FIRMOGRAPHIC_FIELDS:
            if name not in fields:
                column_value = _column_value(row, name)
                if column_value is not None:
                    fields[name] = FieldState(name, column_value, str(column_value), "crm", 1.0)
        identity = {
            name: str(stored.candidate.value)
            for name, stored in values.items()
            if stored.status == "accepted" and name in IDENTITY_FIELDS and stored.candidate.value
        }
        snapshots.append(
            AccountSnapshot(
                account_id=account_id,
                crm_id=row["crm_id"],
                name=row["name"],
                domain=row["domain"],
                website=row["website"],
                country=row["country"],
                city=row["city"],
                columns=dict(row),
                fields=fields,
                register=identity.get("commercial_register"),
                vat_id=identity.get("vat_id"),
                contacts=contacts.get(account_id, 0),
                activities=activities.get(account_id, 0),
                created_at=row["created_at"],
            )
        )
    return snapshots


def with_values(snapshot: AccountSnapshot, values: dict[str, JsonValue]) -> AccountSnapshot:
    """The snapshot as it would be with ``values`` accepted (what a dry run plans the later steps on)."""
    if not values:
        return snapshot
    fields = dict(snapshot.fields)
    for name, value in values.items():
        old = fields.get(name)
        fields[name] = (
            replace(old, value=value) if old is not None else FieldState(name, value, None, "crm", 1.0)
        )
    plain = {name: value for name, value in values.items() if not isinstance(value, dict)}
    return replace(
        snapshot,
        fields=fields,
        columns={**snapshot.columns, **plain},
        name=str(plain.get("name", snapshot.name)),
        domain=_text(plain.get("domain", snapshot.domain)),
        country=_text(plain.get("country", snapshot.country)),
        city=_text(plain.get("city", snapshot.city)),
    )


def _text(value: object) -> str | None:
    return None if value is None else str(value)


def _state(stored: StoredValue, verified_at: datetime | None) -> FieldState:
    candidate = stored.candidate
    checked = max(stored.observed_at, verified_at) if verified_at else stored.observed_at
    reviewed = stored.decided_by if candidate.source_kind == "reviewer" or stored.decided_by else None
    return FieldState(
        candidate.field, candidate.value, candidate.value_text, candidate.source_kind, candidate.confidence,
        stored.id, stored.version, stored.observed_at, checked, reviewed,
    )  # fmt: skip


def _column_value(row: Any, name: str) -> JsonValue | None:
    value = row[name]
    if value is None and name in RANGE_FIELDS and row[f"{name}_range"]:
        text = str(row[f"{name}_range"])
        try:
            parsed = parse_crm_number(text)
        except ValueError:
            return text
        return parsed.as_json() if isinstance(parsed, NumRange) else parsed
    if value is None or value == "":
        return None
    return value if isinstance(value, int | str) else str(value)


def _counts(conn: Connection, column: Any, account_ids: Sequence[int]) -> dict[int, int]:
    query = select(column, func.count()).where(column.in_(list(account_ids))).group_by(column)
    rows = conn.execute(query)
    return {int(account_id): int(count) for account_id, count in rows}

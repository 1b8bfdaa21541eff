"""Writing imported accounts: match each row to a stored account, insert or update, keep the CRM's history.

Matching, in order: the CRM id; for a row with a CRM id, else a stored account with its domain and no
CRM id yet (which the row then adopts); for a row without one, any account with its domain, else one
with its exact name and neither CRM id nor domain. Every firmographic value becomes an accepted ``crm``
field value; a value the CRM changed supersedes the old one (``enrich.store.values``), so history stays.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Connection, insert, update

from enrich.crm.dedupe import Identity, account_digest, account_identity
from enrich.crm.validate import AccountRecord, Cell, ColumnPlan, Record
from enrich.errors import Problem
from enrich.store.import_batch import ImportCounts, rows_by_key
from enrich.store.schema import account
from enrich.store.values import (
    FIRMOGRAPHIC_FIELDS,
    Candidate,
    JsonValue,
    accepted_source_values,
    account_columns,
    record_new_entity_values,
    record_value,
    withdraw_value,
)


@dataclass(frozen=True)
class _Stored:
    id: int
    crm_id: str | None
    owner: str | None
    custom: dict[str, Any]


class AccountWriter:
    def __init__(self, preset_name: str, plan: ColumnPlan, now: datetime) -> None:
        self.source = preset_name
        self.extractor = f"crm:{preset_name}"
        self.now = now
        self.crm_id_column = plan.first_column("crm_id")

    def identities(
        self, conn: Connection, records: Sequence[Record]
    ) -> list[tuple[Identity, bytes] | list[Problem]]:
        return [
            (account_identity(record, self.crm_id_column), account_digest(record))
            for record in cast(Sequence[AccountRecord], records)
        ]

    def write(self, conn: Connection, records: Sequence[Record], counts: ImportCounts, run_id: int) -> None:
        batch = cast(Sequence[AccountRecord], records)
        matched = _match(conn, batch)
        fresh = [record for record in batch if record.line not in matched]
        self._insert(conn, fresh, run_id)
        counts.inserted += len(fresh)
        said = accepted_source_values(conn, "account", [stored.id for stored in matched.values()], "crm")
        for record in batch:
            stored = matched.get(record.line)
            if stored is None:
                continue
            if self._update(conn, record, stored, said.get(stored.id, {}), run_id):
                counts.updated += 1
            else:
                counts.unchanged += 1

    def _candidate(self, name: str, cell: Cell) -> Candidate:
        """The CRM's word on a field: accepted at full confidence, with the text as the file had it."""
        return Candidate(name, cell.value, cell.text, 1.0, "crm", extractor=self.extractor)

    def _candidates(self, record: AccountRecord) -> list[Candidate]:
        return [
            self._candidate(name, cell)
            for name, cell in record.cells.items()
            if cell is not None and name in FIRMOGRAPHIC_FIELDS
        ]

    def _insert(self, conn: Connection, records: Sequence[AccountRecord], run_id: int) -> None:
        if not records:
            return
        rows = []
        candidates = [self._candidates(record) for record in records]
        for record, values in zip(records, candidates, strict=True):
            row: dict[str, Any] = {name: None for name in FIRMOGRAPHIC_FIELDS}
            row.update(employee_count_range=None, annual_revenue_range=None)
            for candidate in values:
                row.update(account_columns(candidate.field, candidate.value))
            owner = record.cells.get("owner")
            row.update(
                crm_id=record.crm_id, source=self.source, owner=None if owner is None else owner.value,
                custom=dict(record.custom), created_at=self.now, updated_at=self.now,
            )  # fmt: skip
            rows.append(row)
        statement = insert(account).returning(account.c.id, sort_by_parameter_order=True)
        ids = conn.execute(statement, rows).scalars().all()
        new_values = [
            (account_id, value)
            for account_id, values in zip(ids, candidates, strict=True)
            for value in values
        ]
        record_new_entity_values(conn, "account", new_values, now=self.now, run_id=run_id)

    def _update(
        self,
        conn: Connection,
        record: AccountRecord,
        stored: _Stored,
        said: dict[str, JsonValue],
        run_id: int,
    ) -> bool:
        """Apply what changed since the CRM last spoke; True when anything did."""
        changed = False
        for name, cell in record.cells.items():
            if name not in FIRMOGRAPHIC_FIELDS:
                continue
            if cell is None:
                if name in said:
                    withdraw_value(conn, "account", stored.id, name, source_kind="crm", now=self.now)
                    changed = True
            elif said.get(name) != cell.value:
                candidate = self._candidate(name, cell)
                record_value(
                    conn, "account", stored.id, candidate, status="accepted", now=self.now, run_id=run_id
                )
                changed = True
        columns: dict[str, Any] = {}
        if record.crm_id and record.crm_id != stored.crm_id:
            columns["crm_id"] = record.crm_id
        if "owner" in record.cells:
            owner = record.cells["owner"]
            if (None if owner is None else owner.value) != stored.owner:
                columns["owner"] = None if owner is None else owner.value
        custom = {**stored.custom, **record.custom}
        if custom != stored.custom:
            columns["custom"] = custom
        if columns:
            conn.execute(
                update(account).where(account.c.id == stored.id).values(**columns, updated_at=self.now)
            )
        return changed or bool(columns)


def _match(conn: Connection, records: Sequence[AccountRecord]) -> dict[int, _Stored]:
    """Stored account per row line, by the order in the module doc; an account is claimed once per batch."""
    matched: dict[int, _Stored] = {}
    claimed: set[int] = set()
    live = account.c.merged_into_id.is_(None)

    def claim(record: AccountRecord, found: list[_Stored]) -> None:
        for stored in found:
            if stored.id not in claimed:
                matched[record.line] = stored
                claimed.add(stored.id)
                return

    crm_ids = [record.crm_id for record in records if record.crm_id]
    by_crm_id = _lookup(conn, account.c.crm_id, crm_ids)
    for record in records:
        if record.crm_id:
            claim(record, by_crm_id.get(record.crm_id, []))
    unmatched = [record for record in records if record.line not in matched and record.domain]
    # A record with a CRM id only adopts an account no CRM record owns yet.
    adoptable = _lookup(
        conn, account.c.domain, [r.domain for r in unmatched if r.crm_id], live, account.c.crm_id.is_(None)
    )
    by_domain = _lookup(conn, account.c.domain, [r.domain for r in unmatched if not r.crm_id], live)
    for record in unmatched:
        claim(record, (adoptable if record.crm_id else by_domain).get(record.domain or "", []))
    names = [
        record.name
        for record in records
        if record.line not in matched and not record.crm_id and not record.domain
    ]
    by_name = _lookup(conn, account.c.name, names, account.c.crm_id.is_(None), account.c.domain.is_(None))
    for record in records:
        if record.line not in matched and not record.crm_id and not record.domain:
            claim(record, by_name.get(record.name, []))
    return matched


def _lookup(
    conn: Connection, column: Any, keys: Iterable[str | None], *conditions: Any
) -> dict[str, list[_Stored]]:
    return {
        key: [_Stored(row.id, row.crm_id, row.owner, dict(row.custom or {})) for row in rows]
        for key, rows in rows_by_key(conn, account, column, keys, *conditions).items()
    }

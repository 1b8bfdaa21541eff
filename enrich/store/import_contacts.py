"""Writing imported contacts: match to stored contacts, link to accounts, insert or update.

Matching a contact: its CRM id; for a row with a CRM id, else a stored contact with its e-mail and no
CRM id yet (adopted); for a row without one, any contact with its e-mail, else one with the same name,
account and neither CRM id nor e-mail. Linking to an account: the account CRM id column, else the
account domain column or the e-mail's domain, else an account name that exactly one account has.
Contacts that link nowhere are imported with no account and counted.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Connection, insert, update

from enrich.crm.dedupe import Identity, contact_digest, contact_identity
from enrich.crm.domains import registrable_domain
from enrich.crm.validate import ColumnPlan, ContactRecord, Record
from enrich.errors import Problem
from enrich.store.import_batch import ImportCounts, rows_by_key
from enrich.store.schema import account, contact


@dataclass(frozen=True)
class _Stored:
    id: int
    columns: dict[str, Any]


class ContactWriter:
    def __init__(self, preset_name: str, plan: ColumnPlan, now: datetime) -> None:
        self.now = now
        self.crm_id_column = plan.first_column("crm_id")
        self.email_column = plan.first_column("email")

    def identities(
        self, conn: Connection, records: Sequence[Record]
    ) -> list[tuple[Identity, bytes] | list[Problem]]:
        return [
            (contact_identity(record, self.crm_id_column, self.email_column), contact_digest(record))
            for record in cast(Sequence[ContactRecord], records)
        ]

    def write(self, conn: Connection, records: Sequence[Record], counts: ImportCounts, run_id: int) -> None:
        batch = cast(Sequence[ContactRecord], records)
        accounts = _link_accounts(conn, batch)
        matched = _match(conn, batch, accounts)
        fresh = []
        for record in batch:
            account_id = accounts.get(record.line)
            stored = matched.get(record.line)
            if stored is None:
                fresh.append(self._new_row(record, account_id))
            elif self._update(conn, record, stored, account_id):
                counts.updated += 1
            else:
                counts.unchanged += 1
            final_account = (
                account_id if account_id is not None or stored is None else stored.columns["account_id"]
            )
            counts.without_account += final_account is None
        if fresh:
            conn.execute(insert(contact), fresh)
        counts.inserted += len(fresh)

    def _new_row(self, record: ContactRecord, account_id: int | None) -> dict[str, Any]:
        row: dict[str, Any] = dict.fromkeys(
            ("first_name", "last_name", "title", "seniority", "department", "phone")
        )
        row.update(record.cells)
        row.update(
            crm_id=record.crm_id, email=record.email, account_id=account_id, custom=dict(record.custom),
            created_at=self.now, updated_at=self.now,
        )  # fmt: skip
        return row

    def _update(
        self, conn: Connection, record: ContactRecord, stored: _Stored, account_id: int | None
    ) -> bool:
        wanted: dict[str, Any] = dict(record.cells)
        if record.email is not None:
            wanted["email"] = record.email
        if record.crm_id is not None:
            wanted["crm_id"] = record.crm_id
        if account_id is not None:
            wanted["account_id"] = account_id
        wanted["custom"] = {**stored.columns["custom"], **record.custom}
        changed = {name: value for name, value in wanted.items() if stored.columns.get(name) != value}
        if changed:
            conn.execute(
                update(contact).where(contact.c.id == stored.id).values(**changed, updated_at=self.now)
            )
        return bool(changed)


def _email_domain(email: str | None) -> str | None:
    if email is None:
        return None
    try:
        return registrable_domain(email)
    except ValueError:
        return None


def _link_accounts(conn: Connection, records: Sequence[ContactRecord]) -> dict[int, int]:
    """Account id per row line, by the order in the module doc."""
    live = account.c.merged_into_id.is_(None)
    by_crm_id = _first_ids(conn, account.c.crm_id, (record.account_crm_id for record in records))
    domains = (record.account_domain or _email_domain(record.email) for record in records)
    by_domain = _first_ids(conn, account.c.domain, domains, live)
    names = (record.account_name for record in records)
    by_name = {
        name: rows[0].id
        for name, rows in rows_by_key(conn, account, account.c.name, names, live).items()
        if len(rows) == 1  # an ambiguous name links nowhere
    }
    links: dict[int, int] = {}
    for record in records:
        domain = record.account_domain or _email_domain(record.email)
        for found in (
            by_crm_id.get(record.account_crm_id or ""),
            by_domain.get(domain or ""),
            by_name.get(record.account_name or ""),
        ):
            if found is not None:
                links[record.line] = found
                break
    return links


def _first_ids(conn: Connection, column: Any, keys: Iterable[str | None], *conditions: Any) -> dict[str, int]:
    return {key: rows[0].id for key, rows in rows_by_key(conn, account, column, keys, *conditions).items()}


def _match(
    conn: Connection, records: Sequence[ContactRecord], accounts: dict[int, int]
) -> dict[int, _Stored]:
    """Stored contact per row line, by the order in the module doc; a contact is claimed once per batch."""
    matched: dict[int, _Stored] = {}
    claimed: set[int] = set()

    def claim(record: ContactRecord, found: list[_Stored], *, adoptable_only: bool = False) -> None:
        for stored in found:
            if stored.id not in claimed and not (adoptable_only and stored.columns["crm_id"] is not None):
                matched[record.line] = stored
                claimed.add(stored.id)
                return

    by_crm_id = _lookup(conn, contact.c.crm_id, {record.crm_id for record in records if record.crm_id})
    for record in records:
        if record.crm_id:
            claim(record, by_crm_id.get(record.crm_id, []))
    by_email = _lookup(conn, contact.c.email, {r.email for r in records if r.line not in matched and r.email})
    for record in records:
        if record.line not in matched and record.email:
            claim(record, by_email.get(record.email, []), adoptable_only=record.crm_id is not None)
    nameless = [r for r in records if r.line not in matched and not r.crm_id and not r.email]
    last_names = {str(r.cells.get("last_name")) for r in nameless}
    by_name = _lookup(
        conn, contact.c.last_name, last_names, contact.c.crm_id.is_(None), contact.c.email.is_(None)
    )
    for record in nameless:
        same_person = [
            stored
            for stored in by_name.get(str(record.cells.get("last_name")), [])
            if stored.columns["first_name"] == record.cells.get("first_name")
            and stored.columns["account_id"] == accounts.get(record.line)
        ]
        claim(record, same_person)
    return matched


def _lookup(conn: Connection, column: Any, keys: set[str], *conditions: Any) -> dict[str, list[_Stored]]:
    return {
        key: [_Stored(row.id, {**row._mapping, "custom": dict(row.custom or {})}) for row in rows]
        for key, rows in rows_by_key(conn, contact, column, keys, *conditions).items()
    }

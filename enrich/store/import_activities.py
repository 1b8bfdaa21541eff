"""Writing imported engagement events: resolve who they belong to, then insert each event once.

An event names a contact (CRM id or e-mail) and/or an account (CRM id or domain); every reference given
must exist in the store (import accounts and contacts first), else the row is a problem. Without an
account reference the event belongs to its contact's account. The ``dedupe_key`` is the export's
activity id (hashed when longer than the column), else the sha256 of the resolved contact, account,
kind, asset and time, so importing the same events again inserts nothing.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Connection, insert, update

from enrich.crm.dedupe import Identity, digest
from enrich.crm.validate import ActivityRecord, ColumnPlan, Record
from enrich.errors import Problem
from enrich.store.import_batch import ImportCounts, rows_by_key
from enrich.store.schema import account, activity, contact

_KEY_LENGTH = 64


@dataclass(frozen=True)
class _Resolved:
    contact_id: int | None
    account_id: int | None
    dedupe_key: str

    def columns(self, record: ActivityRecord) -> dict[str, Any]:
        return {
            "contact_id": self.contact_id, "account_id": self.account_id, "kind": record.kind,
            "asset": record.asset, "occurred_at": record.occurred_at,
        }  # fmt: skip


class ActivityWriter:
    def __init__(self, preset_name: str, plan: ColumnPlan, now: datetime) -> None:
        self.source = preset_name
        self.plan = plan

    def identities(
        self, conn: Connection, records: Sequence[Record]
    ) -> list[tuple[Identity, bytes] | list[Problem]]:
        column = self.plan.first_column("activity_id")
        result: list[tuple[Identity, bytes] | list[Problem]] = []
        for record, resolved in zip(records, self._resolve(conn, records), strict=True):
            if isinstance(resolved, list):
                result.append(resolved)
                continue
            label = "activity id" if cast(ActivityRecord, record).activity_id else "event"
            content = digest(sorted(resolved.columns(cast(ActivityRecord, record)).items()))
            result.append((Identity(resolved.dedupe_key, None, column, id_label=label), content))
        return result

    def write(self, conn: Connection, records: Sequence[Record], counts: ImportCounts, run_id: int) -> None:
        batch = cast(Sequence[ActivityRecord], records)
        resolved = [item for item in self._resolve(conn, batch) if isinstance(item, _Resolved)]
        assert len(resolved) == len(batch), "validation resolved every reference"
        existing = rows_by_key(conn, activity, activity.c.dedupe_key, [item.dedupe_key for item in resolved])
        fresh = []
        for record, item in zip(batch, resolved, strict=True):
            wanted = item.columns(record)
            stored = existing.get(item.dedupe_key)
            if stored is None:
                fresh.append({**wanted, "dedupe_key": item.dedupe_key, "source": self.source})
            elif _differs(stored[0]._mapping, wanted):
                conn.execute(update(activity).where(activity.c.id == stored[0].id).values(**wanted))
                counts.updated += 1
            else:
                counts.unchanged += 1
        if fresh:
            conn.execute(insert(activity), fresh)
        counts.inserted += len(fresh)

    def _resolve(self, conn: Connection, records: Sequence[Record]) -> list[_Resolved | list[Problem]]:
        batch = cast(Sequence[ActivityRecord], records)
        contacts_by_id = rows_by_key(conn, contact, contact.c.crm_id, (r.contact_crm_id for r in batch))
        contacts_by_email = rows_by_key(conn, contact, contact.c.email, (r.contact_email for r in batch))
        accounts_by_id = rows_by_key(conn, account, account.c.crm_id, (r.account_crm_id for r in batch))
        live = account.c.merged_into_id.is_(None)
        accounts_by_domain = rows_by_key(
            conn, account, account.c.domain, (r.account_domain for r in batch), live
        )
        result: list[_Resolved | list[Problem]] = []
        for record in batch:
            problems: list[Problem] = []
            found: dict[str, Any] = {}
            for target, value, table_rows, what in (
                ("contact_crm_id", record.contact_crm_id, contacts_by_id, "contact"),
                ("contact_email", record.contact_email, contacts_by_email, "contact"),
                ("account_crm_id", record.account_crm_id, accounts_by_id, "account"),
                ("account_domain", record.account_domain, accounts_by_domain, "account"),
            ):
                if value is None:
                    continue
                rows = table_rows.get(value)
                if not rows:
                    reason = f"unknown {what} {value!r} (import {what}s before their activities)"
                    problems.append(
                        Problem(self.plan.source, record.line, self.plan.first_column(target), reason)
                    )
                else:
                    found.setdefault(what, rows[0])
            if problems:
                result.append(problems)
                continue
            contact_row, account_row = found.get("contact"), found.get("account")
            contact_id = None if contact_row is None else contact_row.id
            if account_row is not None:
                account_id = account_row.id
            else:
                account_id = None if contact_row is None else contact_row.account_id
            result.append(_Resolved(contact_id, account_id, _dedupe_key(record, contact_id, account_id)))
        return result


def _dedupe_key(record: ActivityRecord, contact_id: int | None, account_id: int | None) -> str:
    if record.activity_id and len(record.activity_id) <= _KEY_LENGTH:
        return record.activity_id
    if record.activity_id:
        content = f"id\x00{record.activity_id}"
    else:
        content = "\x00".join(
            (str(contact_id), str(account_id), record.kind, record.asset, record.occurred_at.isoformat())
        )
    return hashlib.sha256(content.encode()).hexdigest()


def _differs(stored: Any, wanted: dict[str, Any]) -> bool:
    return any(stored[name] != value for name, value in wanted.items())

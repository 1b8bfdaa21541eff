"""What the importer's entity writers share: their interface, the counts they keep, one lookup."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy import Column, Connection, Row, Table, select

from enrich.crm.dedupe import Identity
from enrich.crm.validate import Record
from enrich.errors import Problem


@dataclass
class ImportCounts:
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    without_account: int = 0  # contacts no account matched


class EntityWriter(Protocol):
    """Writes one kind of record (accounts, contacts, activities); the importer drives the passes."""

    def identities(
        self, conn: Connection, records: Sequence[Record]
    ) -> list[tuple[Identity, bytes] | list[Problem]]:
        """Per record: its identity and content digest (to find repeats in the file), or its problems.

        Called while validating, before anything is written; may read the store (activities look up the
        contacts and accounts they refer to) but never writes.
        """
        ...

    def write(self, conn: Connection, records: Sequence[Record], counts: ImportCounts, run_id: int) -> None:
        """Insert or update a batch of valid records inside the import's transaction."""
        ...


def rows_by_key(
    conn: Connection, table: Table, key: Column[Any], keys: Iterable[str | None], *conditions: Any
) -> dict[str, list[Row[Any]]]:
    """Rows of ``table`` whose ``key`` is one of ``keys`` (empty keys skipped), by key, oldest first."""
    wanted = sorted({value for value in keys if value})
    if not wanted:
        return {}
    found: dict[str, list[Row[Any]]] = {}
    for row in conn.execute(select(table).where(key.in_(wanted), *conditions).order_by(table.c.id)):
        found.setdefault(row._mapping[key.name], []).append(row)
    return found

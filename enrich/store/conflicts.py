"""INSERT … ON CONFLICT where the database has it (SQLite, PostgreSQL): one statement decides, not Python."""

from __future__ import annotations

from sqlalchemy import Connection, Table
from sqlalchemy.dialects import postgresql, sqlite


def conflict_insert(conn: Connection, table: Table) -> sqlite.Insert | postgresql.Insert | None:
    """An INSERT with ``on_conflict_do_update``/``on_conflict_do_nothing`` for this connection's database;
    None on databases without it (callers then fall back to a portable, slower path)."""
    if conn.dialect.name == "sqlite":
        return sqlite.insert(table)
    if conn.dialect.name == "postgresql":
        return postgresql.insert(table)
    return None

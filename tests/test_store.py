"""The store opens, migrates and refuses databases it does not understand."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import text

from enrich.errors import SchemaMismatch
from enrich.store.db import check_schema, create_store_engine, current_revision, head_revision


def test_first_command_on_new_sqlite_file_creates_schema(
    sqlite_url: str, run_cli: Callable[..., object]
) -> None:
    result = run_cli("--db", sqlite_url, "status", "--json")
    assert result.exit_code == 0, result.output  # type: ignore[attr-defined]
    assert current_revision(create_store_engine(sqlite_url)) == head_revision()


def test_sqlite_store_uses_wal_journal(store) -> None:  # type: ignore[no-untyped-def]
    with store.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"


def test_database_newer_than_code_is_refused_with_clear_message(sqlite_url: str, run_cli) -> None:  # type: ignore[no-untyped-def]
    engine = create_store_engine(sqlite_url)
    check_schema(engine)
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '9999_future'"))
    with pytest.raises(SchemaMismatch, match="newer than this leadscore"):
        check_schema(engine)
    result = run_cli("--db", sqlite_url, "status")
    assert result.exit_code == 2
    assert "newer than this leadscore" in result.stderr


def test_init_reports_up_to_date_on_second_run(sqlite_url: str, run_cli) -> None:  # type: ignore[no-untyped-def]
    assert run_cli("--db", sqlite_url, "init").exit_code == 0
    again = run_cli("--db", sqlite_url, "init")
    assert again.exit_code == 0
    assert "up to date" in again.stdout


@pytest.mark.postgres
def test_postgres_store_migrates_and_reports_status(postgres_url: str, run_cli) -> None:  # type: ignore[no-untyped-def]
    result = run_cli("--db", postgres_url, "init")
    assert result.exit_code == 0, result.output
    assert current_revision(create_store_engine(postgres_url)) == head_revision()
    assert run_cli("--db", postgres_url, "status", "--json").exit_code == 0

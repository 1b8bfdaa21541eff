"""The import and export scenarios on PostgreSQL: same results, same all-or-nothing guarantee."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, func, select

from enrich.store.db import create_store_engine
from enrich.store.schema import account, activity, contact, run
from enrich.store.values import values_for
from tests.crm_support import dump_tables, fixture_copy, flat, import_fixture, import_json

pytestmark = pytest.mark.postgres
Cli = Callable[..., Any]


def test_postgres_import_is_idempotent_and_keeps_crm_history(
    pg_store: Engine, postgres_url: str, run_cli: Cli, tmp_path: Path
) -> None:
    path = fixture_copy("salesforce_dataloader_accounts.csv", tmp_path)
    first = import_json(run_cli, postgres_url, "accounts", path, "--preset", "salesforce")
    assert first["inserted"] == 5
    before = dump_tables(pg_store, skip=("run",))
    again = import_json(run_cli, postgres_url, "accounts", path, "--preset", "salesforce")
    assert (again["inserted"], again["updated"], again["unchanged"]) == (0, 0, 5)
    assert dump_tables(pg_store, skip=("run",)) == before
    report = fixture_copy("salesforce_report_accounts.csv", tmp_path)
    newer = import_json(run_cli, postgres_url, "accounts", report, "--preset", "salesforce")
    assert (newer["updated"], newer["unchanged"]) == (1, 1)
    with pg_store.connect() as conn:
        acme = conn.execute(select(account).where(account.c.name == "Acme Cloud Ltd")).one()
        history = values_for(conn, "account", acme.id, "employee_count")
        runs = conn.execute(select(run.c.kind, run.c.status, run.c.counts).order_by(run.c.id)).all()
    assert acme.employee_count == 260
    assert [(v.candidate.value, v.status) for v in history] == [(260, "accepted"), (240, "superseded")]
    assert [r.counts["inserted"] for r in runs] == [5, 0, 0] and {r.status for r in runs} == {"finished"}


def test_postgres_store_is_unchanged_when_a_row_is_invalid(
    pg_store: Engine, postgres_url: str, run_cli: Cli, tmp_path: Path
) -> None:
    import_fixture(run_cli, postgres_url, "accounts", "generic_accounts.csv", tmp_path)
    before = dump_tables(pg_store)
    path = tmp_path / "bad.csv"
    path.write_text("crm_id,name,employee_count\nG-1,Umbrella Health,9000\nG-9,New Co,many\n")
    result = run_cli("--db", postgres_url, "import", "accounts", path)
    assert result.exit_code == 2
    assert "bad.csv:3: employee_count: not a number: 'many'" in flat(result.stderr)
    assert dump_tables(pg_store) == before


def test_postgres_contacts_and_activities_link_and_import_once(
    pg_store: Engine, postgres_url: str, run_cli: Cli, tmp_path: Path
) -> None:
    import_fixture(run_cli, postgres_url, "accounts", "hubspot_companies.csv", tmp_path, "hubspot")
    contacts = import_fixture(run_cli, postgres_url, "contacts", "hubspot_contacts.csv", tmp_path, "hubspot")
    assert (contacts["inserted"], contacts["without_account"]) == (3, 1)
    events = fixture_copy("activities.csv", tmp_path)
    assert import_json(run_cli, postgres_url, "activities", events)["inserted"] == 4
    assert import_json(run_cli, postgres_url, "activities", events)["unchanged"] == 4
    with pg_store.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(activity)) == 4
        assert (
            conn.scalar(select(func.count()).select_from(contact).where(contact.c.account_id.is_not(None)))
            == 2
        )


def test_postgres_export_reimports_into_sqlite_as_the_same_accounts(
    pg_store: Engine, postgres_url: str, run_cli: Cli, tmp_path: Path
) -> None:
    import_fixture(run_cli, postgres_url, "accounts", "hubspot_companies.csv", tmp_path, "hubspot")
    exported = tmp_path / "export.csv"
    result = run_cli("--db", postgres_url, "export", "accounts", "--preset", "hubspot", "-o", exported)
    assert result.exit_code == 0, result.output
    sqlite_url = f"sqlite:///{tmp_path / 'copy.db'}"
    import_json(run_cli, sqlite_url, "accounts", exported, "--preset", "hubspot")
    columns = [
        account.c[name] for name in ("crm_id", "name", "domain", "employee_count_range", "country", "custom")
    ]
    copy = create_store_engine(sqlite_url)
    with pg_store.connect() as source, copy.connect() as target:
        query = select(*columns).order_by(account.c.crm_id)
        assert [tuple(r) for r in target.execute(query)] == [tuple(r) for r in source.execute(query)]
    copy.dispose()

"""`leadscore export accounts`: CRM column names, value details, scores, formula safety, round trips."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, insert, select

from enrich.store.db import check_schema, create_store_engine
from enrich.store.schema import account, score
from enrich.store.values import Candidate, record_value
from tests.crm_support import fixture_copy, import_fixture

Cli = Callable[..., Any]
NOW = datetime(2025, 6, 1, tzinfo=UTC)
COMPARED = (
    "crm_id", "source", "name", "domain", "website", "industry", "employee_count", "employee_count_range",
    "annual_revenue", "annual_revenue_range", "country", "city", "founded_year", "owner", "custom",
)  # fmt: skip
ROUND_TRIPS = [
    ("salesforce", "salesforce_dataloader_accounts.csv"),
    ("salesforce", "salesforce_excel_de_accounts.csv"),
    ("hubspot", "hubspot_companies.csv"),
    ("generic", "generic_accounts.csv"),
]


def run_ok(run_cli: Cli, *args: Any) -> Any:
    result = run_cli(*args)
    assert result.exit_code == 0, result.output
    return result


def accounts_of(url: str) -> list[dict[str, Any]]:
    engine = create_store_engine(url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(
                select(*(account.c[name] for name in COMPARED)).order_by(account.c.name)
            ).all()
        return [dict(row._mapping) for row in rows]
    finally:
        engine.dispose()


def read_export(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as stream:
        return list(csv.DictReader(stream))


@pytest.mark.parametrize(("preset", "name"), ROUND_TRIPS)
def test_import_export_reimport_gives_the_same_accounts(
    preset: str, name: str, sqlite_url: str, run_cli: Cli, tmp_path: Path
) -> None:
    import_fixture(run_cli, sqlite_url, "accounts", name, tmp_path, preset)
    exported = tmp_path / "export.csv"
    run_ok(run_cli, "--db", sqlite_url, "export", "accounts", "--preset", preset, "-o", exported)
    fresh = f"sqlite:///{tmp_path / 'fresh.db'}"
    run_ok(run_cli, "--db", fresh, "import", "accounts", exported, "--preset", preset)
    original = accounts_of(sqlite_url)
    assert original, "the fixture imported no accounts"
    assert accounts_of(fresh) == original


def test_export_uses_the_crms_column_names_then_custom_then_details(
    sqlite_url: str, run_cli: Cli, tmp_path: Path
) -> None:
    path = fixture_copy("salesforce_dataloader_accounts.csv", tmp_path)
    run_ok(run_cli, "--db", sqlite_url, "import", "accounts", path, "--preset", "salesforce")
    exported = tmp_path / "out.csv"
    result = run_ok(
        run_cli, "--db", sqlite_url, "export", "accounts", "--preset", "salesforce", "-o", exported
    )
    assert "wrote 5 accounts" in result.stdout
    header = exported.read_text(encoding="utf-8").splitlines()[0].split(",")
    assert header[:12] == [
        "Id", "Name", "Website", "Industry", "NumberOfEmployees", "AnnualRevenue", "BillingCountryCode",
        "BillingCity", "YearStarted", "OwnerId", "TYPE", "DESCRIPTION",
    ]  # fmt: skip
    assert header[12:16] == ["name__confidence", "name__source_url", "name__status", "domain"]
    assert header[-4:] == ["score__fit", "score__band", "score__tier", "score__priority"]
    rows = {row["Name"]: row for row in read_export(exported)}
    initech = rows["Initech"]
    assert (initech["NumberOfEmployees"], initech["employee_count__status"], initech["domain"]) == (
        "50-200",
        "accepted",
        "",
    )
    acme = rows["Acme Cloud Ltd"]
    assert (acme["AnnualRevenue"], acme["annual_revenue__confidence"], acme["domain"]) == (
        "35000000",
        "1.0",
        "acmecloud.co.uk",
    )
    assert acme["score__fit"] == "" and acme["founded_year__status"] == ""


def test_export_shows_enrichment_provenance_pending_reviews_and_latest_score(
    store: Engine, sqlite_url: str, run_cli: Cli, tmp_path: Path
) -> None:
    import_fixture(run_cli, sqlite_url, "accounts", "generic_accounts.csv", tmp_path)
    with store.begin() as conn:
        cyberdyne = conn.execute(select(account.c.id).where(account.c.name == "Cyberdyne")).scalar_one()
        revenue = Candidate(
            "annual_revenue", 40_000_000, "€40 million", 0.92, "imprint",
            source_url="https://cyberdyne.ai/impressum", extractor="imprint",
        )  # fmt: skip
        record_value(conn, "account", cyberdyne, revenue, status="accepted", now=NOW)
        founded = Candidate(
            "founded_year", 1984, "1984", 0.55, "llm", source_url="https://cyberdyne.ai/about"
        )
        record_value(conn, "account", cyberdyne, founded, status="pending_review", now=NOW)
        for when, fit in ((NOW.replace(year=2024), 40.0), (NOW, 85.0)):
            conn.execute(
                insert(score),
                {"entity_type": "account", "entity_id": cyberdyne, "ruleset_name": f"icp-{fit}",
                 "ruleset_version": "1", "ruleset_hash": "h", "as_of": when, "fit": fit, "band": "green",
                 "tier": "smb", "priority": 0.7, "explanation": {}, "scored_at": when},
            )  # fmt: skip
    result = run_ok(run_cli, "--db", sqlite_url, "export", "accounts", "-o", "-")
    rows = {row["name"]: row for row in csv.DictReader(io.StringIO(result.stdout))}
    row = rows["Cyberdyne"]
    assert (row["annual_revenue"], row["annual_revenue__confidence"], row["annual_revenue__status"]) == (
        "40000000", "0.92", "accepted",
    )  # fmt: skip
    assert row["annual_revenue__source_url"] == "https://cyberdyne.ai/impressum"
    assert (row["founded_year"], row["founded_year__status"], row["founded_year__confidence"]) == (
        "",
        "pending_review",
        "0.55",
    )
    assert (row["score__fit"], row["score__band"], row["score__tier"], row["score__priority"]) == (
        "85.0",
        "green",
        "smb",
        "0.7",
    )
    assert rows["Umbrella Health"]["score__fit"] == ""


def test_cells_that_spreadsheets_would_run_as_formulas_are_quoted(
    sqlite_url: str, run_cli: Cli, tmp_path: Path
) -> None:
    import_fixture(run_cli, sqlite_url, "accounts", "hubspot_companies.csv", tmp_path, "hubspot")
    result = run_ok(run_cli, "--db", sqlite_url, "export", "accounts", "--preset", "hubspot")
    names = [row["Company name"] for row in csv.DictReader(io.StringIO(result.stdout))]
    assert '\'=HYPERLINK("http://evil.example","click")' in names
    assert all(not name.startswith(("=", "+", "-", "@")) for name in names)


def test_export_is_utf8_without_bom_unless_excel_is_asked_for(
    sqlite_url: str, run_cli: Cli, tmp_path: Path
) -> None:
    import_fixture(
        run_cli, sqlite_url, "accounts", "salesforce_excel_de_accounts.csv", tmp_path, "salesforce"
    )
    plain, excel = tmp_path / "plain.csv", tmp_path / "excel.csv"
    run_ok(run_cli, "--db", sqlite_url, "export", "accounts", "--preset", "salesforce", "-o", plain)
    run_ok(
        run_cli, "--db", sqlite_url, "export", "accounts", "--preset", "salesforce", "-o", excel, "--excel"
    )
    assert plain.read_bytes().startswith(b"Id,Name")
    assert excel.read_bytes().startswith(b"\xef\xbb\xbfId,Name")
    assert "Müller Maschinenbau GmbH" in excel.read_text(encoding="utf-8-sig")


def test_merged_accounts_are_not_exported(
    store: Engine, sqlite_url: str, run_cli: Cli, tmp_path: Path
) -> None:
    import_fixture(run_cli, sqlite_url, "accounts", "generic_accounts.csv", tmp_path)
    with store.begin() as conn:
        ids = dict(conn.execute(select(account.c.name, account.c.id)).all())
        conn.execute(
            account.update()
            .where(account.c.id == ids["Cyberdyne"])
            .values(merged_into_id=ids["Tyrell Systems"])
        )
    result = run_ok(run_cli, "--db", sqlite_url, "export", "accounts")
    assert sorted(row["name"] for row in csv.DictReader(io.StringIO(result.stdout))) == [
        "Tyrell Systems",
        "Umbrella Health",
    ]


def test_unknown_preset_is_refused_with_exit_code_2(sqlite_url: str, run_cli: Cli) -> None:
    result = run_cli("--db", sqlite_url, "export", "accounts", "--preset", "pipedrive")
    assert result.exit_code == 2 and "unknown preset" in result.stderr


def test_export_of_an_empty_store_is_just_the_header(tmp_path: Path, run_cli: Cli) -> None:
    url = f"sqlite:///{tmp_path / 'empty.db'}"
    check_schema(create_store_engine(url))
    result = run_ok(run_cli, "--db", url, "export", "accounts")
    assert result.stdout.count("\n") == 1 and result.stdout.startswith("crm_id,name,domain,")

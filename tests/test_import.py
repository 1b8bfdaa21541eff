"""`leadscore import`: all or nothing, dedupe, idempotent re-import, history, links, reject files, runs."""

from __future__ import annotations

import csv
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, func, select

from enrich.crm.presets import get_preset
from enrich.errors import InputError
from enrich.store.importer import ImportRequest, import_file
from enrich.store.schema import account, activity, contact, field_value, run
from enrich.store.values import accepted_value, values_for
from tests.crm_support import dump_tables, fixture_copy, flat, import_fixture, import_json

Cli = Callable[..., Any]


def accounts_by_name(engine: Engine) -> dict[str, Any]:
    with engine.connect() as conn:
        return {row.name: row for row in conn.execute(select(account))}


def test_salesforce_dataloader_export_is_imported_with_typed_values(
    store: Engine, sqlite_url: str, run_cli: Cli, tmp_path: Path
) -> None:
    path = fixture_copy("salesforce_dataloader_accounts.csv", tmp_path)
    summary = import_json(run_cli, sqlite_url, "accounts", path, "--preset", "salesforce")
    assert (summary["inserted"], summary["updated"], summary["rejected"]) == (5, 0, 0)
    assert summary["custom_columns"] == ["TYPE", "DESCRIPTION"]
    accounts = accounts_by_name(store)
    nordwind = accounts["Nordwind Logistik GmbH"]
    assert (nordwind.crm_id, nordwind.domain, nordwind.country, nordwind.city) == (
        "0015g00000Q1AbCAAV", "nordwind-logistik.de", "DE", "Hamburg",
    )  # fmt: skip
    assert (nordwind.employee_count, nordwind.annual_revenue, nordwind.founded_year) == (85, 12_500_000, 1998)
    assert nordwind.custom == {
        "TYPE": "Customer - Direct",
        "DESCRIPTION": "Freight forwarding,\nNorth Sea ports",
    }
    assert nordwind.source == "salesforce" and nordwind.owner == "0055g000003XyZaAAK"
    assert accounts["Acme Cloud Ltd"].annual_revenue == 35_000_000
    assert (accounts["Bergmann & Söhne AG"].domain, accounts["Bergmann & Söhne AG"].country) == (
        "bergmann-soehne.ch",
        "CH",
    )
    initech = accounts["Initech"]
    assert (initech.employee_count, initech.employee_count_range, initech.domain) == (None, "50-200", None)


def test_every_imported_value_is_an_accepted_crm_field_value_with_its_file_text(
    store: Engine, sqlite_url: str, run_cli: Cli, tmp_path: Path
) -> None:
    path = fixture_copy("salesforce_dataloader_accounts.csv", tmp_path)
    import_json(run_cli, sqlite_url, "accounts", path, "--preset", "salesforce")
    acme = accounts_by_name(store)["Acme Cloud Ltd"]
    with store.connect() as conn:
        revenue = accepted_value(conn, "account", acme.id, "annual_revenue")
        every = values_for(conn, "account", acme.id)
        run_id = conn.scalar(select(run.c.id))
    assert revenue is not None
    assert (revenue.candidate.value, revenue.candidate.value_text) == (35_000_000, "3.5E7")
    assert {value.candidate.field for value in every} == {
        "name", "domain", "website", "industry", "employee_count", "annual_revenue", "country", "city",
    }  # fmt: skip
    for value in every:
        assert (value.status, value.candidate.source_kind, value.candidate.confidence) == (
            "accepted",
            "crm",
            1.0,
        )
        assert (value.candidate.source_url, value.candidate.extractor, value.run_id) == (
            None,
            "crm:salesforce",
            run_id,
        )
    domain = next(value for value in every if value.candidate.field == "domain")
    assert (domain.candidate.value, domain.candidate.value_text) == ("acmecloud.co.uk", "acmecloud.co.uk")


def test_import_is_recorded_as_a_run_with_counts(
    store: Engine, sqlite_url: str, run_cli: Cli, tmp_path: Path
) -> None:
    path = fixture_copy("generic_accounts.csv", tmp_path)
    summary = import_json(run_cli, sqlite_url, "accounts", path)
    with store.connect() as conn:
        recorded = conn.execute(select(run)).one()
    assert (recorded.id, recorded.kind, recorded.status) == (summary["run_id"], "import", "finished")
    assert recorded.counts == {"inserted": 3, "updated": 0, "unchanged": 0, "rejected": 0}
    assert recorded.detail["preset"] == "generic" and recorded.finished_at is not None


def test_reimporting_the_same_file_changes_nothing(
    store: Engine, sqlite_url: str, run_cli: Cli, tmp_path: Path
) -> None:
    path = fixture_copy("salesforce_dataloader_accounts.csv", tmp_path)
    import_json(run_cli, sqlite_url, "accounts", path, "--preset", "salesforce")
    before = dump_tables(store, skip=("run",))
    again = import_json(run_cli, sqlite_url, "accounts", path, "--preset", "salesforce")
    assert (again["inserted"], again["updated"], again["unchanged"]) == (0, 0, 5)
    assert dump_tables(store, skip=("run",)) == before, "a re-import wrote rows or timestamps"
    with store.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(run)) == 2


def test_newer_export_updates_account_and_keeps_crm_history(
    store: Engine, sqlite_url: str, run_cli: Cli, tmp_path: Path
) -> None:
    import_fixture(
        run_cli, sqlite_url, "accounts", "salesforce_dataloader_accounts.csv", tmp_path, "salesforce"
    )
    acme_before = accounts_by_name(store)["Acme Cloud Ltd"]
    # The report export names the same records by their 15-character ids; Acme grew from 240 to 260.
    report = fixture_copy("salesforce_report_accounts.csv", tmp_path)
    summary = import_json(run_cli, sqlite_url, "accounts", report, "--preset", "salesforce")
    assert (summary["inserted"], summary["updated"], summary["unchanged"]) == (0, 1, 1)
    acme = accounts_by_name(store)["Acme Cloud Ltd"]
    assert acme.employee_count == 260 and acme.updated_at > acme_before.updated_at
    with store.connect() as conn:
        history = values_for(conn, "account", acme.id, "employee_count")
    assert [(value.candidate.value, value.status) for value in history] == [
        (260, "accepted"),
        (240, "superseded"),
    ]


def test_emptied_crm_cell_withdraws_the_crm_value(
    store: Engine, sqlite_url: str, run_cli: Cli, tmp_path: Path
) -> None:
    path = tmp_path / "accounts.csv"
    path.write_text("crm_id,name,industry\nA-1,Acme,Software\n")
    import_json(run_cli, sqlite_url, "accounts", path)
    path.write_text("crm_id,name,industry\nA-1,Acme,\n")
    assert import_json(run_cli, sqlite_url, "accounts", path)["updated"] == 1
    acme = accounts_by_name(store)["Acme"]
    assert acme.industry is None
    with store.connect() as conn:
        assert [v.status for v in values_for(conn, "account", acme.id, "industry")] == ["superseded"]


def test_invalid_rows_abort_with_every_problem_and_leave_the_store_unchanged(
    store: Engine, sqlite_url: str, run_cli: Cli, tmp_path: Path
) -> None:
    import_fixture(run_cli, sqlite_url, "accounts", "generic_accounts.csv", tmp_path)
    before = dump_tables(store)
    path = tmp_path / "bad.csv"
    path.write_text(
        "crm_id,name,employee_count,country,website\n"
        "B-1,Good Co,10,DE,good.example\n"
        "B-2,,lots,Atlantis,good.example\n"
        "B-3,Third,-4,DE,localhost\n"
    )
    result = run_cli("--db", sqlite_url, "import", "accounts", path)
    assert result.exit_code == 2
    for expected in (
        "bad.csv:3: name: the account name is empty",
        "bad.csv:3: employee_count: not a number: 'lots'",
        "bad.csv:3: country: unknown country: 'Atlantis'",
        "bad.csv:4: employee_count: negative numbers are not allowed: '-4'",
        "bad.csv:4: website: no registrable domain in 'localhost'",
        "nothing was imported",
    ):
        assert expected in flat(result.stderr), result.stderr
    assert dump_tables(store) == before


def test_input_error_carries_the_problems_for_callers(store: Engine, tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text("name,founded_year\nAcme,1492\nBeta,soon\n")
    with pytest.raises(InputError) as caught:
        import_file(store, ImportRequest("accounts", path, get_preset("generic")))
    assert [(p.line, p.column) for p in caught.value.problems] == [(2, "founded_year"), (3, "founded_year")]


def test_missing_required_column_is_an_error_naming_file_and_column(
    sqlite_url: str, run_cli: Cli, tmp_path: Path
) -> None:
    path = tmp_path / "contacts.csv"
    path.write_text("Title,Phone\nCTO,123\n")
    result = run_cli("--db", sqlite_url, "import", "contacts", path, "--preset", "hubspot")
    assert result.exit_code == 2
    assert (
        "contacts.csv:1: Email or First Name or Last Name: no column for email or first_name or last_name"
        in flat(result.stderr)
    )


def test_skip_invalid_imports_valid_rows_and_writes_rejects_with_line_and_reason(
    store: Engine, sqlite_url: str, run_cli: Cli, tmp_path: Path
) -> None:
    path = tmp_path / "mixed.csv"
    path.write_text("name,employee_count,segment\nGood,12,a\nBad,twelve,b\nAlso Good,3,c\n")
    summary = import_json(run_cli, sqlite_url, "accounts", path, "--skip-invalid")
    assert (summary["inserted"], summary["rejected"]) == (2, 1)
    assert summary["reject_file"] == str(tmp_path / "mixed.csv.rejects.csv")
    with open(summary["reject_file"], newline="", encoding="utf-8") as stream:
        rejected = list(csv.DictReader(stream))
    assert rejected == [
        {"name": "Bad", "employee_count": "twelve", "segment": "b", "line": "3",
         "reason": "employee_count: not a number: 'twelve'"},
    ]  # fmt: skip
    assert set(accounts_by_name(store)) == {"Good", "Also Good"}
    with store.connect() as conn:
        assert conn.scalar(select(run.c.counts))["rejected"] == 1


def test_reject_file_location_can_be_chosen(sqlite_url: str, run_cli: Cli, tmp_path: Path) -> None:
    path = tmp_path / "mixed.csv"
    path.write_text("name,employee_count\nBad,twelve\n")
    target = tmp_path / "out" / "rejects.csv"
    target.parent.mkdir()
    result = run_cli(
        "--db", sqlite_url, "import", "accounts", path, "--skip-invalid", "--reject-file", target
    )
    assert result.exit_code == 0, result.output
    assert "1 rejected row(s) written to" in flat(result.stdout) and target.is_file()


def test_same_crm_id_twice_with_different_values_is_a_problem_naming_both_lines(
    sqlite_url: str, run_cli: Cli, tmp_path: Path
) -> None:
    path = tmp_path / "dupes.csv"
    path.write_text("crm_id,name,city\nA-1,Acme,Berlin\nA-2,Beta,Rome\nA-1,Acme,Paris\n")
    result = run_cli("--db", sqlite_url, "import", "accounts", path)
    assert result.exit_code == 2
    assert "dupes.csv:2: crm_id: same CRM id A-1 as line 4 but different values" in flat(result.stderr)
    assert "dupes.csv:4: crm_id: same CRM id A-1 as line 2 but different values" in flat(result.stderr)


def test_identical_repeated_rows_are_imported_once(
    store: Engine, sqlite_url: str, run_cli: Cli, tmp_path: Path
) -> None:
    path = tmp_path / "repeats.csv"
    path.write_text('crm_id,name,employee_count\nA-1,Acme,1200\nA-1,Acme,"1,200"\n')
    summary = import_json(run_cli, sqlite_url, "accounts", path)
    assert (summary["inserted"], summary["repeated"]) == (1, 1)


def test_import_rejects_file_with_duplicate_domains(sqlite_url: str, run_cli: Cli, tmp_path: Path) -> None:
    path = tmp_path / "domains.csv"
    path.write_text("name,website\nAcme,https://acme.com\nACME Inc,www.acme.com/de\n")
    result = run_cli("--db", sqlite_url, "import", "accounts", path)
    assert result.exit_code == 2
    assert "domains.csv:3: website: same domain acme.com as line 2 but different values" in flat(
        result.stderr
    )


def test_row_without_crm_id_sharing_a_domain_with_a_crm_record_is_a_problem(
    sqlite_url: str, run_cli: Cli, tmp_path: Path
) -> None:
    path = tmp_path / "domains.csv"
    path.write_text(
        "crm_id,name,domain\nA-1,Acme,acme.com\n,Acme Germany,acme.com\nA-2,Acme Holding,acme.com\n"
    )
    result = run_cli("--db", sqlite_url, "import", "accounts", path)
    assert result.exit_code == 2
    assert "domains.csv:3: no CRM id, but line 2 has the same domain acme.com with CRM id A-1" in flat(
        result.stderr
    )
    assert "domains.csv:4" not in flat(result.stderr)  # CRM records may share a domain


def test_rows_without_crm_id_are_matched_by_domain_against_the_store(
    store: Engine, sqlite_url: str, run_cli: Cli, tmp_path: Path
) -> None:
    first = tmp_path / "a.csv"
    first.write_text("name,website,industry\nAcme,https://www.acme.com,Software\n")
    import_json(run_cli, sqlite_url, "accounts", first)
    second = tmp_path / "b.csv"
    second.write_text("crm_id,name,domain,industry\nSF-9,Acme,acme.com,SaaS\n")
    summary = import_json(run_cli, sqlite_url, "accounts", second)
    assert (summary["inserted"], summary["updated"]) == (0, 1)
    (acme,) = accounts_by_name(store).values()
    assert (acme.crm_id, acme.industry, acme.website) == ("SF-9", "SaaS", "https://www.acme.com")


def test_german_excel_file_in_cp1252_with_semicolons_is_imported(
    store: Engine, sqlite_url: str, run_cli: Cli, tmp_path: Path
) -> None:
    path = fixture_copy("salesforce_excel_de_accounts.csv", tmp_path)
    summary = import_json(run_cli, sqlite_url, "accounts", path, "--preset", "salesforce")
    assert (summary["encoding"], summary["delimiter"], summary["inserted"]) == ("cp1252", ";", 3)
    accounts = accounts_by_name(store)
    mueller = accounts["Müller Maschinenbau GmbH"]
    assert (mueller.employee_count, mueller.annual_revenue, mueller.country) == (1200, 3_500_000, "DE")
    assert accounts["Gasthof Zur Post"].country == "AT"
    assert accounts["Präzision & Co. KG"].employee_count_range == "50-200"


def test_mapping_file_maps_own_columns(store: Engine, sqlite_url: str, run_cli: Cli, tmp_path: Path) -> None:
    path = tmp_path / "own.csv"
    path.write_text("Firma,Mitarbeiter,Land,Notiz\nAcme GmbH,250,Deutschland,secret\n")
    mapping = tmp_path / "map.toml"
    mapping.write_text(
        '[columns]\nFirma = "name"\nMitarbeiter = "employee_count"\nLand = "country"\nNotiz = "ignore"\n'
    )
    summary = import_json(run_cli, sqlite_url, "accounts", path, "--mapping", mapping)
    assert summary["ignored_columns"] == ["Notiz"] and summary["custom_columns"] == []
    acme = accounts_by_name(store)["Acme GmbH"]
    assert (acme.employee_count, acme.country, acme.custom) == (250, "DE", {})


def test_mapping_with_unknown_field_fails_naming_mapping_file_and_line(
    sqlite_url: str, run_cli: Cli, tmp_path: Path
) -> None:
    path = tmp_path / "own.csv"
    path.write_text("Firma\nAcme\n")
    mapping = tmp_path / "map.toml"
    mapping.write_text('[columns]\nFirma = "company"\n')
    result = run_cli("--db", sqlite_url, "import", "accounts", path, "--mapping", mapping)
    assert result.exit_code == 2
    assert "map.toml:2: Firma: unknown field 'company'" in flat(result.stderr)


def test_human_summary_lists_custom_columns_once(sqlite_url: str, run_cli: Cli, tmp_path: Path) -> None:
    result = run_cli("--db", sqlite_url, "import", "accounts", fixture_copy("generic_accounts.csv", tmp_path))
    assert result.exit_code == 0, result.output
    assert flat(result.stdout).count("kept as custom fields: segment") == 1
    assert "inserted" in result.stdout


def test_contacts_link_by_account_id_then_email_domain_else_none(
    store: Engine, sqlite_url: str, run_cli: Cli, tmp_path: Path
) -> None:
    import_fixture(
        run_cli, sqlite_url, "accounts", "salesforce_dataloader_accounts.csv", tmp_path, "salesforce"
    )
    path = fixture_copy("salesforce_dataloader_contacts.csv", tmp_path)
    summary = import_json(run_cli, sqlite_url, "contacts", path, "--preset", "salesforce")
    assert (summary["inserted"], summary["without_account"]) == (4, 1)
    assert summary["custom_columns"] == ["LEADSOURCE"]
    accounts = accounts_by_name(store)
    with store.connect() as conn:
        links = {
            row.email: row.account_id for row in conn.execute(select(contact.c.email, contact.c.account_id))
        }
    assert links == {
        "jana.koehler@nordwind-logistik.de": accounts["Nordwind Logistik GmbH"].id,
        "o.smith@acmecloud.co.uk": accounts["Acme Cloud Ltd"].id,
        "homer@globex.com": accounts["Globex Corporation"].id,
        "pat.freelancer@gmail.com": None,
    }
    again = import_json(run_cli, sqlite_url, "contacts", path, "--preset", "salesforce")
    assert (again["inserted"], again["updated"], again["unchanged"]) == (0, 0, 4)


def test_salesforce_report_with_accounts_and_contacts_imports_both(
    store: Engine, sqlite_url: str, run_cli: Cli, tmp_path: Path
) -> None:
    path = fixture_copy("lwc_recipes_Accounts-Contacts.csv", tmp_path)
    accounts = import_json(run_cli, sqlite_url, "accounts", path, "--preset", "salesforce")
    assert (accounts["inserted"], accounts["repeated"]) == (10, 4)
    assert accounts["ignored_columns"][0] == "Contact: First Name"
    contacts = import_json(run_cli, sqlite_url, "contacts", path, "--preset", "salesforce", "--skip-invalid")
    # Accounts without contacts are rows without a contact: rejected, not guessed at.
    assert (contacts["inserted"], contacts["rejected"], contacts["without_account"]) == (6, 8, 0)


def test_hubspot_contacts_link_by_company_id_and_count_unlinked(
    store: Engine, sqlite_url: str, run_cli: Cli, tmp_path: Path
) -> None:
    import_fixture(run_cli, sqlite_url, "accounts", "hubspot_companies.csv", tmp_path, "hubspot")
    summary = import_fixture(run_cli, sqlite_url, "contacts", "hubspot_contacts.csv", tmp_path, "hubspot")
    assert (summary["inserted"], summary["without_account"]) == (3, 1)


def import_people(run_cli: Cli, url: str, tmp_path: Path) -> None:
    import_fixture(run_cli, url, "accounts", "hubspot_companies.csv", tmp_path, "hubspot")
    import_fixture(run_cli, url, "contacts", "hubspot_contacts.csv", tmp_path, "hubspot")


def test_activities_link_to_contacts_and_accounts_and_import_once(
    store: Engine, sqlite_url: str, run_cli: Cli, tmp_path: Path
) -> None:
    import_people(run_cli, sqlite_url, tmp_path)
    path = fixture_copy("activities.csv", tmp_path)
    summary = import_json(run_cli, sqlite_url, "activities", path, "--preset", "hubspot")
    assert (summary["inserted"], summary["repeated"]) == (4, 1)
    accounts = accounts_by_name(store)
    with store.connect() as conn:
        events = conn.execute(select(activity).order_by(activity.c.occurred_at)).all()
        mia = conn.execute(select(contact).where(contact.c.email == "mia.chen@brightwave.io")).one()
    assert [(e.kind, e.asset) for e in events] == [
        ("visit", "pricing-page"), ("download", "whitepaper-ai-roi"), ("form_fill", "cta-contact-us"),
        ("webinar", "webinar-q1-roadmap"),
    ]  # fmt: skip
    assert events[0].dedupe_key == "ev-1001" and len(events[2].dedupe_key) == 64
    assert (events[0].contact_id, events[0].account_id) == (mia.id, accounts["Brightwave Analytics"].id)
    assert (events[3].contact_id, events[3].account_id) == (None, accounts["Brightwave Analytics"].id)
    assert events[1].occurred_at == datetime(2024, 3, 5, 15, 1, tzinfo=UTC)
    before = dump_tables(store, skip=("run",))
    again = import_json(run_cli, sqlite_url, "activities", path, "--preset", "hubspot")
    assert (again["inserted"], again["unchanged"]) == (0, 4)
    assert dump_tables(store, skip=("run",)) == before


def test_activity_with_unknown_contact_is_a_row_problem(
    sqlite_url: str, run_cli: Cli, tmp_path: Path
) -> None:
    import_people(run_cli, sqlite_url, tmp_path)
    path = tmp_path / "events.csv"
    path.write_text(
        "contact_email,account_crm_id,kind,asset,occurred_at\n"
        "nobody@nowhere.example,,visit,pricing-page,2024-01-01\n"
        "mia.chen@brightwave.io,999,visit,pricing-page,2024-01-01\n"
    )
    result = run_cli("--db", sqlite_url, "import", "activities", path)
    assert result.exit_code == 2
    assert "events.csv:2: contact_email: unknown contact 'nobody@nowhere.example'" in flat(result.stderr)
    assert "events.csv:3: account_crm_id: unknown account '999'" in flat(result.stderr)


def test_missing_file_is_an_input_error(sqlite_url: str, run_cli: Cli, tmp_path: Path) -> None:
    result = run_cli("--db", sqlite_url, "import", "accounts", tmp_path / "nope.csv")
    assert result.exit_code == 2
    assert "file not found" in flat(result.stderr)


@pytest.mark.slow
@pytest.mark.timeout(900)  # about 2 minutes on a busy 2-core machine; the default 300 s is too tight
def test_200k_account_import_streams_in_bounded_memory(store: Engine, tmp_path: Path) -> None:
    import psutil

    path = tmp_path / "big.csv"
    with path.open("w", encoding="utf-8", newline="") as stream:
        writer = csv.writer(stream)
        writer.writerow(
            ["crm_id", "name", "website", "industry", "employee_count", "country", "city", "note"]
        )
        for number in range(200_000):
            writer.writerow([f"C{number:07d}", f"Company {number}", f"https://www.company{number}.com",
                             "Software", str(10 + number % 5000), "DE", "Berlin", "x" * 40])  # fmt: skip
    process = psutil.Process()
    baseline = process.memory_info().rss
    peak = baseline
    started = datetime.now(UTC)

    def watch(phase: str, done: int) -> None:
        nonlocal peak
        peak = max(peak, process.memory_info().rss)

    summary = import_file(store, ImportRequest("accounts", path, get_preset("generic")), progress=watch)
    seconds = (datetime.now(UTC) - started).total_seconds()
    growth_mb = (peak - baseline) / 2**20
    print(f"200k accounts: {seconds:.1f} s, peak RSS growth {growth_mb:.0f} MB")
    assert summary.inserted == 200_000
    assert growth_mb < 300, f"peak RSS grew by {growth_mb:.0f} MB"
    with store.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(field_value)) == 200_000 * 7

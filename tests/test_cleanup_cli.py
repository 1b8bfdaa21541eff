"""``leadscore cleanup`` end to end: the dry run changes nothing, --apply writes, re-scores and records the
run, exit codes, reports, --only/--since, and clear errors for bad options."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select, update

from enrich.cleanup.lock import RunLock
from enrich.store.db import check_schema, create_store_engine
from enrich.store.schema import account, field_value, run
from tests.cleanup_data import NOW, add_account, add_contacts, column
from tests.conftest import CliResult
from tests.crm_support import dump_tables, flat

Cli = Callable[..., CliResult]


def messy_crm(store: Engine) -> dict[str, int]:
    """A small CRM with one of each problem the cleanup handles."""
    ids = {
        "germany": add_account(store, "Nordlicht Medien GmbH", crm_id="A1", country="Deutschland",
                               industry="Software Development", employee_count=80, domain="nordlicht.de"),
        "spaces": add_account(store, "  Brightlane   Logistics Ltd ", crm_id="A2", country="GB",
                              city="London", domain="brightlane.co.uk"),
        "shouting": add_account(store, "DONAUSYS BAUTECHNIK GMBH", crm_id="A3", country="AT",
                                domain="donausys.at"),
        "zero": add_account(store, "Zero Staff AG", crm_id="A4", country="CH", employee_count=0,
                            domain="zero.ch"),
        "keep": add_account(store, "Acme Software GmbH", crm_id="A5", domain="acme-software.de", country="DE",
                            city="Berlin", industry="Software", employee_count=120),
        "twin": add_account(store, "ACME Software GmbH", domain="acme-software.de", country="DE",
                            city="Berlin"),
        "maybe": add_account(store, "Acme Software Solutions", domain="acme-software.de", country="DE",
                             city="Berlin"),
    }  # fmt: skip
    add_contacts(store, ids["keep"], 2, activities_each=2)
    add_contacts(store, ids["twin"], 1, activities_each=3)
    return ids


def cleanup(run_cli: Cli, url: str, *args: str) -> CliResult:
    return run_cli("--db", url, "cleanup", *args)


def test_a_dry_run_shows_every_change_and_changes_nothing(
    store: Engine, sqlite_url: str, run_cli: Cli
) -> None:
    messy_crm(store)
    before = dump_tables(store)
    result = cleanup(run_cli, sqlite_url)
    assert result.exit_code == 0, result.output
    assert dump_tables(store) == before, "a dry run wrote to the database"
    shown = flat(result.stdout)
    for expected in ("Deutschland → DE", "Software Development → Software", "employee count 0",
                     "merge into", "dry run: nothing changed", "run again with --apply"):  # fmt: skip
        assert expected in shown, expected
    as_json = cleanup(run_cli, sqlite_url, "--json")
    plan = json.loads(as_json.stdout)
    assert plan["dry_run"] is True and plan["run_id"] is None
    changes = {
        (item["field"], item["before"], item["after"], item["action"]) for item in plan["plan"]["changes"]
    }
    assert ("country", "Deutschland", "DE", "apply") in changes
    assert ("name", "DONAUSYS BAUTECHNIK GMBH", "Donausys Bautechnik GmbH", "review") in changes
    assert dump_tables(store) == before


def test_apply_writes_merges_rescores_records_the_run_and_exits_4_for_review(
    store: Engine, sqlite_url: str, run_cli: Cli
) -> None:
    ids = messy_crm(store)
    result = cleanup(run_cli, sqlite_url, "--apply", "--json")
    assert result.exit_code == 4, result.output
    summary = json.loads(result.stdout)
    counts = summary["counts"]
    assert counts["applied_merged"] == 1 and counts["applied_values_normalised"] >= 3
    assert counts["awaiting_review"] == 3, "name case, the zero headcount and one merge proposal"
    assert column(store, ids["germany"], "country") == "DE"
    assert column(store, ids["twin"], "merged_into_id") == ids["keep"]
    assert column(store, ids["zero"], "employee_count") is None
    assert counts["rescored"] >= 4 and "band_changed" in counts and "handoff_changed" in counts
    runs = json.loads(run_cli("--db", sqlite_url, "runs", "--json").stdout)
    cleanup_runs = [item for item in runs if item["kind"] == "cleanup"]
    assert len(cleanup_runs) == 1 and cleanup_runs[0]["status"] == "finished"
    assert cleanup_runs[0]["counts"]["merged"] == 1 and cleanup_runs[0]["duration_s"] is not None
    listed = run_cli("--db", sqlite_url, "runs")
    assert "cleanup" in listed.stdout
    again = cleanup(run_cli, sqlite_url, "--apply", "--json")
    assert again.exit_code == 4, "the same three items still await review"
    again_counts = json.loads(again.stdout)["counts"]
    assert (
        again_counts["changes_apply"] == again_counts["applied_merged"] == again_counts["changes_review"] == 0
    )


def test_exit_0_when_nothing_awaits_review(store: Engine, sqlite_url: str, run_cli: Cli) -> None:
    add_account(store, "Nordlicht Medien GmbH", crm_id="A1", country="Deutschland")
    result = cleanup(run_cli, sqlite_url, "--apply")
    assert result.exit_code == 0, result.output
    assert "cleanup run" in result.stdout


def test_a_second_cleanup_while_one_runs_exits_0_with_a_message(
    store: Engine, sqlite_url: str, run_cli: Cli
) -> None:
    add_account(store, "Nordlicht Medien GmbH", crm_id="A1", country="Deutschland")
    running = RunLock(store)
    running.acquire()
    before = dump_tables(store)
    result = cleanup(run_cli, sqlite_url, "--apply")
    assert result.exit_code == 0, result.output
    assert "another cleanup is running" in flat(result.stderr) and "error" not in result.stderr.lower()
    assert dump_tables(store) == before, "the second run must not touch anything (not even record a run)"
    running.release()


def test_only_selected_steps_run(store: Engine, sqlite_url: str, run_cli: Cli) -> None:
    ids = messy_crm(store)
    result = cleanup(run_cli, sqlite_url, "--apply", "--only", "duplicates", "--json")
    summary = json.loads(result.stdout)
    assert summary["plan"]["steps"] == ["duplicates"] and summary["plan"]["changes"] == []
    assert column(store, ids["germany"], "country") == "Deutschland"
    assert column(store, ids["twin"], "merged_into_id") == ids["keep"]


def test_since_looks_only_at_accounts_changed_since_the_date(
    store: Engine, sqlite_url: str, run_cli: Cli
) -> None:
    old = add_account(store, "Old GmbH", crm_id="A1", country="Deutschland")
    new = add_account(store, "New GmbH", crm_id="A2", country="Österreich")
    with store.begin() as conn:
        conn.execute(update(account).where(account.c.id == old).values(updated_at=NOW - timedelta(days=400)))
        conn.execute(update(account).where(account.c.id == new).values(updated_at=NOW + timedelta(days=1)))
    with store.begin() as conn:  # the old account's value rows were observed long ago too
        conn.execute(
            update(field_value)
            .where(field_value.c.entity_id == old)
            .values(observed_at=NOW - timedelta(days=400))
        )
    result = cleanup(run_cli, sqlite_url, "--only", "normalise", "--since", NOW.date().isoformat(), "--json")
    changes = json.loads(result.stdout)["plan"]["changes"]
    assert [(item["account_id"], item["after"]) for item in changes] == [(new, "AT")]


def test_the_report_is_written_as_html_or_json(
    store: Engine, sqlite_url: str, run_cli: Cli, tmp_path: Path
) -> None:
    messy_crm(store)
    add_account(store, "<script>alert(1)</script> GmbH", crm_id="X1", country="Deutschland")
    html_file, json_file = tmp_path / "report.html", tmp_path / "report.json"
    assert cleanup(run_cli, sqlite_url, "--report", html_file).exit_code == 0
    page = html_file.read_text(encoding="utf-8")
    assert "dry run: nothing was changed" in page and "Deutschland" in page
    assert "<script>" not in page and "&lt;script&gt;" in page
    assert "candidate pairs compared" in page and "changed band" in page
    assert cleanup(run_cli, sqlite_url, "--report", json_file).exit_code == 0
    data: dict[str, Any] = json.loads(json_file.read_text(encoding="utf-8"))
    assert data["plan"]["counts"]["changes_apply"] >= 3


@pytest.mark.parametrize(
    "args, message",
    [
        (("--only", "normalise,dedupe"), "dedupe: not a cleanup step"),
        (("--only", ","), "--only: no step given"),
        (("--since", "last tuesday"), "--since: not a date or ISO time: 'last tuesday'"),
        (("--report", "report.pdf"), "use a .html or .json file name"),
        (("--stale-after", "soon"), "--stale-after: cannot read 'soon'"),
    ],
)
def test_bad_options_are_refused_with_the_reason(
    store: Engine, sqlite_url: str, run_cli: Cli, args: tuple[str, ...], message: str
) -> None:
    result = cleanup(run_cli, sqlite_url, *args)
    assert result.exit_code == 2, result.output
    assert message in flat(result.stderr)


def test_a_failed_run_is_recorded_as_failed(
    store: Engine, sqlite_url: str, run_cli: Cli, tmp_path: Path
) -> None:
    add_account(store, "Nordlicht Medien GmbH", crm_id="A1", country="Deutschland")
    bad = tmp_path / "missing-dir" / "report.html"
    result = cleanup(run_cli, sqlite_url, "--apply", "--report", bad)
    assert result.exit_code == 2 and "cannot write it" in flat(result.stderr)
    with store.connect() as conn:
        statuses = list(conn.scalars(select(run.c.status).where(run.c.kind == "cleanup")))
    assert statuses == ["finished"], "the run itself finished; only the report could not be written"


@pytest.mark.postgres
def test_apply_on_postgresql(postgres_url: str, run_cli: Cli) -> None:
    engine = create_store_engine(postgres_url)
    check_schema(engine)
    try:
        keep = add_account(engine, "Acme Software GmbH", crm_id="A5", domain="acme-software.de", country="DE",
                           city="Berlin", industry="Software Development", employee_count=120)  # fmt: skip
        twin = add_account(
            engine, "ACME Software GmbH", domain="acme-software.de", country="DE", city="Berlin"
        )
        add_contacts(engine, twin, 2, activities_each=1)
        result = run_cli("--db", postgres_url, "cleanup", "--apply", "--json")
        assert result.exit_code == 0, result.output
        counts = json.loads(result.stdout)["counts"]
        assert (counts["applied_merged"], counts["applied_values_normalised"]) == (1, 1)
        assert (
            column(engine, twin, "merged_into_id") == keep and column(engine, keep, "industry") == "Software"
        )
        assert cleanup(run_cli, postgres_url, "--apply").exit_code == 0
    finally:
        engine.dispose()

"""`leadscore backtest --outcomes`: the store's accounts scored as of each decision date."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine

from enrich.store.db import check_schema, create_store_engine
from tests.backtest_rows import add_account, add_activity, add_contact, write_outcomes, write_ruleset

DECIDED = "2024-03-01"
BEFORE = datetime(2024, 2, 20, tzinfo=UTC)
AFTER = datetime(2024, 3, 10, tzinfo=UTC)


def _flat(text: str) -> str:
    """Output with Rich's line wrapping undone."""
    return " ".join(text.split())


def _backtest(
    run_cli: Callable[..., Any], sqlite_url: str, ruleset: Path, outcomes: Path, *extra: str
) -> Any:
    return run_cli(
        "--db",
        sqlite_url,
        "backtest",
        "--ruleset",
        ruleset,
        "--outcomes",
        outcomes,
        "--json",
        "--resamples",
        "200",
        *extra,
    )


def _twins(store: Engine, won_activity_at: datetime) -> tuple[int, int]:
    """Two accounts alike in every field; only the won one has a contact-us click, at the given time."""
    won = add_account(store, "Won GmbH", employee_count=300, crm_id="crm-won", domain="won.example")
    lost = add_account(store, "Lost AG", employee_count=300, crm_id="crm-lost", domain="lost.example")
    person = add_contact(store, won, "buyer@won.example")
    add_activity(store, "cta-contact-us", won_activity_at, contact_id=person)
    return won, lost


def test_activities_after_the_decision_date_are_not_counted(
    run_cli: Callable[..., Any], store: Engine, sqlite_url: str, tmp_path: Path
) -> None:
    won, lost = _twins(store, AFTER)
    outcomes = write_outcomes(
        tmp_path / "outcomes.csv", [(str(won), "won", DECIDED), (str(lost), "lost", DECIDED)]
    )
    result = _backtest(run_cli, sqlite_url, write_ruleset(tmp_path), outcomes)
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["auc"] == 0.5, "the click after the decision must not tell the won account apart"


def test_activities_before_the_decision_date_are_counted(
    run_cli: Callable[..., Any], store: Engine, sqlite_url: str, tmp_path: Path
) -> None:
    won, lost = _twins(store, BEFORE)
    outcomes = write_outcomes(
        tmp_path / "outcomes.csv", [(str(won), "won", DECIDED), (str(lost), "lost", DECIDED)]
    )
    report = json.loads(_backtest(run_cli, sqlite_url, write_ruleset(tmp_path), outcomes).stdout)
    assert report["auc"] == 1.0


def test_each_case_is_scored_as_of_its_own_decision_date(
    run_cli: Callable[..., Any], store: Engine, sqlite_url: str, tmp_path: Path
) -> None:
    """One account, two deals: lost before the click, won after it."""
    account_id = add_account(store, "Twice Ltd", employee_count=300)
    add_activity(store, "cta-contact-us", datetime(2024, 5, 1, tzinfo=UTC), account_id=account_id)
    rows = [(str(account_id), "lost", "2024-04-01"), (str(account_id), "won", "2024-05-02")]
    report = json.loads(
        _backtest(
            run_cli, sqlite_url, write_ruleset(tmp_path), write_outcomes(tmp_path / "o.csv", rows)
        ).stdout
    )
    assert report["n"] == 2
    assert report["auc"] == 1.0


def test_outcomes_may_name_accounts_by_crm_id_or_domain(
    run_cli: Callable[..., Any], store: Engine, sqlite_url: str, tmp_path: Path
) -> None:
    _twins(store, BEFORE)
    ruleset = write_ruleset(tmp_path)
    by_crm = write_outcomes(
        tmp_path / "crm.csv", [("crm-won", "1", DECIDED), ("crm-lost", "0", DECIDED)], "crm_id"
    )
    by_domain = write_outcomes(
        tmp_path / "dom.csv", [("WON.example", "yes", DECIDED), ("lost.example", "no", DECIDED)], "domain"
    )
    for outcomes in (by_crm, by_domain):
        result = _backtest(run_cli, sqlite_url, ruleset, outcomes)
        assert result.exit_code == 0, result.output
        assert json.loads(result.stdout)["auc"] == 1.0


def test_outcome_rows_naming_unknown_accounts_are_listed_and_refused(
    run_cli: Callable[..., Any], store: Engine, sqlite_url: str, tmp_path: Path
) -> None:
    won, lost = _twins(store, BEFORE)
    rows = [
        (str(won), "won", DECIDED),
        ("999", "lost", DECIDED),
        (str(lost), "lost", DECIDED),
        ("1000", "won", DECIDED),
    ]
    outcomes = write_outcomes(tmp_path / "outcomes.csv", rows)
    result = _backtest(run_cli, sqlite_url, write_ruleset(tmp_path), outcomes)
    assert result.exit_code == 2
    assert "2 row(s) name accounts that are not in the store" in _flat(result.stderr)
    assert "outcomes.csv:3: account_id: no account '999' in the store" in _flat(result.stderr)
    assert "outcomes.csv:5: account_id: no account '1000' in the store" in _flat(result.stderr)
    assert "--ignore-unknown" in _flat(result.stderr)


def test_ignore_unknown_leaves_those_rows_out_with_a_warning(
    run_cli: Callable[..., Any], store: Engine, sqlite_url: str, tmp_path: Path
) -> None:
    won, lost = _twins(store, BEFORE)
    rows = [(str(won), "won", DECIDED), ("999", "lost", DECIDED), (str(lost), "lost", DECIDED)]
    outcomes = write_outcomes(tmp_path / "outcomes.csv", rows)
    result = _backtest(run_cli, sqlite_url, write_ruleset(tmp_path), outcomes, "--ignore-unknown")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["n"] == 2
    assert "no account '999'" in _flat(result.stderr)


def test_bad_outcome_values_and_dates_in_an_outcomes_file_name_their_lines(
    run_cli: Callable[..., Any], store: Engine, sqlite_url: str, tmp_path: Path
) -> None:
    won, lost = _twins(store, BEFORE)
    rows = [(str(won), "pending", DECIDED), (str(lost), "lost", "next week")]
    result = _backtest(run_cli, sqlite_url, write_ruleset(tmp_path), write_outcomes(tmp_path / "o.csv", rows))
    assert result.exit_code == 2
    assert "o.csv:2: outcome: outcome 'pending' is not one of" in _flat(result.stderr)
    assert "o.csv:3: decision_date: not a date/time: 'next week'" in _flat(result.stderr)


def test_single_class_outcomes_from_the_store_are_a_clear_error(
    run_cli: Callable[..., Any], store: Engine, sqlite_url: str, tmp_path: Path
) -> None:
    won, lost = _twins(store, BEFORE)
    rows = [(str(won), "lost", DECIDED), (str(lost), "lost", DECIDED)]
    result = _backtest(run_cli, sqlite_url, write_ruleset(tmp_path), write_outcomes(tmp_path / "o.csv", rows))
    assert result.exit_code == 2
    assert "all 2 outcomes are negative" in _flat(result.stderr)


@pytest.mark.postgres
def test_store_backtest_runs_on_postgresql_without_peeking(
    run_cli: Callable[..., Any], postgres_url: str, tmp_path: Path
) -> None:
    engine = create_store_engine(postgres_url)
    check_schema(engine)
    try:
        won, lost = _twins(engine, AFTER)
        add_activity(engine, "pricing-page", BEFORE, account_id=lost, kind="visit")
    finally:
        engine.dispose()
    rows = [(str(won), "won", DECIDED), (str(lost), "lost", DECIDED)]
    result = _backtest(
        run_cli, postgres_url, write_ruleset(tmp_path), write_outcomes(tmp_path / "o.csv", rows)
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["auc"] == 0.0, "only the lost account engaged before the decision"

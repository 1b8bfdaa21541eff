"""``leadscore runs``: past runs with status, duration, counts, tokens and cost."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, insert

from enrich.store.schema import run
from tests.conftest import CliResult

START = datetime(2024, 5, 1, 9, 0, tzinfo=UTC)


def _run_row(
    kind: str, status: str, started_after: timedelta, took: timedelta | None, **extra: object
) -> dict[str, object]:
    row: dict[str, object] = {"kind": kind, "status": status, "started_at": START + started_after}
    row["finished_at"] = START + started_after + took if took is not None else None
    row |= {"counts": {}, "tokens_in": 0, "tokens_out": 0, "cost_usd": 0.0, "detail": {}}
    return row | extra


def _add_runs(engine: Engine) -> None:
    rows = [
        _run_row("import", "finished", timedelta(0), timedelta(seconds=4), counts={"accounts": 120}),
        _run_row(
            "enrich",
            "stopped",
            timedelta(hours=1),
            timedelta(minutes=3, seconds=5),
            counts={"verified": 40, "review": 7},
            tokens_in=51234,
            tokens_out=4321,
            cost_usd=0.0103,
        ),
        _run_row("score", "running", timedelta(hours=2), None),
    ]
    with engine.begin() as conn:
        conn.execute(insert(run), rows)


def test_runs_json_lists_newest_first_with_duration_tokens_and_cost(
    store: Engine, sqlite_url: str, run_cli: Callable[..., CliResult]
) -> None:
    _add_runs(store)
    result = run_cli("--db", sqlite_url, "runs", "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert [item["kind"] for item in report] == ["score", "enrich", "import"]
    enrich = report[1]
    assert enrich["status"] == "stopped" and enrich["duration_s"] == 185.0
    assert (enrich["tokens_in"], enrich["tokens_out"], enrich["cost_usd"]) == (51234, 4321, 0.0103)
    assert enrich["counts"] == {"verified": 40, "review": 7}
    assert enrich["started_at"] == "2024-05-01T10:00:00+00:00"
    assert report[0]["finished_at"] is None and report[0]["duration_s"] is None


def test_runs_limit_and_table(
    store: Engine, sqlite_url: str, run_cli: Callable[..., CliResult], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "120")  # a wide terminal; at 80 columns the counts wrap
    _add_runs(store)
    limited = run_cli("--db", sqlite_url, "runs", "--limit", "1", "--json")
    assert [item["kind"] for item in json.loads(limited.stdout)] == ["score"]
    table = run_cli("--db", sqlite_url, "runs")
    assert table.exit_code == 0, table.output
    for expected in ("enrich", "stopped", "3m05s", "review=7", "verified=40", "55,555", "$0.0103", "running"):
        assert expected in table.stdout, expected


def test_runs_on_an_empty_store_says_so(sqlite_url: str, run_cli: Callable[..., CliResult]) -> None:
    result = run_cli("--db", sqlite_url, "runs")
    assert result.exit_code == 0 and "no runs yet" in result.stdout
    assert json.loads(run_cli("--db", sqlite_url, "runs", "--json").stdout) == []


def test_runs_rejects_a_limit_below_one(sqlite_url: str, run_cli: Callable[..., CliResult]) -> None:
    assert run_cli("--db", sqlite_url, "runs", "--limit", "0").exit_code == 2

"""`leadscore review` and `leadscore reviewer`: reviewers decide low-confidence values from the terminal."""

from __future__ import annotations

import io
import json
import os
import pty
import select as io_select
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, func, select

from enrich.store.schema import field_value, review_event, reviewer
from tests.conftest import CliResult
from tests.review_data import ANSI_RED, Seeded, account_row, events_for, field_value_row, seed_review_queue

RunCli = Callable[..., CliResult]
REPO = Path(__file__).resolve().parent.parent


@pytest.fixture
def seeded(store: Engine) -> Seeded:
    return seed_review_queue(store)


@pytest.fixture
def review(sqlite_url: str, run_cli: RunCli, monkeypatch: pytest.MonkeyPatch) -> RunCli:
    monkeypatch.setenv("COLUMNS", "250")  # wide enough that Rich does not wrap the cells the tests look for

    def invoke(*args: object) -> CliResult:
        return run_cli("--db", sqlite_url, "review", *[str(arg) for arg in args])

    return invoke


def _all_values(engine: Engine) -> list[Any]:
    with engine.connect() as conn:
        return list(conn.execute(select(field_value).order_by(field_value.c.id)))


def _event_count(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.scalar(select(func.count()).select_from(review_event)) or 0)


def test_list_shows_every_pending_value_with_account_field_value_source_and_quote(
    seeded: Seeded, review: RunCli
) -> None:
    result = review("list")
    assert result.exit_code == 0, result.output
    for expected in ("5 values awaiting review", "Acme Logistics", "industry", "Software", "0.62", "llm"):
        assert expected in result.stdout, f"{expected!r} missing from:\n{result.stdout}"
    assert "Acme builds routing" in result.stdout


def test_list_exits_zero_even_when_values_are_pending(seeded: Seeded, review: RunCli) -> None:
    assert review("list", "--json").exit_code == 0


def test_list_json_filters_by_field_min_confidence_and_account(seeded: Seeded, review: RunCli) -> None:
    by_field = json.loads(review("list", "--json", "--field", "industry").stdout)
    assert [item["id"] for item in by_field] == [seeded.acme_industry, seeded.globex_industry]
    confident = json.loads(review("list", "--json", "--min-confidence", "0.8").stdout)
    assert {item["id"] for item in confident} == {seeded.globex_industry, seeded.globex_country}
    acme = json.loads(review("list", "--json", "--account", "acme").stdout)
    assert {item["id"] for item in acme} == {seeded.acme_industry, seeded.acme_employees}
    by_id = json.loads(review("list", "--json", "--account", str(seeded.globex)).stdout)
    assert {item["id"] for item in by_id} == {seeded.globex_industry, seeded.globex_country}
    first = by_field[0]
    assert first["evidence"].startswith("Acme builds routing software")
    assert first["source_url"] == "https://acme.example/about" and first["confidence"] == 0.62


def test_list_sorts_by_age_newest_first(seeded: Seeded, review: RunCli) -> None:
    items = json.loads(review("list", "--json", "--sort", "age", "--desc").stdout)
    assert items[0]["id"] == seeded.globex_country
    assert items[-1]["id"] == seeded.acme_employees
    assert review("list", "--sort", "colour").exit_code == 2


def test_list_strips_ansi_escapes_and_control_characters_from_web_content(
    seeded: Seeded, review: RunCli
) -> None:
    result = review("list", "--field", "city")
    assert result.exit_code == 0
    assert "red alert" in result.stdout
    assert "\x1b" not in result.stdout and "\x07" not in result.stdout
    raw = json.loads(review("list", "--json", "--field", "city").stdout)
    assert ANSI_RED in raw[0]["evidence"], "JSON keeps the stored text (escaped by JSON itself)"
    assert "\x1b" not in review("list", "--json", "--field", "city").stdout


def test_approve_accepts_value_keeps_provenance_and_writes_audit_event(
    store: Engine, seeded: Seeded, review: RunCli
) -> None:
    result = review("approve", seeded.globex_industry, "--reason", "matches their site", "--as", "alice")
    assert result.exit_code == 0, result.output
    row = field_value_row(store, seeded.globex_industry)
    assert (row.status, row.decided_by, row.source_kind, row.extractor) == (
        "accepted",
        "alice",
        "jsonld",
        "jsonld.organization",
    )
    assert row.version == 2 and row.decided_at is not None
    (event,) = events_for(store, seeded.globex_industry)
    assert (event.action, event.actor, event.reason) == ("approve", "alice", "matches their site")
    assert event.before["status"] == "pending_review" and event.after["status"] == "accepted"
    assert f"event {event.id}" in result.stdout
    assert account_row(store, seeded.globex).industry == "Manufacturing"


def test_approving_value_that_contradicts_crm_supersedes_crm_value(
    store: Engine, seeded: Seeded, review: RunCli
) -> None:
    assert account_row(store, seeded.acme).industry == "Logistics"
    assert review("approve", seeded.acme_industry, "--as", "alice").exit_code == 0
    crm = field_value_row(store, seeded.acme_industry_crm)
    assert (crm.status, crm.decided_by) == ("superseded", "alice")
    assert account_row(store, seeded.acme).industry == "Software"


def test_reject_keeps_the_value_with_reason_and_removes_it_from_the_queue(
    store: Engine, seeded: Seeded, review: RunCli
) -> None:
    result = review("reject", seeded.initech_city, "--reason", "not a city", "--as", "bob")
    assert result.exit_code == 0, result.output
    row = field_value_row(store, seeded.initech_city)
    assert (row.status, row.reason, row.decided_by) == ("rejected", "not a city", "bob")
    ids = [item["id"] for item in json.loads(review("list", "--json").stdout)]
    assert seeded.initech_city not in ids


def test_edit_stores_reviewer_value_that_wins_and_supersedes_the_proposal(
    store: Engine, seeded: Seeded, review: RunCli
) -> None:
    result = review(
        "edit", seeded.acme_employees, "--value", "200-250", "--as", "alice", "--reason", "range on site"
    )
    assert result.exit_code == 0, result.output
    original = field_value_row(store, seeded.acme_employees)
    assert original.status == "superseded" and original.decided_by == "alice"
    (event,) = events_for(store, seeded.acme_employees)
    new = field_value_row(store, event.after["new_value_id"])
    assert (new.source_kind, new.confidence, new.status, new.value) == (
        "reviewer",
        1.0,
        "accepted",
        {"min": 200, "max": 250},
    )
    acme = account_row(store, seeded.acme)
    assert acme.employee_count is None and acme.employee_count_range == "200-250"


def test_edit_refuses_a_value_that_does_not_fit_the_field_and_changes_nothing(
    store: Engine, seeded: Seeded, review: RunCli
) -> None:
    before = _all_values(store)
    result = review("edit", seeded.acme_employees, "--value", "lots")
    assert result.exit_code == 2
    assert "employee_count" in result.stderr and "not a whole number" in result.stderr
    assert review("edit", seeded.globex_country, "--value", "Atlantis").exit_code == 2
    assert _all_values(store) == before and _event_count(store) == 0


def test_deciding_an_already_decided_value_exits_2_and_says_who_and_when(
    seeded: Seeded, review: RunCli
) -> None:
    assert review("approve", seeded.globex_country, "--as", "alice").exit_code == 0
    again = review("reject", seeded.globex_country, "--as", "bob")
    assert again.exit_code == 2
    assert "already decided by alice at 20" in again.stderr and "accepted" in again.stderr


def test_approving_several_ids_is_all_or_nothing(store: Engine, seeded: Seeded, review: RunCli) -> None:
    assert review("reject", seeded.globex_country).exit_code == 0
    result = review("approve", seeded.globex_industry, seeded.globex_country)
    assert result.exit_code == 2
    assert field_value_row(store, seeded.globex_industry).status == "pending_review"
    assert review("approve", 999_999).exit_code == 2


def test_bulk_approve_without_terminal_and_without_yes_is_refused_and_changes_nothing(
    store: Engine, seeded: Seeded, review: RunCli
) -> None:
    before = _all_values(store)
    result = review("approve", "--above", "0.8", "--field", "industry")
    assert result.exit_code == 2
    assert "refusing to approve 1 values without confirmation" in result.stderr and "--yes" in result.stderr
    assert _all_values(store) == before


def test_bulk_approve_with_yes_approves_exactly_the_matching_values(
    store: Engine, seeded: Seeded, review: RunCli
) -> None:
    result = review("approve", "--above", "0.8", "--yes", "--as", "script")
    assert result.exit_code == 0, result.output
    assert "approved 2 values" in result.stdout
    statuses = {row.id: row.status for row in _all_values(store)}
    assert statuses[seeded.globex_industry] == statuses[seeded.globex_country] == "accepted"
    assert statuses[seeded.acme_industry] == statuses[seeded.acme_employees] == "pending_review"
    assert len(events_for(store, seeded.globex_country)) == 1


def test_approve_needs_ids_or_a_bulk_selection_but_not_both(seeded: Seeded, review: RunCli) -> None:
    assert review("approve").exit_code == 2
    assert review("approve", seeded.acme_industry, "--above", "0.5").exit_code == 2


def test_bulk_approve_asks_for_confirmation_on_a_terminal(
    sqlite_url: str, store: Engine, seeded: Seeded
) -> None:
    """A real pseudo-terminal: the prompt shows the count; answering y approves, n changes nothing."""
    answered_no = _run_on_terminal(sqlite_url, ["review", "approve", "--above", "0.8"], answer="n")
    assert "Approve 2 pending values (confidence ≥ 0.8)?" in answered_no
    assert "nothing approved" in answered_no
    assert field_value_row(store, seeded.globex_country).status == "pending_review"
    answered_yes = _run_on_terminal(sqlite_url, ["review", "approve", "--above", "0.8"], answer="y")
    assert "approved 2 values" in answered_yes
    assert field_value_row(store, seeded.globex_country).status == "accepted"


def _run_on_terminal(sqlite_url: str, args: list[str], *, answer: str, timeout_s: float = 30.0) -> str:
    leader, follower = pty.openpty()
    env = {key: value for key, value in os.environ.items() if not key.startswith("LEADSCORE_")}
    command = [sys.executable, "-c", "from enrich.cli.main import main; main()", "--db", sqlite_url, *args]
    with subprocess.Popen(
        command, stdin=follower, stdout=follower, stderr=follower, cwd=REPO, env=env | {"COLUMNS": "200"}
    ) as process:
        os.close(follower)
        output, answered = b"", False
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            ready, _, _ = io_select.select([leader], [], [], 0.2)
            if ready:
                try:
                    chunk = os.read(leader, 4096)
                except OSError:  # the child closed the terminal
                    break
                if not chunk:
                    break
                output += chunk
            if not answered and b"[y/N]" in output:
                os.write(leader, f"{answer}\n".encode())
                answered = True
            if process.poll() is not None and not ready:
                break
        process.wait(timeout=5)
        os.close(leader)
    text = output.decode(errors="replace")
    assert answered, f"no confirmation prompt within {timeout_s}s:\n{text}"
    assert process.returncode == 0, text
    return text


def test_undo_restores_the_previous_state_exactly_and_a_second_undo_is_refused(
    store: Engine, seeded: Seeded, review: RunCli
) -> None:
    values_before, acme_before = _all_values(store), account_row(store, seeded.acme)
    assert review("approve", seeded.acme_industry, "--as", "alice").exit_code == 0
    (event,) = events_for(store, seeded.acme_industry)
    result = review("undo", event.id, "--as", "alice")
    assert result.exit_code == 0, result.output
    assert "pending_review again" in result.stdout
    restored = _all_values(store)
    ignore_version = [{k: v for k, v in row._mapping.items() if k != "version"} for row in restored]
    assert ignore_version == [
        {k: v for k, v in row._mapping.items() if k != "version"} for row in values_before
    ]
    assert account_row(store, seeded.acme).industry == acme_before.industry == "Logistics"
    again = review("undo", event.id)
    assert again.exit_code == 2 and "already undone" in again.stderr
    undo_event = events_for(store, seeded.acme_industry)[-1]
    assert review("undo", undo_event.id).exit_code == 2
    assert review("undo", 424242).exit_code == 2


def test_undo_of_an_edit_withdraws_the_reviewer_value_and_restores_the_column(
    store: Engine, seeded: Seeded, review: RunCli
) -> None:
    assert review("edit", seeded.globex_country, "--value", "Austria").exit_code == 0
    assert account_row(store, seeded.globex).country == "AT"
    (event,) = events_for(store, seeded.globex_country)
    assert review("undo", event.id).exit_code == 0
    assert field_value_row(store, seeded.globex_country).status == "pending_review"
    assert field_value_row(store, event.after["new_value_id"]).status == "superseded"
    assert account_row(store, seeded.globex).country is None


def test_undo_is_refused_when_the_value_was_decided_again_since(
    store: Engine, seeded: Seeded, review: RunCli
) -> None:
    assert review("approve", seeded.acme_employees).exit_code == 0
    (approved,) = events_for(store, seeded.acme_employees)
    assert review("undo", approved.id).exit_code == 0
    assert review("reject", seeded.acme_employees).exit_code == 0
    history = json.loads(review("history", "--json", "--value", seeded.acme_employees).stdout)
    assert [event["action"] for event in history] == ["reject", "undo", "approve"]
    assert history[2]["undone_by"] == history[1]["id"]


def test_history_lists_decisions_newest_first(seeded: Seeded, review: RunCli) -> None:
    review("approve", seeded.globex_country, "--as", "alice")
    review("reject", seeded.initech_city, "--as", "bob")
    result = review("history")
    assert result.exit_code == 0
    assert result.stdout.index("reject") < result.stdout.index("approve")


def test_reviewer_add_list_disable_enable(
    sqlite_url: str, store: Engine, run_cli: RunCli, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO("correct horse battery\n"))
    added = run_cli("--db", sqlite_url, "reviewer", "add", "alice", "--password-stdin")
    assert added.exit_code == 0, added.output
    with store.connect() as conn:
        stored = conn.execute(select(reviewer)).one()
    assert stored.password_hash.startswith("$argon2id$") and "correct horse" not in stored.password_hash
    listed = json.loads(run_cli("--db", sqlite_url, "reviewer", "list", "--json").stdout)
    assert [(r["username"], r["disabled"]) for r in listed] == [("alice", False)]
    assert run_cli("--db", sqlite_url, "reviewer", "disable", "alice").exit_code == 0
    assert json.loads(run_cli("--db", sqlite_url, "reviewer", "list", "--json").stdout)[0]["disabled"] is True
    assert run_cli("--db", sqlite_url, "reviewer", "enable", "alice").exit_code == 0
    assert run_cli("--db", sqlite_url, "reviewer", "disable", "nobody").exit_code == 2


def test_reviewer_add_refuses_short_password_duplicate_name_and_missing_terminal(
    sqlite_url: str, store: Engine, run_cli: RunCli, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO("short\n"))
    short = run_cli("--db", sqlite_url, "reviewer", "add", "alice", "--password-stdin")
    assert short.exit_code == 2 and "at least 10 characters" in short.stderr
    monkeypatch.setattr(sys, "stdin", io.StringIO("long enough password\n"))
    assert run_cli("--db", sqlite_url, "reviewer", "add", "alice", "--password-stdin").exit_code == 0
    monkeypatch.setattr(sys, "stdin", io.StringIO("long enough password\n"))
    duplicate = run_cli("--db", sqlite_url, "reviewer", "add", "alice", "--password-stdin")
    assert duplicate.exit_code == 2 and "already exists" in duplicate.stderr
    no_terminal = run_cli("--db", sqlite_url, "reviewer", "add", "bob")
    assert no_terminal.exit_code == 2 and "--password-stdin" in no_terminal.stderr


def test_serve_refuses_to_start_without_any_enabled_reviewer(
    sqlite_url: str, store: Engine, run_cli: RunCli
) -> None:
    result = run_cli("--db", sqlite_url, "serve", "--port", "1")
    assert result.exit_code == 2
    assert "leadscore reviewer add" in result.stderr

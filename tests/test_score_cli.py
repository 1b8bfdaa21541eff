"""The scoring commands on a real store: score, explain, top, handoff, pick (rows inserted directly)."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, func, insert, select, update

from enrich.errors import ConflictError
from enrich.store.db import check_schema, create_store_engine
from enrich.store.handoffs import claim, read_scores
from enrich.store.schema import account, activity, contact, handoff, score
from tests.conftest import CliResult

AS_OF = datetime(2024, 6, 1, tzinfo=UTC)
MITTELSTAND = Path(__file__).resolve().parent.parent / "examples" / "rulesets" / "mittelstand.toml"
Cli = Callable[..., CliResult]


def add_account(engine: Engine, name: str, **columns: Any) -> int:
    values = {
        "name": name,
        "source": "test",
        "custom": {},
        "created_at": AS_OF,
        "updated_at": AS_OF,
    } | columns
    with engine.begin() as conn:
        return int(conn.execute(insert(account).returning(account.c.id), values).scalar_one())


def add_contact(engine: Engine, account_id: int, **columns: Any) -> int:
    values = {"account_id": account_id, "custom": {}, "created_at": AS_OF, "updated_at": AS_OF} | columns
    with engine.begin() as conn:
        return int(conn.execute(insert(contact).returning(contact.c.id), values).scalar_one())


def add_activity(engine: Engine, asset: str, days_ago: float, *, kind: str = "visit", **links: int) -> None:
    with engine.begin() as conn:
        count = conn.scalar(select(func.count()).select_from(activity)) or 0
        conn.execute(
            insert(activity).values(
                dedupe_key=f"a{count}",
                kind=kind,
                asset=asset,
                occurred_at=AS_OF - timedelta(days=days_ago),
                source="test",
                **links,
            )
        )


def score_rows(engine: Engine) -> list[dict[str, Any]]:
    with engine.connect() as conn:
        return [dict(row) for row in conn.execute(select(score).order_by(score.c.entity_id)).mappings()]


@pytest.fixture
def acme(store: Engine) -> dict[str, int]:
    """Acme: a software company in Germany with an engaged CTO and a student; revenue unknown."""
    acme_id = add_account(
        store,
        "Acme GmbH",
        domain="acme.io",
        industry="Software",
        employee_count=250,
        country="DE",
        custom={"lead_source": "Partner"},
    )
    ada = {"first_name": "Ada", "last_name": "Byron", "email": "ada@acme.io", "title": "CTO"}
    cto = add_contact(store, acme_id, **ada, seniority="c_level", department="engineering")
    student = add_contact(store, acme_id, email="kid@gmail.com", title="Working Student")
    add_activity(store, "pricing-page", 3, contact_id=cto, account_id=acme_id)
    add_activity(store, "demo-request", 1, kind="form_fill", contact_id=cto, account_id=acme_id)
    add_activity(store, "whitepaper-ai-roi", 10, kind="download", contact_id=student)
    add_activity(store, "webinar-q2", 20, account_id=acme_id)
    add_activity(store, "mystery-page", 2, contact_id=cto)
    tiny = {"industry": "Retail", "employee_count": 4, "country": "BR", "annual_revenue": 200_000}
    small = add_account(store, "Tiny Shop", domain="tiny.example", **tiny)
    return {"acme": acme_id, "cto": cto, "student": student, "small": small}


def test_score_stores_one_row_per_account_and_rescoring_is_idempotent(
    store: Engine, sqlite_url: str, run_cli: Cli, acme: dict[str, int]
) -> None:
    first = run_cli("--db", sqlite_url, "score", "--as-of", "2024-06-01", "--json")
    assert first.exit_code == 0, first.output
    summary = json.loads(first.stdout)
    assert summary["scored"] == 2
    assert summary["unmapped_assets"] == {"mystery-page": 1}
    rows = score_rows(store)
    assert [row["entity_id"] for row in rows] == [acme["acme"], acme["small"]]
    assert rows[0]["best_contact_id"] == acme["cto"]
    assert rows[0]["explanation"]["ruleset"]["name"] == "saas-icp"
    assert len(rows[0]["ruleset_hash"]) == 64
    again = run_cli("--db", sqlite_url, "score", "--as-of", "2024-06-01")
    assert again.exit_code == 0, again.output
    assert "scored 2 accounts with saas-icp@1" in again.stdout
    rerun = score_rows(store)
    assert len(rerun) == 2
    for before, after in zip(rows, rerun, strict=True):
        assert {k: v for k, v in before.items() if k != "scored_at"} == {
            k: v for k, v in after.items() if k != "scored_at"
        }


def test_changed_only_rescores_accounts_whose_data_or_activities_changed(
    store: Engine, sqlite_url: str, run_cli: Cli, acme: dict[str, int]
) -> None:
    third = add_account(store, "Third AG", domain="third.example", employee_count=80, country="AT")
    assert run_cli("--db", sqlite_url, "score", "--as-of", "2024-06-01").exit_code == 0
    nothing = run_cli("--db", sqlite_url, "score", "--as-of", "2024-06-01", "--changed-only", "--json")
    assert json.loads(nothing.stdout)["scored"] == 0, nothing.output
    with store.begin() as conn:
        conn.execute(update(account).where(account.c.id == third).values(updated_at=datetime.now(UTC)))
    add_activity(store, "pricing-page", 1, contact_id=acme["student"])
    changed = run_cli("--db", sqlite_url, "score", "--as-of", "2024-06-01", "--changed-only", "--json")
    assert changed.exit_code == 0, changed.output
    assert (
        json.loads(changed.stdout)["scored"] == 2
    )  # Third AG (updated) and Acme (new activity), not Tiny Shop
    other = run_cli("--db", sqlite_url, "score", "--changed-only", "--json", "--ruleset", MITTELSTAND)
    assert json.loads(other.stdout)["scored"] == 3  # a ruleset never scored before: everything is new to it


def test_explain_shows_rules_tier_events_contacts_and_missing_fields(
    sqlite_url: str, run_cli: Cli, acme: dict[str, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "200")  # a wide terminal: table cells are not folded
    result = run_cli("--db", sqlite_url, "explain", "acme.io", "--as-of", "2024-06-01")
    assert result.exit_code == 0, result.output
    for expected in (
        "Acme GmbH (acme.io)",
        "fit 75–100 → band undetermined",
        "50+ employees",
        "target industry",
        "missing: annual_revenue could swing fit by -15/+10",
        "tier uncertain: one of enterprise, mid_market",
        "demo-request",
        "unmapped assets: mystery-page ×1",
        "Ada Byron",
        "call first: contact",
        "priority 1.2 × (0.6 × 75.00",  # uncertain tier: the lower weight (mid_market)
    ):
        assert expected in result.stdout, f"{expected!r} missing from:\n{result.stdout}"
    data = json.loads(run_cli("--db", sqlite_url, "explain", str(acme["acme"]), "--json").stdout)
    assert data["account"]["domain"] == "acme.io"
    assert data["explanation"]["missing_fields"][0]["field"] == "annual_revenue"
    assert data["best_contact_id"] == acme["cto"]


def test_explain_with_ambiguous_name_lists_candidates_and_exits_2(
    store: Engine, sqlite_url: str, run_cli: Cli, acme: dict[str, int]
) -> None:
    add_account(store, "Acme Inc", domain="acme.com")
    result = run_cli("--db", sqlite_url, "explain", "acme")
    assert result.exit_code == 2
    assert "2 accounts match 'acme'" in result.stderr
    assert "Acme GmbH (acme.io)" in result.stderr and "Acme Inc (acme.com)" in result.stderr
    assert run_cli("--db", sqlite_url, "explain", "nobody.example").exit_code == 2


def test_bad_ruleset_names_file_line_and_rule_and_exits_2(sqlite_url: str, run_cli: Cli) -> None:
    rules = Path("rules.toml")  # the test runs in its own temporary directory
    rules.write_text(
        '[ruleset]\nname = "x"\nversion = 1\n\n[fit]\n'
        '[[fit.rule]]\nwhen = "employee_count > 50"\npoints = 50\n'
        '[[fit.rule]]\nwhen = "employes > 5"\npoints = 1\n'
    )
    result = run_cli("--db", sqlite_url, "score", "--ruleset", rules)
    assert result.exit_code == 2
    message = " ".join(result.stderr.split())  # the error console wraps long lines when not a terminal
    assert (
        "rules.toml:10: fit.rule[1].when: unknown field 'employes' (did you mean 'employee_count'?)"
        in message
    )


def test_top_lists_accounts_by_priority_with_their_best_contact(
    sqlite_url: str, run_cli: Cli, acme: dict[str, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "200")
    assert run_cli("--db", sqlite_url, "score", "--as-of", "2024-06-01").exit_code == 0
    listed = json.loads(run_cli("--db", sqlite_url, "top", "--json").stdout)
    assert [row["name"] for row in listed] == ["Acme GmbH", "Tiny Shop"]
    assert listed[0]["best_contact"] == "Ada Byron"
    assert (listed[0]["fit_min"], listed[0]["fit_max"]) == (75, 100)
    table = run_cli("--db", sqlite_url, "top", "--limit", "5")
    assert table.exit_code == 0 and "Acme GmbH" in table.stdout and "75–100" in table.stdout
    reds = json.loads(run_cli("--db", sqlite_url, "top", "--band", "red", "--json").stdout)
    assert [row["name"] for row in reds] == ["Tiny Shop"]


@pytest.fixture
def mittelstand_accounts(store: Engine) -> dict[str, int]:
    """Priorities under the article's ruleset (no engagement): 90, 72, 57.6 and 36."""
    base = {"industry": "Maschinenbau", "country": "DE", "annual_revenue": 10_000_000}
    accounts = {
        "konzern": ("Konzern AG", {"employee_count": 5000}),
        "mittel": ("Mittel GmbH", {"employee_count": 120}),
        "export": ("Export GmbH", {"employee_count": 120, "country": "US"}),
        "klein": ("Klein KG", {"employee_count": 60, "industry": "Retail", "country": "FR"}),
    }
    return {
        key: add_account(store, name, domain=f"{key}.de", **base | columns)
        for key, (name, columns) in accounts.items()
    }


CAPACITY = "team,rep,capacity,open_leads,territory,tiers\nbusy,bob,10,9,,\nidle,ida,10,2,,\nidle,ivan,1,0,,\n"


def test_handoff_moves_thresholds_by_capacity_respects_it_and_never_hands_over_twice(
    store: Engine, tmp_path: Path, sqlite_url: str, run_cli: Cli, mittelstand_accounts: dict[str, int]
) -> None:
    ids = mittelstand_accounts
    capacity = tmp_path / "capacity.csv"
    capacity.write_text(CAPACITY)
    common = ("--db", sqlite_url)
    assert run_cli(*common, "score", "--ruleset", MITTELSTAND, "--as-of", "2024-06-01").exit_code == 0
    handoff_args = (*common, "handoff", "--ruleset", MITTELSTAND, "--capacity", capacity, "--json")
    dry = json.loads(run_cli(*handoff_args, "--dry-run").stdout)
    assert {team["team"]: team["threshold"] for team in dry["thresholds"]} == {"busy": 85, "idle": 55}
    assert dry["recorded"] == 0 and score_rows(store) and _handoffs(store) == []
    result = run_cli(*handoff_args)
    assert result.exit_code == 0, result.output
    plan = json.loads(result.stdout)
    # the overloaded team's raised threshold (85) lets only Konzern (90) through, but ivan is idler;
    # Mittel (72) and Export (57.6) clear only the idle team's lowered threshold (55); Klein (36) none
    assert [(a["account_id"], a["rep"]) for a in plan["assignments"]] == [
        (ids["konzern"], "ivan"),
        (ids["mittel"], "ida"),
        (ids["export"], "ida"),
    ]
    assert plan["recorded"] == 3
    assert [(row["account_id"], row["rep"], row["kind"]) for row in _handoffs(store)] == [
        (ids["konzern"], "ivan", "handoff"),
        (ids["mittel"], "ida", "handoff"),
        (ids["export"], "ida", "handoff"),
    ]
    again = json.loads(run_cli(*handoff_args).stdout)
    assert again["assignments"] == [] and again["recorded"] == 0
    assert {team["team"]: team["open_leads"] for team in again["thresholds"]} == {"busy": 9, "idle": 5}
    printed = run_cli(*common, "handoff", "--ruleset", MITTELSTAND, "--capacity", capacity, "--dry-run")
    assert "hand-off thresholds" in printed.stdout and "+15" in printed.stdout and "-15" in printed.stdout


def _handoffs(engine: Engine) -> list[dict[str, Any]]:
    with engine.connect() as conn:
        return [dict(row) for row in conn.execute(select(handoff).order_by(handoff.c.id)).mappings()]


def test_pick_takes_the_best_unclaimed_account_and_a_taken_one_is_a_conflict(
    store: Engine, sqlite_url: str, run_cli: Cli, mittelstand_accounts: dict[str, int]
) -> None:
    common = ("--db", sqlite_url)
    assert run_cli(*common, "score", "--ruleset", MITTELSTAND).exit_code == 0
    anna = run_cli(*common, "pick", "--rep", "anna", "--ruleset", MITTELSTAND)
    assert anna.exit_code == 0, anna.output
    assert "picked Konzern AG (konzern.de) for anna" in anna.stdout
    ben = json.loads(run_cli(*common, "pick", "--rep", "ben", "--ruleset", MITTELSTAND, "--json").stdout)
    assert [item["name"] for item in ben["picked"]] == ["Mittel GmbH"]
    taken = run_cli(*common, "pick", "--rep", "ben", "--account", "konzern.de", "--ruleset", MITTELSTAND)
    assert taken.exit_code == 2
    assert "is already taken by anna (pick" in taken.stderr
    filtered = run_cli(*common, "pick", "--rep", "cy", "--min-score", "80", "--ruleset", MITTELSTAND)
    assert filtered.exit_code == 0 and "nothing to pick" in filtered.stdout
    assert len(_handoffs(store)) == 2


def _claim_race(url: str, account_id: int, reps: list[str]) -> tuple[list[str], list[str]]:
    """Each rep, in its own thread and connection, claims the same account at the same moment."""
    barrier = threading.Barrier(len(reps))
    winners: list[str] = []
    losers: list[str] = []

    def attempt(rep: str) -> None:
        engine = create_store_engine(url)
        try:
            with engine.connect() as conn:
                [candidate] = read_scores(conn, "mittelstand", account_id=account_id)
            barrier.wait(timeout=10)
            with engine.begin() as conn:
                claim(conn, candidate, rep=rep, claimed_at=datetime.now(UTC))
            winners.append(rep)
        except ConflictError as err:
            losers.append(str(err))
        except Exception as err:  # surfaces in the assertion below instead of dying with the thread
            losers.append(f"unexpected {err!r}")
        finally:
            engine.dispose()

    threads = [threading.Thread(target=attempt, args=(rep,)) for rep in reps]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return winners, losers


def test_concurrent_claims_on_one_account_have_exactly_one_winner(
    sqlite_url: str, run_cli: Cli, mittelstand_accounts: dict[str, int]
) -> None:
    assert run_cli("--db", sqlite_url, "score", "--ruleset", MITTELSTAND).exit_code == 0
    winners, losers = _claim_race(sqlite_url, mittelstand_accounts["mittel"], [f"rep{n}" for n in range(6)])
    assert len(winners) == 1, (winners, losers)
    assert len(losers) == 5 and all(f"already taken by {winners[0]}" in message for message in losers)


def test_two_pick_processes_racing_for_one_account_exactly_one_wins(
    tmp_path: Path, sqlite_url: str, run_cli: Cli, mittelstand_accounts: dict[str, int]
) -> None:
    assert run_cli("--db", sqlite_url, "score", "--ruleset", MITTELSTAND).exit_code == 0
    program = "import sys; from enrich.cli.main import main; sys.exit(main(sys.argv[1:]))"
    processes = [
        subprocess.Popen(
            [
                sys.executable,
                "-c",
                program,
                "--db",
                sqlite_url,
                "pick",
                "--rep",
                rep,
                "--account",
                "mittel.de",
                "--ruleset",
                str(MITTELSTAND),
            ],
            cwd=tmp_path,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for rep in ("anna", "ben")
    ]
    outcomes = [(process.wait(timeout=60), *process.communicate()) for process in processes]
    codes = sorted(code for code, _, _ in outcomes)
    assert codes == [0, 2], outcomes
    loser_stderr = next(err for code, _, err in outcomes if code == 2)
    assert "already taken by" in loser_stderr


@pytest.mark.postgres
def test_postgres_score_and_pick_with_one_winner(postgres_url: str, run_cli: Cli) -> None:
    engine = create_store_engine(postgres_url)
    check_schema(engine)
    try:
        base = {"industry": "Maschinenbau", "country": "DE", "annual_revenue": 10_000_000}
        first = add_account(engine, "Konzern AG", domain="konzern.de", employee_count=5000, **base)
        add_account(engine, "Mittel GmbH", domain="mittel.de", employee_count=120, **base)
        for _ in range(2):  # idempotent on PostgreSQL too
            scored = run_cli("--db", postgres_url, "score", "--ruleset", MITTELSTAND, "--json")
            assert scored.exit_code == 0, scored.output
        assert len(score_rows(engine)) == 2
        winners, losers = _claim_race(postgres_url, first, ["anna", "ben", "cy"])
        assert len(winners) == 1 and len(losers) == 2, (winners, losers)
        picked = json.loads(
            run_cli("--db", postgres_url, "pick", "--rep", "dora", "--ruleset", MITTELSTAND, "--json").stdout
        )
        assert [item["name"] for item in picked["picked"]] == ["Mittel GmbH"]
    finally:
        engine.dispose()

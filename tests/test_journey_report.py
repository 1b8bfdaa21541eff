"""`leadscore journey report`: accounts and contacts by furthest phase, and what became of them."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from scoring.engagement import Activity
from scoring.journey import JourneyOutcome, furthest_phase_reached, phase_funnel
from scoring.ruleset import load_ruleset
from tests.backtest_rows import (
    JOURNEY_RULESET,
    add_account,
    add_activity,
    add_contact,
    write_outcomes,
    write_ruleset,
)

JAN, FEB, LATE_MARCH = (datetime(2024, month, day, tzinfo=UTC) for month, day in ((1, 10), (2, 10), (3, 20)))
DECIDED = "2024-03-01"


def test_furthest_phase_ignores_decay_later_activities_and_phase_less_points() -> None:
    policy = load_ruleset(JOURNEY_RULESET).engagement
    activities = [
        Activity("download", "whitepaper-a", datetime(2020, 1, 1, tzinfo=UTC)),  # years old: still reached
        Activity("email_click", "unsubscribe", JAN),
        Activity("cta_click", "cta-contact-us", LATE_MARCH),
    ]
    assert furthest_phase_reached(policy, activities, datetime(2024, 3, 1, tzinfo=UTC)) == "awareness"
    assert furthest_phase_reached(policy, activities, datetime(2024, 4, 1, tzinfo=UTC)) == "purchase_intent"
    assert furthest_phase_reached(policy, activities[1:2], datetime(2024, 4, 1, tzinfo=UTC)) is None


def test_funnel_counts_furthest_phases_and_the_share_won() -> None:
    policy = load_ruleset(JOURNEY_RULESET).engagement
    outcomes = [
        JourneyOutcome(None, None),
        JourneyOutcome("awareness", None),
        JourneyOutcome("awareness", False),
        JourneyOutcome("evaluation", True),
        JourneyOutcome("evaluation", False),
        JourneyOutcome("purchase_intent", True),
    ]
    funnel = phase_funnel(policy, "accounts", outcomes)
    assert [(s.phase, s.stopped_here, s.reached) for s in funnel.steps] == [
        ("(no phase)", 1, 6),
        ("awareness", 2, 5),
        ("consideration", 0, 3),
        ("evaluation", 2, 3),
        ("purchase_intent", 1, 1),
    ]
    awareness = funnel.step("awareness")
    assert (awareness.opportunity_rate, awareness.won_rate, awareness.win_rate) == (0.5, 0.0, 0.0)
    assert funnel.step("evaluation").won_rate == 0.5
    assert funnel.step("consideration").won_rate is None


def _store(store: Engine) -> dict[str, int]:
    ids = {
        name: add_account(store, name)
        for name in ("won-eval", "lost-consider", "open-aware", "quiet", "won-buy")
    }
    first = add_contact(store, ids["won-eval"], "a@won-eval.example")
    add_activity(store, "whitepaper-ai", JAN, contact_id=first, kind="download")
    add_activity(store, "pricing-page", FEB, contact_id=first, kind="visit")
    add_activity(store, "cta-contact-us", LATE_MARCH, contact_id=first)  # after its decision: not counted
    second = add_contact(store, ids["lost-consider"], "b@lost.example")
    add_activity(store, "webinar-q1", FEB, contact_id=second, kind="webinar")
    add_activity(store, "whitepaper-ai", JAN, account_id=ids["open-aware"], kind="download")
    buyer = add_contact(store, ids["won-buy"], "c@buy.example")
    reader = add_contact(store, ids["won-buy"], "d@buy.example")
    add_activity(store, "cta-contact-us", FEB, contact_id=buyer)
    add_activity(store, "whitepaper-ai", FEB, contact_id=reader, kind="download")
    return ids


def _report(run_cli: Callable[..., Any], sqlite_url: str, tmp_path: Path, *extra: object) -> Any:
    ruleset = write_ruleset(tmp_path)
    return run_cli(
        "--db", sqlite_url, "journey", "report", "--ruleset", ruleset, "--as-of", "2024-06-01", *extra
    )


def test_report_builds_the_funnel_backward_from_the_outcomes(
    run_cli: Callable[..., Any], store: Engine, sqlite_url: str, tmp_path: Path
) -> None:
    ids = _store(store)
    outcomes = write_outcomes(
        tmp_path / "outcomes.csv",
        [
            (str(ids["won-eval"]), "won", DECIDED),
            (str(ids["lost-consider"]), "lost", DECIDED),
            (str(ids["won-buy"]), "won", DECIDED),
        ],
    )
    result = _report(run_cli, sqlite_url, tmp_path, "--outcomes", outcomes, "--json")
    assert result.exit_code == 0, result.output
    accounts, contacts = json.loads(result.stdout)["funnels"]
    by_phase = {row["phase"]: row for row in accounts["phases"]}
    assert accounts["total"] == 5
    assert [row["furthest"] for row in accounts["phases"]] == [1, 1, 1, 1, 1]
    assert by_phase["evaluation"]["won_rate"] == 1.0, "the contact-us click after the decision is not counted"
    assert (
        by_phase["consideration"]["opportunity_rate"] == 1.0 and by_phase["consideration"]["won_rate"] == 0.0
    )
    assert by_phase["awareness"]["opportunity_rate"] == 0.0
    assert by_phase["purchase_intent"]["reached"] == 1
    assert contacts["total"] == 4
    assert {row["phase"]: row["furthest"] for row in contacts["phases"]} == {
        "(no phase)": 0,
        "awareness": 1,
        "consideration": 1,
        "evaluation": 1,
        "purchase_intent": 1,
    }


def test_report_prints_a_funnel_table_and_writes_an_html_funnel(
    run_cli: Callable[..., Any], store: Engine, sqlite_url: str, tmp_path: Path
) -> None:
    _store(store)
    html = tmp_path / "journey.html"
    result = _report(run_cli, sqlite_url, tmp_path, "--html", html)
    assert result.exit_code == 0, result.output
    assert "purchase_intent" in result.stdout and "█" in result.stdout
    page = html.read_text(encoding="utf-8")
    assert page.count("<svg") == 2 and "<script" not in page
    assert "Furthest phase reached" in page

"""`leadscore journey check`: the journey the ruleset declares, held against the store's activities."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from scoring.journey import AssetUsage, check_journey
from scoring.ruleset import load_ruleset
from tests.backtest_rows import JOURNEY_RULESET, add_account, add_activity, write_ruleset

WHEN = datetime(2024, 1, 10, tzinfo=UTC)


def _flat(text: str) -> str:
    return " ".join(text.split())


def _activities(store: Engine, assets: list[tuple[str, str, int]]) -> None:
    account_id = add_account(store, "Acme")
    for asset, kind, count in assets:
        for _ in range(count):
            add_activity(store, asset, WHEN, account_id=account_id, kind=kind)


def test_check_maps_each_asset_through_the_first_matching_pattern() -> None:
    policy = load_ruleset(JOURNEY_RULESET).engagement
    usage = [
        AssetUsage("download", "whitepaper-ai-roi", 7),
        AssetUsage("cta_click", "cta-contact-us", 2),
        AssetUsage("form_fill", "form-newsletter", 3),
        AssetUsage("email_click", "unsubscribe", 1),
    ]
    check = check_journey(policy, usage)
    assert [(a.asset, a.pattern, a.phase) for a in check.mapped] == [
        ("whitepaper-ai-roi", "whitepaper-*", "awareness"),
        ("cta-contact-us", "cta-contact-us", "purchase_intent"),
        ("unsubscribe", "unsubscribe", None),
    ]
    assert [(u.asset, u.count) for u in check.unmapped] == [("form-newsletter", 3)]
    assert check.unseen_phases == ("consideration", "evaluation")
    assert check.unused_patterns == ("webinar-*", "pricing-page")
    assert check.empty_phases == ()


def test_a_phase_without_any_asset_pattern_is_flagged() -> None:
    text = JOURNEY_RULESET.replace('"pricing-page" = { phase = "evaluation", points = 15 }\n', "")
    check = check_journey(load_ruleset(text).engagement, [])
    assert check.empty_phases == ("evaluation",)


def test_check_lists_unmapped_assets_with_counts_and_exits_0(
    run_cli: Callable[..., Any], store: Engine, sqlite_url: str, tmp_path: Path
) -> None:
    _activities(
        store, [("whitepaper-x", "download", 2), ("cta-demo", "cta_click", 3), ("form-trial", "form_fill", 1)]
    )
    result = run_cli("--db", sqlite_url, "journey", "check", "--ruleset", write_ruleset(tmp_path), "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["all_mapped"] is False
    assert report["unmapped"] == [
        {"kind": "cta_click", "asset": "cta-demo", "count": 3},
        {"kind": "form_fill", "asset": "form-trial", "count": 1},
    ]
    assert report["unmapped_activities"] == 4
    assert report["mapped"][0]["phase"] == "awareness"


def test_strict_check_exits_2_when_anything_is_unmapped(
    run_cli: Callable[..., Any], store: Engine, sqlite_url: str, tmp_path: Path
) -> None:
    _activities(store, [("cta-demo", "cta_click", 3)])
    result = run_cli("--db", sqlite_url, "journey", "check", "--ruleset", write_ruleset(tmp_path), "--strict")
    assert result.exit_code == 2
    assert "cta-demo" in result.stdout and "unmapped" in result.stdout
    assert "1 asset(s) in the data are not mapped to a journey phase (--strict)" in _flat(result.stderr)


def test_strict_check_passes_when_every_asset_is_mapped(
    run_cli: Callable[..., Any], store: Engine, sqlite_url: str, tmp_path: Path
) -> None:
    _activities(store, [("whitepaper-x", "download", 1), ("pricing-page", "visit", 2)])
    result = run_cli("--db", sqlite_url, "journey", "check", "--ruleset", write_ruleset(tmp_path), "--strict")
    assert result.exit_code == 0, result.output
    assert "every asset in the data is mapped" in _flat(result.stdout)

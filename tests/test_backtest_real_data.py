"""The committed example rulesets, backtested on the committed real data (docs/backtest.md quotes these)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
X_TEST = EXAMPLES / "x_education" / "leads_test.csv"
OPPORTUNITIES = EXAMPLES / "crm_sales_opportunities" / "closed_opportunities.csv"


def _report(run_cli: Callable[..., Any], *args: object) -> dict[str, Any]:
    result = run_cli("backtest", *args, "--json")
    assert result.exit_code == 0, result.output
    report: dict[str, Any] = json.loads(result.stdout)
    return report


def test_x_education_ruleset_reaches_auc_088_on_leads_calibration_never_saw(
    run_cli: Callable[..., Any],
) -> None:
    report = _report(
        run_cli,
        "--ruleset",
        EXAMPLES / "rulesets" / "x-education.toml",
        "--data",
        X_TEST,
        "--outcome",
        "Converted",
        "--id-column",
        "Prospect ID",
    )
    assert report["n"] == 1941
    assert report["auc"] >= 0.88, report["auc"]
    assert report["auc_ci"][0] > 0.85
    bands = report["bands"]
    assert bands["green"]["conversion_rate"] >= 3 * bands["red"]["conversion_rate"], bands
    assert report["warnings"] == [], "every field the ruleset reads has a column"


def test_x_education_ruleset_reads_no_column_that_sales_fill_in_after_contact() -> None:
    rules = (EXAMPLES / "rulesets" / "x-education.toml").read_text(encoding="utf-8").split("[ruleset]")[1]
    for leak in ("tags", "lead_quality", "lead_profile", "asymmetrique"):
        assert leak not in rules


def test_firmographic_ruleset_on_the_opportunities_ranks_no_better_than_chance(
    run_cli: Callable[..., Any],
) -> None:
    report = _report(
        run_cli,
        "--ruleset",
        EXAMPLES / "rulesets" / "firmographic-opportunities.toml",
        "--data",
        OPPORTUNITIES,
        "--outcome",
        "outcome",
        "--id-column",
        "opportunity_id",
    )
    assert report["n"] == 6711
    low, high = report["auc_ci"]
    assert low <= 0.5 <= high, f"the interval {low}..{high} should include chance"

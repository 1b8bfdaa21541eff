"""`leadscore calibrate` on the committed real data: signal where there is some, none where there is none."""

from __future__ import annotations

import json
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any

from scoring.ruleset import load_ruleset

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def _flat(text: str) -> str:
    return " ".join(text.split())


def test_calibrated_x_education_ruleset_loads_and_holds_up_on_the_test_split(
    run_cli: Callable[..., Any], tmp_path: Path
) -> None:
    output = tmp_path / "x.toml"
    result = run_cli(
        "calibrate",
        "--data",
        EXAMPLES / "x_education" / "leads_calibration.csv",
        "--outcome",
        "Converted",
        "--name",
        "x-education",
        "-o",
        output,
        "--json",
    )
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["heldout_auc"] >= 0.87 and not summary["no_signal"]
    excluded = {c["column"] for c in summary["columns"] if c["status"] == "excluded"}
    assert {"Tags", "Lead Quality", "Lead Profile", "Prospect ID", "Lead Number"} <= excluded
    assert {name for name in excluded if name.startswith("Asymmetrique")} == {
        "Asymmetrique Activity Index",
        "Asymmetrique Profile Index",
        "Asymmetrique Activity Score",
        "Asymmetrique Profile Score",
    }
    used = {c["column"] for c in summary["columns"] if c["status"] == "used"}
    assert {"Last Activity", "Last Notable Activity"} <= used
    assert "'Select'" not in output.read_text(encoding="utf-8"), (
        "the unfilled-dropdown placeholder is missing"
    )
    ruleset = load_ruleset(output.read_bytes(), str(output))
    assert ruleset.ref.name == "x-education" and ruleset.custom_fields
    report = run_cli(
        "backtest",
        "--ruleset",
        output,
        "--data",
        EXAMPLES / "x_education" / "leads_test.csv",
        "--outcome",
        "Converted",
        "--json",
    )
    backtest = json.loads(report.stdout)
    assert backtest["auc"] >= 0.88
    assert backtest["bands"]["green"]["conversion_rate"] >= 3 * backtest["bands"]["red"]["conversion_rate"]


def test_calibrate_says_firmographics_carry_no_signal_for_the_opportunities(
    run_cli: Callable[..., Any], tmp_path: Path
) -> None:
    output = tmp_path / "firmographic.toml"
    data = EXAMPLES / "crm_sales_opportunities" / "closed_opportunities.csv"
    result = run_cli("calibrate", "--data", data, "--outcome", "outcome", "-o", output)
    assert result.exit_code == 0, result.output
    assert "no reliable signal" in _flat(result.stdout)
    assert "confidence interval includes 0.5" in _flat(result.stdout)
    text = output.read_text(encoding="utf-8")
    document = tomllib.loads(text)
    assert document["fit"].get("rule", []) == [], "no rules are invented"
    assert "#   industry technolgy:" in text, "the candidate bins are shown as comments"
    assert load_ruleset(text).fit_rules.rules == ()


def test_calibrate_reports_bad_outcome_values_with_file_and_line(
    run_cli: Callable[..., Any], tmp_path: Path
) -> None:
    data = tmp_path / "leads.csv"
    data.write_text("size,won\n10,1\n20,perhaps\n30,0\n", encoding="utf-8")
    result = run_cli("calibrate", "--data", data, "--outcome", "won", "-o", tmp_path / "out.toml")
    assert result.exit_code == 2
    assert "leads.csv:3: won: outcome 'perhaps' is not one of" in _flat(result.stderr)
    assert not (tmp_path / "out.toml").exists()


def test_calibrate_refuses_a_single_class_outcome(run_cli: Callable[..., Any], tmp_path: Path) -> None:
    data = tmp_path / "leads.csv"
    data.write_text("size,won\n" + "".join(f"{i},no\n" for i in range(50)), encoding="utf-8")
    result = run_cli("calibrate", "--data", data, "--outcome", "won", "-o", tmp_path / "out.toml")
    assert result.exit_code == 2
    assert "all 50 outcomes are negative" in _flat(result.stderr)

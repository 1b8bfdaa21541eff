"""`leadscore backtest --data`: a flat lead CSV scored by a ruleset, nothing imported into the store."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

RULESET = """
[ruleset]
name = "tiny"
version = 2

[fields]
lead_source = "string"

[fit]
bands = { red = 0, yellow = 40, green = 70 }

[[fit.rule]]
when = "employee_count >= 100"
points = 50

[[fit.rule]]
when = "lead_source = 'Referral'"
points = 30

[priority]
fit_weight = 1.0
engagement_weight = 0.0

[handoff]
base_threshold = 70
"""

# employee_count, lead source, outcome: big referred leads convert, small ones do not
LEADS = [
    ("500", "Referral", "1"),
    ("800", "Referral", "1"),
    ("300", "Referral", "0"),
    ("400", "Web", "1"),
    ("250", "Web", "0"),
    ("20", "Referral", "0"),
    ("10", "Web", "0"),
    ("5", "Select", "0"),
    ("40", "", "1"),
    ("15", "Web", "0"),
]


def _flat(text: str) -> str:
    """Output with Rich's line wrapping undone."""
    return " ".join(text.split())


def _write(path: Path, header: str, rows: list[tuple[str, ...]]) -> Path:
    path.write_text(header + "\n" + "".join(",".join(row) + "\n" for row in rows), encoding="utf-8")
    return path


@pytest.fixture
def ruleset(tmp_path: Path) -> Path:
    path = tmp_path / "tiny.toml"
    path.write_text(RULESET, encoding="utf-8")
    return path


@pytest.fixture
def leads(tmp_path: Path) -> Path:
    rows = [(f"L{i}", *lead) for i, lead in enumerate(LEADS)]
    return _write(tmp_path / "leads.csv", "Lead Id,EMPLOYEE COUNT,Lead Source,Converted", rows)


def _json(result: Any) -> dict[str, Any]:
    assert result.exit_code == 0, result.output
    payload: dict[str, Any] = json.loads(result.stdout)
    return payload


def test_backtest_json_reports_auc_interval_bands_and_handoff(
    run_cli: Callable[..., Any], ruleset: Path, leads: Path
) -> None:
    report = _json(
        run_cli("backtest", "--ruleset", ruleset, "--data", leads, "--outcome", "Converted", "--json")
    )
    assert (report["n"], report["positives"]) == (10, 4)
    assert report["ruleset"] == "tiny@2"
    # scores 80 80 80 50 50 30 0 0 0 0, positives at 80 80 50 0: (5.5 + 5.5 + 4.5 + 1.5) / 24 pairs
    assert report["auc"] == pytest.approx(17 / 24, abs=1e-4)
    low, high = report["auc_ci"]
    assert 0 <= low <= report["auc"] <= high <= 1
    assert report["bands"]["green"] == {"n": 3, "positives": 2, "conversion_rate": 0.6667}
    assert report["bands"]["yellow"]["n"] == 2
    assert report["bands"]["red"] == {"n": 5, "positives": 1, "conversion_rate": 0.2}
    assert report["handoff"]["precision"] == pytest.approx(0.6667, abs=1e-4)
    assert report["handoff"]["recall"] == 0.5
    assert len(report["lift"]) == 10


def test_columns_match_fields_ignoring_case_and_spaces_and_placeholders_count_as_missing(
    run_cli: Callable[..., Any], ruleset: Path, tmp_path: Path
) -> None:
    rows = [
        ("120", "referral", "yes"),
        ("120", "Select", "no"),
        ("10", "Referral", "no"),
        ("10", "N/A", "no"),
    ]
    data = _write(tmp_path / "leads.csv", "Employee Count,lead source,won", rows)
    report = _json(run_cli("backtest", "--ruleset", ruleset, "--data", data, "--outcome", "won", "--json"))
    assert report["bands"]["green"]["n"] == 1, "'referral' matches 'Referral'"
    # 'Select' is a placeholder: with the source unknown, 120 employees score 50..80, yellow or green
    assert report["bands"]["undetermined"]["n"] == 1
    assert report["bands"]["yellow"]["n"] == 0
    assert report["warnings"] == []


def test_a_field_no_column_supplies_is_named_in_a_warning(
    run_cli: Callable[..., Any], ruleset: Path, tmp_path: Path
) -> None:
    data = _write(tmp_path / "leads.csv", "employee_count,outcome", [("120", "1"), ("10", "0")])
    result = run_cli("backtest", "--ruleset", ruleset, "--data", data, "--outcome", "outcome")
    assert result.exit_code == 0, result.output
    assert "no column for lead_source" in _flat(result.stderr)


def test_map_option_maps_a_column_to_a_field(
    run_cli: Callable[..., Any], ruleset: Path, tmp_path: Path
) -> None:
    data = _write(
        tmp_path / "leads.csv", "Headcount,Source,outcome", [("120", "Referral", "1"), ("10", "Web", "0")]
    )
    report = _json(
        run_cli(
            "backtest",
            "--ruleset",
            ruleset,
            "--data",
            data,
            "--outcome",
            "outcome",
            "--json",
            "--map",
            "Headcount=employee_count",
            "--map",
            "Source=lead_source",
        )
    )
    assert report["auc"] == 1.0
    assert report["bands"]["green"]["n"] == 1


def test_every_accepted_outcome_word_is_read_in_any_case(
    run_cli: Callable[..., Any], ruleset: Path, tmp_path: Path
) -> None:
    words = ["1", "TRUE", "Yes", "won", "Converted", "0", "false", "NO", "Lost", "not converted"]
    rows = [("500" if i < 5 else "5", "Web", word) for i, word in enumerate(words)]
    data = _write(tmp_path / "leads.csv", "employee_count,lead_source,result", rows)
    report = _json(run_cli("backtest", "--ruleset", ruleset, "--data", data, "--outcome", "result", "--json"))
    assert (report["positives"], report["auc"]) == (5, 1.0)


def test_unaccepted_outcome_values_are_listed_with_file_line_and_value(
    run_cli: Callable[..., Any], ruleset: Path, tmp_path: Path
) -> None:
    rows = [("500", "Web", "1"), ("5", "Web", "maybe"), ("5", "Web", "0"), ("7", "Web", "")]
    data = _write(tmp_path / "leads.csv", "employee_count,lead_source,outcome", rows)
    result = run_cli("backtest", "--ruleset", ruleset, "--data", data, "--outcome", "outcome")
    assert result.exit_code == 2
    assert "leads.csv:3: outcome: outcome 'maybe' is not one of 0/1, true/false" in _flat(result.stderr)
    assert "leads.csv:5: outcome: outcome '(empty)'" in _flat(result.stderr)


def test_single_class_outcome_is_a_clear_error_and_never_a_nan_auc(
    run_cli: Callable[..., Any], ruleset: Path, tmp_path: Path
) -> None:
    data = _write(
        tmp_path / "leads.csv", "employee_count,outcome", [("500", "won"), ("5", "won"), ("9", "won")]
    )
    result = run_cli("backtest", "--ruleset", ruleset, "--data", data, "--outcome", "outcome", "--json")
    assert result.exit_code == 2
    assert "all 3 outcomes are positive" in _flat(result.stderr)
    assert "nan" not in _flat(result.output).lower()
    assert result.stdout == ""


def test_unknown_outcome_column_suggests_the_closest_name(
    run_cli: Callable[..., Any], ruleset: Path, leads: Path
) -> None:
    result = run_cli("backtest", "--ruleset", ruleset, "--data", leads, "--outcome", "Convertd")
    assert result.exit_code == 2
    assert "no outcome column 'Convertd'" in _flat(result.stderr) and "Converted" in _flat(result.stderr)


def test_duplicate_ids_in_the_id_column_are_reported_with_lines(
    run_cli: Callable[..., Any], ruleset: Path, tmp_path: Path
) -> None:
    rows = [("A", "500", "1"), ("B", "5", "0"), ("A", "7", "0")]
    data = _write(tmp_path / "leads.csv", "id,employee_count,outcome", rows)
    result = run_cli(
        "backtest", "--ruleset", ruleset, "--data", data, "--outcome", "outcome", "--id-column", "id"
    )
    assert result.exit_code == 2
    assert "leads.csv:4: id: id 'A' repeats line 2" in _flat(result.stderr)


def test_compare_scores_both_rulesets_on_the_same_leads_with_a_paired_difference(
    run_cli: Callable[..., Any], ruleset: Path, leads: Path, tmp_path: Path
) -> None:
    flat = tmp_path / "flat.toml"
    flat.write_text('[ruleset]\nname = "flat"\nversion = 1\n', encoding="utf-8")
    report = _json(
        run_cli(
            "backtest",
            "--ruleset",
            flat,
            "--compare",
            ruleset,
            "--data",
            leads,
            "--outcome",
            "Converted",
            "--json",
            "--resamples",
            "200",
        )
    )
    assert report["ruleset"] == "flat@1" and report["auc"] == 0.5
    compared = report["compare"]
    assert compared["compared"]["ruleset"] == "tiny@2"
    assert compared["auc_difference"] == pytest.approx(17 / 24 - 0.5, abs=1e-4)
    assert len(compared["auc_difference_ci"]) == 2


def test_html_report_is_one_self_contained_file_with_inline_svg_charts(
    run_cli: Callable[..., Any], ruleset: Path, leads: Path, tmp_path: Path
) -> None:
    html = tmp_path / "report.html"
    result = run_cli(
        "backtest", "--ruleset", ruleset, "--data", leads, "--outcome", "Converted", "--html", html
    )
    assert result.exit_code == 0, result.output
    page = html.read_text(encoding="utf-8")
    assert page.count("<svg") >= 3, "ROC curve, lift chart, conversion by band"
    for title in ("ROC curve", "Lift per decile", "Conversion by band"):
        assert title in page
    assert "<script" not in page.lower()
    external = [url for url in re.findall(r"https?://[^\"' )]+", page) if url != "http://www.w3.org/2000/svg"]
    assert external == [], f"the report must not load anything: {external}"
    assert "AUC" in result.stdout


def test_data_and_outcomes_cannot_be_combined(
    run_cli: Callable[..., Any], ruleset: Path, leads: Path
) -> None:
    result = run_cli(
        "backtest", "--ruleset", ruleset, "--data", leads, "--outcomes", leads, "--outcome", "Converted"
    )
    assert result.exit_code == 2
    assert "either --data" in _flat(result.stderr)

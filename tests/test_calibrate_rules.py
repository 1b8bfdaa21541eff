"""Calibration learns points per bin, keeps them as plain rules, and refuses leaks and noise."""

from __future__ import annotations

import tomllib

import numpy as np
import pytest

from scoring.backtest import score_record
from scoring.calibrate import Calibration, CalibrationOptions, calibrate
from scoring.calibrate_bins import field_name_for
from scoring.calibrate_columns import ColumnStatus
from scoring.calibrate_writer import ruleset_toml
from scoring.fields import ACCOUNT_FIELDS, account_record
from scoring.metrics import SingleClassError
from scoring.ruleset import load_ruleset

N = 3000
INDUSTRIES = ["Software", "Retail", "Finance", "Healthcare"]


def _leads(seed: int = 7) -> tuple[dict[str, list[str | None]], list[bool]]:
    rng = np.random.default_rng(seed)
    industry = rng.choice(INDUSTRIES, N, p=[0.3, 0.3, 0.2, 0.2]).astype(object)
    industry[:12] = [f"Rare {i}" for i in range(12)]  # twelve one-off industries: pooled into "other"
    employees = rng.integers(1, 2000, N)
    region = rng.choice(["North", "South", "Select", ""], N)
    logit = -1.2 + 1.5 * (industry == "Software") + 1.2 * (employees >= 500) - 0.8 * (industry == "Retail")
    outcome = rng.random(N) < 1 / (1 + np.exp(-logit))
    flip = rng.random(N) < 0.02
    columns: dict[str, list[str | None]] = {
        "Lead ID": [f"L-{i:05d}" for i in range(N)],
        "Industry": list(industry),
        "Employees": [str(value) for value in employees],
        "Region": [None if value in ("Select", "") else str(value) for value in region],
        "Lead Status": ["Closed" if y else "Open" for y in outcome],
        "Secret Flag": ["A" if y != f else "B" for y, f in zip(outcome, flip, strict=True)],
        "Created": [f"2024-01-{1 + i % 28:02d}" for i in range(N)],
        "Coin": list(rng.choice(["heads", "tails"], N)),
    }
    return columns, [bool(y) for y in outcome]


@pytest.fixture(scope="module")
def calibration() -> Calibration:
    columns, outcomes = _leads()
    return calibrate(
        columns, outcomes, CalibrationOptions(name="synthetic", source="leads.csv", resamples=300)
    )


def _decision(calibration: Calibration, column: str) -> tuple[ColumnStatus, str]:
    found = next(d for d in calibration.decisions if d.column == column)
    return found.status, found.reason


def test_the_written_ruleset_loads_and_scores_exactly_like_the_calibration(calibration: Calibration) -> None:
    ruleset = load_ruleset(ruleset_toml(calibration), "suggested.toml")
    columns, _ = _leads()
    rows = np.arange(N, dtype=np.int64)
    expected = calibration.model.scores(rows)
    for row in range(0, N, 37):
        values = {field_name_for(name): cells[row] for name, cells in columns.items()}
        builtin = {name: value for name, value in values.items() if name in ACCOUNT_FIELDS}
        record = account_record({**builtin, "custom": values}, ruleset.custom_fields)
        scored = score_record(ruleset, record)
        assert scored.fit == expected[row], f"row {row}"
        assert scored.band != "undetermined", "missing values must not leave a calibrated score open"


def test_strong_signal_is_found_and_cross_validated(calibration: Calibration) -> None:
    assert calibration.heldout_auc > 0.7
    assert calibration.heldout_interval.low > 0.5
    assert not calibration.no_signal
    assert len(calibration.fold_aucs) == 5
    industry = next(c for c in calibration.model.columns if c.column.column == "Industry")
    points = {b.label: p for b, p in zip(industry.binning.bins, industry.points, strict=True)}
    assert points["Software"] > 0 > points["Retail"]


def test_columns_filled_after_sales_contact_are_excluded_by_name(calibration: Calibration) -> None:
    status, reason = _decision(calibration, "Lead Status")
    assert status is ColumnStatus.EXCLUDED
    assert "after sales contact (name contains 'status')" in reason


def test_a_column_that_predicts_the_outcome_almost_perfectly_is_excluded(calibration: Calibration) -> None:
    status, reason = _decision(calibration, "Secret Flag")
    assert status is ColumnStatus.EXCLUDED
    assert "almost perfectly" in reason and "AUC 0.9" in reason


def test_identifiers_and_dates_are_excluded(calibration: Calibration) -> None:
    assert _decision(calibration, "Lead ID")[0] is ColumnStatus.EXCLUDED
    status, reason = _decision(calibration, "Created")
    assert status is ColumnStatus.EXCLUDED and "dates" in reason


def test_allow_column_keeps_a_column_the_guard_would_exclude() -> None:
    columns, outcomes = _leads()
    allowed = calibrate(
        columns, outcomes, CalibrationOptions(allow=frozenset({"secret flag"}), folds=3, resamples=100)
    )
    status, reason = _decision(allowed, "Secret Flag")
    assert status is ColumnStatus.USED and "allowed by the user" in reason
    assert allowed.heldout_auc > 0.95


def test_excluded_columns_and_reasons_appear_in_the_written_file(calibration: Calibration) -> None:
    text = ruleset_toml(calibration)
    assert "#   Lead Status: likely filled in after sales contact" in text
    assert "#   Secret Flag: predicts the outcome almost perfectly" in text
    assert "lead_status" not in text.split("[ruleset]")[1], "no rule may read an excluded column"


def test_rules_carry_support_and_conversion_comments_and_custom_fields_are_declared(
    calibration: Calibration,
) -> None:
    text = ruleset_toml(calibration)
    document = tomllib.loads(text)
    assert document["fields"]["employees"] == "integer"
    assert "industry" not in document["fields"], "a built-in account field is not redeclared"
    software = text.index("when = \"industry is present and industry in ['Software']\"")
    comment = text.rfind("\n# ", 0, software)
    assert "Industry: Software — " in text[comment:software]
    assert "converted (base " in text[comment:software]
    assert document["priority"] == {"fit_weight": 1.0, "engagement_weight": 0.0}


def test_rare_categories_are_pooled_and_placeholders_are_missing(calibration: Calibration) -> None:
    industry = next(c for c in calibration.model.columns if c.column.column == "Industry")
    labels = [b.label for b in industry.binning.bins]
    assert "other (12 rarer values)" in labels
    assert not any(label.startswith("Rare") for label in labels)
    region = next(c for c in calibration.model.columns if c.column.column == "Region")
    assert [b.label for b in region.binning.bins] == ["North", "South", "other", "missing"]


def test_bands_hold_about_the_target_handoff_share(calibration: Calibration) -> None:
    bands = {band.name: band for band in calibration.bands}
    assert bands["green"].share == pytest.approx(0.2, abs=0.06)
    assert bands["green"].threshold == calibration.handoff_threshold
    rates = [bands[name].conversion_rate or 0.0 for name in ("red", "yellow", "green")]
    assert rates == sorted(rates) and rates[0] < rates[2]


def test_noise_earns_no_points_and_pure_noise_writes_no_rules() -> None:
    rng = np.random.default_rng(3)
    columns: dict[str, list[str | None]] = {
        "Sector": list(rng.choice(["a", "b", "c", "d"], 2000)),
        "Size": [str(value) for value in rng.integers(1, 5000, 2000)],
    }
    outcomes = [bool(y) for y in rng.random(2000) < 0.4]
    result = calibrate(columns, outcomes, CalibrationOptions(resamples=300))
    assert result.no_signal
    assert result.heldout_interval.contains(0.5)
    text = ruleset_toml(result)
    assert "[[fit.rule]]" not in text
    assert "No reliable signal" in text and "#   Sector a:" in text
    ruleset = load_ruleset(text)
    assert ruleset.fit_rules.rules == ()


def test_single_class_outcome_is_refused() -> None:
    with pytest.raises(SingleClassError, match="all 40 outcomes are negative"):
        calibrate({"x": ["a"] * 40}, [False] * 40, CalibrationOptions())

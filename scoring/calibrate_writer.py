"""Writing a calibration as a ruleset file: the normal TOML format, commented for the people who edit it.

Every rule carries a comment with its support (leads in the calibration data it applies to) and their
conversion rate; the header says where the points came from, the held-out AUC, and which columns were
left out and why. When the data carries no reliable signal, no rule is written: the candidate bins
appear as comments only, so nobody mistakes noise for a finding.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence

from scoring.calibrate import Calibration, ColumnModel, rule_bins
from scoring.calibrate_bins import Bin, category_condition, range_condition, range_label
from scoring.calibrate_columns import ColumnStatus
from scoring.expressions import Expr, render

_NAME = re.compile(r"[^A-Za-z0-9_.-]+")


def ruleset_name(text: str) -> str:
    """A valid ``[ruleset] name`` from free text such as a file stem."""
    name = _NAME.sub("-", text).strip("-._")[:100]
    return name if name and name[0].isalnum() else f"r{name}"[:100]


def _quote(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)  # a JSON string is a valid TOML basic string


def _comment(text: str) -> str:
    return " ".join(text.split())


def _percent(value: float | None) -> str:
    return "n/a" if value is None else f"{100 * value:.1f}%"


def _group_condition(field: str, bins: Sequence[Bin]) -> Expr:
    first = bins[0]
    if first.kind == "range":
        return range_condition(field, first.low, bins[-1].high)
    if first.kind == "category":
        return category_condition(field, [category for bin_ in bins for category in bin_.categories])
    return first.condition


def _group_label(bins: Sequence[Bin]) -> str:
    if bins[0].kind == "range":
        return range_label(bins[0].low, bins[-1].high)
    return ", ".join(bin_.label for bin_ in bins)


def _rules(column: ColumnModel, base_rate: float, total: int) -> list[str]:
    lines: list[str] = []
    field = column.column.field
    for bins, points, cases, positives in rule_bins(column):
        label = f"{column.column.column}: {_group_label(bins)}"
        conversion = positives / cases if cases else None
        lines += [
            "",
            f"# {_comment(label)} — {cases:,} leads ({_percent(cases / total)}), "
            f"{_percent(conversion)} converted (base {_percent(base_rate)})",
            "[[fit.rule]]",
            f"name = {_quote(label)}",
            f"when = {_quote(render(_group_condition(field, bins)))}",
            f"points = {points}",
        ]
    return lines


def _candidates(calibration: Calibration, base_rate: float) -> list[str]:
    lines = [
        "",
        "# No reliable signal, so no rules. Candidate bins (leads, converted, z against the base rate):",
    ]
    for column in calibration.model.columns:
        for bin_, evidence in zip(column.binning.bins, column.evidence, strict=True):
            if evidence.cases:
                lines.append(
                    f"#   {_comment(column.column.column)} {_comment(bin_.label)}: {evidence.cases:,} leads, "
                    f"{_percent(evidence.conversion_rate)} converted (base {_percent(base_rate)}), "
                    f"z = {evidence.z:+.1f}"
                )
    return lines


def _header(calibration: Calibration) -> list[str]:
    options = calibration.options
    interval = calibration.heldout_interval
    lines = [
        f"# Suggested by `leadscore calibrate` from {_comment(options.source)}: {calibration.n:,} leads, "
        f"{calibration.positives:,} converted ({_percent(calibration.positives / calibration.n)}), "
        f"outcome column {_comment(options.outcome_column)!r}.",
        f"# Held-out ROC AUC {calibration.heldout_auc:.3f} (95% CI {interval.low:.3f}–{interval.high:.3f}), "
        f"{options.folds}-fold cross-validation, seed {options.seed}.",
        "# The points were learned; the rules are plain rules: edit, delete or add them as in any ruleset.",
        "# Above each rule: how many calibration leads it applies to and how many of them converted.",
    ]
    if calibration.no_signal:
        lines.append(
            "# The held-out AUC's interval includes 0.5: these columns carry no reliable signal here."
        )
    left_out = [decision for decision in calibration.decisions if decision.status is not ColumnStatus.USED]
    if left_out:
        lines.append("#")
        lines.append("# Columns left out:")
        lines += [f"#   {_comment(d.column)}: {_comment(d.reason)}" for d in left_out]
    silent = [column.column.column for column in calibration.model.columns if not any(column.points)]
    if silent and not calibration.no_signal:
        lines.append(f"# Columns used but earning no points: {_comment(', '.join(silent))}")
    return lines


def ruleset_toml(calibration: Calibration) -> str:
    """The calibration as ruleset text that :func:`scoring.ruleset.load_ruleset` accepts."""
    options = calibration.options
    base_rate = calibration.positives / calibration.n
    lines = _header(calibration)
    description = f"Calibrated on {options.source} (held-out AUC {calibration.heldout_auc:.2f})"
    lines += [
        "",
        "[ruleset]",
        f"name = {_quote(ruleset_name(options.name))}",
        "version = 1",
        f"description = {_quote(description)}",
    ]
    custom = calibration.custom_fields
    if custom:
        lines += ["", "[fields]  # columns of the lead file that are not built-in account fields"]
        lines += [f"{name} = {_quote(type_)}" for name, type_ in custom.items()]
    bands = ", ".join(f"{band.name} = {band.threshold}" for band in calibration.bands)
    shares = "; ".join(
        f"{band.name} ≥ {band.threshold}: {_percent(band.share)} of leads, "
        f"{_percent(band.conversion_rate)} converted"
        for band in calibration.bands
    )
    lines += ["", "[fit]", "cap = 100", f"# in the calibration data: {shares}", f"bands = {{ {bands} }}"]
    model = calibration.model
    if calibration.no_signal:
        lines += _candidates(calibration, base_rate)
    else:
        if model.base_points:
            lines += [
                "",
                "# every lead starts here; the rules below add or take away points",
                "[[fit.rule]]",
                'name = "base"',
                'when = "true"',
                f"points = {model.base_points}",
            ]
        for column in model.columns:
            lines += _rules(column, base_rate, calibration.n)
    share = next((band.share for band in calibration.bands if band.name == "green"), None)
    handoff_note = f"the green band: {_percent(share)} of the leads" if share else "no green band: nobody"
    lines += [
        "",
        "[priority]",
        "fit_weight = 1.0",
        "engagement_weight = 0.0  # learned from a flat lead file without activity history",
        "",
        "[handoff]",
        f"base_threshold = {calibration.handoff_threshold}  # {handoff_note}",
        "",
    ]
    return "\n".join(lines)

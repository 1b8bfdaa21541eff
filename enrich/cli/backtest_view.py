"""Terminal rendering (Rich) of backtests, calibrations and journey reports, for ``enrich.cli.backtest``.

Names from rulesets and data files pass through ``Text`` (never markup) after control characters are
stripped. Bars are plain block characters so the output also reads well when piped to a file.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.console import Console
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from enrich.cli.context import clean_text
from enrich.reports.backtest_html import SUMMARY_HEADERS, summary_row
from scoring.backtest import BacktestReport, Comparison
from scoring.calibrate import Calibration
from scoring.calibrate_columns import ColumnStatus
from scoring.journey import Funnel, JourneyCheck

BAR_WIDTH = 24
_BAND_STYLES = {"red": "red", "yellow": "yellow", "green": "green"}


def _pct(value: float | None) -> str:
    return "–" if value is None else f"{100 * value:.1f}%"


def _bar(value: float, top: float, style: str = "cyan") -> Text:
    cells = 0 if top <= 0 else round(BAR_WIDTH * value / top)
    return Text("█" * cells, style=style)


def _cell(text: object) -> Text:
    return Text(clean_text(text))


def show_backtest(console: Console, reports: Sequence[BacktestReport], comparison: Comparison | None) -> None:
    first = reports[0]
    console.print(
        f"{first.n:,} leads, {first.positives:,} converted ({_pct(first.base_rate)}); ranked by priority",
        highlight=False,
    )
    summary = Table(title="backtest", show_header=True)
    for name in SUMMARY_HEADERS:
        summary.add_column(name, justify="left" if name == "ruleset" else "right")
    for report in reports:
        summary.add_row(*(_cell(cell) for cell in summary_row(report)))
    console.print(summary)
    if comparison is not None:
        interval = comparison.difference_interval
        console.print(
            f"AUC difference (second − first): {comparison.auc_difference:+.3f} "
            f"(95% CI {interval.low:+.3f} to {interval.high:+.3f})",
            highlight=False,
        )
    for report in reports:
        _show_groups(console, report, "band")
        _show_groups(console, report, "tier")
        _show_lift(console, report)


def _show_groups(console: Console, report: BacktestReport, kind: str) -> None:
    groups = report.bands if kind == "band" else report.tiers
    table = Table(title=f"conversion by {kind} — {clean_text(report.ruleset)}", show_header=True)
    for name in (kind, "leads", "converted", "conversion", ""):
        table.add_column(name, justify="left" if name in (kind, "") else "right")
    top = max((group.conversion_rate or 0.0 for group in groups), default=0.0)
    for group in groups:
        style = _BAND_STYLES.get(group.name, "cyan") if kind == "band" else "cyan"
        table.add_row(
            _cell(group.name),
            f"{group.cases:,}",
            f"{group.positives:,}",
            _pct(group.conversion_rate),
            _bar(group.conversion_rate or 0.0, top, style),
        )
    console.print(table)


def _show_lift(console: Console, report: BacktestReport) -> None:
    if not report.lift:
        return
    table = Table(title=f"lift per decile — {clean_text(report.ruleset)}", show_header=True)
    for name in ("decile", "scores", "conversion", "lift", "captured", ""):
        table.add_column(name, justify="left" if name == "" else "right")
    top = max(decile.lift for decile in report.lift)
    for decile in report.lift:
        table.add_row(
            str(decile.decile),
            f"{decile.score_low:g}–{decile.score_high:g}",
            _pct(decile.conversion_rate),
            f"{decile.lift:.2f}",
            _pct(decile.captured),
            _bar(decile.lift, top),
        )
    console.print(table)


def show_calibration(console: Console, calibration: Calibration, output: str) -> None:
    columns = Table(title="columns", show_header=True)
    for name in ("column", "field", "decision", "why", "AUC alone"):
        columns.add_column(name)
    for decision in calibration.decisions:
        style = "green" if decision.status is ColumnStatus.USED else "yellow"
        columns.add_row(
            _cell(decision.column),
            _cell(decision.field),
            Text(decision.status.value, style=style),
            _cell(decision.reason),
            "" if decision.single_auc is None else f"{decision.single_auc:.3f}",
        )
    console.print(columns)
    if any(decision.status is ColumnStatus.EXCLUDED for decision in calibration.decisions):
        console.print(
            "a column excluded as a likely leak, identifier or date can be used anyway: --allow-column NAME",
            highlight=False,
        )
    interval = calibration.heldout_interval
    folds = ", ".join(f"{auc:.3f}" for auc in calibration.fold_aucs)
    console.print(
        f"held-out ROC AUC {calibration.heldout_auc:.3f} (95% CI {interval.low:.3f}–{interval.high:.3f}; "
        f"{calibration.options.folds} folds: {folds})",
        highlight=False,
    )
    if calibration.no_signal:
        console.print(
            "[bold yellow]no reliable signal:[/] the held-out AUC's confidence interval includes 0.5, so "
            "these columns (firmographics or otherwise) do not rank the leads better than chance here. "
            "No rules were written; the candidate bins are listed as comments.",
        )
    else:
        bands = "; ".join(
            f"{band.name} ≥ {band.threshold}: {_pct(band.share)} of leads, "
            f"{_pct(band.conversion_rate)} converted"
            for band in calibration.bands
        )
        console.print(
            f"{calibration.rule_count} rules (base included); bands on the calibration data: {bands}",
            highlight=False,
        )
    console.print(f"wrote {clean_text(output)}", highlight=False, markup=False)


def show_journey_check(console: Console, check: JourneyCheck) -> None:
    table = Table(title="journey: assets in the data", show_header=True)
    for name in ("asset", "kind", "activities", "pattern", "phase"):
        table.add_column(name, justify="right" if name == "activities" else "left")
    for asset in check.mapped:
        table.add_row(
            _cell(asset.asset),
            _cell(asset.kind),
            f"{asset.count:,}",
            _cell(asset.pattern),
            _cell(asset.phase or "–"),
        )
    for usage in check.unmapped:
        table.add_row(
            _cell(usage.asset), _cell(usage.kind), f"{usage.count:,}", Text("unmapped", style="bold red"), ""
        )
    console.print(table)
    if check.unmapped:
        console.print(
            f"[yellow]warning:[/] {len(check.unmapped)} asset(s), {check.unmapped_activities:,} activities, "
            "match no pattern in \\[engagement.assets]: they score nothing and advance no phase",
            highlight=False,
        )
    else:
        console.print("every asset in the data is mapped to the journey", highlight=False)
    for phase in check.empty_phases:
        console.print(
            f"[yellow]warning:[/] phase {escape(clean_text(phase))!r} has no assets mapped to it",
            highlight=False,
        )
    for phase in check.unseen_phases:
        console.print(
            f"note: no activity in the data reached phase {clean_text(phase)!r}",
            highlight=False,
            markup=False,
        )
    if check.unused_patterns:
        unused = ", ".join(clean_text(pattern) for pattern in check.unused_patterns)
        console.print(f"note: patterns that matched no activity: {unused}", highlight=False, markup=False)


def show_funnel(console: Console, funnel: Funnel) -> None:
    table = Table(title=f"journey funnel — {funnel.entity} by furthest phase", show_header=True)
    for name in ("phase", funnel.entity, "reached", "opportunity", "won", ""):
        table.add_column(name, justify="left" if name in ("phase", "") else "right")
    top = max((step.stopped_here for step in funnel.steps), default=0)
    for step in funnel.steps:
        table.add_row(
            _cell(step.phase),
            f"{step.stopped_here:,}",
            f"{step.reached:,}",
            _pct(step.opportunity_rate),
            _pct(step.won_rate),
            _bar(step.stopped_here, top),
        )
    console.print(table)

"""Backtest and journey reports as one self-contained HTML file: inline CSS and SVG, no script, no CDN.

The page is meant to be committed or mailed: it opens offline in any browser and prints well. Names that
come from rulesets and data (bands, tiers, phases) are escaped.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from enrich.reports.svg_charts import BAND_COLOURS, PALETTE, Line, Series, bar_chart, funnel_chart, line_chart
from scoring.backtest import BacktestReport, Comparison
from scoring.journey import Funnel
from scoring.metrics import GroupRate

_STYLE = """
body { font-family: system-ui, sans-serif; margin: 2rem auto; max-width: 1180px; color: #111827;
       padding: 0 1rem }
h1 { font-size: 1.5rem } h2 { font-size: 1.15rem; margin-top: 2rem; border-bottom: 1px solid #e5e7eb }
table { border-collapse: collapse; margin: .5rem 0 1rem } td, th { padding: .25rem .6rem; text-align: right }
th { background: #f3f4f6 } td:first-child, th:first-child { text-align: left }
.charts { display: flex; flex-wrap: wrap; gap: 1rem } .note { color: #4b5563; font-size: .9rem }
"""


def _pct(value: float | None) -> str:
    return "–" if value is None else f"{100 * value:.1f}%"


def _table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    head = "".join(f"<th>{escape(cell)}</th>" for cell in headers)
    body = "".join("<tr>" + "".join(f"<td>{escape(cell)}</td>" for cell in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _page(title: str, sections: Sequence[str]) -> str:
    return "\n".join(
        [
            "<!doctype html>",
            '<html lang="en"><head><meta charset="utf-8">',
            '<meta name="viewport" content="width=device-width, initial-scale=1">',
            f"<title>{escape(title)}</title><style>{_STYLE}</style></head><body>",
            f"<h1>{escape(title)}</h1>",
            *sections,
            "</body></html>",
            "",
        ]
    )


SUMMARY_HEADERS = ("ruleset", "ROC AUC", "95% CI", "hand-off ≥", "handed over", "precision", "recall")


def summary_row(report: BacktestReport) -> list[str]:
    """One report's headline numbers, in the order of :data:`SUMMARY_HEADERS` (HTML and terminal)."""
    interval, handoff = report.auc_interval, report.handoff
    return [
        report.ruleset,
        f"{report.auc:.3f}",
        f"{interval.low:.3f}–{interval.high:.3f}",
        f"{handoff.threshold:g}",
        f"{handoff.selected:,} ({_pct(handoff.selected_share)})",
        _pct(handoff.precision),
        _pct(handoff.recall),
    ]


def _summary(reports: Sequence[BacktestReport], comparison: Comparison | None) -> str:
    text = _table(SUMMARY_HEADERS, [summary_row(report) for report in reports])
    if comparison is not None:
        interval = comparison.difference_interval
        text += (
            f'<p class="note">AUC difference ({escape(comparison.second.ruleset)} − '
            f"{escape(comparison.first.ruleset)}): {comparison.auc_difference:+.3f} "
            f"(95% CI {interval.low:+.3f} to {interval.high:+.3f}, paired bootstrap).</p>"
        )
    return text


def _group_rows(groups: Sequence[GroupRate], total: int) -> list[list[str]]:
    return [
        [
            group.name,
            f"{group.cases:,}",
            _pct(group.cases / total if total else None),
            f"{group.positives:,}",
            _pct(group.conversion_rate),
        ]
        for group in groups
    ]


def _band_section(report: BacktestReport) -> str:
    names = [group.name for group in report.bands]
    chart = bar_chart(
        f"Conversion by band — {report.ruleset}",
        names,
        [Series(report.ruleset, [group.conversion_rate for group in report.bands], PALETTE[0])],
        y_label="converted",
        reference=report.base_rate,
        reference_label=f"all leads {_pct(report.base_rate)}",
        category_colours=[BAND_COLOURS.get(name, "#6b7280") for name in names],
    )
    headers = ["band", "leads", "share", "converted", "conversion"]
    tiers = _table(["tier", "leads", "share", "converted", "conversion"], _group_rows(report.tiers, report.n))
    return f"<div>{chart}{_table(headers, _group_rows(report.bands, report.n))}{tiers}</div>"


def _lift_table(report: BacktestReport) -> str:
    rows = [
        [
            str(decile.decile),
            f"{decile.score_low:g}–{decile.score_high:g}",
            f"{decile.cases:,.0f}",
            _pct(decile.conversion_rate),
            f"{decile.lift:.2f}",
            _pct(decile.captured),
        ]
        for decile in report.lift
    ]
    headers = ["decile", "scores", "leads", "conversion", "lift", "converted leads captured"]
    return f"<h3>{escape(report.ruleset)}</h3>" + _table(headers, rows)


def backtest_page(
    reports: Sequence[BacktestReport], comparison: Comparison | None, *, source: str, generated: str
) -> str:
    """The HTML report for one ruleset, or two side by side (``comparison`` set)."""
    first = reports[0]
    colours = PALETTE
    roc = line_chart(
        "ROC curve",
        [
            Line(
                f"{r.ruleset} (AUC {r.auc:.3f})",
                [(p.false_positive_rate, p.true_positive_rate) for p in r.roc],
                colours[i],
            )
            for i, r in enumerate(reports)
        ],
        x_label="false positive rate",
        y_label="true positive rate",
    )
    lift = bar_chart(
        "Lift per decile (1 = highest scores)",
        [str(decile.decile) for decile in first.lift],
        [Series(r.ruleset, [d.lift for d in r.lift], colours[i]) for i, r in enumerate(reports)],
        y_label="lift over the base rate",
        value_format="{:.1f}",
        reference=1.0,
        reference_label="base rate",
    )
    intro = (
        f'<p class="note">Data: {escape(source)} — {first.n:,} leads, {first.positives:,} converted '
        f"({_pct(first.base_rate)}). Ranked by priority; AUC interval from {first.auc_interval.resamples:,} "
        f"bootstrap resamples (seed {first.seed}). Generated {escape(generated)}.</p>"
    )
    sections = [
        intro,
        "<h2>Summary</h2>",
        _summary(reports, comparison),
        "<h2>Ranking</h2>",
        f'<div class="charts">{roc}{lift}</div>',
        "<h2>Conversion by band and tier</h2>",
        '<div class="charts">' + "".join(_band_section(report) for report in reports) + "</div>",
        "<h2>Lift per decile</h2>",
        '<p class="note">Tied scores are split across decile borders pro rata.</p>',
        *(_lift_table(report) for report in reports),
    ]
    title = "Backtest: " + " vs ".join(report.ruleset for report in reports)
    return _page(title, sections)


def funnel_section(funnel: Funnel) -> str:
    steps = [(step.phase, step.stopped_here, f"{_pct(step.won_rate)} won") for step in funnel.steps]
    chart = funnel_chart(f"Furthest phase reached — {funnel.entity}", steps)
    rows = [
        [
            step.phase,
            f"{step.stopped_here:,}",
            f"{step.reached:,}",
            _pct(step.opportunity_rate),
            _pct(step.won_rate),
            _pct(step.win_rate),
        ]
        for step in funnel.steps
    ]
    headers = [
        "furthest phase",
        funnel.entity,
        "reached (this or later)",
        "opportunity",
        "won",
        "won of opps",
    ]
    return f"<div>{chart}{_table(headers, rows)}</div>"


def journey_page(funnels: Sequence[Funnel], *, ruleset: str, generated: str) -> str:
    """Funnel charts and tables of the journey report."""
    intro = (
        f'<p class="note">Ruleset {escape(ruleset)}. Each {escape(" and ".join(f.entity for f in funnels))} '
        f"counts once, at the furthest phase its activities reached before its decision date (or before "
        f"the report for those without an outcome). Generated {escape(generated)}.</p>"
    )
    return _page("Journey report", [intro, '<div class="charts">', *map(funnel_section, funnels), "</div>"])

"""``leadscore backtest``, ``leadscore calibrate`` and ``leadscore journey check|report``.

Design forward (the ruleset declares the journey and the points), build backward (from the
opportunities and deals actually won): these commands hold a ruleset against outcomes. See
docs/backtest.md. Exit codes: 0 ok (warnings included), 2 for unusable input or, with
``journey check --strict``, for assets the journey does not map.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape

from enrich.backtest_io import (
    Case,
    activity_usage,
    journey_outcomes,
    read_outcomes,
    resolve_outcomes,
    score_cases,
)
from enrich.cli import backtest_view as view
from enrich.cli.context import AppContext, app_context, clean_text
from enrich.cli.ruleset_file import (
    AsOfOption,
    JsonOption,
    RulesetOption,
    load_configured_ruleset,
    parse_as_of,
)
from enrich.errors import InputError
from enrich.leads_csv import iter_labelled_rows, map_columns, open_lead_file, read_lead_table
from enrich.reports.backtest_html import backtest_page, journey_page
from scoring.backtest import BacktestReport, CaseRecorder, Comparison, backtest, compare
from scoring.calibrate import Calibration, CalibrationError, CalibrationOptions, calibrate
from scoring.calibrate_columns import DEFAULT_LEAK_WORDS
from scoring.calibrate_writer import ruleset_toml
from scoring.journey import check_journey, phase_funnel
from scoring.metrics import SingleClassError
from scoring.ruleset import Ruleset, load_ruleset

journey_app = typer.Typer(
    name="journey",
    help="The buyer journey: check the data against it, report the funnel.",
    no_args_is_help=True,
)

SeedOption = Annotated[int, typer.Option("--seed", help="Seed of the bootstrap and the folds.")]
HtmlOption = Annotated[Path | None, typer.Option("--html", help="Write a self-contained HTML report.")]
IgnoreUnknownOption = Annotated[
    bool, typer.Option("--ignore-unknown", help="Leave out outcome rows naming no stored account.")
]


def register(app: typer.Typer) -> None:
    app.command("backtest")(backtest_command)
    app.command("calibrate")(calibrate_command)
    app.add_typer(journey_app, name="journey")


def _ruleset(app_ctx: AppContext, option: Path | None) -> Ruleset:
    return load_configured_ruleset(app_ctx.settings, option)


def _parse_map(pairs: Sequence[str]) -> dict[str, str]:
    mapping = {}
    for pair in pairs:
        column, sep, field = pair.rpartition("=")
        if not sep or not column.strip() or not field.strip():
            raise InputError(f"--map {pair!r}: write COLUMN=FIELD, e.g. --map 'Employees=employee_count'")
        mapping[column.strip()] = field.strip()
    return mapping


def _warn(app_ctx: AppContext, warnings: list[str]) -> None:
    """Warnings go to stderr, so ``--json`` output stays one clean object (it lists them too)."""
    for warning in warnings:
        app_ctx.err_console.print(f"[yellow]warning:[/] {escape(clean_text(warning))}", highlight=False)


def _recorders_from_csv(
    data: Path, outcome: str, id_column: str | None, rulesets: list[Ruleset], overrides: dict[str, str]
) -> tuple[list[CaseRecorder], list[str]]:
    lead_file = open_lead_file(data, outcome, id_column)
    header = lead_file.csv_format.header
    mappings = [
        map_columns(header, ruleset, skip=lead_file.skip, overrides=overrides, source=data.name)
        for ruleset in rulesets
    ]
    warnings = []
    for ruleset, mapping in zip(rulesets, mappings, strict=True):
        if mapping.absent:
            warnings.append(
                f"{ruleset.ref}: no column for {', '.join(mapping.absent)}: rules on them count as unknown "
                "(use --map COLUMN=FIELD)"
            )
    recorders = [CaseRecorder(ruleset) for ruleset in rulesets]
    work = list(zip(rulesets, mappings, recorders, strict=True))
    for cells, won in iter_labelled_rows(lead_file):
        for ruleset, mapping, recorder in work:
            recorder.add_record(mapping.record(cells, ruleset), won)
    return recorders, warnings


def _recorders_from_store(
    app_ctx: AppContext, outcomes_path: Path, rulesets: list[Ruleset], ignore_unknown: bool
) -> tuple[list[CaseRecorder], list[str]]:
    engine = app_ctx.engine()
    outcomes = read_outcomes(outcomes_path, now=datetime.now(UTC))
    with engine.connect() as conn:
        resolved = resolve_outcomes(conn, outcomes, ignore_unknown=ignore_unknown)
    warnings = [
        f"{outcomes.source}:{row.line}: no account {row.key!r} in the store (left out: --ignore-unknown)"
        for row in resolved.unknown
    ]
    return score_cases(engine, resolved.cases, rulesets), warnings


def backtest_command(
    ctx: typer.Context,
    ruleset: RulesetOption = None,
    data: Annotated[Path | None, typer.Option("--data", help="Flat lead CSV: one row per lead.")] = None,
    outcome: Annotated[str | None, typer.Option("--outcome", help="Outcome column of --data.")] = None,
    outcomes: Annotated[
        Path | None, typer.Option("--outcomes", help="Outcomes CSV for the store's accounts.")
    ] = None,
    compare_with: Annotated[
        Path | None, typer.Option("--compare", help="A second ruleset, side by side.")
    ] = None,
    as_json: JsonOption = False,
    html: HtmlOption = None,
    id_column: Annotated[
        str | None,
        typer.Option("--id-column", help="Lead id column of --data: not a field; ids must be unique."),
    ] = None,
    column_map: Annotated[
        list[str] | None, typer.Option("--map", help="COLUMN=FIELD, overriding the name match (repeatable).")
    ] = None,
    ignore_unknown: IgnoreUnknownOption = False,
    seed: SeedOption = 0,
    resamples: Annotated[int, typer.Option("--resamples", min=100, help="Bootstrap resamples.")] = 1000,
) -> None:
    """ROC AUC with a bootstrap interval, hand-off precision/recall, lift and conversion per band and tier."""
    app_ctx = app_context(ctx)
    if (data is None) == (outcomes is None):
        raise InputError("give either --data LEADS.csv --outcome COLUMN, or --outcomes FILE (store accounts)")
    rulesets = [_ruleset(app_ctx, ruleset)]
    if compare_with is not None:
        rulesets.append(_ruleset(app_ctx, compare_with))
    if data is not None:
        if not outcome:
            raise InputError("--data needs --outcome COLUMN (the column holding 0/1, won/lost …)")
        recorders, warnings = _recorders_from_csv(
            data, outcome, id_column, rulesets, _parse_map(column_map or [])
        )
        source = data.name
    else:
        assert outcomes is not None
        recorders, warnings = _recorders_from_store(app_ctx, outcomes, rulesets, ignore_unknown)
        source = f"{outcomes.name} (store accounts, engagement as of each decision date)"
    _warn(app_ctx, warnings)
    cases = [recorder.cases() for recorder in recorders]
    try:
        comparison: Comparison | None = None
        if len(cases) == 2:
            comparison = compare(cases[0], cases[1], resamples=resamples, seed=seed)
            reports: list[BacktestReport] = [comparison.first, comparison.second]
        else:
            reports = [backtest(cases[0], resamples=resamples, seed=seed)]
    except SingleClassError as exc:
        file_name = (data or outcomes or Path("?")).name
        raise InputError(
            f"{file_name}: {exc}", hint="a backtest needs converted and unconverted leads"
        ) from exc
    if html is not None:
        generated = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
        html.write_text(
            backtest_page(reports, comparison, source=source, generated=generated), encoding="utf-8"
        )
    if as_json:
        payload: dict[str, Any] = {"source": source, **reports[0].to_dict(), "warnings": warnings}
        if comparison is not None:
            payload["compare"] = comparison.to_dict()
        typer.echo(json.dumps(payload, indent=2))
        return
    view.show_backtest(app_ctx.console, reports, comparison)
    if html is not None:
        app_ctx.console.print(f"wrote {clean_text(html)}", highlight=False, markup=False)


def calibrate_command(
    ctx: typer.Context,
    data: Annotated[Path, typer.Option("--data", help="Flat lead CSV: one row per lead.")],
    outcome: Annotated[str, typer.Option("--outcome", help="Outcome column (0/1, won/lost …).")],
    output: Annotated[Path, typer.Option("-o", "--output", help="Where to write the suggested ruleset.")],
    exclude: Annotated[
        list[str] | None, typer.Option("--exclude", help="Column to leave out (repeatable).")
    ] = None,
    allow_column: Annotated[
        list[str] | None,
        typer.Option("--allow-column", help="Use this column although it looks like a leak (repeatable)."),
    ] = None,
    target_handoff_share: Annotated[
        float, typer.Option("--target-handoff-share", help="Share of leads the green band should hold.")
    ] = 0.2,
    folds: Annotated[int, typer.Option("--folds", help="Cross-validation folds.")] = 5,
    seed: SeedOption = 0,
    name: Annotated[
        str | None, typer.Option("--name", help="Ruleset name (default: the output file's stem).")
    ] = None,
    leak_words: Annotated[
        str | None,
        typer.Option(
            "--leak-words",
            help=f"Comma-separated name words that flag a leak (default: {','.join(DEFAULT_LEAK_WORDS)}).",
        ),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Suggest points per attribute and bin from labelled leads; write them as a normal, editable ruleset."""
    app_ctx = app_context(ctx)
    table = read_lead_table(data, outcome)
    words = (
        DEFAULT_LEAK_WORDS
        if leak_words is None
        else tuple(w.strip() for w in leak_words.split(",") if w.strip())
    )
    options = CalibrationOptions(
        name=name or output.stem,
        source=data.name,
        outcome_column=table.outcome_column,
        target_handoff_share=target_handoff_share,
        folds=folds,
        seed=seed,
        exclude=frozenset(exclude or ()),
        allow=frozenset(allow_column or ()),
        leak_words=words,
    )
    try:
        calibration = calibrate(table.columns, table.outcomes, options)
    except (CalibrationError, SingleClassError) as exc:
        raise InputError(f"{data.name}: {exc}") from exc
    text = ruleset_toml(calibration)
    load_ruleset(text, str(output))  # the written file must load; a failure here is a bug, not bad input
    output.write_text(text, encoding="utf-8")
    if as_json:
        typer.echo(json.dumps(_calibration_json(calibration, output), indent=2))
        return
    view.show_calibration(app_ctx.console, calibration, str(output))


def _calibration_json(calibration: Calibration, output: Path) -> dict[str, Any]:
    interval = calibration.heldout_interval
    return {
        "output": str(output),
        "n": calibration.n,
        "positives": calibration.positives,
        "heldout_auc": round(calibration.heldout_auc, 4),
        "heldout_auc_ci": interval.to_list(),
        "fold_aucs": [round(auc, 4) for auc in calibration.fold_aucs],
        "no_signal": calibration.no_signal,
        "rules": calibration.rule_count,
        "bands": {
            band.name: {
                "threshold": band.threshold,
                "share": round(band.share, 4),
                "conversion_rate": None if band.conversion_rate is None else round(band.conversion_rate, 4),
            }
            for band in calibration.bands
        },
        "handoff_threshold": calibration.handoff_threshold,
        "columns": [
            {"column": d.column, "field": d.field, "status": d.status.value, "reason": d.reason}
            for d in calibration.decisions
        ],
    }


@journey_app.command("check")
def journey_check(
    ctx: typer.Context,
    ruleset: RulesetOption = None,
    as_json: JsonOption = False,
    strict: Annotated[
        bool, typer.Option("--strict", help="Exit 2 when any asset in the data is unmapped.")
    ] = False,
) -> None:
    """Hold the journey the ruleset declares against the activities in the store."""
    app_ctx = app_context(ctx)
    policy = _ruleset(app_ctx, ruleset).engagement
    check = check_journey(policy, activity_usage(app_ctx.engine()))
    if as_json:
        typer.echo(json.dumps(check.to_dict(), indent=2))
    else:
        view.show_journey_check(app_ctx.console, check)
    if strict and check.unmapped:
        raise InputError(
            f"{len(check.unmapped)} asset(s) in the data are not mapped to a journey phase (--strict)",
            hint="add patterns for them under [engagement.assets] (phase-less with points = 0 to ignore one)",
        )


@journey_app.command("report")
def journey_report(
    ctx: typer.Context,
    ruleset: RulesetOption = None,
    outcomes: Annotated[
        Path | None, typer.Option("--outcomes", help="Outcomes CSV (opportunities, won/lost).")
    ] = None,
    as_json: JsonOption = False,
    html: HtmlOption = None,
    as_of: AsOfOption = None,
    ignore_unknown: IgnoreUnknownOption = False,
) -> None:
    """How many accounts and contacts reached each phase, and what share became opportunities and won."""
    app_ctx = app_context(ctx)
    rules = _ruleset(app_ctx, ruleset)
    now = datetime.now(UTC)
    report_time = parse_as_of(as_of)
    engine = app_ctx.engine()
    cases: tuple[Case, ...] = ()
    if outcomes is not None:
        with engine.connect() as conn:
            cases = resolve_outcomes(
                conn, read_outcomes(outcomes, now=now), ignore_unknown=ignore_unknown
            ).cases
    policy = rules.engagement
    accounts, contacts = journey_outcomes(engine, policy, cases, report_time)
    funnels = [phase_funnel(policy, "accounts", accounts), phase_funnel(policy, "contacts", contacts)]
    if html is not None:
        generated = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
        html.write_text(journey_page(funnels, ruleset=str(rules.ref), generated=generated), encoding="utf-8")
    if as_json:
        typer.echo(
            json.dumps({"ruleset": str(rules.ref), "funnels": [f.to_dict() for f in funnels]}, indent=2)
        )
        return
    for funnel in funnels:
        view.show_funnel(app_ctx.console, funnel)

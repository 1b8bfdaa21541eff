"""``leadscore cleanup``: the scheduled CRM cleanup (normalise, duplicates, stale, implausible).

Without ``--apply`` a dry run: every proposed change is printed (or written with ``--report``) and the
database is not touched. With ``--apply`` the confident changes are written, the rest queued for
review, stale values researched again and affected accounts re-scored. Safe to schedule: a second
cleanup while one runs exits 0 with a message; exit 4 when items await review (docs/cleanup.md).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from itertools import islice
from pathlib import Path
from typing import Annotated

import typer
from rich import box
from rich.table import Table
from rich.text import Text

from enrich.cleanup.industries import IndustryVocabulary, ruleset_industries
from enrich.cleanup.model import STEPS, Step
from enrich.cleanup.plan import CleanupOptions
from enrich.cleanup.report import write_json, write_report
from enrich.cleanup.runner import Cleanup, CleanupSummary, ResearchResult
from enrich.cli.context import AppContext, app_context, clean_text
from enrich.cli.enrich import llm_configured, parse_stale_after, run_enrichment
from enrich.cli.ruleset_file import load_configured_ruleset
from enrich.errors import ExitCode, InputError, LockHeld, Problem
from enrich.llm.smart_fields import all_smart_fields
from enrich.worker import EnrichOptions
from scoring.ruleset import Ruleset

SHOWN_LINES = 200


def register(app: typer.Typer) -> None:
    app.command("cleanup")(cleanup)


def parse_steps(text: str | None) -> tuple[Step, ...]:
    """``--only normalise,duplicates``: the steps in their fixed order; InputError naming unknown ones."""
    if not text:
        return STEPS
    wanted = [part.strip() for part in text.split(",") if part.strip()]
    unknown = [name for name in wanted if name not in STEPS]
    if unknown or not wanted:
        raise InputError(
            "--only: unknown cleanup step(s)" if unknown else "--only: no step given",
            [Problem("--only", None, name, "not a cleanup step") for name in unknown],
            hint=f"choose from {','.join(STEPS)}",
        )
    return tuple(step for step in STEPS if step in wanted)


def parse_since(text: str | None) -> datetime | None:
    """``--since 2025-01-31`` (00:00 UTC) or an ISO time; naive times are UTC."""
    if text is None:
        return None
    try:
        if "T" in text or " " in text.strip():
            moment = datetime.fromisoformat(text.strip())
        else:
            day = date.fromisoformat(text.strip())
            moment = datetime(day.year, day.month, day.day)
    except ValueError as error:
        raise InputError(
            f"--since: not a date or ISO time: {text!r}", hint="e.g. 2025-01-31 or 2025-01-31T06:00"
        ) from error
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def industry_vocabulary(app_ctx: AppContext, ruleset: Ruleset) -> IndustryVocabulary:
    """The ruleset's industries; when it names none, the industry smart field's labels."""
    labels = ruleset_industries(ruleset)
    if not labels:
        industry = all_smart_fields(app_ctx.settings.prompts_dir).get("industry")
        labels = tuple(industry.value_terms) if industry is not None else ()
    return IndustryVocabulary(labels)


def _research(app_ctx: AppContext, *, use_llm: bool, show_progress: bool, lease: timedelta) -> ResearchResult:
    """The enrichment agent on the jobs the cleanup queued (``fields=()``: it plans nothing of its own)."""
    settings = app_ctx.settings
    options = EnrichOptions(
        fields=(),
        concurrency=settings.concurrency,
        accept_threshold=settings.accept_threshold,
        max_pages=settings.fetch_max_pages,
        lease=lease,
    )
    summary = run_enrichment(app_ctx, options, ruleset=None, use_llm=use_llm, show_progress=show_progress)
    return ResearchResult(
        summary.run_id,
        summary.accounts_done,
        summary.fields_accepted,
        summary.pending_review,
        summary.stopped,
    )


def cleanup(
    ctx: typer.Context,
    apply: Annotated[
        bool, typer.Option("--apply", help="Write the changes (default: a dry run that changes nothing).")
    ] = False,
    only: Annotated[
        str | None, typer.Option("--only", metavar="STEPS", help=f"Comma-separated: {','.join(STEPS)}.")
    ] = None,
    since: Annotated[
        str | None,
        typer.Option("--since", metavar="DATE", help="Only accounts created or changed since (UTC date)."),
    ] = None,
    report: Annotated[
        Path | None, typer.Option("--report", metavar="FILE", help="Write the report (.html or .json).")
    ] = None,
    stale_after: Annotated[
        str | None, typer.Option("--stale-after", help="Treat values older than this as stale (e.g. 180d).")
    ] = None,
    recheck_after: Annotated[
        str, typer.Option("--recheck-after", help="Research an account again only after this long.")
    ] = "7d",
    ruleset_file: Annotated[
        Path | None, typer.Option("--ruleset", help="Ruleset: industry list and re-scoring.")
    ] = None,
    no_llm: Annotated[bool, typer.Option("--no-llm", help="Deterministic extractors only.")] = False,
    lease_seconds: Annotated[
        int, typer.Option("--lease-seconds", min=5, help="Lock lease, renewed while the run lives.")
    ] = 120,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """Clean the CRM data: normalise values, merge duplicates, re-research stale and flag implausible ones.

    A dry run unless --apply. Only one cleanup runs at a time per database; a second exits 0 with a
    message. Exit code 4 when items await review.
    """
    app_ctx = app_context(ctx)
    settings = app_ctx.settings
    if report is not None and report.suffix.lower() not in (".html", ".htm", ".json"):
        raise InputError(f"--report {report}: use a .html or .json file name")
    options = CleanupOptions(
        steps=parse_steps(only),
        since=parse_since(since),
        accept_threshold=settings.accept_threshold,
        stale_after=parse_stale_after(stale_after),
        recheck_after=parse_stale_after(recheck_after, "--recheck-after") or timedelta(0),
    )
    ruleset = load_configured_ruleset(settings, ruleset_file)
    lease = timedelta(seconds=lease_seconds)
    job = Cleanup(
        app_ctx.engine(),
        options,
        industry_vocabulary(app_ctx, ruleset),
        ruleset=ruleset,
        research=lambda: _research(app_ctx, use_llm=not no_llm, show_progress=not as_json, lease=lease),
        smart_fields=llm_configured(settings) and not no_llm,
        lease=lease,
        report=lambda message: app_ctx.err_console.print(clean_text(message), highlight=False),
    )
    try:
        summary = job.apply() if apply else job.dry_run()
    except LockHeld as held:
        # scheduled runs overlap by design: the second one has nothing to do, and that is no error
        app_ctx.err_console.print(clean_text(held), highlight=False)
        if as_json:
            typer.echo(json.dumps({"status": "skipped", "reason": str(held)}))
        raise typer.Exit(int(ExitCode.OK)) from None
    if report is not None:
        write_report(report, summary)
    if as_json:
        _echo_json(summary)
    else:
        _print(app_ctx, summary, report)
    if not summary.dry_run and summary.awaiting_review:
        raise typer.Exit(int(ExitCode.NEEDS_REVIEW))


def _echo_json(summary: CleanupSummary) -> None:
    """The summary as ``json.dumps(..., indent=2)`` would print it, written in pieces (flat memory)."""
    pending: list[str] = []
    size = 0

    def write(text: str) -> None:
        nonlocal size
        pending.append(text)
        size += len(text)
        if size >= 1 << 16:
            flush()

    def flush() -> None:
        nonlocal size
        typer.echo("".join(pending), nl=False)
        pending.clear()
        size = 0

    write_json(write, summary.to_dict(lazy=True))
    write("\n")
    flush()


def diff_lines(summary: CleanupSummary) -> Iterator[tuple[str, str]]:
    """The plan as a diff, one (action, line) per proposal: ``account: field: before → after (why)``."""
    plan = summary.plan
    for change in plan.changes:
        item = change.to_dict()
        what = f"{item['account']}: {item['field']}: {item['before']} → {item['after']}"
        yield change.action, f"{what} ({item['why']}; confidence {change.confidence:.2f})"
    for flag in plan.flags:
        yield flag.action, f"{flag.account_label}: {flag.field}: {flag.to_dict()['value']} ({flag.why})"
    for merge in plan.merges:
        evidence = ", ".join(f"{key} {value}" for key, value in merge.evidence.items() if key != "names")
        what = f"{merge.merge_label}: merge into {merge.keep_label}"
        action = "merge" if merge.automatic else "review"
        yield action, f"{what} (similarity {merge.similarity:.2f}: {evidence})"
    for stale in plan.stale:
        what = f"{stale.account_label}: {stale.field}: {stale.to_dict()['value']}"
        yield "research", f"{what} (last checked {stale.checked_at:%Y-%m-%d})"


def _print(app_ctx: AppContext, summary: CleanupSummary, report: Path | None) -> None:
    console = app_ctx.console
    plan = summary.plan
    styles = {"apply": "green", "merge": "green", "review": "yellow", "research": "cyan"}
    lines = diff_lines(summary)
    for action, line in islice(lines, SHOWN_LINES):
        text = Text(f"{action:>8}  ", style=styles.get(action, ""))
        text.append(clean_text(line))
        console.print(text, soft_wrap=True, highlight=False)
    # the rest are only counted: every proposal is in the plan's counts and the report
    proposals = len(plan.changes) + len(plan.flags) + len(plan.merges) + len(plan.stale)
    if proposals > SHOWN_LINES:
        where = f"the report {report}" if report else "--report FILE for all of them"
        console.print(f"… and {proposals - SHOWN_LINES} more (see {where})", highlight=False)
    counts = Table(title="dry run: nothing changed" if summary.dry_run else f"cleanup run {summary.run_id}",
                   show_header=False, box=box.SIMPLE_HEAD)  # fmt: skip
    counts.add_column("what")
    counts.add_column("count", justify="right")
    for key, value in summary.counts().items():
        counts.add_row(key.replace("_", " "), str(value))
    console.print(counts)
    move = plan.score_move
    if move is not None:
        console.print(
            f"re-scored with {clean_text(move.ruleset)}: of {move.accounts} affected accounts, "
            f"{move.band_changed} changed band, {move.tier_changed} tier, {move.handoff_changed} hand-off",
            highlight=False,
        )
    if summary.taken_over_from:
        console.print(
            f"took over the lock of a dead run ({clean_text(summary.taken_over_from)})", highlight=False
        )
    if summary.dry_run and proposals:
        console.print("this was a dry run: run again with --apply to write the changes", highlight=False)

"""``leadscore enrich`` (research missing or stale fields) and ``leadscore provenance`` (value origins)."""

from __future__ import annotations

import asyncio
import json
import re
from datetime import timedelta
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from sqlalchemy import Engine, or_, select

from enrich.cli.context import AppContext, app_context, clean_text
from enrich.cli.ruleset_file import load_configured_ruleset
from enrich.clock import utc_now
from enrich.config import Settings
from enrich.errors import ExitCode, InputError, Problem
from enrich.fetch.fetcher import Fetcher
from enrich.gaps import RESEARCHABLE_FIELDS
from enrich.llm.research import SmartFieldResearcher
from enrich.llm.smart_fields import SmartField, all_smart_fields
from enrich.store.llm_cache import SqlLLMCache
from enrich.store.pages import PageStore, refused_pages
from enrich.store.schema import account
from enrich.store.scores import score_store
from enrich.store.values import display_value, values_for
from enrich.worker import EnrichOptions, RunSummary, finish_run, plan, start_run, work
from scoring.ruleset import Ruleset

_DURATION = re.compile(r"^\s*(\d+)\s*([dhwm]?)\s*$")
_UNITS = {"": 1, "d": 1, "w": 7, "m": 30}


def register(app: typer.Typer) -> None:
    app.command("enrich")(enrich)
    app.command("provenance")(provenance)


def parse_stale_after(text: str | None, option: str = "--stale-after") -> timedelta | None:
    """``180d``, ``26w``, ``6m`` (30-day months) or a plain number of days."""
    if text is None:
        return None
    match = _DURATION.match(text)
    if match is None:
        raise InputError(f"{option}: cannot read {text!r}", hint="use a number of days like 180d, 26w or 6m")
    return timedelta(days=int(match.group(1)) * _UNITS[match.group(2)])


def parse_fields(text: str | None) -> tuple[str, ...]:
    if not text:
        return RESEARCHABLE_FIELDS
    wanted = tuple(part.strip() for part in text.split(",") if part.strip())
    unknown = [name for name in wanted if name not in RESEARCHABLE_FIELDS]
    if unknown:
        raise InputError(
            "--fields: unknown field(s)",
            [Problem("--fields", None, name, "not researchable") for name in unknown],
            hint=f"choose from {', '.join(RESEARCHABLE_FIELDS)}",
        )
    return wanted


def llm_configured(settings: Settings) -> bool:
    return settings.openai_api_key is not None or bool(settings.openai_base_url)


def smart_field_setup(
    settings: Settings, engine: Engine, enabled: bool
) -> tuple[SmartFieldResearcher | None, dict[str, SmartField], list[str]]:
    """The smart-field researcher when an LLM is configured (and not switched off), else None."""
    if not enabled or not llm_configured(settings):
        return None, {}, []
    fields = all_smart_fields(settings.prompts_dir)
    industry = fields.get("industry")
    allowed = list(industry.value_terms) if industry is not None else []
    return SmartFieldResearcher.from_settings(settings, cache=SqlLLMCache(engine)), fields, allowed


def run_enrichment(
    app_ctx: AppContext,
    options: EnrichOptions,
    *,
    ruleset: Ruleset | None,
    use_llm: bool = True,
    show_progress: bool = True,
) -> RunSummary:
    """Plan, research, record and re-score; used by ``enrich``, ``demo`` and ``cleanup``."""
    settings = app_ctx.settings
    engine = app_ctx.engine()
    now = utc_now()
    summary = RunSummary()
    summary.planned = plan(engine, options, now=now, ruleset=ruleset)
    researcher, smart_fields, allowed = smart_field_setup(settings, engine, use_llm)
    summary.run_id = start_run(
        engine,
        now=now,
        detail={
            "fields": list(options.fields),
            "llm": researcher is not None,
            "model": settings.llm_model if researcher else None,
            "ruleset": str(ruleset.ref) if ruleset else None,
        },
    )
    status = "failed"
    progress = Progress(
        TextColumn("[bold]enriching"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total} accounts"),
        TextColumn(
            "{task.fields[filled]} filled · {task.fields[review]} to review · {task.fields[failed]} failed"
        ),
        TimeElapsedColumn(),
        console=app_ctx.err_console,
        disable=not show_progress or not app_ctx.err_console.is_terminal,
        transient=False,
    )

    def update(current: RunSummary) -> None:
        progress.update(
            task,
            completed=current.accounts_done + current.accounts_failed,
            filled=current.fields_accepted,
            review=current.pending_review,
            failed=current.accounts_failed,
        )

    async def go() -> None:
        try:
            async with Fetcher(settings, cache=PageStore(engine)) as fetcher:
                await work(
                    engine,
                    fetcher,
                    options,
                    summary,
                    researcher=researcher,
                    smart_fields=smart_fields,
                    allowed_industries=allowed,
                    progress=update,
                )
        finally:
            if researcher is not None:
                await researcher.aclose()  # the SDK's connection pool belongs to this event loop

    with progress:
        task = progress.add_task("enrich", total=summary.planned, filled=0, review=0, failed=0)
        try:
            asyncio.run(go())
            status = "stopped" if summary.stopped else "finished"
        except KeyboardInterrupt:
            summary.stopped = "interrupted"
            status = "stopped"
            raise
        finally:
            finish_run(engine, summary, now=utc_now(), status=status)
    if ruleset is not None and summary.accounts_done:
        summary.rescored = score_store(engine, ruleset, as_of=utc_now(), changed_only=True).scored
        finish_run(engine, summary, now=utc_now(), status=status)
    return summary


def print_summary(app_ctx: AppContext, summary: RunSummary) -> None:
    table = Table(title=f"enrichment run {summary.run_id}", show_header=False)
    table.add_column("what")
    table.add_column("count", justify="right")
    rows = [
        ("accounts queued", summary.planned),
        ("accounts researched", summary.accounts_done),
        ("accounts failed", summary.accounts_failed),
        ("values accepted", summary.fields_accepted),
        ("values awaiting review", summary.pending_review),
        ("values rejected", summary.rejected),
        ("pages fetched", summary.pages_fetched),
        ("pages from cache", summary.pages_from_cache),
        ("accounts re-scored", summary.rescored),
    ]
    for label, count in rows:
        table.add_row(label, str(count))
    if summary.llm_calls:
        table.add_row("LLM calls", str(summary.llm_calls))
        table.add_row("LLM tokens in/out", f"{summary.tokens_in}/{summary.tokens_out}")
        table.add_row("LLM cost (USD)", f"{summary.cost_usd:.4f}")
    app_ctx.console.print(table)
    for title, counter in (
        ("refused fetches", summary.refusals),
        ("accounts not researchable", summary.problems),
    ):
        if counter:
            details = ", ".join(f"{reason}: {count}" for reason, count in counter.most_common())
            app_ctx.console.print(f"{title}: {details}")
    if summary.needs_llm:
        details = ", ".join(f"{name} ({count})" for name, count in summary.needs_llm.most_common())
        app_ctx.console.print(
            f"left open for an LLM or a reviewer: {details} — set OPENAI_API_KEY (or OPENAI_BASE_URL for a "
            "local server) to let smart fields try them"
        )
    if summary.stopped and not summary.llm_unavailable:  # that one is an error, reported on stderr
        app_ctx.console.print(f"[yellow]stopped early:[/] {summary.stopped}; run again to resume")


def enrich(
    ctx: typer.Context,
    fields: Annotated[
        str | None, typer.Option("--fields", help=f"Comma-separated: {', '.join(RESEARCHABLE_FIELDS)}")
    ] = None,
    limit: Annotated[int | None, typer.Option("--limit", min=1, help="At most this many accounts.")] = None,
    stale_after: Annotated[
        str | None, typer.Option("--stale-after", help="Treat values older than this as stale (e.g. 180d).")
    ] = None,
    concurrency: Annotated[
        int | None, typer.Option("--concurrency", min=1, max=256, help="Accounts researched at once.")
    ] = None,
    only_decisive: Annotated[
        bool, typer.Option("--only-decisive", help="Skip fields that cannot change band, tier or hand-off.")
    ] = False,
    recheck_after: Annotated[
        str,
        typer.Option("--recheck-after", help="Research an account again only after this long (e.g. 7d, 0)."),
    ] = "7d",
    ruleset_file: Annotated[
        Path | None, typer.Option("--ruleset", help="Ruleset for value of information and re-scoring.")
    ] = None,
    no_llm: Annotated[bool, typer.Option("--no-llm", help="Deterministic extractors only.")] = False,
    lease_seconds: Annotated[
        int,
        typer.Option(
            "--lease-seconds", min=5, help="How long a claimed account stays reserved to this worker."
        ),
    ] = 600,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """Research accounts with missing or stale firmographic fields on their own websites.

    Every value is stored with confidence and provenance; confident values are accepted, the rest wait
    for a reviewer (exit code 4). A run stopped by the LLM budget ends cleanly; one stopped because the
    LLM is unavailable after its retries exits 3. Interrupted or stopped runs resume where they stopped.
    """
    app_ctx = app_context(ctx)
    settings = app_ctx.settings
    options = EnrichOptions(
        fields=parse_fields(fields),
        limit=limit,
        stale_after=parse_stale_after(stale_after),
        recheck_after=parse_stale_after(recheck_after, "--recheck-after") or timedelta(0),
        concurrency=concurrency or settings.concurrency,
        only_decisive=only_decisive,
        accept_threshold=settings.accept_threshold,
        max_pages=settings.fetch_max_pages,
        lease=timedelta(seconds=lease_seconds),
    )
    ruleset = load_configured_ruleset(settings, ruleset_file)
    summary = run_enrichment(app_ctx, options, ruleset=ruleset, use_llm=not no_llm, show_progress=not as_json)
    if as_json:
        typer.echo(json.dumps(summary.to_dict(), indent=2))
    else:
        print_summary(app_ctx, summary)
    if summary.llm_unavailable:
        app_ctx.err_console.print(
            f"[bold red]error:[/] {clean_text(summary.llm_unavailable)}", highlight=False
        )
        app_ctx.err_console.print(
            "[yellow]hint:[/] the run stopped and wrote nothing half; when the LLM server answers again "
            "(check OPENAI_BASE_URL, LEADSCORE_LLM_TIMEOUT_S), run again to resume",
            highlight=False,
        )
        raise typer.Exit(int(ExitCode.UPSTREAM))
    if summary.pending_review:
        raise typer.Exit(int(ExitCode.NEEDS_REVIEW))


def _find_account(engine: Engine, key: str) -> int:
    with engine.connect() as conn:
        clauses = [account.c.domain == key.lower(), account.c.name == key, account.c.crm_id == key]
        if key.isdigit():
            clauses.append(account.c.id == int(key))
        rows = conn.execute(select(account.c.id, account.c.name).where(or_(*clauses))).all()
    if not rows:
        raise InputError(
            f"no account matches {key!r}", hint="give an id, a domain, a CRM id or the exact name"
        )
    if len(rows) > 1:
        raise InputError(
            f"{len(rows)} accounts match {key!r}",
            [Problem("account", None, str(row.id), row.name) for row in rows],
            hint="use the id",
        )
    return int(rows[0].id)


def provenance(
    ctx: typer.Context,
    account_key: Annotated[
        str, typer.Argument(metavar="ACCOUNT", help="Account id, domain, CRM id or name.")
    ],
    field: Annotated[str | None, typer.Argument(help="Only this field.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Show where each value of an account came from: source, URL, quote, extractor or model, status."""
    app_ctx = app_context(ctx)
    engine = app_ctx.engine()
    account_id = _find_account(engine, account_key)
    with engine.connect() as conn:
        rows = values_for(conn, "account", account_id, field)
    if as_json:
        payload = [
            {
                "id": row.id,
                "field": row.candidate.field,
                "value": row.candidate.value,
                "status": row.status,
                "confidence": row.candidate.confidence,
                "source_kind": row.candidate.source_kind,
                "source_url": row.candidate.source_url,
                "evidence": row.candidate.evidence,
                "evidence_start": row.candidate.evidence_start,
                "evidence_end": row.candidate.evidence_end,
                "page_sha256": row.candidate.page_sha256,
                "extractor": row.candidate.extractor,
                "extractor_version": row.candidate.extractor_version,
                "model": row.candidate.model,
                "prompt": f"{row.candidate.prompt_name}@{row.candidate.prompt_version}"
                if row.candidate.prompt_name
                else None,
                "prompt_sha256": row.candidate.prompt_sha256,
                "model_confidence": row.candidate.model_confidence,
                "tokens_in": row.candidate.tokens_in,
                "tokens_out": row.candidate.tokens_out,
                "latency_s": row.candidate.latency_s,
                "cost_usd": row.candidate.cost_usd,
                "reason": row.candidate.reason,
                "observed_at": row.observed_at.isoformat(),
            }
            for row in rows
        ]
        typer.echo(json.dumps(payload, indent=2, ensure_ascii=False))
        return
    table = Table(title=f"provenance of account {account_id}", show_lines=True)
    for column in ("field", "value", "status", "conf.", "source", "evidence", "observed"):
        table.add_column(column, overflow="fold")
    for row in rows:
        candidate = row.candidate
        source = candidate.source_kind
        if candidate.extractor:
            source += f" · {candidate.extractor}"
        if candidate.model:
            source += f" · {candidate.model} {candidate.prompt_name}@{candidate.prompt_version}"
        if candidate.source_url:
            source += f"\n{candidate.source_url}"
        table.add_row(
            candidate.field,
            clean_text(candidate.value_text or display_value(candidate.value)),
            row.status,
            f"{candidate.confidence:.2f}",
            clean_text(source),
            clean_text((candidate.evidence or "")[:200]),
            row.observed_at.strftime("%Y-%m-%d"),
        )
    app_ctx.console.print(table)
    with engine.connect() as conn:
        domain = conn.scalar(select(account.c.domain).where(account.c.id == account_id))
        refused = refused_pages(conn, domain) if domain and field is None else []
    if refused:
        pages = Table(title="pages not read", show_lines=False)
        for column in ("url", "why", "when"):
            pages.add_column(column, overflow="fold")
        for url, reason, moment in refused:
            pages.add_row(clean_text(url), clean_text(reason), moment.strftime("%Y-%m-%d"))
        app_ctx.console.print(pages)

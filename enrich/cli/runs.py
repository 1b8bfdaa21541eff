"""``leadscore runs``: past runs from the ``run`` table, newest first."""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer
from rich import box
from rich.table import Table
from sqlalchemy import Engine, select

from enrich.cli.context import app_context, clean_text
from enrich.store.runs import KILLED, killed
from enrich.store.schema import run


def register(app: typer.Typer) -> None:
    app.command("runs")(runs)


def recent_runs(engine: Engine, limit: int) -> list[dict[str, Any]]:
    """The ``limit`` newest runs as plain dicts (JSON-ready), newest first."""
    query = select(run).order_by(run.c.started_at.desc(), run.c.id.desc()).limit(limit)
    with engine.connect() as conn:
        rows = conn.execute(query).mappings().all()
    report = []
    for row in rows:
        started, finished = row["started_at"], row["finished_at"]  # aware UTC (UtcDateTime)
        report.append(
            {
                "id": row["id"],
                "kind": row["kind"],
                "status": KILLED if killed(row["status"], row["detail"]) else row["status"],
                "started_at": started.isoformat() if started else None,
                "finished_at": finished.isoformat() if finished else None,
                "duration_s": (finished - started).total_seconds() if started and finished else None,
                "counts": row["counts"] or {},
                "tokens_in": row["tokens_in"],
                "tokens_out": row["tokens_out"],
                "cost_usd": row["cost_usd"],
            }
        )
    return report


def _duration(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    if seconds < 60:
        return f"{seconds:.1f}s"
    minutes, secs = divmod(int(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h{minutes:02d}m" if hours else f"{minutes}m{secs:02d}s"


def _counts_summary(counts: dict[str, Any]) -> str:
    return " ".join(f"{key}={value}" for key, value in sorted(counts.items())) or "-"


def runs(
    ctx: typer.Context,
    limit: Annotated[int, typer.Option("--limit", "-n", min=1, help="How many runs to list.")] = 20,
    as_json: Annotated[bool, typer.Option("--json", help="Print a JSON list.")] = False,
) -> None:
    """Past runs (import, enrich, score, …): status, duration, counts, LLM tokens and cost.

    The table shows tokens in + out; ``--json`` has them apart.
    """
    app_ctx = app_context(ctx)
    report = recent_runs(app_ctx.engine(), limit)
    if as_json:
        typer.echo(json.dumps(report, indent=2))
        return
    if not report:
        app_ctx.console.print("no runs yet")
        return
    table = Table(title="runs (times in UTC)", show_header=True, box=box.SIMPLE_HEAD, pad_edge=False)
    for name, justify in (
        ("id", "right"), ("kind", "left"), ("status", "left"), ("started", "left"),
        ("duration", "right"), ("tokens", "right"), ("cost", "right"), ("counts", "left"),
    ):  # fmt: skip
        # only the counts may wrap: numbers and times broken over lines are unreadable
        wraps = name == "counts"
        table.add_column(name, justify=justify, no_wrap=not wraps)  # type: ignore[arg-type]
    for item in report:
        started = item["started_at"][:16].replace("T", " ") if item["started_at"] else "-"
        table.add_row(
            str(item["id"]),
            clean_text(item["kind"]),
            clean_text(item["status"]),
            started,
            _duration(item["duration_s"]) if item["finished_at"] else "running",
            f"{item['tokens_in'] + item['tokens_out']:,}",
            f"${item['cost_usd']:.4f}",
            clean_text(_counts_summary(item["counts"])),
        )
    app_ctx.console.print(table)

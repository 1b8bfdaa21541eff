"""Store housekeeping commands: ``init`` and ``status``."""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.table import Table

from enrich.cli.context import app_context
from enrich.store import stats
from enrich.store.db import migrate


def register(app: typer.Typer) -> None:
    app.command("init")(init)
    app.command("status")(status)


def init(ctx: typer.Context) -> None:
    """Create the database schema, or upgrade it to this version of leadscore."""
    app_ctx = app_context(ctx)
    before, after = migrate(app_ctx.engine(check=False))
    if before == after:
        app_ctx.console.print(f"database is up to date (schema revision {after})")
    else:
        app_ctx.console.print(f"database schema: {before or 'empty'} → {after}")


def status(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """Counts of accounts, contacts, activities, missing fields per field, and pending reviews."""
    app_ctx = app_context(ctx)
    report = stats.store_status(app_ctx.engine())
    if as_json:
        typer.echo(json.dumps(report, indent=2))
        return
    table = Table(title="leadscore store", show_header=True)
    table.add_column("what")
    table.add_column("count", justify="right")
    for key in ("accounts", "contacts", "activities", "pending_review", "pending_merges", "scored_accounts"):
        table.add_row(key.replace("_", " "), str(report[key]))
    app_ctx.console.print(table)
    missing = Table(title="missing account fields", show_header=True)
    missing.add_column("field")
    missing.add_column("missing", justify="right")
    missing.add_column("share", justify="right")
    total = max(int(report["accounts"]), 1)
    for name, count in report["missing"].items():
        missing.add_row(name, str(count), f"{100 * count / total:.0f}%")
    app_ctx.console.print(missing)

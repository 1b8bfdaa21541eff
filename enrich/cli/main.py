"""Entry point: builds the Typer app from the command-group modules and maps errors to exit codes.

Exit codes: 0 ok, 1 unexpected, 2 usage/config/input, 3 upstream unavailable, 4 items await review.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from enrich import __version__
from enrich.cli import backtest, cleanup, crm, data, demo, enrich, fetch, merges, review, runs, scoring, web
from enrich.cli.context import AppContext, clean_text
from enrich.config import load_settings
from enrich.errors import InputError, LeadscoreError

app = typer.Typer(
    name="leadscore",
    help="Adaptive, explainable B2B lead scoring with an evidence-checked enrichment agent.",
    no_args_is_help=True,
    rich_markup_mode="rich",
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"leadscore {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    ctx: typer.Context,
    db: Annotated[
        str | None,
        typer.Option("--db", help="Database URL (default: LEADSCORE_DATABASE_URL or sqlite:///leadscore.db)"),
    ] = None,
    config: Annotated[
        Path | None,
        typer.Option("--config", help="TOML settings file (default: ./leadscore.toml if present)"),
    ] = None,
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version and exit.")
    ] = False,
) -> None:
    """Settings are built once here and passed down to every command."""
    settings = load_settings(toml_file=config, database_url=db)
    app_ctx = AppContext(settings=settings)
    ctx.obj = app_ctx
    ctx.call_on_close(app_ctx.close)


data.register(app)
enrich.register(app)
demo.register(app)
backtest.register(app)
scoring.register(app)
crm.register(app)
review.register(app)
web.register(app)
runs.register(app)
fetch.register(app)
cleanup.register(app)
merges.register(app)


INTERRUPTED = 130  # the shell's code for a process stopped by SIGINT


def _report(err: LeadscoreError, console: Console) -> None:
    console.print(f"[bold red]error:[/] {clean_text(err)}", highlight=False, markup=True)
    if isinstance(err, InputError):
        shown = err.problems[:50]
        for problem in shown:
            console.print(f"  {clean_text(problem)}", highlight=False, markup=False, soft_wrap=True)
        if len(err.problems) > len(shown):
            console.print(f"  … and {len(err.problems) - len(shown)} more", highlight=False, markup=False)
    if err.hint:
        console.print(f"[yellow]hint:[/] {clean_text(err.hint)}", highlight=False)


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; returns the exit code (and exits with it when called as a console script)."""
    err_console = Console(stderr=True)
    try:
        app(args=argv, prog_name="leadscore")
        code = 0
    except SystemExit as exit_:
        code = exit_.code if isinstance(exit_.code, int) else (0 if exit_.code is None else 1)
        if code == INTERRUPTED:  # Typer turns Ctrl-C into exit code 130 before it reaches us
            err_console.print("interrupted: nothing half-written; run the command again to resume")
    except LeadscoreError as err:
        _report(err, err_console)
        code = int(err.exit_code)
    if argv is None:
        sys.exit(code)
    return code

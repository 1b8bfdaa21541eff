"""``leadscore import accounts|contacts|activities FILE`` and ``leadscore export accounts``."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, Progress, TextColumn
from rich.table import Table

from enrich.cli.context import AppContext, app_context, clean_text
from enrich.crm.presets import ENTITIES, PRESETS, Entity, get_preset
from enrich.store.exporter import export_accounts
from enrich.store.importer import ImportRequest, ImportSummary, import_file

# Below this size an import takes a second or two; a progress bar would only flicker.
PROGRESS_MIN_BYTES = 5 * 1024 * 1024
PRESET_HELP = f"Column names of the CRM that wrote the file: {', '.join(PRESETS)}."


def register(app: typer.Typer) -> None:
    importer = typer.Typer(help="Import a CRM export (CSV), all or nothing.", no_args_is_help=True)
    for entity in ENTITIES:
        importer.command(entity)(_import_command(entity))
    app.add_typer(importer, name="import")
    exporter = typer.Typer(help="Export the store as CSV in a CRM's column names.", no_args_is_help=True)
    exporter.command("accounts")(export_accounts_command)
    app.add_typer(exporter, name="export")


def _import_command(entity: Entity) -> Callable[..., None]:
    def command(
        ctx: typer.Context,
        file: Annotated[
            Path, typer.Argument(help="The CSV file (UTF-8 or Windows encodings; , ; tab or |).")
        ],
        preset: Annotated[str, typer.Option("--preset", help=PRESET_HELP)] = "generic",
        mapping: Annotated[
            Path | None,
            typer.Option(
                "--mapping",
                help='TOML file mapping your columns to fields (\\[columns] "My Column" = "field").',
            ),
        ] = None,
        skip_invalid: Annotated[
            bool,
            typer.Option("--skip-invalid", help="Import the valid rows; write the others to a reject file."),
        ] = False,
        reject_file: Annotated[
            Path | None,
            typer.Option("--reject-file", help="Where rejected rows go (default: FILE.rejects.csv)."),
        ] = None,
        as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
    ) -> None:
        app_ctx = app_context(ctx)
        request = ImportRequest(
            entity,
            file,
            get_preset(preset),
            mapping_path=mapping,
            skip_invalid=skip_invalid,
            reject_path=reject_file,
        )
        if app_ctx.console.is_terminal and not as_json and _size(file) >= PROGRESS_MIN_BYTES:
            summary = _import_with_progress(app_ctx, request)
        else:
            summary = import_file(app_ctx.engine(), request)
        if as_json:
            typer.echo(json.dumps(summary.as_json(), indent=2))
        else:
            _print_summary(app_ctx, summary)

    command.__doc__ = f"Import {entity} from a CRM export (CSV); nothing is written if any row is invalid."
    command.__name__ = f"import_{entity}"
    return command


def _import_with_progress(app_ctx: AppContext, request: ImportRequest) -> ImportSummary:
    """A progress bar (terminal only): rows validated, then rows written out of those validated."""
    columns = (TextColumn("{task.description}"), BarColumn(), TextColumn("{task.completed:,} rows"))
    name = request.path.name
    with Progress(*columns, console=app_ctx.console, transient=True) as bar:
        task = bar.add_task(f"validate {name}", total=None)
        validated = 0

        def advance(phase: str, done: int) -> None:
            nonlocal validated
            if phase == "validate":
                validated = done
            bar.update(
                task,
                completed=done,
                description=f"{phase} {name}",
                total=validated if phase == "write" else None,
            )

        return import_file(app_ctx.engine(), request, progress=advance)


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0  # the importer reports the missing file


def _print_summary(app_ctx: AppContext, summary: ImportSummary) -> None:
    table = Table(title=f"import {summary.entity} from {clean_text(summary.file)} ({summary.preset})")
    table.add_column("what")
    table.add_column("count", justify="right")
    for label, count in (
        ("rows read", summary.rows),
        ("inserted", summary.inserted),
        ("updated", summary.updated),
        ("unchanged", summary.unchanged),
        ("repeated rows skipped", summary.repeated),
        ("rejected", summary.rejected),
    ):
        table.add_row(label, str(count))
    if summary.entity == "contacts":
        table.add_row("contacts without account", str(summary.without_account))
    app_ctx.console.print(table)
    delimiter = {"\t": "tab"}.get(summary.delimiter, summary.delimiter)
    app_ctx.console.print(f"encoding {summary.encoding}, delimiter {delimiter}", highlight=False)
    if summary.custom_columns:
        names = ", ".join(clean_text(name) for name in summary.custom_columns)
        app_ctx.console.print(
            f"kept as custom fields: {names}", highlight=False, markup=False, soft_wrap=True
        )
    if summary.ignored_columns:
        names = ", ".join(clean_text(name) for name in summary.ignored_columns)
        app_ctx.console.print(f"ignored columns: {names}", highlight=False, markup=False, soft_wrap=True)
    if summary.reject_file:
        app_ctx.console.print(
            f"{summary.rejected} rejected row(s) written to {clean_text(summary.reject_file)}",
            highlight=False,
            markup=False,
            soft_wrap=True,
        )


def export_accounts_command(
    ctx: typer.Context,
    preset: Annotated[str, typer.Option("--preset", help=PRESET_HELP)] = "generic",
    output: Annotated[
        str, typer.Option("-o", "--output", help="CSV file to write; - for standard output.")
    ] = "-",
    excel: Annotated[
        bool, typer.Option("--excel", help="Start the file with a UTF-8 byte-order mark for older Excel.")
    ] = False,
) -> None:
    """Export accounts as CSV in the preset's column names, with confidence, source and score columns."""
    app_ctx = app_context(ctx)
    chosen = get_preset(preset)
    engine = app_ctx.engine()
    if output == "-":
        export_accounts(engine, sys.stdout, chosen, excel=excel)
        return
    target = Path(output)
    partial = target.with_name(target.name + ".partial")
    try:
        with partial.open("w", encoding="utf-8", newline="") as stream:
            count = export_accounts(engine, stream, chosen, excel=excel)
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)
    app_ctx.console.print(
        f"wrote {count} accounts to {clean_text(target)}", highlight=False, markup=False, soft_wrap=True
    )

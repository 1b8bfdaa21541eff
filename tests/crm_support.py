"""Helpers shared by the CRM import/export tests: fixture paths and a dump of every table."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, select

from enrich.store.schema import metadata

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "crm"


def fixture_copy(name: str, directory: Path) -> Path:
    """A copy of a fixture in ``directory`` (imports write reject files beside their input)."""
    target = directory / name
    shutil.copyfile(FIXTURES / name, target)
    return target


def import_json(
    run_cli: Callable[..., Any], url: str, entity: str, path: Path, *options: str
) -> dict[str, Any]:
    """Run ``leadscore import ENTITY PATH --json``; the summary, after checking it succeeded."""
    result = run_cli("--db", url, "import", entity, path, "--json", *options)
    assert result.exit_code == 0, result.output
    summary: dict[str, Any] = json.loads(result.stdout)
    return summary


def import_fixture(
    run_cli: Callable[..., Any], url: str, entity: str, name: str, directory: Path, preset: str = "generic"
) -> dict[str, Any]:
    """Import a copy of a fixture with a preset; the summary."""
    return import_json(run_cli, url, entity, fixture_copy(name, directory), "--preset", preset)


def flat(output: str) -> str:
    """CLI output with line wrapping undone (Rich wraps long lines at the console width)."""
    return " ".join(output.split())


def dump_tables(engine: Engine, *, skip: tuple[str, ...] = ()) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every leadscore table, in primary-key order: equal dumps mean an unchanged store."""
    dump: dict[str, list[tuple[Any, ...]]] = {}
    with engine.connect() as conn:
        for table in metadata.sorted_tables:
            if table.name not in skip:
                rows = conn.execute(select(table).order_by(*table.primary_key.columns)).all()
                dump[table.name] = [tuple(row) for row in rows]
    return dump

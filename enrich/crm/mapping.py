"""A user's column mapping file, which extends or overrides a preset::

[columns]
"My Column" = "employee_count"   # fill a field from this column
"Internal Notes" = "ignore"      # drop the column
"Region" = "custom"              # keep it as a custom field even where the preset maps it
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from enrich.crm.presets import CUSTOM, IGNORE, TARGETS, Entity
from enrich.errors import InputError, Problem

_TOML_LINE = re.compile(r"at line (\d+)")


def load_mapping(path: Path, entity: Entity) -> dict[str, str]:
    """Column name → target for ``entity``; ``InputError`` naming the file and line of each bad entry."""
    source = path.name
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise InputError(f"mapping file not found: {path}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read mapping file {path}: {exc}") from exc
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        found = _TOML_LINE.search(str(exc))
        line = int(found.group(1)) if found else None
        raise InputError(f"{source}: not valid TOML", [Problem(source, line, None, str(exc))]) from exc
    columns = document.get("columns")
    if not isinstance(columns, dict) or set(document) != {"columns"}:
        raise InputError(
            f"{source}: a mapping file holds one [columns] table",
            [
                Problem(
                    source,
                    1,
                    None,
                    'expected only [columns] with entries like "My Column" = "employee_count"',
                )
            ],
        )
    allowed = (*TARGETS[entity], IGNORE, CUSTOM)
    problems = []
    for column, target in columns.items():
        if not isinstance(target, str) or target not in allowed:
            reason = f"unknown field {target!r} for {entity}; use one of: {', '.join(allowed)}"
            problems.append(Problem(source, _line_of(text, column), column, reason))
    if problems:
        raise InputError(f"{source}: the mapping names fields that do not exist", problems)
    return {column: str(target) for column, target in columns.items()}


def _line_of(text: str, key: str) -> int | None:
    """The line a key is assigned on (tomllib keeps no positions)."""
    quoted = rf"(?:\"{re.escape(key)}\"|'{re.escape(key)}'|{re.escape(key)})"
    pattern = re.compile(rf"^\s*{quoted}\s*=")
    for number, line in enumerate(text.splitlines(), 1):
        if pattern.match(line):
            return number
    return None

"""Flat lead files for backtest and calibrate: one row per lead, columns as fields, one outcome column.

Nothing is imported into the store. Columns meet ruleset fields by name: ``Total Time Spent`` and
``total_time_spent`` both become the field ``total_time_spent``
(:func:`scoring.calibrate_bins.field_name_for`), matched against the built-in account fields and the
ruleset's ``[fields]``; ``--map COLUMN=FIELD`` wins over that. Cells are cleaned the same way for both
commands: blanks and placeholders ("Select", "N/A", "null" … see
:data:`scoring.calibrate_bins.PLACEHOLDERS`) are missing, a ``country`` becomes its ISO code
(unrecognised names count as missing), built-in number fields are parsed (``"50-200"`` becomes a range).

Every bad outcome cell is reported with ``file:line``, all of them at once.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from enrich.countries import country_code
from enrich.crm.reader import CsvFormat, iter_rows, read_format
from enrich.errors import InputError, Problem
from scoring.backtest import ACCEPTED_OUTCOMES, parse_outcome
from scoring.calibrate_bins import field_name_for, is_placeholder, parse_number
from scoring.fields import ACCOUNT_FIELDS, FieldType, Record, account_record
from scoring.ruleset import Ruleset
from scoring.values import parse_range

MAX_PROBLEMS = 200  # problems kept for the report; the count of the rest is still given


def clean_cell(text: str) -> str | None:
    """The cell's text without surrounding blanks, or None for a blank or a placeholder."""
    value = text.strip()
    return None if is_placeholder(value) else value


_country = lru_cache(maxsize=4096)(country_code)  # a lead file repeats a handful of spellings


def builtin_value(field: str, text: str | None) -> object:
    """A cleaned cell as the engine reads a built-in account field (None when it cannot be read)."""
    spec = ACCOUNT_FIELDS.get(field)
    if text is None or spec is None:
        return text
    if spec.type is FieldType.COUNTRY:
        return _country(text)
    if spec.type.is_numeric:
        number = parse_number(text)
        if number is None:
            return parse_range(text)
        return int(number) if spec.type is FieldType.INTEGER and number.is_integer() else number
    return text


def _column_position(header: Sequence[str], column: str, source: str, what: str) -> int:
    if column in header:
        return header.index(column)
    by_key = {name.lower(): index for index, name in enumerate(header)}
    if column.lower() in by_key:
        return by_key[column.lower()]
    close = difflib.get_close_matches(column, header, n=1)
    hint = f"did you mean {close[0]!r}?" if close else f"columns: {', '.join(header)}"
    raise InputError(f"{source}: no {what} column {column!r}", hint=hint)


class _Problems:
    def __init__(self, source: str) -> None:
        self.source = source
        self.kept: list[Problem] = []
        self.count = 0

    def add(self, line: int, column: str | None, reason: str) -> None:
        self.count += 1
        if len(self.kept) < MAX_PROBLEMS:
            self.kept.append(Problem(self.source, line, column, reason))

    def raise_if_any(self, what: str) -> None:
        if self.count:
            more = f" ({self.count} in all)" if self.count > len(self.kept) else ""
            raise InputError(f"{self.source}: {what}{more}", self.kept)


def _outcome(cell: str, line: int, column: str, problems: _Problems) -> bool | None:
    value = parse_outcome(cell)
    if value is None:
        shown = cell.strip() or "(empty)"
        problems.add(line, column, f"outcome {shown!r} is not one of {ACCEPTED_OUTCOMES}")
    return value


@dataclass(frozen=True)
class LeadTable:
    """A whole lead file in memory (for calibrate): columns of cleaned cells and the outcomes."""

    source: str
    outcome_column: str
    columns: dict[str, list[str | None]]
    outcomes: list[bool]


def read_lead_table(path: Path, outcome_column: str) -> LeadTable:
    """Read every lead; a country column is converted to ISO codes as in :func:`builtin_value`."""
    csv_format = read_format(path)
    header = csv_format.header
    outcome_at = _column_position(header, outcome_column, path.name, "outcome")
    countries = {i for i, name in enumerate(header) if field_name_for(name) == "country"}
    columns: list[list[str | None]] = [[] for _ in header]
    outcomes: list[bool] = []
    problems = _Problems(path.name)
    for row in iter_rows(path, csv_format):
        cells = _cells(row.cells, len(header), row.line, problems)
        outcome = _outcome(cells[outcome_at], row.line, header[outcome_at], problems)
        if outcome is None or problems.count:
            continue
        outcomes.append(outcome)
        for index, cell in enumerate(cells):
            value = clean_cell(cell)
            columns[index].append(_country(value) if index in countries and value else value)
    problems.raise_if_any("rows that cannot be used")
    if not outcomes:
        raise InputError(f"{path.name}: no lead rows after the header")
    return LeadTable(path.name, header[outcome_at], dict(zip(header, columns, strict=True)), outcomes)


def _cells(cells: tuple[str, ...], width: int, line: int, problems: _Problems) -> tuple[str, ...]:
    if len(cells) == width:
        return cells
    if len(cells) < width:
        return cells + ("",) * (width - len(cells))  # trailing empty cells are often dropped by exports
    problems.add(line, None, f"{len(cells)} cells but the header has {width} columns")
    return cells[:width]


@dataclass(frozen=True)
class FieldMapping:
    """How one ruleset reads the lead file's columns."""

    builtin: tuple[tuple[int, str], ...]  # (column position, built-in account field)
    custom: tuple[tuple[int, str], ...]  # (column position, the ruleset's custom field)
    ignored: tuple[str, ...]  # columns no field of this ruleset matches
    absent: tuple[str, ...]  # fields the ruleset's rules read that no column supplies (always missing)

    def record(self, cells: Sequence[str], ruleset: Ruleset) -> Record:
        columns: dict[str, object] = {
            field: builtin_value(field, clean_cell(cells[index])) for index, field in self.builtin
        }
        columns["custom"] = {field: clean_cell(cells[index]) for index, field in self.custom}
        return account_record(columns, ruleset.custom_fields)


def fields_read(ruleset: Ruleset) -> set[str]:
    """The account fields the ruleset's fit rules and tiers read."""
    names: set[str] = set()
    for rule in ruleset.fit_rules.rules:
        names |= rule.fields
    for tier in ruleset.tiers.tiers:
        names |= tier.fields
    return names


def map_columns(
    header: Sequence[str], ruleset: Ruleset, *, skip: Sequence[int], overrides: Mapping[str, str], source: str
) -> FieldMapping:
    """Match columns to the ruleset's fields (see the module docstring); ``skip`` holds the positions of
    the outcome and id columns. Raises InputError for an override naming an unknown column or field."""
    known = set(ACCOUNT_FIELDS) | set(ruleset.custom_fields)
    chosen: dict[int, str] = {}
    for column, field in overrides.items():
        position = _column_position(header, column, source, "mapped")
        if field not in known:
            raise InputError(
                f"--map {column}={field}: the ruleset has no field {field!r}",
                hint=f"fields: {', '.join(sorted(known))}",
            )
        chosen[position] = field
    taken = set(chosen.values())
    for position, column in enumerate(header):
        field = field_name_for(column)
        if position in chosen or position in skip or field in taken or field not in known:
            continue
        chosen[position] = field
        taken.add(field)
    ignored = tuple(
        column for position, column in enumerate(header) if position not in chosen and position not in skip
    )
    ordered = sorted(chosen.items())
    return FieldMapping(
        builtin=tuple((p, f) for p, f in ordered if f in ACCOUNT_FIELDS),
        custom=tuple((p, f) for p, f in ordered if f not in ACCOUNT_FIELDS),
        ignored=ignored,
        absent=tuple(sorted(fields_read(ruleset) - taken)),
    )


@dataclass(frozen=True)
class LeadFile:
    path: Path
    csv_format: CsvFormat
    outcome_position: int
    id_position: int | None

    @property
    def skip(self) -> tuple[int, ...]:
        return (
            (self.outcome_position,)
            if self.id_position is None
            else (self.outcome_position, self.id_position)
        )


def open_lead_file(path: Path, outcome_column: str, id_column: str | None) -> LeadFile:
    csv_format = read_format(path)
    outcome_at = _column_position(csv_format.header, outcome_column, path.name, "outcome")
    id_at = None if id_column is None else _column_position(csv_format.header, id_column, path.name, "id")
    return LeadFile(path, csv_format, outcome_at, id_at)


def iter_labelled_rows(lead_file: LeadFile) -> Iterator[tuple[tuple[str, ...], bool]]:
    """Stream ``(cells, outcome)``. Problems (bad outcomes, long rows, duplicate ids) are collected and
    raised together as one InputError after the last row, so nothing half-computed is reported."""
    path, header = lead_file.path, lead_file.csv_format.header
    problems = _Problems(path.name)
    seen_ids: dict[str, int] = {}
    for row in iter_rows(path, lead_file.csv_format):
        cells = _cells(row.cells, len(header), row.line, problems)
        outcome = _outcome(
            cells[lead_file.outcome_position], row.line, header[lead_file.outcome_position], problems
        )
        if lead_file.id_position is not None:
            lead_id = cells[lead_file.id_position].strip()
            first = seen_ids.setdefault(lead_id, row.line)
            if first != row.line:
                problems.add(row.line, header[lead_file.id_position], f"id {lead_id!r} repeats line {first}")
        if outcome is not None and not problems.count:
            yield cells, outcome
    problems.raise_if_any("rows that cannot be used")

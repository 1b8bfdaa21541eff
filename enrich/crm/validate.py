"""One CSV row → a typed record, or every problem with it (``file:line: column: reason``). Pure: no database.

Missing trailing cells read as empty (some exporters drop them); extra cells are a problem. Cells are
stripped; the conventional placeholders for "no value" (``N/A``, ``null``, ``-`` …) count as
empty in mapped columns, while custom columns are kept verbatim. A cell that ``leadscore export``
protected against spreadsheet formulas (``'=...``) is read back without the protecting quote.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import Column

from enrich.countries import require_country_code
from enrich.crm.dates import parse_timestamp
from enrich.crm.domains import registrable_domain
from enrich.crm.presets import IGNORE, ColumnMap, Entity
from enrich.crm.reader import CsvRow
from enrich.crm.spreadsheet import unprotect_formula
from enrich.errors import InputError, Problem
from enrich.numbers import NumRange, parse_crm_number
from enrich.store.schema import account, contact
from enrich.store.values import JsonValue

T = TypeVar("T")
EMPTY_MARKERS = frozenset({"", "-", "--", "n/a", "na", "#n/a", "null", "none", "(none)"})
MAX_EMPLOYEES = 5_000_000
MAX_REVENUE = 10**13
EARLIEST_FOUNDED = 1600
REFERENCE_TARGETS = ("contact_crm_id", "contact_email", "account_crm_id", "account_domain")
KIND_ALIASES = {
    "page_view": "visit", "pageview": "visit", "web_visit": "visit", "download": "download",
    "email_opened": "email_open", "open": "email_open", "email_clicked": "email_click",
    "click": "email_click",
    "form_submission": "form_fill", "form_submit": "form_fill", "form_submitted": "form_fill",
    "webinar_attended": "webinar", "unsubscribed": "unsubscribe",
}  # fmt: skip


@dataclass(frozen=True)
class Cell:
    """A field's normalised value and where it came from."""

    value: JsonValue
    text: str  # as it stood in the file
    column: str


@dataclass(frozen=True)
class AccountRecord:
    line: int
    crm_id: str | None
    cells: Mapping[str, Cell | None]  # fields with a column in the file; None where the cell is empty
    custom: Mapping[str, str]

    @property
    def name(self) -> str:
        cell = self.cells["name"]
        assert cell is not None, "validation guarantees a name"
        return str(cell.value)

    @property
    def domain(self) -> str | None:
        cell = self.cells.get("domain")
        return None if cell is None else str(cell.value)


@dataclass(frozen=True)
class ContactRecord:
    line: int
    crm_id: str | None
    email: str | None
    account_crm_id: str | None
    account_name: str | None
    account_domain: str | None
    cells: Mapping[str, str | None]  # first_name, last_name, title … with a column in the file
    custom: Mapping[str, str]


@dataclass(frozen=True)
class ActivityRecord:
    line: int
    activity_id: str | None
    contact_crm_id: str | None
    contact_email: str | None
    account_crm_id: str | None
    account_domain: str | None
    kind: str
    asset: str
    occurred_at: datetime


Record = AccountRecord | ContactRecord | ActivityRecord


@dataclass(frozen=True)
class ColumnPlan:
    """Where each field's cells are in a file's rows, and which columns are custom or ignored."""

    entity: Entity
    source: str  # the file's name, as problems cite it
    header: tuple[str, ...]
    positions: Mapping[str, tuple[int, ...]]  # field -> column positions, in header order
    custom: tuple[int, ...]
    ignored: tuple[int, ...]

    def first_column(self, target: str) -> str | None:
        """The name of the first column that fills ``target``, for problems about it."""
        positions = self.positions.get(target, ())
        return self.header[positions[0]] if positions else None

    @property
    def custom_columns(self) -> list[str]:
        return [self.header[position] for position in self.custom]

    @property
    def ignored_columns(self) -> list[str]:
        return [self.header[position] for position in self.ignored]


def plan_columns(header: tuple[str, ...], column_map: ColumnMap, source: str) -> ColumnPlan:
    """Map a header; ``InputError`` naming the file and column when a required column is missing."""
    positions: dict[str, list[int]] = {}
    custom: list[int] = []
    ignored: list[int] = []
    for position, column in enumerate(header):
        target = column_map.target(column)
        if target is None:
            custom.append(position)
        elif target == IGNORE:
            ignored.append(position)
        else:
            positions.setdefault(target, []).append(position)
    frozen_positions = {key: tuple(value) for key, value in positions.items()}
    plan = ColumnPlan(column_map.entity, source, header, frozen_positions, tuple(custom), tuple(ignored))
    missing = [
        _missing_column(column_map, source, group)
        for group in _REQUIRED[column_map.entity]
        if not set(group) & set(positions)
    ]
    if missing:
        raise InputError(
            f"{source}: required column missing",
            missing,
            hint="rename the column, or map it with --mapping FILE",
        )
    return plan


_REQUIRED: Mapping[Entity, tuple[tuple[str, ...], ...]] = {
    "accounts": (("name",),),
    "contacts": (("email", "first_name", "last_name"),),
    "activities": (("kind",), ("asset",), ("occurred_at",), REFERENCE_TARGETS),
}


def _missing_column(column_map: ColumnMap, source: str, group: tuple[str, ...]) -> Problem:
    names = [column_map.export_name(target) or target for target in group]
    label = " or ".join(names)
    return Problem(source, 1, label, f"no column for {' or '.join(group)} (expected a column named {label})")


class RowParser:
    """Turns the rows of one file into records; holds what every row shares (plan, id rules, clock)."""

    def __init__(self, plan: ColumnPlan, *, normalise_id: Callable[[str], str], now: datetime) -> None:
        self.plan = plan
        self.source = plan.source
        self.normalise_id = normalise_id
        self.now = now
        self.account_converters = {**_ACCOUNT_CONVERTERS, "founded_year": _year(now)}

    def parse(self, row: CsvRow) -> Record | list[Problem]:
        """The row's record, or every problem found in it (never just the first)."""
        width = len(self.plan.header)
        if len(row.cells) > width:
            reason = f"the row has {len(row.cells)} cells, the header has {width}"
            return [Problem(self.source, row.line, None, reason)]
        if len(row.cells) < width:  # exporters drop trailing empty cells (Salesforce reports do)
            row = CsvRow(row.line, row.cells + ("",) * (width - len(row.cells)))
        reading = _RowReading(self, row)
        if self.plan.entity == "accounts":
            record: Record = _account(reading)
        elif self.plan.entity == "contacts":
            record = _contact(reading)
        else:
            record = _activity(reading)
        return reading.problems or record


class _RowReading:
    """Reads fields of one row, collecting problems instead of stopping at the first."""

    def __init__(self, parser: RowParser, row: CsvRow) -> None:
        self.parser = parser
        self.row = row
        self.problems: list[Problem] = []

    def has(self, target: str) -> bool:
        return target in self.parser.plan.positions

    def raw(self, target: str) -> tuple[str, str] | None:
        """(text, column) of the first non-empty cell for a field."""
        for position in self.parser.plan.positions.get(target, ()):
            text = unprotect_formula(self.row.cells[position]).strip()
            if text.casefold() not in EMPTY_MARKERS:
                return text, self.parser.plan.header[position]
        return None

    def convert(self, target: str, convert: Callable[[str], T]) -> tuple[T, str, str] | None:
        """(value, text, column) of a field, or None when empty; a conversion error becomes a problem."""
        found = self.raw(target)
        if found is None:
            return None
        text, column = found
        try:
            return convert(text), text, column
        except ValueError as exc:
            self.problems.append(Problem(self.parser.source, self.row.line, column, str(exc)))
            return None

    def cell(self, target: str, convert: Callable[[str], JsonValue]) -> Cell | None:
        found = self.convert(target, convert)
        return None if found is None else Cell(*found)

    def text(self, target: str, convert: Callable[[str], str]) -> str | None:
        found = self.convert(target, convert)
        return None if found is None else found[0]

    def crm_id(self, target: str) -> str | None:
        found = self.text(target, _limited(64))
        return None if found is None else self.parser.normalise_id(found)

    def missing(self, target: str, reason: str) -> None:
        column = " / ".join(self.parser.plan.header[p] for p in self.parser.plan.positions.get(target, ()))
        self.problems.append(Problem(self.parser.source, self.row.line, column or None, reason))

    def custom(self) -> dict[str, str]:
        header, cells = self.parser.plan.header, self.row.cells
        return {header[position]: unprotect_formula(cells[position]) for position in self.parser.plan.custom}


def _limited(length: int | None) -> Callable[[str], str]:
    def check(text: str) -> str:
        if length is not None and len(text) > length:
            raise ValueError(f"longer than {length} characters")
        return text

    return check


def _fits(column: Column[Any]) -> Callable[[str], str]:
    return _limited(getattr(column.type, "length", None))


def _count(low: int, high: int) -> Callable[[str], JsonValue]:
    def convert(text: str) -> JsonValue:
        parsed = parse_crm_number(text)
        bounds = (parsed.min, parsed.max) if isinstance(parsed, NumRange) else (parsed, parsed)
        for bound in bounds:
            if bound is not None and not low <= bound <= high:
                raise ValueError(f"{text!r} is outside {low}..{high:,}")
        return parsed.as_json() if isinstance(parsed, NumRange) else parsed

    return convert


def _year(now: datetime) -> Callable[[str], JsonValue]:
    def convert(text: str) -> JsonValue:
        parsed = parse_crm_number(text)
        if isinstance(parsed, NumRange) or not EARLIEST_FOUNDED <= parsed <= now.year:
            raise ValueError(f"not a year between {EARLIEST_FOUNDED} and {now.year}: {text!r}")
        return parsed

    return convert


def _website(text: str) -> str:
    registrable_domain(text)
    return _limited(2048)(text)


def _email(text: str) -> str:
    local, at, host = text.rpartition("@")
    if not at or not local or " " in text or "." not in host:
        raise ValueError(f"not an e-mail address: {text!r}")
    return _limited(320)(text.lower())


def _kind(text: str) -> str:
    kind = "_".join(text.casefold().replace("-", " ").split())
    return _limited(40)(KIND_ALIASES.get(kind, kind))


_ACCOUNT_CONVERTERS: dict[str, Callable[[str], JsonValue]] = {
    "name": _fits(account.c.name),
    "website": _website,
    "industry": _fits(account.c.industry),
    "employee_count": _count(1, MAX_EMPLOYEES),
    "annual_revenue": _count(0, MAX_REVENUE),
    "country": require_country_code,
    "city": _fits(account.c.city),
    "owner": _fits(account.c.owner),
    "domain": registrable_domain,
}
_CONTACT_TEXT = {
    target: _fits(contact.c[target])
    for target in ("first_name", "last_name", "title", "seniority", "department", "phone")
}


def _account(reading: _RowReading) -> AccountRecord:
    cells = {
        target: reading.cell(target, convert)
        for target, convert in reading.parser.account_converters.items()
        if reading.has(target)
    }
    website = cells.get("website")
    if cells.get("domain") is None and website is not None:
        cells["domain"] = Cell(registrable_domain(website.text), website.text, website.column)
    elif "website" in cells:
        cells.setdefault("domain", None)  # an emptied website clears the domain it gave
    if cells.get("name") is None and reading.raw("name") is None:
        reading.missing("name", "the account name is empty")
    return AccountRecord(reading.row.line, reading.crm_id("crm_id"), cells, reading.custom())


def _contact(reading: _RowReading) -> ContactRecord:
    cells = {
        target: reading.text(target, convert)
        for target, convert in _CONTACT_TEXT.items()
        if reading.has(target)
    }
    email = reading.text("email", _email)
    if not any(reading.raw(target) for target in ("email", "first_name", "last_name")):
        reading.missing("email", "no e-mail address and no name")
    return ContactRecord(
        line=reading.row.line,
        crm_id=reading.crm_id("crm_id"),
        email=email,
        account_crm_id=reading.crm_id("account_crm_id"),
        account_name=reading.text("account_name", _fits(account.c.name)),
        account_domain=reading.text("account_domain", registrable_domain),
        cells=cells,
        custom=reading.custom(),
    )


def _activity(reading: _RowReading) -> ActivityRecord:
    now = reading.parser.now
    occurred = reading.convert("occurred_at", lambda text: parse_timestamp(text, now=now))
    record = ActivityRecord(
        line=reading.row.line,
        activity_id=reading.text("activity_id", _limited(200)),
        contact_crm_id=reading.crm_id("contact_crm_id"),
        contact_email=reading.text("contact_email", _email),
        account_crm_id=reading.crm_id("account_crm_id"),
        account_domain=reading.text("account_domain", registrable_domain),
        kind=reading.text("kind", _kind) or "",
        asset=reading.text("asset", _limited(300)) or "",
        occurred_at=occurred[0] if occurred else now,
    )
    for target in ("kind", "asset", "occurred_at"):
        if reading.raw(target) is None:
            reading.missing(target, f"{target.replace('_', ' ')} is empty")
    if not any(reading.raw(target) for target in REFERENCE_TARGETS):
        reading.problems.append(
            Problem(reading.parser.source, reading.row.line, None, "no contact or account reference")
        )
    return record

"""The field catalogue: which fields conditions may name, their types, and how records are built.

Account and contact fields follow the shared data contract (columns of ``account`` and ``contact``).
A ruleset may declare extra account fields in ``[fields]`` (e.g. ``lead_source = "string"``); their
values are read from the account's ``custom`` JSON. A record is a plain ``dict`` from field name to
value, with ``None`` for missing and :class:`NumRange` where only a range is known.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Literal

from scoring.freemail import is_free_mail
from scoring.values import NumRange, parse_range

Record = dict[str, object]


class FieldType(StrEnum):
    STRING = "string"
    COUNTRY = "country"  # a string holding an ISO 3166-1 alpha-2 code
    INTEGER = "integer"
    NUMBER = "number"
    BOOLEAN = "boolean"

    @property
    def is_numeric(self) -> bool:
        return self in (FieldType.INTEGER, FieldType.NUMBER)

    @property
    def is_text(self) -> bool:
        return self in (FieldType.STRING, FieldType.COUNTRY)


Entity = Literal["account", "contact"]


@dataclass(frozen=True)
class FieldSpec:
    name: str
    type: FieldType
    entity: Entity
    description: str
    custom: bool = False  # read from the ``custom`` JSON rather than a column


def _spec(entity: Entity, name: str, type_: FieldType, description: str) -> tuple[str, FieldSpec]:
    return name, FieldSpec(name, type_, entity, description)


ACCOUNT_FIELDS: Mapping[str, FieldSpec] = dict(
    [
        _spec("account", "name", FieldType.STRING, "company name"),
        _spec("account", "domain", FieldType.STRING, "registrable domain, lowercase"),
        _spec("account", "website", FieldType.STRING, "website URL"),
        _spec("account", "industry", FieldType.STRING, "industry label"),
        _spec("account", "employee_count", FieldType.INTEGER, "employees; a range when only that is known"),
        _spec("account", "annual_revenue", FieldType.INTEGER, "annual revenue, whole currency units"),
        _spec("account", "country", FieldType.COUNTRY, "ISO 3166-1 alpha-2 country code"),
        _spec("account", "city", FieldType.STRING, "city of the headquarters"),
        _spec("account", "founded_year", FieldType.INTEGER, "year the company was founded"),
        _spec("account", "owner", FieldType.STRING, "account owner in the CRM"),
    ]
)

CONTACT_FIELDS: Mapping[str, FieldSpec] = dict(
    [
        _spec("contact", "title", FieldType.STRING, "job title"),
        _spec("contact", "seniority", FieldType.STRING, "seniority level, e.g. c_level, vp, director"),
        _spec("contact", "department", FieldType.STRING, "department, e.g. sales, it"),
        _spec("contact", "email", FieldType.STRING, "email address, lowercase"),
        _spec("contact", "email_domain", FieldType.STRING, "the email's domain, lowercase"),
        _spec("contact", "email_is_free", FieldType.BOOLEAN, "the email is at a free-mail provider"),
        _spec("contact", "first_name", FieldType.STRING, "first name"),
        _spec("contact", "last_name", FieldType.STRING, "last name"),
    ]
)

# Account fields whose exact value may be replaced by a "<field>_range" column such as "50-200".
RANGE_COLUMNS: Mapping[str, str] = {
    "employee_count": "employee_count_range",
    "annual_revenue": "annual_revenue_range",
}

CUSTOM_FIELD_TYPES = (FieldType.STRING, FieldType.INTEGER, FieldType.NUMBER, FieldType.BOOLEAN)


@dataclass(frozen=True)
class Catalogue:
    """The fields one part of a ruleset (fit/tier or persona) may use."""

    fields: Mapping[str, FieldSpec]

    def get(self, name: str) -> FieldSpec | None:
        return self.fields.get(name)

    def suggest(self, name: str) -> str | None:
        """The closest known field name, for "did you mean" messages."""
        matches = difflib.get_close_matches(name, list(self.fields), n=1, cutoff=0.6)
        return matches[0] if matches else None

    def unknown_field_reason(self, name: str) -> str:
        suggestion = self.suggest(name)
        hint = f" (did you mean '{suggestion}'?)" if suggestion else f" (known: {', '.join(self.fields)})"
        return f"unknown field '{name}'{hint}"


def account_catalogue(custom_fields: Mapping[str, FieldType] | None = None) -> Catalogue:
    fields = dict(ACCOUNT_FIELDS)
    for name, type_ in (custom_fields or {}).items():
        fields[name] = FieldSpec(name, type_, "account", "custom field", custom=True)
    return Catalogue(fields)


CONTACT_CATALOGUE = Catalogue(CONTACT_FIELDS)


def _present(value: object) -> object:
    if isinstance(value, str):
        value = value.strip()
        return value or None
    return value


def _coerce(value: object, type_: FieldType) -> object:
    """A custom value as the declared type, or None when it cannot be read as one (counts as missing)."""
    value = _present(value)
    if value is None:
        return None
    if type_ is FieldType.BOOLEAN:
        if isinstance(value, bool):
            return value
        text = str(value).lower()
        return (
            True
            if text in {"true", "yes", "1", "y"}
            else False
            if text in {"false", "no", "0", "n"}
            else None
        )
    if type_.is_numeric:
        if isinstance(value, bool):
            return None
        if isinstance(value, int | float):
            return value
        try:
            number = float(str(value).replace("_", "").replace(",", ""))
        except ValueError:
            return parse_range(str(value))
        return int(number) if type_ is FieldType.INTEGER and number.is_integer() else number
    return str(value)


def account_record(
    columns: Mapping[str, object], custom_fields: Mapping[str, FieldType] | None = None
) -> Record:
    """The account's fields as the engine reads them.

    ``columns`` maps account column names to values (a row of the ``account`` table will do, including
    ``custom`` and the ``*_range`` columns). Blank strings, and text in a number column, count as
    missing; an exact number that is missing is replaced by its range when the range column parses.
    """
    record: Record = {name: _present(columns.get(name)) for name in ACCOUNT_FIELDS}
    for name, spec in ACCOUNT_FIELDS.items():
        # A number column holding text ("1.200" written by another tool into SQLite's loose integer
        # column) is not guessed at: it counts as missing, and `leadscore cleanup` normalises it.
        value = record[name]
        readable = isinstance(value, int | float | NumRange) and not isinstance(value, bool)
        if spec.type.is_numeric and value is not None and not readable:
            record[name] = None
    for name, range_column in RANGE_COLUMNS.items():
        if record[name] is None and isinstance(range_text := columns.get(range_column), str):
            record[name] = parse_range(range_text)
    if isinstance(record["country"], str):
        record["country"] = record["country"].upper()
    if isinstance(record["domain"], str):
        record["domain"] = record["domain"].lower()
    if custom_fields:
        custom = columns.get("custom")
        values = custom if isinstance(custom, Mapping) else {}
        for name, type_ in custom_fields.items():
            record[name] = _coerce(values.get(name), type_)
    return record


def contact_record(columns: Mapping[str, object]) -> Record:
    """The contact's fields as the engine reads them, with ``email_domain`` and ``email_is_free`` derived."""
    record: Record = {name: _present(columns.get(name)) for name in CONTACT_FIELDS}
    email = record["email"]
    if isinstance(email, str) and "@" in email:
        email = email.lower()
        domain = email.rsplit("@", 1)[1]
        record.update(email=email, email_domain=domain, email_is_free=is_free_mail(domain))
    else:
        record.update(email_domain=None, email_is_free=None)
    return record


def is_unknown(value: object) -> bool:
    """Missing, or known only as a range: either way a condition on it may come out unknown."""
    return value is None or isinstance(value, NumRange)

"""Column maps of the CRM exports leadscore reads and writes: Salesforce, HubSpot and our own (generic).

Columns match case-insensitively with runs of spaces collapsed, so Salesforce's API names (``Website``),
Data Loader's upper-case names (``WEBSITE``) and report labels (``Account: Website``) all meet. The first
name listed for a field is the one ``leadscore export`` writes. Every preset also accepts our own field
names (``domain``, ``employee_count`` …), so a file exported with one preset reads back with the same one.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Literal

from enrich.errors import ConfigError
from enrich.store.values import FIRMOGRAPHIC_FIELDS

Entity = Literal["accounts", "contacts", "activities"]
ENTITIES: tuple[Entity, ...] = ("accounts", "contacts", "activities")

ACCOUNT_TARGETS = (
    "crm_id", "name", "domain", "website", "industry", "employee_count", "annual_revenue", "country", "city",
    "founded_year", "owner",
)  # fmt: skip
CONTACT_TARGETS = (
    "crm_id", "account_crm_id", "account_name", "account_domain", "email", "first_name", "last_name", "title",
    "seniority", "department", "phone",
)  # fmt: skip
ACTIVITY_TARGETS = (
    "activity_id", "contact_crm_id", "contact_email", "account_crm_id", "account_domain", "kind", "asset",
    "occurred_at",
)  # fmt: skip
TARGETS: Mapping[Entity, tuple[str, ...]] = MappingProxyType(
    {"accounts": ACCOUNT_TARGETS, "contacts": CONTACT_TARGETS, "activities": ACTIVITY_TARGETS}
)
# Mapping-file targets beside the fields: drop the column, or keep it as a custom field.
IGNORE, CUSTOM = "ignore", "custom"

# Columns only `leadscore export` writes (value details per firmographic field, scores): skipped on import.
EXPORT_DETAIL_SUFFIXES = ("confidence", "source_url", "status")
SCORE_COLUMNS = ("score__fit", "score__band", "score__tier", "score__priority")
_EXPORT_ONLY = re.compile(
    rf"^(?:(?:{'|'.join(FIRMOGRAPHIC_FIELDS)})__(?:{'|'.join(EXPORT_DETAIL_SUFFIXES)})"
    rf"|{'|'.join(SCORE_COLUMNS)})$"
)


def column_key(column: str) -> str:
    """How column names are compared: casefolded, spaces collapsed."""
    return " ".join(column.split()).casefold()


@dataclass(frozen=True)
class ColumnMap:
    """Which field each column of one entity's export fills."""

    entity: Entity
    names: Mapping[str, tuple[str, ...]]  # field -> column names, the export's name first
    ignored_prefixes: tuple[str, ...] = ()  # report columns of another entity ("Contact: " in accounts)
    overrides: Mapping[str, str] = field(default_factory=dict)  # column key -> field | IGNORE | CUSTOM
    _lookup: dict[str, str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        lookup: dict[str, str] = {}
        for target, columns in self.names.items():
            for column in columns:
                lookup.setdefault(column_key(column), target)
        for target in TARGETS[self.entity]:
            lookup.setdefault(column_key(target), target)
        object.__setattr__(self, "_lookup", lookup)

    def target(self, column: str) -> str | None:
        """The field a column fills, ``IGNORE`` for columns to drop, ``None`` for custom (unknown) columns."""
        key = column_key(column)
        if key in self.overrides:
            chosen = self.overrides[key]
            return None if chosen == CUSTOM else chosen
        if key in self._lookup:
            return self._lookup[key]
        if _EXPORT_ONLY.match(key) or key.startswith(tuple(column_key(p) for p in self.ignored_prefixes)):
            return IGNORE
        return None

    def export_name(self, target: str) -> str | None:
        """The column name ``leadscore export`` writes for a field, or None when this CRM has none."""
        columns = self.names.get(target)
        return columns[0] if columns else None

    def with_overrides(self, overrides: Mapping[str, str]) -> ColumnMap:
        merged = {**self.overrides, **{column_key(column): chosen for column, chosen in overrides.items()}}
        return ColumnMap(self.entity, self.names, self.ignored_prefixes, MappingProxyType(merged))


def _unchanged(crm_id: str) -> str:
    return crm_id


def salesforce_id_18(crm_id: str) -> str:
    """A 15-character Salesforce id (reports) as its 18-character form (API, Data Loader); others unchanged.

    Both forms name the same record, so normalising lets a report export and a Data Loader export meet.
    """
    if not _SALESFORCE_ID_15.match(crm_id):
        return crm_id
    suffix = ""
    for start in range(0, 15, 5):
        bits = sum(1 << offset for offset, char in enumerate(crm_id[start : start + 5]) if "A" <= char <= "Z")
        suffix += "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"[bits]
    return crm_id + suffix


_SALESFORCE_ID_15 = re.compile(r"^[A-Za-z0-9]{15}$")


@dataclass(frozen=True)
class Preset:
    name: str
    columns: Mapping[Entity, ColumnMap]
    normalise_id: Callable[[str], str] = _unchanged  # how this CRM's record ids are compared


# One format for engagement events whatever the CRM; the aliases cover Salesforce tasks and HubSpot events.
ACTIVITY_COLUMNS = ColumnMap(
    "activities",
    {
        "activity_id": ("activity_id", "Activity ID", "Event ID", "Id", "Record ID"),
        "contact_crm_id": ("contact_crm_id", "Contact ID", "ContactId", "WhoId", "Associated Contact ID"),
        "contact_email": ("contact_email", "Contact Email", "Email", "Email Address"),
        "account_crm_id": (
            "account_crm_id",
            "Account ID",
            "AccountId",
            "Company ID",
            "Associated Company ID",
        ),
        "account_domain": ("account_domain", "Company Domain Name", "Domain", "Website"),
        "kind": ("kind", "Activity Type", "Event Type", "Type", "TaskSubtype"),
        "asset": ("asset", "Asset ID", "Asset", "CTA", "CTA ID", "Form ID", "Form", "Content"),
        "occurred_at": (
            "occurred_at",
            "Occurred At",
            "Timestamp",
            "Activity Date",
            "ActivityDate",
            "Event Date",
            "Date",
            "CreatedDate",
            "Created Date",
        ),
    },
)

SALESFORCE = Preset(
    "salesforce",
    {
        "accounts": ColumnMap(
            "accounts",
            {
                "crm_id": ("Id", "Account ID", "Account: Account ID"),
                "name": ("Name", "Account Name", "Account: Account Name"),
                "website": ("Website", "Account: Website"),
                "industry": ("Industry", "Account: Industry"),
                "annual_revenue": ("AnnualRevenue", "Annual Revenue", "Account: Annual Revenue"),
                "employee_count": (
                    "NumberOfEmployees",
                    "Employees",
                    "Number of Employees",
                    "Account: Employees",
                ),
                "country": (
                    "BillingCountryCode",
                    "BillingCountry",
                    "Billing Country Code",
                    "Billing Country",
                    "Account: Billing Country",
                ),
                "city": ("BillingCity", "Billing City", "Account: Billing City"),
                "founded_year": ("YearStarted", "Year Started"),
                "owner": ("OwnerId", "Account Owner", "Owner", "Account: Account Owner"),
            },
            ignored_prefixes=("Contact:", "Opportunity:"),
        ),
        "contacts": ColumnMap(
            "contacts",
            {
                "crm_id": ("Id", "Contact ID", "Contact: Contact ID"),
                "account_crm_id": ("AccountId", "Account ID", "Account: Account ID"),
                "account_name": ("Account Name", "Account: Account Name", "Account.Name"),
                "email": ("Email", "Contact: Email"),
                "first_name": ("FirstName", "First Name", "Contact: First Name"),
                "last_name": ("LastName", "Last Name", "Contact: Last Name"),
                "title": ("Title", "Contact: Title"),
                "department": ("Department", "Contact: Department"),
                "phone": ("Phone", "Contact: Phone"),
            },
            ignored_prefixes=("Account:", "Opportunity:"),
        ),
        "activities": ACTIVITY_COLUMNS,
    },
    normalise_id=salesforce_id_18,
)

HUBSPOT = Preset(
    "hubspot",
    {
        "accounts": ColumnMap(
            "accounts",
            {
                "crm_id": ("Record ID", "Company ID"),
                "name": ("Company name",),
                "domain": ("Company Domain Name",),
                "website": ("Website URL",),
                "industry": ("Industry",),
                "employee_count": ("Number of Employees",),
                "annual_revenue": ("Annual Revenue",),
                "country": ("Country/Region", "Country"),
                "city": ("City",),
                "founded_year": ("Year Founded",),
                "owner": ("Company owner",),
            },
        ),
        "contacts": ColumnMap(
            "contacts",
            {
                "crm_id": ("Record ID", "Contact ID"),
                "first_name": ("First Name",),
                "last_name": ("Last Name",),
                "email": ("Email",),
                "title": ("Job Title",),
                "phone": ("Phone Number",),
                "account_crm_id": ("Associated Company ID", "Company ID"),
                "account_name": ("Company Name", "Associated Company"),
            },
        ),
        "activities": ACTIVITY_COLUMNS,
    },
)

GENERIC = Preset(
    "generic",
    {
        "accounts": ColumnMap("accounts", {name: (name,) for name in ACCOUNT_TARGETS}),
        "contacts": ColumnMap("contacts", {name: (name,) for name in CONTACT_TARGETS}),
        "activities": ACTIVITY_COLUMNS,
    },
)

PRESETS: Mapping[str, Preset] = MappingProxyType({p.name: p for p in (SALESFORCE, HUBSPOT, GENERIC)})


def get_preset(name: str) -> Preset:
    """The preset called ``name``; ``ConfigError`` listing the known ones otherwise."""
    try:
        return PRESETS[name.lower()]
    except KeyError:
        raise ConfigError(f"unknown preset {name!r}", hint=f"use one of: {', '.join(PRESETS)}") from None

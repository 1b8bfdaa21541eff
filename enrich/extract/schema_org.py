"""schema.org vocabulary shared by the JSON-LD and microdata readers: which types are organisations,
which properties map to which field, and how their values normalise."""

from __future__ import annotations

import re
from dataclasses import dataclass

from enrich.countries import country_in_text
from enrich.extract.base import FieldValue, Qualifier, Statement, ValueRange
from enrich.numbers import parse_page_number

# LocalBusiness has hundreds of subtypes; these are the common ones whose names don't say "Business".
_ORGANISATION_TYPES = frozenset(
    [
        "Organization",
        "Corporation",
        "LocalBusiness",
        "NGO",
        "Store",
        "OnlineStore",
        "ProfessionalService",
        "FinancialService",
        "LegalService",
        "Restaurant",
        "Hotel",
        "Dentist",
        "MedicalClinic",
        "BankOrCreditUnion",
        "InsuranceAgency",
        "RealEstateAgent",
        "TravelAgency",
        "EmploymentAgency",
        "Brewery",
        "Winery",
        "Airline",
        "Consortium",
        "Cooperative",
        "ResearchOrganization",
        "Project",
        "FundingScheme",
    ]
)
_TYPE_PREFIX = re.compile(r"^(?:https?://schema\.org/|schema:)")

# schema.org property -> our field name (free-text properties).
TEXT_PROPERTIES = {
    "legalName": "legal_name",
    "name": "name",
    "industry": "industry",
    "knowsAbout": "industry_hint",
    "naics": "naics_code",
    "isicV4": "isic_code",
}
ADDRESS_PROPERTIES = {
    "addressLocality": "city",
    "postalCode": "postal_code",
    "streetAddress": "street_address",
    "addressCountry": "country",
}


def is_organisation(types: list[str]) -> bool:
    """True when any of the item's types is Organization or one of its subtypes."""
    for raw in types:
        name = _TYPE_PREFIX.sub("", raw.strip())
        if name in _ORGANISATION_TYPES or name.endswith(("Organization", "Business")):
            return True
    return False


@dataclass(frozen=True)
class Normalised:
    value: FieldValue
    value_text: str
    qualifier: Qualifier

    def stated(self, field_name: str, start: int, end: int) -> Statement:
        """This value for ``field_name``, stated at ``page.text[start:end]``."""
        return Statement(field_name, self.value, self.value_text, self.qualifier, start, end)


def employee_count(
    value: str | int | float | None, minimum: str | int | float | None, maximum: str | int | float | None
) -> Normalised | None:
    """``numberOfEmployees`` as a number, a string ("1,200", "500+", "50-200") or QuantitativeValue."""
    if value is not None and not isinstance(value, bool):
        return _count_from_text(str(value).strip())
    low = _whole(minimum)
    high = _whole(maximum)
    if low is not None and high is not None:
        if low == high:
            return Normalised(low, str(low), "exact")
        return Normalised(ValueRange(low, high), f"{low}-{high}", "range") if low < high else None
    if low is not None:
        return Normalised(low, f"{low}+", "at_least")
    if high is not None:
        return Normalised(ValueRange(1, high), f"up to {high}", "range")
    return None


def _whole(number: str | int | float | None) -> int | None:
    if number is None or isinstance(number, bool):
        return None
    if isinstance(number, float):
        return int(number) if number.is_integer() else None
    if isinstance(number, int):
        return number
    return parse_page_number(number)


def _count_from_text(text: str) -> Normalised | None:
    if text.endswith("+"):
        number = parse_page_number(text[:-1].strip())
        return Normalised(number, text, "at_least") if number is not None else None
    bounds = re.fullmatch(r"(\S+)\s*[-–]\s*(\S+)", text)
    if bounds:
        low, high = parse_page_number(bounds.group(1)), parse_page_number(bounds.group(2))
        if low is not None and high is not None and low < high:
            return Normalised(ValueRange(low, high), text, "range")
        return None
    if re.fullmatch(r"\d+\.0+", text):
        text = text.split(".")[0]
    number = parse_page_number(text)
    return Normalised(number, text, "exact") if number is not None else None


def founding_year(text: str) -> Normalised | None:
    """The year of a ``foundingDate`` ("1998", "1998-05-01", "1998-05")."""
    match = re.match(r"\s*(\d{4})(?:-\d{2}(?:-\d{2})?)?(?:T.*)?\s*$", text)
    return Normalised(int(match.group(1)), match.group(1), "exact") if match else None


def country(text: str) -> Normalised | None:
    """An ``addressCountry`` as ISO alpha-2: codes ("DE", "de") and names ("Germany", "Deutschland")."""
    stripped = text.strip()
    code = country_in_text(stripped.upper() if len(stripped) == 2 else stripped)
    return Normalised(code, stripped, "exact") if code else None


def address_part(field_name: str, text: str) -> Normalised | None:
    """One PostalAddress property, normalised for its field (countries to ISO alpha-2)."""
    text = text.strip()
    if not text:
        return None
    return country(text) if field_name == "country" else Normalised(text, text, "exact")

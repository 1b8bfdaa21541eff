"""Turning what a reviewer typed into a field's normalised value, or a clear ``InputError``.

The shapes follow the shared data contract: counts and money are whole numbers, a known range is
``{"min": .., "max": ..}``, countries are ISO 3166-1 alpha-2, domains are registrable and lowercase.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from urllib.parse import urlsplit

from enrich.countries import country_code
from enrich.errors import InputError, Problem
from enrich.numbers import parse_typed_number, split_typed_range
from enrich.store.values import JsonValue

# Plausibility bounds, the same the enrichment applies to model output (DESIGN §6).
_INT_BOUNDS: dict[str, tuple[int, int]] = {
    "employee_count": (1, 5_000_000),
    "annual_revenue": (0, 10**13),
}
_RANGE_FIELDS = frozenset(_INT_BOUNDS)
_MAX_TEXT = 300
_HOSTNAME = re.compile(r"^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{1,62}$")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def parse_reviewer_value(field: str, text: str, *, today: datetime | None = None) -> tuple[JsonValue, str]:
    """``(value, value_text)`` for ``field``: the normalised value and the cleaned text as typed.

    Raises ``InputError`` naming the field and what is expected when the text does not fit.
    """
    typed = " ".join(_CONTROL.sub(" ", text).split())
    if not typed:
        raise _bad(field, "is empty")
    if field in _RANGE_FIELDS:
        return _count_or_range(field, typed), typed
    if field == "founded_year":
        this_year = (today or datetime.now(UTC)).year
        return _bounded_int(field, typed, 1600, this_year), typed
    if field == "country":
        return _country(typed), typed
    if field == "domain":
        return _domain(typed), typed
    if field == "website":
        return _website(typed), typed
    if len(typed) > _MAX_TEXT:
        raise _bad(field, f"is longer than {_MAX_TEXT} characters")
    return typed, typed


def _bad(field: str, reason: str) -> InputError:
    return InputError(f"invalid value for {field}", [Problem("value", None, field, reason)])


def _whole_number(field: str, text: str) -> int:
    number = parse_typed_number(text)
    if number is None:
        raise _bad(field, f"{text!r} is not a whole number")
    return number


def _bounded_int(field: str, text: str, low: int, high: int) -> int:
    number = _whole_number(field, text)
    if not low <= number <= high:
        raise _bad(field, f"{number} is outside {low}..{high}")
    return number


def _count_or_range(field: str, text: str) -> JsonValue:
    """A whole number, ``50-200`` (also ``50 to 200``) or an open range ``1000+``."""
    low, high = _INT_BOUNDS[field]
    ends = split_typed_range(text)
    if ends is None:
        return _bounded_int(field, text, low, high)
    minimum = _bounded_int(field, ends[0], low, high)
    if ends[1] is None:
        return {"min": minimum, "max": None}
    maximum = _bounded_int(field, ends[1], low, high)
    if minimum > maximum:
        raise _bad(field, f"range {minimum}-{maximum} runs backwards")
    return {"min": minimum, "max": maximum}


def _country(text: str) -> str:
    code = country_code(text)
    if code is None:
        raise _bad("country", f"{text!r} is not an ISO 3166 country code or name")
    return code


def _domain(text: str) -> str:
    lowered = text.lower()
    host = urlsplit(lowered if "//" in lowered else f"//{lowered}").hostname or ""
    host = host.removeprefix("www.").rstrip(".")
    if not _HOSTNAME.match(host):
        raise _bad("domain", f"{text!r} is not a domain such as example.com")
    return host


def _website(text: str) -> str:
    parts = urlsplit(text if "//" in text else f"https://{text}")
    if (
        parts.scheme not in {"http", "https"}
        or not parts.hostname
        or not _HOSTNAME.match(parts.hostname.lower())
    ):
        raise _bad("website", f"{text!r} is not an http(s) address")
    return parts.geturl()

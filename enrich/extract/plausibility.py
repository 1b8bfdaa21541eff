"""Bounds every extracted value must lie in (DESIGN §6). The current year comes from an injected ``now``."""

from __future__ import annotations

from datetime import datetime

from enrich.extract.base import Finding, ValueRange

EMPLOYEE_COUNT_BOUNDS = (1, 5_000_000)
# Whole currency units; the largest companies report well under a trillion a year.
ANNUAL_REVENUE_BOUNDS = (1, 2_000_000_000_000)
FOUNDED_YEAR_MIN = 1600


def _bounds(field_name: str, now: datetime) -> tuple[int, int] | None:
    if field_name == "employee_count":
        return EMPLOYEE_COUNT_BOUNDS
    if field_name == "annual_revenue":
        return ANNUAL_REVENUE_BOUNDS
    if field_name == "founded_year":
        return (FOUNDED_YEAR_MIN, now.year)
    return None


def implausibility(finding: Finding, now: datetime) -> str | None:
    """Why ``finding``'s value cannot be right (out of bounds, empty range), or None when plausible."""
    bounds = _bounds(finding.field, now)
    value = finding.value
    if isinstance(value, str):
        return None if value.strip() else f"{finding.field}: empty value"
    if bounds is None:
        return None
    low, high = bounds
    numbers = [value] if isinstance(value, int) else [value.minimum, value.maximum]
    if isinstance(value, ValueRange) and value.maximum is not None and value.maximum < value.minimum:
        return f"{finding.field}: range {value} runs backwards"
    for number in numbers:
        if number is not None and not low <= number <= high:
            return f"{finding.field} {number} outside plausible bounds {low}..{high}"
    return None

"""Values that cannot be right: flagged with the reason and sent to review. Pure: data in, flags out.

=========================================  =====================================================
check                                      flagged when
=========================================  =====================================================
employee count                             0, or above 5,000,000 (no employer has more)
founded year                               after the current year, or before 1600
annual revenue per employee                below 1,000 or above 10,000,000 (whole currency units
                                           a year): almost always revenue in thousands/millions,
                                           or a headcount typed into the revenue field
country / city                             the city is a listed city (``enrich.cleanup.cities``)
                                           of other countries only ("Hamburg", FR)
=========================================  =====================================================

For a check across two fields the value flagged is the less trusted one (source rank, then
confidence, then age; on a tie the revenue, or the city). A value a reviewer approved or typed is never
flagged again: a person already looked at it.
"""

from __future__ import annotations

from datetime import datetime

from enrich.cleanup.cities import city_countries
from enrich.cleanup.model import AccountSnapshot, FieldState, Flag
from enrich.store.values import SOURCE_RANKS

MAX_EMPLOYEES = 5_000_000
EARLIEST_FOUNDED = 1600
REVENUE_PER_EMPLOYEE = (1_000, 10_000_000)


def implausible_values(snapshot: AccountSnapshot, *, now: datetime) -> list[Flag]:
    """Every implausible value of one account, each with the reason."""
    flags: list[Flag] = []
    fields = snapshot.fields

    def flag(state: FieldState, why: str) -> None:
        if state.reviewed_by is None and all(item.field != state.field for item in flags):
            flags.append(
                Flag(
                    snapshot.account_id, snapshot.label, state.field, state.value, why, state.row_id,
                    state.row_version,
                )
            )  # fmt: skip

    employees = fields.get("employee_count")
    headcount = _numbers(employees)
    if employees is not None and headcount:
        if min(headcount) == 0 and max(headcount) == 0:
            flag(employees, "employee count 0: a company has at least one person")
        elif max(headcount) > MAX_EMPLOYEES:
            flag(employees, f"employee count {max(headcount):,} is more than any employer has")
    founded = fields.get("founded_year")
    if founded is not None and isinstance(founded.value, int):
        if founded.value > now.year:
            flag(founded, f"founded year {founded.value} is in the future")
        elif founded.value < EARLIEST_FOUNDED:
            flag(founded, f"founded year {founded.value} is before {EARLIEST_FOUNDED}")
    revenue = fields.get("annual_revenue")
    if (
        revenue is not None
        and employees is not None
        and isinstance(revenue.value, int)
        and isinstance(employees.value, int)
        and employees.value > 0
        and revenue.value > 0
    ):
        per_head = revenue.value / employees.value
        low, high = REVENUE_PER_EMPLOYEE
        if not low <= per_head <= high:
            side = "below" if per_head < low else "above"
            why = (
                f"revenue per employee {per_head:,.0f} ({revenue.value:,} / {employees.value:,}) is {side} "
                f"the plausible {low:,}..{high:,}"
            )
            flag(_less_trusted(employees, revenue), why)
    country, city = fields.get("country"), fields.get("city")
    if country is not None and city is not None and isinstance(country.value, str) and city.value:
        where = city_countries(str(city.value))
        if where and country.value not in where:
            why = f"city {city.value!r} is in {', '.join(sorted(where))}, the country is {country.value}"
            flag(_less_trusted(country, city), why)
    return flags


def _numbers(state: FieldState | None) -> list[int]:
    if state is None:
        return []
    if isinstance(state.value, int) and not isinstance(state.value, bool):
        return [state.value]
    if isinstance(state.value, dict):
        return [number for number in (state.value.get("min"), state.value.get("max")) if number is not None]
    return []


def _less_trusted(first: FieldState, second: FieldState) -> FieldState:
    """The value to doubt: lower source rank, then lower confidence, then older; ``second`` on a tie."""

    def trust(state: FieldState) -> tuple[int, float, float]:
        seen = state.checked_at.timestamp() if state.checked_at else 0.0
        return (SOURCE_RANKS.get(state.source_kind, 0), state.confidence, seen)

    return first if trust(first) < trust(second) else second

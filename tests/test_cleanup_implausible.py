"""Implausible values: flagged with the reason and sent to review, never silently changed."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import Engine, select

from enrich.cleanup.implausible import implausible_values
from enrich.cleanup.industries import IndustryVocabulary
from enrich.cleanup.model import AccountSnapshot, FieldState
from enrich.cleanup.plan import CleanupOptions
from enrich.cleanup.runner import Cleanup
from enrich.review import approve, undo
from enrich.store.schema import review_event
from enrich.store.values import JsonValue
from tests.cleanup_data import NOW, add_account, column, values_of


def flags(*states: FieldState) -> dict[str, str]:
    snapshot = AccountSnapshot(1, None, "Acme", None, None, None, None, {}, {s.field: s for s in states})
    return {flag.field: flag.why for flag in implausible_values(snapshot, now=NOW)}


def state(
    field: str, value: JsonValue, source_kind: str = "crm", confidence: float = 1.0, **extra: object
) -> FieldState:
    return FieldState(field, value, str(value), source_kind, confidence, row_id=1, row_version=1, **extra)  # type: ignore[arg-type]


def test_employee_counts_of_zero_or_beyond_any_employer_are_flagged() -> None:
    assert "employee count 0" in flags(state("employee_count", 0))["employee_count"]
    assert "more than any employer" in flags(state("employee_count", 12_000_000))["employee_count"]
    assert flags(state("employee_count", {"min": 0, "max": 0}))
    assert flags(state("employee_count", 250)) == {}
    assert flags(state("employee_count", {"min": 0, "max": 10})) == {}, "a range from 0 can be right"


def test_a_founding_year_in_the_future_or_before_1600_is_flagged() -> None:
    assert "in the future" in flags(state("founded_year", NOW.year + 1))["founded_year"]
    assert "before 1600" in flags(state("founded_year", 1066))["founded_year"]
    assert flags(state("founded_year", NOW.year)) == {}


def test_revenue_per_employee_far_outside_bounds_flags_the_less_trusted_value() -> None:
    found = flags(state("employee_count", 200), state("annual_revenue", 42, "page_text", 0.8))
    assert list(found) == ["annual_revenue"] and "revenue per employee 0" in found["annual_revenue"]
    found = flags(state("employee_count", 3, "llm", 0.6), state("annual_revenue", 900_000_000))
    assert list(found) == ["employee_count"], "the LLM's headcount is doubted, not the CRM's revenue"
    assert flags(state("employee_count", 200), state("annual_revenue", 30_000_000)) == {}


def test_a_city_of_another_country_is_flagged() -> None:
    found = flags(state("country", "FR"), state("city", "Hamburg"))
    assert found == {"city": "city 'Hamburg' is in DE, the country is FR"}
    assert flags(state("country", "DE"), state("city", "Munich")) == {}
    assert flags(state("country", "CA"), state("city", "London")) == {}, "London, Ontario"
    assert flags(state("country", "DE"), state("city", "Kleinkleckersdorf")) == {}, (
        "unknown cities stay silent"
    )


def test_a_value_a_reviewer_approved_is_not_flagged_again() -> None:
    assert flags(state("employee_count", 0, reviewed_by="alice")) == {}


def test_a_flagged_value_leaves_the_account_for_review_and_undo_brings_it_back(store: Engine) -> None:
    account_id = add_account(store, "Acme", crm_id="A1", employee_count=0, founded_year=2030)
    job = Cleanup(store, CleanupOptions(steps=("implausible",)), IndustryVocabulary(()), clock=lambda: NOW)
    summary = job.apply()
    assert (
        summary.applied is not None and summary.applied.flags_to_review == 2 and summary.awaiting_review == 2
    )
    row = values_of(store, account_id, "employee_count")[-1]
    assert row["status"] == "pending_review" and "employee count 0" in row["reason"]
    assert column(store, account_id, "employee_count") is None, "a value under review is not scored"
    with store.connect() as conn:
        event = conn.execute(select(review_event).where(review_event.c.field_value_id == row["id"])).one()
    assert (event.action, event.actor) == ("flag", "leadscore cleanup")
    with store.begin() as conn:
        undo(conn, event.id, actor="alice", now=NOW + timedelta(minutes=1))
    assert column(store, account_id, "employee_count") == 0
    again = job.apply()  # an undone flag comes back next run: only approving the value silences it
    assert again.applied is not None and again.applied.flags_to_review == 1
    row = values_of(store, account_id, "employee_count")[-1]
    with store.begin() as conn:
        approve(conn, row["id"], actor="alice", now=NOW + timedelta(minutes=2))
    third = job.apply()
    assert third.plan.flags == [], "a value a reviewer approved is not flagged again"

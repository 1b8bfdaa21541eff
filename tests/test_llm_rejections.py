"""Answers that must not become candidates: each is rejected with its reason, through the real SDK."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from enrich.llm.research import SmartFieldResult
from enrich.llm.smart_fields import builtin_smart_fields
from tests.fake_openai import FakeOpenAI, FakeReply, answer, fixture_company, llm_settings, research

FIELDS = builtin_smart_fields(Path(__file__).resolve().parent.parent / "prompts")
BRIGHTLANE = fixture_company("brightlane")
TEAM_QUOTE = "Today we are a team of 240 employees across Austin, Dublin and remote."


def _research_one(field_name: str, reply: FakeReply, **options: object) -> SmartFieldResult:
    with FakeOpenAI() as server:
        server.queue(reply)
        [result] = research(
            llm_settings(server), [FIELDS[field_name]], BRIGHTLANE.pages, BRIGHTLANE.company, **options
        )
    return result


def _assert_rejected(result: SmartFieldResult, reason: str) -> None:
    assert (result.status, result.reason) == ("rejected", reason), result.detail
    assert result.evidence_start is None and result.source_url is None


def test_reply_that_is_not_json_is_rejected_as_invalid_json() -> None:
    result = _research_one("employee_count", FakeReply(content="There are about 240 employees."))
    _assert_rejected(result, "invalid_json")


def test_reply_with_a_value_of_the_wrong_type_is_rejected_as_invalid_json() -> None:
    result = _research_one("employee_count", answer("two hundred forty", TEAM_QUOTE))
    _assert_rejected(result, "invalid_json")


@pytest.mark.parametrize("employees", [0, 6_000_000])
def test_employee_count_outside_bounds_is_rejected(employees: int) -> None:
    result = _research_one("employee_count", answer(employees, TEAM_QUOTE))
    _assert_rejected(result, "out_of_bounds")
    assert result.value == employees, "the rejected value is kept for the record"


def test_founded_year_after_the_injected_clock_year_is_rejected() -> None:
    quote = "Brightlane was founded in 2014 by two former controllers"
    clock = lambda: datetime(2013, 6, 1, tzinfo=UTC)  # noqa: E731
    result = _research_one("founded_year", answer(2014, quote), clock=clock)
    _assert_rejected(result, "out_of_bounds")


def test_country_that_is_not_an_iso_code_is_rejected() -> None:
    result = _research_one(
        "hq_country", answer("XX", "Brightlane is headquartered in Austin, Texas, United States.")
    )
    _assert_rejected(result, "out_of_bounds")


def test_enum_value_outside_the_allowed_list_is_rejected() -> None:
    quote = "Brightlane Analytics is a B2B software company"
    result = _research_one("industry", answer("Fintech", quote), allowed_values=["Software", "Retail"])
    _assert_rejected(result, "out_of_bounds")


def test_number_not_on_the_page_is_rejected_even_with_a_real_quote() -> None:
    result = _research_one("employee_count", answer(2400, TEAM_QUOTE))  # hallucinated: the page says 240
    _assert_rejected(result, "quote_lacks_value")


def test_quote_not_on_the_page_is_rejected() -> None:
    result = _research_one("employee_count", answer(350, "Brightlane employs 350 people worldwide."))
    _assert_rejected(result, "quote_not_found")


def test_answer_without_evidence_is_rejected_as_quote_not_found() -> None:
    result = _research_one("employee_count", answer(240, None))
    _assert_rejected(result, "quote_not_found")


def test_quote_on_the_page_without_the_value_is_rejected() -> None:
    result = _research_one(
        "employee_count", answer(240, "More than 900 finance teams use Brightlane every day")
    )
    _assert_rejected(result, "quote_lacks_value")


def test_number_quote_without_a_field_keyword_is_rejected() -> None:
    # "240" alone is on the page, but a bare number says nothing about employees
    result = _research_one("employee_count", answer(240, "240"))
    _assert_rejected(result, "quote_lacks_value")


def test_enum_quote_that_does_not_support_the_label_is_rejected() -> None:
    quote = "Brightlane is headquartered in Austin, Texas, United States."
    result = _research_one("industry", answer("Software", quote), allowed_values=["Software", "Retail"])
    _assert_rejected(result, "quote_lacks_value")


def test_models_self_reported_confidence_is_stored_not_trusted() -> None:
    result = _research_one("employee_count", answer(2400, TEAM_QUOTE, confidence=0.99))
    _assert_rejected(result, "quote_lacks_value")
    assert result.model_confidence == 0.99

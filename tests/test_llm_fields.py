"""Happy path: every built-in smart field on German and English pages, through the real openai SDK
against a loopback OpenAI-compatible server; and what the request carries (snippets only, delimited)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from enrich.llm.normalise import normalised
from enrich.llm.prompts import UNTRUSTED_DATA_RULES
from enrich.llm.smart_fields import SmartField, builtin_smart_fields
from tests.fake_openai import (
    TEST_API_KEY,
    FakeOpenAI,
    answer,
    fixture_company,
    fixture_labels,
    labelled_responder,
    llm_settings,
    research,
)

PROMPTS = Path(__file__).resolve().parent.parent / "prompts"
FIELDS = builtin_smart_fields(PROMPTS)
INDUSTRIES = fixture_labels()["industries"]
CASES = [
    (company, field) for company, entry in fixture_labels()["companies"].items() for field in entry["fields"]
]


def _allowed(field: SmartField) -> list[str] | None:
    return INDUSTRIES if field.type == "enum" else None


def test_builtin_smart_fields_cover_the_issue_list() -> None:
    assert set(FIELDS) == {
        "employee_count", "industry", "annual_revenue", "hq_country", "hq_city", "founded_year", "sells_b2b",
    }  # fmt: skip
    assert {fixture_company(name).language for name in ("mueller_pumpen", "brightlane")} == {"de", "en"}


@pytest.mark.parametrize(("company_name", "field_name"), CASES, ids=[f"{c}-{f}" for c, f in CASES])
def test_labelled_answer_is_verified_with_provenance(company_name: str, field_name: str) -> None:
    company = fixture_company(company_name)
    field = FIELDS[field_name]
    label = company.labels[field_name]
    with FakeOpenAI(labelled_responder(company.labels)) as server:
        [result] = research(
            llm_settings(server), [field], company.pages, company.company, allowed_values=_allowed(field)
        )
    assert result.status == "verified", f"{result.reason}: {result.detail}"
    assert result.value == label["value"]
    page = next(page for page in company.pages if page.url == result.source_url)
    assert result.page_sha256 == page.sha256
    assert result.evidence_start is not None and result.evidence_end is not None
    quoted = page.text[result.evidence_start : result.evidence_end]
    assert normalised(quoted) == normalised(label["evidence"]), "offsets must point at the quote in the page"
    assert result.evidence == quoted
    assert result.value_text and normalised(result.value_text) in normalised(quoted)
    assert (result.prompt_name, result.prompt_version) == (field_name, field.prompt.version)
    assert result.prompt_sha256 == hashlib.sha256((PROMPTS / f"{field_name}.yaml").read_bytes()).hexdigest()
    assert result.model == "gpt-4o-mini"
    assert result.tokens_in > 0 and result.tokens_out > 0 and result.cost_usd > 0
    assert result.model_confidence == 0.9
    [request] = server.requests
    snippet_text = " ".join(text for _n, _source, text in request.snippets())
    assert normalised(label["evidence"]) in normalised(snippet_text), "snippet selection missed the evidence"


def test_request_carries_delimited_snippets_only_and_no_key() -> None:
    company = fixture_company("mueller_pumpen")
    with FakeOpenAI(labelled_responder(company.labels)) as server:
        research(llm_settings(server), [FIELDS["employee_count"]], company.pages, company.company)
    [request] = server.requests
    whole_text = "\n".join(page.text for page in company.pages)
    blocks = request.snippets()
    assert blocks, "the user message must hold <<<SNIPPET n source=URL>>> ... <<<END>>> blocks"
    assert [number for number, _source, _text in blocks] == list(range(1, len(blocks) + 1))
    assert request.user.count("<<<END>>>") == len(blocks)
    assert len(request.user) < len(whole_text) / 4, "the model must get snippets, not whole pages"
    assert "Wir verwenden Cookies" not in request.user
    sources = {source for _n, source, _t in blocks}
    assert sources <= {"/", "/ueber-uns", "/karriere", "/impressum"}, "a snippet names its page by path"
    assert "utm_source" not in request.user, "snippet sources are shown without query strings"
    assert TEST_API_KEY not in request.raw_body.decode()
    assert request.headers["authorization"] == f"Bearer {TEST_API_KEY}"
    assert request.system.startswith(UNTRUSTED_DATA_RULES)
    assert "untrusted DATA" in request.system
    assert "tools" not in request.body, "the model has no tools"
    assert request.body["model"] == "gpt-4o-mini"
    assert request.body["temperature"] == 0
    response_format = request.body["response_format"]
    assert response_format["type"] == "json_schema"
    assert response_format["json_schema"]["strict"] is True
    assert response_format["json_schema"]["name"] == "employee_count_answer"
    schema = response_format["json_schema"]["schema"]
    assert schema["required"] == ["value", "unknown", "evidence", "confidence"]
    assert schema["additionalProperties"] is False


def test_enum_request_lists_the_allowed_values_given_at_run_time() -> None:
    company = fixture_company("brightlane")
    allowed = ["Software", "Retail"]
    with FakeOpenAI(labelled_responder(company.labels)) as server:
        [result] = research(
            llm_settings(server), [FIELDS["industry"]], company.pages, company.company, allowed_values=allowed
        )
    [request] = server.requests
    assert "Software, Retail" in request.user
    value_schema = request.body["response_format"]["json_schema"]["schema"]["properties"]["value"]
    assert value_schema["enum"] == ["Software", "Retail", None]
    assert result.status == "verified" and result.value == "Software"


def test_field_without_any_matching_passage_is_unknown_without_a_call() -> None:
    company = fixture_company("nordlicht")  # states no revenue; only a VAT id mentions "Umsatz"
    with FakeOpenAI() as server:
        [result] = research(llm_settings(server), [FIELDS["annual_revenue"]], company.pages, company.company)
    assert (result.status, result.reason, result.snippet_count) == ("unknown", "no_snippets", 0)
    assert server.requests == []


def test_model_reporting_unknown_gives_unknown_status() -> None:
    company = fixture_company("brightlane")
    with FakeOpenAI() as server:
        server.queue(answer(None, None, unknown=True, confidence=None))
        [result] = research(llm_settings(server), [FIELDS["employee_count"]], company.pages, company.company)
    assert (result.status, result.reason, result.value) == ("unknown", "unknown", None)
    assert result.tokens_in > 0


def test_served_model_name_and_usage_come_from_the_response() -> None:
    company = fixture_company("brightlane")
    label = company.labels["founded_year"]
    reply = answer(label["value"], label["evidence"])
    reply.usage = (321, 12)
    with FakeOpenAI() as server:
        server.queue(reply)
        settings = llm_settings(server, llm_prices={"gpt-4o-mini": (1.0, 2.0)})
        [result] = research(settings, [FIELDS["founded_year"]], company.pages, company.company)
    assert (result.tokens_in, result.tokens_out) == (321, 12)
    assert result.cost_usd == pytest.approx((321 * 1.0 + 12 * 2.0) / 1_000_000)
    assert json.loads(server.requests[0].raw_body)["max_tokens"] == FIELDS["founded_year"].prompt.max_tokens

"""The run budget (checked before every call), the answer cache on the llm_cache table, and the call log."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, func, select

from enrich.errors import BudgetExceeded
from enrich.llm.budget import RunBudget
from enrich.llm.cache import CachedCompletion, MemoryLLMCache, cache_key
from enrich.llm.client import LLMRequest
from enrich.llm.research import SmartFieldResearcher, request_tokens
from enrich.llm.smart_fields import builtin_smart_fields
from enrich.store.db import check_schema
from enrich.store.llm_cache import SqlLLMCache
from enrich.store.schema import llm_cache
from tests.fake_openai import (
    TEST_API_KEY,
    FakeOpenAI,
    FakeReply,
    fixture_company,
    labelled_responder,
    llm_settings,
    research,
)

FIELDS = builtin_smart_fields(Path(__file__).resolve().parent.parent / "prompts")
THREE = [FIELDS["employee_count"], FIELDS["founded_year"], FIELDS["annual_revenue"]]
BRIGHTLANE = fixture_company("brightlane")
USAGE = (100, 20)  # what the fake reports for every call


def _fixed_usage(server: FakeOpenAI) -> None:
    responder = labelled_responder(BRIGHTLANE.labels)

    def respond(request: object) -> FakeReply:
        reply = responder(request)  # type: ignore[arg-type]
        reply.usage = USAGE
        return reply

    server.responder = respond  # type: ignore[assignment]


def _worst_case(field_index: int) -> int:
    """The reservation the researcher makes for THREE[field_index] on Brightlane's pages."""
    researcher = SmartFieldResearcher(None, RunBudget(1, 1.0), model="gpt-4o-mini")  # type: ignore[arg-type]
    field = THREE[field_index]
    snippets = researcher.choose_snippets(field, BRIGHTLANE.pages)
    request = researcher.build_request(field, snippets, BRIGHTLANE.company, ())
    return request_tokens(request) + request.max_tokens


def test_budget_stops_before_the_call_that_would_exceed_it_and_a_resumed_run_reuses_the_cache(
    store: Engine,
) -> None:
    spent_by_two = 2 * sum(USAGE)
    budget_for_two = max(_worst_case(0), sum(USAGE) + _worst_case(1), spent_by_two + _worst_case(2) - 1)
    assert spent_by_two + _worst_case(2) > budget_for_two
    cache = SqlLLMCache(store)
    with FakeOpenAI() as server:
        _fixed_usage(server)
        settings = llm_settings(server, llm_budget_tokens=budget_for_two)
        researcher = SmartFieldResearcher.from_settings(settings, cache=cache)
        with pytest.raises(BudgetExceeded, match="LLM budget for this run reached") as raised:
            research(settings, THREE, BRIGHTLANE.pages, BRIGHTLANE.company, researcher=researcher)
        assert len(server.requests) == 2, "the third call is refused before it is made"
        assert "annual_revenue" in str(raised.value) and raised.value.hint and "resume" in raised.value.hint
        assert researcher.budget.usage.calls == 2
        assert researcher.budget.usage.tokens_in + researcher.budget.usage.tokens_out == spent_by_two
        assert researcher.budget.reserved_tokens == 0

        resumed = SmartFieldResearcher.from_settings(settings, cache=SqlLLMCache(store))
        results = research(settings, THREE, BRIGHTLANE.pages, BRIGHTLANE.company, researcher=resumed)
    assert len(server.requests) == 3, "the resumed run calls only for the field that had no answer yet"
    assert [result.cached for result in results] == [True, True, False]
    assert [result.status for result in results] == ["verified"] * 3
    assert resumed.budget.usage.calls == 1
    assert results[0].tokens_in == USAGE[0], "cached results keep the usage of the call that made them"


def test_money_budget_is_checked_too() -> None:
    with FakeOpenAI(labelled_responder(BRIGHTLANE.labels)) as server:
        settings = llm_settings(server, llm_budget_usd=0.00001, llm_prices={"gpt-4o-mini": (10.0, 30.0)})
        with pytest.raises(BudgetExceeded, match=r"\$0\.0000 of \$0\.0000 used"):
            research(settings, THREE, BRIGHTLANE.pages, BRIGHTLANE.company)
    assert server.requests == []


def test_run_usage_sums_tokens_cost_and_latency_per_call() -> None:
    with FakeOpenAI() as server:
        _fixed_usage(server)
        settings = llm_settings(server, llm_prices={"gpt-4o-mini": (2.0, 8.0)})
        researcher = SmartFieldResearcher.from_settings(settings)
        results = research(settings, THREE, BRIGHTLANE.pages, BRIGHTLANE.company, researcher=researcher)
    usage = researcher.budget.usage
    assert (usage.calls, usage.tokens_in, usage.tokens_out) == (3, 300, 60)
    assert usage.cost_usd == pytest.approx(3 * (100 * 2.0 + 20 * 8.0) / 1_000_000)
    assert usage.cost_usd == pytest.approx(sum(result.cost_usd for result in results))
    assert usage.latency_s == pytest.approx(sum(result.latency_s for result in results))
    assert all(result.latency_s > 0 for result in results)


def test_same_prompt_snippets_and_model_are_answered_from_the_cache_without_a_call() -> None:
    cache = MemoryLLMCache()
    with FakeOpenAI(labelled_responder(BRIGHTLANE.labels)) as server:
        settings = llm_settings(server)
        first = research(settings, THREE[:1], BRIGHTLANE.pages, BRIGHTLANE.company, cache=cache)
        again = research(settings, THREE[:1], BRIGHTLANE.pages, BRIGHTLANE.company, cache=cache)
        other_model = research(
            llm_settings(server, llm_model="gpt-4o"),
            THREE[:1],
            BRIGHTLANE.pages,
            BRIGHTLANE.company,
            cache=cache,
        )
    assert len(server.requests) == 2, "a different model is a different key"
    assert (first[0].cached, again[0].cached, other_model[0].cached) == (False, True, False)
    assert again[0].value == first[0].value and again[0].evidence_start == first[0].evidence_start


def test_replies_that_are_not_json_are_not_cached() -> None:
    cache = MemoryLLMCache()
    with FakeOpenAI() as server:
        server.queue(FakeReply(content="not json"))
        research(llm_settings(server), THREE[:1], BRIGHTLANE.pages, BRIGHTLANE.company, cache=cache)
    assert cache.entries == {}


def _request(**changes: object) -> LLMRequest:
    values: dict[str, object] = {"model": "m", "system": "s", "user": "u", "schema_name": "n"}
    values |= {"schema": {"type": "object"}, "max_tokens": 10}
    values.update(changes)
    return LLMRequest(**values)  # type: ignore[arg-type]


def test_cache_key_covers_model_prompt_hash_messages_and_schema() -> None:
    base = cache_key(_request(), "a" * 64)
    assert cache_key(_request(), "a" * 64) == base
    assert cache_key(_request(), "b" * 64) != base
    for change in ({"model": "x"}, {"system": "x"}, {"user": "x"}, {"schema": {"type": "array"}}):
        assert cache_key(_request(**change), "a" * 64) != base, change


def _exercise_sql_cache(engine: Engine) -> None:
    cache = SqlLLMCache(engine)
    first = CachedCompletion('{"value": 1}', "gpt-4o-mini", 10, 2)
    cache.put("k" * 64, first)
    cache.put("k" * 64, CachedCompletion('{"value": 2}', "gpt-4o-mini", 11, 3))  # idempotent: no error
    assert cache.get("k" * 64) == first
    assert cache.get("z" * 64) is None
    with engine.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(llm_cache)) == 1


def test_sql_cache_writes_are_idempotent_on_sqlite(store: Engine) -> None:
    _exercise_sql_cache(store)


@pytest.mark.postgres
def test_sql_cache_writes_are_idempotent_on_postgres(postgres_url: str) -> None:
    engine = create_engine(postgres_url.replace("postgresql://", "postgresql+psycopg://", 1))
    try:
        check_schema(engine)
        _exercise_sql_cache(engine)
    finally:
        engine.dispose()


def test_every_call_is_logged_without_the_key_or_query_strings(caplog: pytest.LogCaptureFixture) -> None:
    company = fixture_company("mueller_pumpen")  # its about page URL has ?utm_source=...
    caplog.set_level(logging.DEBUG)  # every logger, the SDK's and httpx's included
    with FakeOpenAI(labelled_responder(company.labels)) as server:
        research(llm_settings(server), [FIELDS["employee_count"]], company.pages, company.company)
    call_lines = [record.getMessage() for record in caplog.records if record.name == "leadscore.llm"]
    assert len(call_lines) == 1
    line = call_lines[0]
    for part in (
        "field=employee_count",
        "model=gpt-4o-mini",
        "tokens_in=",
        "tokens_out=",
        "latency=",
        "cost=$",
    ):
        assert part in line, part
    assert "mueller-pumpen.example/ueber-uns" in line and "utm_source" not in line
    everything = caplog.text + "\n".join(record.getMessage() for record in caplog.records)
    assert TEST_API_KEY not in everything

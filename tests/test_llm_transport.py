"""How the real openai SDK client behaves against a misbehaving loopback server: retries (the SDK's
own, once), Retry-After, timeouts, the json_schema → json_object fallback, and error mapping."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest

from enrich.errors import ConfigError, UpstreamError
from enrich.llm.client import OpenAIChatClient
from enrich.llm.smart_fields import builtin_smart_fields
from tests.fake_openai import (
    TEST_API_KEY,
    FakeOpenAI,
    FakeReply,
    error,
    fixture_company,
    labelled_responder,
    llm_settings,
    rejecting_json_schema,
    research,
)

FIELDS = builtin_smart_fields(Path(__file__).resolve().parent.parent / "prompts")
BRIGHTLANE = fixture_company("brightlane")
EMPLOYEES = FIELDS["employee_count"]


def test_429_with_retry_after_is_waited_out_then_succeeds() -> None:
    with FakeOpenAI(labelled_responder(BRIGHTLANE.labels)) as server:
        server.queue(error(429, "rate limited", **{"Retry-After": "1"}))
        started = time.perf_counter()
        [result] = research(
            llm_settings(server, llm_max_retries=2), [EMPLOYEES], BRIGHTLANE.pages, BRIGHTLANE.company
        )
        elapsed = time.perf_counter() - started
    assert result.status == "verified"
    assert len(server.requests) == 2
    assert elapsed >= 0.95, "Retry-After: 1 must be honoured"
    assert server.requests[1].headers["x-stainless-retry-count"] == "1"


def test_500_then_success_is_retried_by_the_sdk() -> None:
    with FakeOpenAI(labelled_responder(BRIGHTLANE.labels)) as server:
        server.queue(error(500, "boom"))
        [result] = research(
            llm_settings(server, llm_max_retries=1), [EMPLOYEES], BRIGHTLANE.pages, BRIGHTLANE.company
        )
    assert result.status == "verified"
    assert len(server.requests) == 2


def test_500_forever_gives_up_after_the_configured_retries_with_upstream_error() -> None:
    with FakeOpenAI(lambda _request: error(500, "still broken")) as server:
        settings = llm_settings(server, llm_max_retries=1)
        with pytest.raises(UpstreamError, match="answered 500") as raised:
            research(settings, [EMPLOYEES], BRIGHTLANE.pages, BRIGHTLANE.company)
    assert len(server.requests) == 2, "one try plus llm_max_retries=1 retry, and no second retry layer"
    assert TEST_API_KEY not in str(raised.value)


def test_reply_slower_than_the_timeout_is_an_upstream_error() -> None:
    with FakeOpenAI(lambda _request: FakeReply(content="{}", delay_s=5.0)) as server:
        settings = llm_settings(server, llm_timeout_s=1.0, llm_max_retries=0)
        started = time.perf_counter()
        with pytest.raises(UpstreamError, match="did not answer within 1 s"):
            research(settings, [EMPLOYEES], BRIGHTLANE.pages, BRIGHTLANE.company)
        assert time.perf_counter() - started < 3.0
    assert len(server.requests) == 1


def test_server_rejecting_json_schema_falls_back_to_json_object_for_the_rest_of_the_run() -> None:
    fields = [FIELDS["employee_count"], FIELDS["founded_year"]]
    with FakeOpenAI(rejecting_json_schema(labelled_responder(BRIGHTLANE.labels))) as server:
        results = research(llm_settings(server), fields, BRIGHTLANE.pages, BRIGHTLANE.company)
    assert [result.status for result in results] == ["verified", "verified"]
    formats = [request.response_format_type for request in server.requests]
    assert formats == ["json_schema", "json_object", "json_object"], "the fallback is remembered"
    assert '"required"' in server.requests[1].system, "json_object mode spells the schema out"


def test_unrelated_400_is_not_taken_for_a_json_schema_problem() -> None:
    server = FakeOpenAI(lambda _request: error(400, "context length exceeded"))
    with server, pytest.raises(UpstreamError, match="answered 400"):
        research(llm_settings(server), [EMPLOYEES], BRIGHTLANE.pages, BRIGHTLANE.company)
    assert len(server.requests) == 1


@pytest.mark.parametrize("status", [401, 403])
def test_refused_credentials_are_a_config_error_without_the_key(status: int) -> None:
    server = FakeOpenAI(lambda _request: error(status, "invalid api key"))
    with server, pytest.raises(ConfigError, match="refused the credentials") as raised:
        research(llm_settings(server), [EMPLOYEES], BRIGHTLANE.pages, BRIGHTLANE.company)
    assert TEST_API_KEY not in str(raised.value) and TEST_API_KEY not in (raised.value.hint or "")


def test_unknown_model_is_a_config_error() -> None:
    server = FakeOpenAI(lambda _request: error(404, "model not found"))
    with server, pytest.raises(ConfigError, match="does not know model"):
        research(llm_settings(server), [EMPLOYEES], BRIGHTLANE.pages, BRIGHTLANE.company)


def test_unreachable_server_is_an_upstream_error() -> None:
    server = FakeOpenAI()
    settings = llm_settings(server)
    server.stop()  # never started: the port is closed
    with pytest.raises(UpstreamError, match="cannot reach"):
        research(settings, [EMPLOYEES], BRIGHTLANE.pages, BRIGHTLANE.company)


def test_client_needs_a_key_or_a_base_url() -> None:
    with FakeOpenAI() as server:
        settings = llm_settings(server, openai_api_key=None, openai_base_url=None)
    with pytest.raises(ConfigError, match="no API key"):
        OpenAIChatClient(settings)


def test_local_server_without_a_key_gets_a_placeholder() -> None:
    with FakeOpenAI(labelled_responder(BRIGHTLANE.labels)) as server:
        settings = llm_settings(server, openai_api_key=None)
        [result] = research(settings, [EMPLOYEES], BRIGHTLANE.pages, BRIGHTLANE.company)
    assert result.status == "verified"
    assert server.requests[0].headers["authorization"] == "Bearer not-needed"


def test_client_endpoint_is_shown_without_query_or_credentials() -> None:
    with FakeOpenAI() as server:
        settings = llm_settings(server, openai_base_url=server.base_url.replace("http://", "http://user:pw@"))
        client = OpenAIChatClient(settings)
        asyncio.run(client.aclose())
    assert client.endpoint == server.base_url + "/"

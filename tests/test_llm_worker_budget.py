"""The per-run LLM budget, the answer cache and the run log, through the real worker and CLI.

A run whose budget runs out stops cleanly before the call that would pass it, says so, and records
what it spent (the calls of the account it was in the middle of included). The next run resumes:
answers already received come from the cache, so no prompt reaches the server twice. ``leadscore
runs`` shows each run's tokens and cost, and the API key is nowhere: not in the output, the logs or
the database file.
"""

from __future__ import annotations

import json
import logging
from typing import Any

import pytest

from tests.fake_openai import TEST_API_KEY, FakeReply
from tests.fetch_servers import tripwire_fixture  # noqa: F401  (nothing may leave loopback)
from tests.llm_worker_env import (
    GPT_4O_MINI,
    Harness,
    brightlane,
    fixture_site,
    harness_fixture,  # noqa: F401
    mueller_pumpen,
)

# Every answer costs far more than any request reserves before it is sent (prompt estimate plus the
# reply's max_tokens, 400..900 tokens here), so the number of calls a budget allows does not depend
# on how long the prompts are: with 8 calls spent the 9th still fits, the 10th does not.
EXPENSIVE = (2000, 40)
PER_CALL = sum(EXPENSIVE)
BUDGET_FOR_NINE_CALLS = 8 * PER_CALL + 900
CALL_COST = (EXPENSIVE[0] * GPT_4O_MINI[0] + EXPENSIVE[1] * GPT_4O_MINI[1]) / 1_000_000


def _enrich_runs(harness: Harness) -> list[dict[str, Any]]:
    result = harness.cli("runs", "--json")
    assert result.exit_code == 0, result.output
    return sorted(
        (item for item in json.loads(result.stdout) if item["kind"] == "enrich"), key=lambda r: r["id"]
    )


def test_budget_exhaustion_stops_cleanly_and_the_next_run_resumes_without_sending_any_prompt_twice(
    harness: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="leadscore.llm")
    harness.model.usage = EXPENSIVE
    # six open fields each on the first two, four on Nordlicht (its imprint settles the city): 16 prompts
    for site in (brightlane(), mueller_pumpen(), fixture_site("nordlicht")):
        harness.add(site)
    harness.set_env(LEADSCORE_LLM_BUDGET_TOKENS=str(BUDGET_FOR_NINE_CALLS), COLUMNS="200")

    stopped = harness.cli("enrich", "--concurrency", "1")
    assert len(harness.server.requests) == 9, "the 10th call must be refused before it is sent"
    assert stopped.exit_code == 4, f"the first account's values await review: {stopped.output}"
    said = " ".join(stopped.stdout.split())
    assert "stopped early: LLM budget exhausted: LLM budget for this run reached" in said
    assert "the next call (hq_country) needs up to" in said and "run again to resume" in said
    (first_run,) = _enrich_runs(harness)
    assert first_run["status"] == "stopped"
    assert first_run["counts"]["accounts_done"] == 1, "the second account stopped after 3 of its 6 fields"
    # what the run paid for, the second account's three calls included
    assert (first_run["tokens_in"], first_run["tokens_out"]) == (9 * EXPENSIVE[0], 9 * EXPENSIVE[1])
    assert first_run["cost_usd"] == pytest.approx(9 * CALL_COST)
    assert sorted(job["state"] for job in harness.jobs()) == ["done", "queued", "queued"]

    harness.set_env(LEADSCORE_LLM_BUDGET_TOKENS="200000")
    caplog.clear()
    resumed, summary = harness.enrich("--concurrency", "1")
    assert resumed.exit_code == 4 and summary["stopped"] is None, resumed.output
    assert summary["accounts_done"] == 2 and summary["llm_calls"] == 7
    assert caplog.text.count("llm cache-hit") == 3, "the second account's three answers come from the cache"
    prompts = harness.prompts_sent()
    assert sum(prompts.values()) == 16 and set(prompts.values()) == {1}, "no prompt was sent twice"

    again, summary = harness.enrich("--recheck-after", "0")
    assert summary["accounts_done"] == 3 and summary["llm_calls"] == 0, again.output
    assert len(harness.server.requests) == 16, "same prompts, snippets and model: all from the cache"

    runs = _enrich_runs(harness)
    assert [run["tokens_in"] for run in runs] == [9 * EXPENSIVE[0], 7 * EXPENSIVE[0], 0]
    assert [run["cost_usd"] for run in runs] == pytest.approx([9 * CALL_COST, 7 * CALL_COST, 0.0])
    table = harness.cli("runs")
    for expected in (f"{9 * PER_CALL:,}", f"{7 * PER_CALL:,}", f"${9 * CALL_COST:.4f}", "stopped"):
        assert expected in table.stdout, f"{expected!r} missing from `leadscore runs`:\n{table.stdout}"


def test_accounts_in_flight_when_the_budget_runs_out_finish_so_no_paid_call_is_lost(harness: Harness) -> None:
    harness.model.usage = EXPENSIVE
    harness.model.delay_s = 0.1  # calls overlap: when one account hits the budget, others are mid-call
    for site in (brightlane(), mueller_pumpen(), fixture_site("nordlicht")):
        harness.add(site)
    harness.set_env(LEADSCORE_LLM_BUDGET_TOKENS=str(BUDGET_FOR_NINE_CALLS))
    _result, stopped = harness.enrich("--concurrency", "3")
    assert stopped["stopped"] and stopped["stopped"].startswith("LLM budget exhausted")
    sent_before = len(harness.server.requests)
    assert stopped["llm_calls"] == sent_before, "every call sent was answered, counted and cached"
    harness.set_env(LEADSCORE_LLM_BUDGET_TOKENS="200000")
    _result, resumed = harness.enrich("--concurrency", "3")
    assert resumed["stopped"] is None
    prompts = harness.prompts_sent()
    assert sum(prompts.values()) == 16 and set(prompts.values()) == {1}, "no prompt was sent twice"


def test_a_budget_too_small_for_one_call_stops_before_any_request_with_exit_0(harness: Harness) -> None:
    account_id = harness.add(brightlane())
    harness.set_env(LEADSCORE_LLM_BUDGET_TOKENS="100", COLUMNS="200")
    result = harness.cli("enrich")
    assert result.exit_code == 0, result.output
    assert harness.server.requests == []
    said = " ".join(result.stdout.split())
    assert "stopped early: LLM budget exhausted: LLM budget for this run reached: 0 of 100 tokens" in said
    assert harness.values(account_id) == [], "the account was not finished: nothing written"
    assert [job["state"] for job in harness.jobs()] == ["queued"]


def test_the_api_key_reaches_the_server_but_never_the_output_logs_or_database(
    harness: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)  # every logger, the SDK's and httpx's included
    site = brightlane()
    harness.add(site)
    harness.model.script(site.domain, "industry", FakeReply(content="Software, I guess"))  # a rejection too
    harness.enrich()
    harness.cli("enrich")  # the text summary
    harness.cli("runs")
    harness.cli("runs", "--json")
    harness.cli("provenance", site.domain)
    harness.cli("provenance", site.domain, "--json")
    harness.cli("review", "list")
    assert all(
        request.headers.get("authorization") == f"Bearer {TEST_API_KEY}"
        for request in harness.server.requests
    ), "the test is only meaningful if the key was in use"
    assert len(harness.server.requests) >= 6
    for where, text in (("CLI output", "\n".join(harness.outputs)), ("logs", caplog.text)):
        assert TEST_API_KEY not in text, f"the API key appeared in the {where}"
    database = harness.database_bytes()
    assert len(database) > 0 and TEST_API_KEY.encode() not in database, "the API key is in the database"

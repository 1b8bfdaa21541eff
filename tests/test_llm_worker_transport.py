"""An unwell LLM server, through the real worker and CLI: retried by the SDK's one policy, then a clear end.

429 (with ``Retry-After``), 500 and replies slower than ``LEADSCORE_LLM_TIMEOUT_S`` are retried by the
``openai`` SDK ``LEADSCORE_LLM_MAX_RETRIES`` times and no more (the server counts the requests). If
the server recovers in time the value is stored as usual. If not, the run stops at once with exit
code 3 and says why, on screen and in the ``run`` row; the account in research keeps nothing half
written, its job is queued again with the error, and the next run resumes it (pages from the cache).
"""

from __future__ import annotations

import time

import pytest

from tests.fake_openai import FakeReply, answer, error
from tests.fetch_servers import tripwire_fixture  # noqa: F401  (nothing may leave loopback)
from tests.llm_worker_env import Harness, brightlane, harness_fixture, mueller_pumpen  # noqa: F401


def test_429_with_retry_after_is_waited_out_and_the_answer_then_stored(harness: Harness) -> None:
    site = brightlane()
    account_id = harness.add(site)
    harness.set_env(LEADSCORE_LLM_MAX_RETRIES="2")
    label = site.labels["founded_year"]
    harness.model.script(
        site.domain,
        "founded_year",
        error(429, "Rate limit reached for requests", **{"Retry-After": "1"}),
        answer(label["value"], label["evidence"]),
    )
    started = time.monotonic()
    result, summary = harness.enrich("--fields", "founded_year")
    took = time.monotonic() - started
    assert result.exit_code == 4, result.output
    assert len(harness.requests_for(site, "founded_year")) == 2, "one 429, one retry"
    assert took >= 1.0, f"Retry-After: 1 was not honoured ({took:.2f} s)"
    assert summary["llm_unavailable"] is None and summary["llm_calls"] == 1
    (row,) = harness.values(account_id, field="founded_year", source_kind="llm")
    assert row["value"] == 2014 and row["status"] != "rejected"


def test_a_500_is_retried_once_and_the_answer_then_stored(harness: Harness) -> None:
    site = brightlane()
    account_id = harness.add(site)
    harness.set_env(LEADSCORE_LLM_MAX_RETRIES="1")
    label = site.labels["founded_year"]
    harness.model.script(
        site.domain, "founded_year", error(500, "internal error"), answer(label["value"], label["evidence"])
    )
    result, _summary = harness.enrich("--fields", "founded_year")
    assert result.exit_code == 4, result.output
    assert len(harness.requests_for(site, "founded_year")) == 2
    assert [row["value"] for row in harness.values(account_id, source_kind="llm")] == [2014]


FAILURES = {
    "rate_limited": (
        error(429, "Rate limit reached", **{"retry-after-ms": "20"}),
        "rate limiting (429, after 1 retry)",
    ),
    "server_error": (error(500, "internal error"), "answered 500 (after 1 retry)"),
    "too_slow": (FakeReply(content="{}", delay_s=3.0), "did not answer within 0.5 s (after 1 retry)"),
}


@pytest.mark.parametrize("failure", FAILURES, ids=list(FAILURES))
def test_a_server_that_stays_unwell_stops_the_run_with_exit_3_and_the_next_run_resumes(
    harness: Harness, failure: str
) -> None:
    reply, message = FAILURES[failure]
    first, second = brightlane(), mueller_pumpen()
    first_id, second_id = harness.add(first), harness.add(second)
    harness.set_env(LEADSCORE_LLM_MAX_RETRIES="1", LEADSCORE_LLM_TIMEOUT_S="0.5")
    harness.model.default = lambda _request: reply
    started = time.monotonic()
    result, summary = harness.enrich("--concurrency", "1", "--fields", "founded_year")
    took = time.monotonic() - started
    assert result.exit_code == 3, f"LLM unavailable must exit 3: {result.output}"
    assert message in summary["llm_unavailable"], summary["llm_unavailable"]
    assert summary["stopped"] == summary["llm_unavailable"] and summary["accounts_failed"] == 1
    assert len(harness.server.requests) == 2, "one request and one retry, then the run stops"
    assert took < 10, f"the run must stop, not retry the account in a loop ({took:.1f} s)"
    (run_row,) = [row for row in harness.runs() if row["kind"] == "enrich"]
    assert run_row["status"] == "stopped" and message in run_row["counts"]["llm_unavailable"]
    assert harness.values(first_id) == [] and harness.values(second_id) == [], "nothing half-written"
    jobs = harness.jobs()
    assert {job["state"] for job in jobs} == {"queued"}, "both accounts wait for the next run"
    assert any(message in (job["last_error"] or "") for job in jobs)

    harness.model.default = None  # the server is well again: labelled answers
    result, summary = harness.enrich("--concurrency", "1", "--fields", "founded_year")
    assert result.exit_code == 4 and summary["stopped"] is None, result.output
    assert summary["accounts_done"] == 2 and summary["pages_from_cache"] >= 1
    assert [row["value"] for row in harness.values(first_id, source_kind="llm")] == [2014]
    assert [row["value"] for row in harness.values(second_id, source_kind="llm")] == [1987]


def test_the_text_summary_says_the_llm_is_unavailable_and_how_to_resume(harness: Harness) -> None:
    harness.add(brightlane())
    harness.model.default = lambda _request: error(503, "overloaded")
    harness.set_env(COLUMNS="200")  # no line breaks inside the message
    result = harness.cli("enrich", "--fields", "founded_year")
    assert result.exit_code == 3, result.output
    assert "error: LLM unavailable: LLM server http://127.0.0.1:" in result.stderr
    assert "answered 503 (without retries)" in result.stderr and "run again to resume" in result.stderr
    assert "enrichment run" in result.stdout, "the summary of what was done still goes to stdout"

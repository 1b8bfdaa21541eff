"""Smart fields through the real worker and CLI: a verified model value is stored with its provenance.

``leadscore enrich`` fetches the fixture sites over loopback, asks the fake OpenAI server (through the
real SDK) for every field the extractors left open, and records each verified answer with the model,
the prompt (name, version, sha256 of the file), tokens, latency, cost, and the quote with offsets
into the stored page text, at a confidence computed from evidence, never the model's own claim.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from pathlib import Path

import pytest

from enrich.llm.normalise import normalised
from enrich.llm.prompts import load_prompt
from tests.fetch_servers import tripwire_fixture  # noqa: F401  (nothing may leave loopback)
from tests.llm_worker_env import (
    ACCOUNT_FIELDS,
    CALL_COST,
    SMART_FIELD,
    USAGE,
    Harness,
    Site,
    brightlane,
    harness_fixture,  # noqa: F401
    mueller_pumpen,
)

PROMPTS = Path(__file__).resolve().parent.parent / "prompts"
ACCEPT_THRESHOLD = 0.85


def _expected_value(site: Site, account_field: str) -> object:
    return site.labels[SMART_FIELD[account_field]]["value"]


@pytest.mark.parametrize("make_site", [brightlane, mueller_pumpen], ids=["english", "german"])
def test_every_built_in_field_found_by_the_model_is_stored_with_full_provenance(
    harness: Harness, make_site: Callable[[], Site]
) -> None:
    site = make_site()
    account_id = harness.add(site)
    result, summary = harness.enrich()
    assert result.exit_code == 4, f"model values alone must wait for review: {result.output}"
    asked = sorted(request.field_name for request in harness.requests_for(site))
    assert asked == sorted(SMART_FIELD[name] for name in ACCOUNT_FIELDS), "each open field asked once"
    assert summary["llm_calls"] == 6 and summary["rejected"] == 0
    for account_field in ACCOUNT_FIELDS:
        rows = harness.values(account_id, field=account_field, source_kind="llm")
        assert len(rows) == 1, f"{account_field}: one model value expected, got {rows}"
        row = rows[0]
        smart = SMART_FIELD[account_field]
        prompt = load_prompt(PROMPTS / f"{smart}.yaml")
        assert row["value"] == _expected_value(site, account_field), account_field
        assert row["status"] in ("pending_review", "superseded"), f"{account_field}: {row['status']}"
        assert (row["model"], row["prompt_name"], row["prompt_version"]) == (
            "gpt-4o-mini",
            smart,
            prompt.version,
        )
        assert row["prompt_sha256"] == hashlib.sha256((PROMPTS / f"{smart}.yaml").read_bytes()).hexdigest()
        assert (row["tokens_in"], row["tokens_out"]) == USAGE
        assert row["cost_usd"] == pytest.approx(CALL_COST)
        assert row["latency_s"] is not None and 0 < row["latency_s"] < 5
        # the quote indexes the stored page text exactly, and it is the labelled sentence
        stored = harness.stored_text(row["page_sha256"])
        assert stored[row["evidence_start"] : row["evidence_end"]] == row["evidence"]
        assert normalised(row["evidence"]) == normalised(site.labels[smart]["evidence"])
        assert harness.page_sha256(row["source_url"]) == row["page_sha256"]
        # the model claimed 0.99; the stored confidence is the computed one, below the accept threshold
        assert row["model_confidence"] == pytest.approx(0.99)
        assert row["confidence"] < ACCEPT_THRESHOLD
        assert row["run_id"] == summary["run_id"]
    account = harness.account(account_id)
    assert all(account[name] is None for name in ACCOUNT_FIELDS), "nothing accepted on the model's word"


def test_a_range_answer_is_stored_as_a_range_with_its_quote(harness: Harness) -> None:
    site = brightlane()
    site = Site(
        site.name,
        site.domain,
        {
            **site.pages,
            "/about": site.pages["/about"].replace(
                "Today we are a team of 240 employees", "Today we are a team of 200–250 employees"
            ),
        },
        {
            **site.labels,
            "employee_count": {
                "value": {"min": 200, "max": 250},
                "evidence": "Today we are a team of 200-250 employees",  # plain hyphen: dashes normalise
            },
        },
    )
    account_id = harness.add(site)
    harness.enrich("--fields", "employee_count")
    rows = harness.values(account_id, field="employee_count", source_kind="llm")
    assert [row["value"] for row in rows] == [{"min": 200, "max": 250}]
    row = rows[0]
    assert (
        harness.stored_text(row["page_sha256"])[row["evidence_start"] : row["evidence_end"]]
        == row["evidence"]
    )
    assert "200–250" in row["evidence"], "the page's own en dash is what is stored"


def test_provenance_command_shows_the_model_prompt_tokens_latency_and_cost(harness: Harness) -> None:
    site = brightlane()
    harness.add(site)
    harness.enrich("--fields", "founded_year")
    result = harness.cli("provenance", site.domain, "founded_year", "--json")
    assert result.exit_code == 0, result.output
    (row,) = [item for item in json.loads(result.stdout) if item["source_kind"] == "llm"]
    assert row["value"] == 2014 and row["model"] == "gpt-4o-mini"
    assert row["prompt"] == f"founded_year@{load_prompt(PROMPTS / 'founded_year.yaml').version}"
    assert len(row["prompt_sha256"]) == 64
    assert (row["tokens_in"], row["tokens_out"]) == USAGE
    assert row["cost_usd"] == pytest.approx(CALL_COST) and row["latency_s"] > 0
    assert row["model_confidence"] == pytest.approx(0.99) and row["confidence"] < ACCEPT_THRESHOLD
    harness.set_env(COLUMNS="200")  # a wide terminal: the source column does not wrap
    table = harness.cli("provenance", site.domain, "founded_year")
    assert "gpt-4o-mini founded_year@" in table.stdout

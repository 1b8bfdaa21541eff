"""Stale values: re-researched by the enrichment agent on the company's own site (served on loopback);
an unchanged value gets its verification time refreshed, a changed one goes the confidence/review way."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, select, update

from enrich.store.schema import field_value, job
from tests.cleanup_data import add_account, column, values_of
from tests.conftest import CliResult
from tests.fake_openai import FakeReply, RecordedRequest, answer, running, unknown_answer
from tests.fetch_servers import SiteServer, html, robots, sites_fixture  # noqa: F401 (the `sites` fixture)

Cli = Callable[..., CliResult]


def organization_page(name: str, employees: int) -> object:
    data = {"@context": "https://schema.org", "@type": "Organization", "name": name,
            "numberOfEmployees": {"@type": "QuantitativeValue", "value": employees}}  # fmt: skip
    return html(
        f"<!doctype html><html><head><title>{name}</title>"
        f"<script type='application/ld+json'>{json.dumps(data)}</script></head>"
        f"<body><h1>{name}</h1><p>{name} builds software for freight forwarders.</p></body></html>"
    )


@pytest.fixture
def routed(sites: SiteServer, monkeypatch: pytest.MonkeyPatch) -> SiteServer:
    monkeypatch.setenv("LEADSCORE_FETCH_CONNECT_TO", sites.connect_to())
    monkeypatch.setenv("LEADSCORE_FETCH_ALLOW_ADDRESSES", "127.0.0.1")
    monkeypatch.setenv("LEADSCORE_FETCH_HOST_DELAY_S", "0")
    for host, name, employees in (
        ("steady.example", "Steady Freight", 250),
        ("grown.example", "Grown Freight", 400),
    ):
        sites.route(host, "/robots.txt", robots("User-agent: *\nAllow: /\n"))
        sites.route(host, "/", organization_page(name, employees))  # type: ignore[arg-type]
    return sites


def age(store: Engine, account_id: int, days: int) -> None:
    """Make the account's values look ``days`` old."""
    long_ago = datetime.now(UTC) - timedelta(days=days)
    with store.begin() as conn:
        conn.execute(
            update(field_value).where(field_value.c.entity_id == account_id).values(observed_at=long_ago)
        )


def test_stale_values_are_researched_again_and_reconciled(
    routed: SiteServer, store: Engine, sqlite_url: str, run_cli: Cli
) -> None:
    today = datetime.now(UTC)
    steady = add_account(store, "Steady Freight", crm_id="S1", domain="steady.example", employee_count=250)
    grown = add_account(store, "Grown Freight", crm_id="G1", domain="grown.example", employee_count=100)
    fresh = add_account(
        store, "Fresh", crm_id="F1", domain="fresh.example", employee_count=80, observed_at=today
    )
    age(store, steady, 200)
    age(store, grown, 200)

    dry = run_cli("--db", sqlite_url, "cleanup", "--only", "stale", "--json")
    planned = json.loads(dry.stdout)["plan"]["stale"]
    assert {(item["account_id"], item["field"]) for item in planned} == {
        (steady, "employee_count"),
        (grown, "employee_count"),
    }
    assert routed.hits == {}, "a dry run fetches nothing"

    result = run_cli("--db", sqlite_url, "cleanup", "--apply", "--only", "stale", "--no-llm", "--json")
    assert result.exit_code == 4, result.output
    counts = json.loads(result.stdout)["counts"]
    assert (counts["stale_queued_accounts"], counts["stale_unchanged"], counts["stale_changed"]) == (2, 1, 1)
    (steady_row,) = [row for row in values_of(store, steady, "employee_count") if row["source_kind"] == "crm"]
    assert steady_row["verified_at"] is not None, "the value found again is fresh again"
    assert datetime.now(UTC) - steady_row["verified_at"].replace(tzinfo=UTC) < timedelta(minutes=5)
    found = [row for row in values_of(store, grown, "employee_count") if row["source_kind"] != "crm"]
    assert [(row["value"], row["status"]) for row in found] == [(400, "pending_review")]
    assert "conflicts with CRM value" in found[0]["reason"], "a changed value goes through review"
    assert column(store, grown, "employee_count") == 100, "the CRM's value stays until a reviewer decides"
    assert not any(host == "fresh.example" for host, _ in routed.hits), "a fresh value is not researched"
    with store.connect() as conn:
        queued = conn.execute(select(job.c.entity_id, job.c.payload)).all()
    assert {row.entity_id for row in queued} == {steady, grown}
    assert all(
        row.payload["queued_by"] == "cleanup" and row.payload["fields"] == ["employee_count"]
        for row in queued
    )

    again = run_cli("--db", sqlite_url, "cleanup", "--apply", "--only", "stale", "--no-llm", "--json")
    again_plan = json.loads(again.stdout)["plan"]["stale"]
    assert [item["account_id"] for item in again_plan] == [grown], "the refreshed value is no longer stale"
    assert fresh not in {item["account_id"] for item in again_plan}


def test_an_unknown_industry_is_asked_of_the_industry_smart_field(
    routed: SiteServer, store: Engine, sqlite_url: str, run_cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    quote = "Steady Freight builds software for freight forwarders."

    def industry_only(request: RecordedRequest) -> FakeReply:
        return answer("Software", quote) if request.field_name == "industry" else unknown_answer()

    account_id = add_account(store, "Steady Freight", crm_id="S1", domain="steady.example",
                             industry="Wdgt & Co", observed_at=datetime.now(UTC))  # fmt: skip
    with running(industry_only) as llm:
        monkeypatch.setenv("OPENAI_BASE_URL", llm.base_url)
        monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
        result = run_cli("--db", sqlite_url, "cleanup", "--apply", "--only", "normalise,stale", "--json")
    assert result.exit_code == 4, result.output
    summary = json.loads(result.stdout)
    assert (
        summary["plan"]["flags"][0]["action"] == "research"
        and summary["counts"]["stale_queued_accounts"] == 1
    )
    assert [request.field_name for request in llm.requests] == ["industry"]
    found = [row for row in values_of(store, account_id, "industry") if row["source_kind"] == "llm"]
    assert [(row["value"], row["status"]) for row in found] == [("Software", "pending_review")]
    assert column(store, account_id, "industry") == "Wdgt & Co", "a model's answer never replaces the CRM's"


def test_without_an_llm_an_unknown_industry_is_only_listed(
    routed: SiteServer, store: Engine, sqlite_url: str, run_cli: Cli
) -> None:
    add_account(store, "Steady Freight", crm_id="S1", domain="steady.example", industry="Wdgt & Co",
                observed_at=datetime.now(UTC))  # fmt: skip
    result = run_cli("--db", sqlite_url, "cleanup", "--apply", "--only", "normalise,stale", "--json")
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["counts"]["flags_research"] == 1 and routed.hits == {}, "nothing fetched in vain"

"""What ``leadscore enrich`` decides to research, and what it may never overwrite, seen from the CLI.

CRM rows come in through ``leadscore import``, reviewers decide through ``leadscore review``, sites are
served on loopback (examples/sites, or canned pages); results are read from the store.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select

from enrich.sitehost import SiteHost
from enrich.store.schema import field_value, job
from tests.enrich_runs import (
    account_row,
    company_page,
    company_sites_fixture,  # noqa: F401 (the `company_sites` fixture)
    connect_to_both,
    enrich,
    import_accounts,
    import_contacts,
    in_force,
    job_of,
    route_fetches,
    values,
)
from tests.fetch_servers import SiteServer, html, sites_fixture  # noqa: F401 (the `sites` fixture)

Sites = tuple[SiteHost, SiteHost]


@pytest.fixture
def routed(company_sites: Sites, monkeypatch: pytest.MonkeyPatch) -> SiteHost:
    """Fetches routed to the fixture company sites; the demo-sites server, for its request log."""
    examples, extra = company_sites
    route_fetches(monkeypatch, connect_to_both(examples, extra))
    return examples


def test_a_complete_crm_record_is_left_alone_until_it_is_stale(
    routed: SiteHost, run_cli: Callable[..., Any], sqlite_url: str, store: Engine, tmp_path: Path
) -> None:
    crm = {"name": "Donautronic", "domain": "donautronic.de", "industry": "Retail", "employee_count": 300,
           "country": "DE", "city": "Köln"}  # fmt: skip
    import_accounts(run_cli, sqlite_url, tmp_path, [crm])
    fresh = enrich(run_cli, sqlite_url, "--fields", "employee_count,industry,country,city")
    assert (fresh.summary["planned"], fresh.exit_code) == (0, 0)
    assert routed.served() == [], "nothing fetched for a complete, fresh record"

    stale = enrich(run_cli, sqlite_url, "--stale-after", "0d", "--fields", "employee_count,country,city")
    assert stale.summary["planned"] == 1
    assert job_of(store, "donautronic.de")["payload"]["reasons"] == {
        "employee_count": "stale", "country": "stale", "city": "stale"}  # fmt: skip
    (finding,) = values(store, "donautronic.de", "employee_count")
    assert (finding["value"], finding["status"]) == (45, "pending_review")
    assert finding["reason"] == "conflicts with CRM value '300'"
    assert stale.exit_code == 4, "the disagreeing finding waits for a reviewer"
    assert stale.summary["pending_review"] == 1, "counted as stored, not as the extractor asked"
    assert in_force(store, "donautronic.de", "country") == [("DE", "accepted")], "agreement is corroboration"
    row = account_row(store, "donautronic.de")
    assert (row["employee_count"], row["industry"], row["city"]) == (300, "Retail", "Köln"), "CRM values stay"
    crm_rows = values(store, "donautronic.de", "employee_count", sources=("crm",))
    assert [(item["value"], item["status"]) for item in crm_rows] == [(300, "accepted")]


def test_a_value_a_reviewer_approved_is_never_replaced_by_a_later_finding(
    sites: SiteServer,
    run_cli: Callable[..., Any],
    sqlite_url: str,
    store: Engine,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    domain = "hookline-freight.com"
    first = html(
        "<h1>Hookline</h1><p>Hookline builds freight software. We are a team of 120 people in Leeds.</p>"
    )
    sites.route(domain, "/", first, company_page("Hookline", 140))
    route_fetches(monkeypatch, sites.connect_to())
    import_accounts(run_cli, sqlite_url, tmp_path, [{"name": "Hookline", "domain": domain}])
    enrich(run_cli, sqlite_url, "--fields", "employee_count")
    (proposal,) = values(store, domain, "employee_count")
    assert (proposal["value"], proposal["status"], proposal["source_kind"]) == (
        120,
        "pending_review",
        "page_text",
    )
    approved = run_cli("--db", sqlite_url, "review", "approve", str(proposal["id"]), "--as", "alice")
    assert approved.exit_code == 0, approved.output

    again = enrich(run_cli, sqlite_url, "--fields", "employee_count", "--recheck-after", "0")
    assert again.summary["planned"] == 0, "an approved value is not a low-confidence gap"

    monkeypatch.setenv("LEADSCORE_FETCH_CACHE_DAYS", "0")  # read the changed site, not the cache
    stale = enrich(
        run_cli, sqlite_url, "--fields", "employee_count", "--recheck-after", "0", "--stale-after", "0d"
    )
    assert stale.summary["planned"] == 1 and sites.hits[(domain, "/")] == 2
    rows = {item["value"]: item for item in values(store, domain, "employee_count")}
    assert (rows[120]["status"], rows[120]["decided_by"]) == ("accepted", "alice")
    assert rows[140]["status"] == "pending_review", "the JSON-LD figure would have been accepted otherwise"
    assert rows[140]["reason"] == "conflicts with reviewer value '120'"
    assert account_row(store, domain)["employee_count"] == 120


def test_raising_the_accept_threshold_makes_accepted_agent_values_low_confidence_gaps(
    routed: SiteHost,
    run_cli: Callable[..., Any],
    sqlite_url: str,
    store: Engine,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import_accounts(run_cli, sqlite_url, tmp_path, [{"name": "Donautronic", "domain": "donautronic.de"}])
    first = enrich(run_cli, sqlite_url, "--fields", "employee_count,founded_year")
    assert first.summary["fields_accepted"] >= 2
    monkeypatch.setenv("LEADSCORE_ACCEPT_THRESHOLD", "0.95")  # JSON-LD values were accepted at 0.92
    again = enrich(run_cli, sqlite_url, "--fields", "employee_count,founded_year", "--recheck-after", "0")
    assert again.summary["planned"] == 1
    assert job_of(store, "donautronic.de")["payload"]["reasons"] == {
        "employee_count": "low_confidence", "founded_year": "low_confidence"}  # fmt: skip
    assert again.summary["pages_fetched"] == 0, "pages came from the cache"
    assert in_force(store, "donautronic.de", "employee_count") == [(45, "accepted")], "nothing duplicated"


def test_only_decisive_skips_accounts_whose_gaps_cannot_change_band_tier_or_handoff(
    routed: SiteHost, run_cli: Callable[..., Any], sqlite_url: str, store: Engine, tmp_path: Path
) -> None:
    complete = {"name": "Granite Networks", "domain": "granite-networks.com", "industry": "Software",
                "employee_count": 500, "annual_revenue": 50_000_000, "country": "US"}  # fmt: skip
    open_head_count = {
        "name": "Donautronic",
        "domain": "donautronic.de",
        "industry": "Software",
        "country": "DE",
    }
    import_accounts(run_cli, sqlite_url, tmp_path, [complete, open_head_count])
    run = enrich(
        run_cli, sqlite_url, "--only-decisive", "--fields", "employee_count,annual_revenue,city,founded_year"
    )
    assert run.summary["planned"] == 1
    with store.connect() as conn:
        (payload,) = conn.scalars(select(job.c.payload)).all()
    assert payload["fields"] == ["employee_count", "annual_revenue"], "most points first; city/year dropped"
    assert {served.site for served in routed.served()} == {"donautronic.de"}
    assert in_force(store, "donautronic.de", "employee_count") == [(45, "accepted")]


def test_limit_researches_the_accounts_where_a_value_matters_most(
    routed: SiteHost, run_cli: Callable[..., Any], sqlite_url: str, store: Engine, tmp_path: Path
) -> None:
    trivia_only = {"name": "Granite Networks", "domain": "granite-networks.com", "industry": "Software",
                   "employee_count": 500, "annual_revenue": 50_000_000, "country": "US"}  # fmt: skip
    decisive = {"name": "Donautronic", "domain": "donautronic.de", "industry": "Software", "country": "DE"}
    import_accounts(run_cli, sqlite_url, tmp_path, [trivia_only, decisive])  # the trivia account has id 1
    run = enrich(run_cli, sqlite_url, "--limit", "1")
    assert (run.summary["planned"], run.summary["accounts_done"]) == (1, 1)
    assert {served.site for served in routed.served()} == {"donautronic.de"}, "the decisive account first"
    rest = enrich(run_cli, sqlite_url, "--limit", "1")
    assert rest.summary["accounts_done"] == 1 and job_of(store, "granite-networks.com")["state"] == "done"


def test_without_a_domain_the_website_comes_from_contacts_company_addresses(
    routed: SiteHost, run_cli: Callable[..., Any], sqlite_url: str, store: Engine, tmp_path: Path
) -> None:
    import_accounts(run_cli, sqlite_url, tmp_path, [{"name": "Donautronic"}, {"name": "Solo Consulting"}])
    import_contacts(run_cli, sqlite_url, tmp_path, [
        {"account_crm_id": "A-1", "email": "anna.berger@gmail.com"},
        {"account_crm_id": "A-1", "email": "b.kraus@donautronic.de"},
        {"account_crm_id": "A-1", "email": "c.vogel@donautronic.de"},
        {"account_crm_id": "A-2", "email": "solo@gmail.com"},
        {"account_crm_id": "A-2", "email": "solo.consulting@web.de"},
    ])  # fmt: skip
    run = enrich(run_cli, sqlite_url, "--fields", "employee_count")
    with store.connect() as conn:
        jobs = {row.entity_id: row for row in conn.execute(select(job).order_by(job.c.entity_id))}
    assert (jobs[1].payload["domain"], jobs[1].payload["domain_derived"]) == ("donautronic.de", True)
    with store.connect() as conn:
        found = conn.execute(
            select(field_value.c.value, field_value.c.status, field_value.c.source_url).where(
                field_value.c.entity_id == 1, field_value.c.field == "employee_count"
            )
        ).all()
    assert [tuple(row) for row in found] == [(45, "accepted", "https://donautronic.de/")]
    assert {served.site for served in routed.served()} == {"donautronic.de"}, (
        "free-mail domains never fetched"
    )
    assert jobs[2].payload["domain"] is None
    assert jobs[2].last_error is not None and jobs[2].last_error.startswith("no website")
    assert run.summary["problems"] == {"no website": 1}
    assert run.summary["accounts_done"] == 2

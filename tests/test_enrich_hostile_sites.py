"""``leadscore enrich`` against sites that misbehave: each ends in the right value with its provenance, or
in a refusal whose reason is recorded on the account's job and in the run's counts, within the caps.

Every test runs under the socket tripwire (tests/fetch_servers.py): a connection to a non-loopback
address or a DNS lookup fails the test, even if the code under test swallowed the error.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine

from tests.enrich_runs import (
    company_page,
    enrich,
    import_accounts,
    in_force,
    job_of,
    provenance_problems,
    route_fetches,
    values,
)
from tests.fetch_servers import (
    Reply,
    SiteServer,
    Tripwire,
    gzip_bomb,
    redirect,
    sites_fixture,  # noqa: F401 (the `sites` fixture)
    tripwire_fixture,  # noqa: F401 (the `tripwire` fixture, autouse)
)

MIB = 1024 * 1024
HOST = "hookline-freight.com"


@pytest.fixture
def one_account(run_cli: Callable[..., Any], sqlite_url: str, tmp_path: Path) -> str:
    import_accounts(run_cli, sqlite_url, tmp_path, [{"name": "Hookline Ltd", "domain": HOST}])
    return sqlite_url


def test_a_redirect_to_cloud_metadata_is_refused_and_no_socket_leaves_loopback(
    sites: SiteServer,
    one_account: str,
    run_cli: Callable[..., Any],
    store: Engine,
    monkeypatch: pytest.MonkeyPatch,
    tripwire: Tripwire,
) -> None:
    sites.route(HOST, "/", redirect("http://169.254.169.254/latest/meta-data/iam/security-credentials/"))
    route_fetches(monkeypatch, sites.connect_to())
    run = enrich(run_cli, one_account)
    assert run.summary["refusals"] == {"address_class": 1}
    assert job_of(store, HOST)["last_error"] == "homepage refused (address_class)"
    assert values(store, HOST) == []
    assert tripwire.connects and set(tripwire.connects) == {"127.0.0.1"}, tripwire.connects
    assert [(seen.host, seen.path) for seen in sites.seen] == [(HOST, "/robots.txt"), (HOST, "/")]


def test_a_redirect_loop_is_refused_after_one_round(
    sites: SiteServer,
    one_account: str,
    run_cli: Callable[..., Any],
    store: Engine,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    sites.route(HOST, "/", redirect("/start"))
    sites.route(HOST, "/start", redirect("/"))
    route_fetches(monkeypatch, sites.connect_to())
    run = enrich(run_cli, one_account)
    assert run.summary["refusals"] == {"redirects": 1}
    assert job_of(store, HOST)["last_error"] == "homepage refused (redirects)"
    assert (sites.hits[(HOST, "/")], sites.hits[(HOST, "/start")]) == (1, 1)


def test_a_gzip_bomb_is_refused_at_the_size_cap(
    sites: SiteServer,
    one_account: str,
    run_cli: Callable[..., Any],
    store: Engine,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    bomb = gzip_bomb(64 * MIB)
    sites.route(HOST, "/", Reply(body=bomb, headers=(("Content-Encoding", "gzip"),)))
    route_fetches(monkeypatch, sites.connect_to(), MAX_BYTES=str(2 * MIB))
    started = time.monotonic()
    run = enrich(run_cli, one_account)
    assert time.monotonic() - started < 10
    assert run.summary["refusals"] == {"size": 1}
    assert job_of(store, HOST)["last_error"] == "homepage refused (size)"
    assert values(store, HOST) == []


def test_a_dripping_page_is_cut_at_the_time_cap_and_the_rest_of_the_site_still_counts(
    sites: SiteServer,
    one_account: str,
    run_cli: Callable[..., Any],
    store: Engine,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    sites.route(HOST, "/", company_page("Hookline", 120))
    sites.route(HOST, "/about.html", Reply(body=b"<p>We are a team of 500.</p>" * 20, drip_s=0.05))
    route_fetches(monkeypatch, sites.connect_to(), TIMEOUT_S="1")
    started = time.monotonic()
    run = enrich(run_cli, one_account)
    assert time.monotonic() - started < 6, "the drip was cut at the 1 s cap"
    assert run.summary["refusals"]["time"] == 1, run.summary["refusals"]
    assert run.summary["accounts_done"] == 1
    assert in_force(store, HOST, "employee_count") == [(120, "accepted")]
    assert in_force(store, HOST, "city") == [("Leeds", "accepted")]
    assert job_of(store, HOST)["last_error"] is None
    assert provenance_problems(store) == []
    shown = run_cli("--db", one_account, "provenance", HOST)
    assert shown.exit_code == 0, shown.output
    flat = " ".join(shown.stdout.split())
    assert "pages not read" in flat and f"https://{HOST}/about.html" in flat and "time" in flat, flat


def test_429_with_retry_after_is_waited_out_and_then_the_page_is_used(
    sites: SiteServer,
    one_account: str,
    run_cli: Callable[..., Any],
    store: Engine,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    busy = Reply(status=429, body=b"slow down", content_type="text/plain", headers=(("Retry-After", "1"),))
    sites.route(HOST, "/", busy, company_page("Hookline", 120))
    route_fetches(monkeypatch, sites.connect_to())
    run = enrich(run_cli, one_account)
    assert set(run.summary["refusals"]) == {"http_status"}, "only the pages the site lacks (404)"
    asked = [seen.at for seen in sites.seen if seen.path == "/"]
    assert len(asked) == 2, "one refusal, one retry"
    assert asked[1] - asked[0] >= 0.9, f"Retry-After: 1 was not respected ({asked[1] - asked[0]:.2f} s)"
    (head_count,) = values(store, HOST, "employee_count")
    assert (head_count["value"], head_count["status"]) == (120, "accepted")
    assert (head_count["source_url"], head_count["source_kind"]) == (f"https://{HOST}/", "jsonld")
    assert provenance_problems(store) == []

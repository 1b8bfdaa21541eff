"""Enrichment is resumable and idempotent: a rerun changes nothing, a killed worker loses nothing, a worker
that lost its lease writes nothing, and the accounts it changed are scored again.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, insert, select

from enrich.sitehost import SiteHost
from enrich.store import jobs
from enrich.store.schema import account, field_value, job, score
from enrich.store.values import Candidate, record_value
from tests.crm_support import dump_tables
from tests.enrich_runs import (
    RULESET,
    account_id,
    company_page,
    company_sites_fixture,  # noqa: F401 (the `company_sites` fixture)
    connect_to_both,
    enrich,
    import_accounts,
    in_force,
    job_of,
    route_fetches,
    values,
)
from tests.fetch_servers import Reply, SiteServer, sites_fixture  # noqa: F401 (the `sites` fixture)

DEMO_DOMAINS = ("donautronic.de", "miller-communications.com", "obrien-networks.ie", "kessler-tiefbau.de")
T0 = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)


def _wait_for(condition: Callable[[], bool], what: str, timeout_s: float = 20.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.02)


def _observations(engine: Engine) -> Counter[tuple[Any, ...]]:
    """How often each agent observation (account, field, page, offsets, value) is stored."""
    with engine.connect() as conn:
        rows = conn.execute(
            select(
                field_value.c.entity_id,
                field_value.c.field,
                field_value.c.page_sha256,
                field_value.c.evidence_start,
                field_value.c.value,
            ).where(field_value.c.source_kind != "crm")
        )
        return Counter((row[0], row[1], row[2], row[3], repr(row[4])) for row in rows)


@pytest.fixture
def demo_accounts(
    company_sites: tuple[SiteHost, SiteHost],
    run_cli: Callable[..., Any],
    sqlite_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> tuple[SiteHost, SiteHost]:
    import_accounts(
        run_cli, sqlite_url, tmp_path, [{"name": domain, "domain": domain} for domain in DEMO_DOMAINS]
    )
    route_fetches(monkeypatch, connect_to_both(*company_sites))
    return company_sites


def test_a_second_run_changes_nothing_and_asks_no_site_again(
    demo_accounts: tuple[SiteHost, SiteHost], run_cli: Callable[..., Any], sqlite_url: str, store: Engine
) -> None:
    first = enrich(run_cli, sqlite_url)
    assert first.summary["accounts_done"] == len(DEMO_DOMAINS)
    requests = sum(len(host.served()) for host in demo_accounts)
    before = dump_tables(store, skip=("run",))
    second = enrich(run_cli, sqlite_url)
    assert (second.summary["planned"], second.summary["accounts_done"]) == (0, 0)
    assert sum(len(host.served()) for host in demo_accounts) == requests, "no request at all"
    assert dump_tables(store, skip=("run",)) == before, "the store is unchanged"


def test_a_forced_recheck_takes_fresh_pages_from_the_cache_and_stores_no_duplicate(
    demo_accounts: tuple[SiteHost, SiteHost], run_cli: Callable[..., Any], sqlite_url: str, store: Engine
) -> None:
    enrich(run_cli, sqlite_url)
    pages = {
        (item.site, item.target) for host in demo_accounts for item in host.served() if item.status == 200
    }
    seen = sum(len(host.served()) for host in demo_accounts)
    observations = _observations(store)
    again = enrich(run_cli, sqlite_url, "--recheck-after", "0", "--stale-after", "0d")  # every field again
    assert again.summary["accounts_done"] == len(DEMO_DOMAINS)
    assert again.summary["pages_fetched"] == 0 and again.summary["pages_from_cache"] >= len(DEMO_DOMAINS)
    asked_again = [(item.site, item.target) for host in demo_accounts for item in host.served()[seen:]]
    refetched = [key for key in asked_again if key in pages and key[1] != "/robots.txt"]
    assert refetched == [], f"fresh pages fetched again: {refetched}"
    assert _observations(store) == observations, "every observation is stored once, as before"
    assert max(observations.values()) == 1


FAST = ("quayside-freight.com", "harbourline-freight.com")
SLOW = "tidewater-freight.com"


def _stop_mid_flight(
    sites: SiteServer,
    run_cli: Callable[..., Any],
    sqlite_url: str,
    store: Engine,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    stop: signal.Signals,
) -> subprocess.Popen[bytes]:
    """Run ``enrich`` in a process over two fast sites and one slow one; send ``stop`` while the slow
    one is still being read and the fast ones are done. Returns the ended process."""
    for index, domain in enumerate(FAST):
        sites.route(domain, "/", company_page(domain.split(".")[0], 40 + index))
    page = company_page("Tidewater", 77)
    sites.route(SLOW, "/", Reply(body=page.body, content_type=page.content_type, drip_s=0.05), page)
    import_accounts(
        run_cli, sqlite_url, tmp_path, [{"name": domain, "domain": domain} for domain in (*FAST, SLOW)]
    )
    env = route_fetches(monkeypatch, sites.connect_to(), TIMEOUT_S="120")
    worker = subprocess.Popen(
        [sys.executable, "-c", "from enrich.cli.main import main; raise SystemExit(main())",
         "--db", sqlite_url, "enrich", "--json", "--no-llm", "--concurrency", "3"],
        cwd=tmp_path, env=os.environ | env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )  # fmt: skip
    try:
        _wait_for(lambda: sites.hits[(SLOW, "/")] == 1, "the worker to start on the slow site")
        _wait_for(
            lambda: all(job_of(store, domain)["state"] == "done" for domain in FAST), "the fast accounts"
        )
        assert worker.poll() is None, "the worker must still be mid-flight on the slow site"
    finally:
        worker.send_signal(stop)
        try:
            worker.wait(timeout=20)
        finally:
            worker.kill()
    assert values(store, SLOW) == [], "nothing half-written for the account in flight"
    kept = {domain: in_force(store, domain, "employee_count") for domain in FAST}
    assert kept == {FAST[0]: [(40, "accepted")], FAST[1]: [(41, "accepted")]}, "finished accounts are kept"
    return worker


def _resume_finishes_the_slow_account(run_cli: Callable[..., Any], sqlite_url: str, store: Engine,
                                      sites: SiteServer) -> None:  # fmt: skip
    resumed = enrich(run_cli, sqlite_url)  # no waiting for the 10-minute lease
    assert resumed.summary["accounts_done"] == 1
    assert in_force(store, SLOW, "employee_count") == [(77, "accepted")]
    assert job_of(store, SLOW)["state"] == "done" and job_of(store, SLOW)["attempts"] == 2
    assert [sites.hits[(domain, "/")] for domain in FAST] == [1, 1], "finished accounts are not redone"
    assert max(_observations(store).values()) == 1, "no value is stored twice"


def test_a_worker_killed_mid_run_loses_nothing_and_the_next_run_finishes_without_duplicates(
    sites: SiteServer,
    run_cli: Callable[..., Any],
    sqlite_url: str,
    store: Engine,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    worker = _stop_mid_flight(sites, run_cli, sqlite_url, store, tmp_path, monkeypatch, signal.SIGKILL)
    killed = job_of(store, SLOW)
    assert (killed["state"], killed["lease_owner"].rsplit(":", 1)[1]) == ("leased", str(worker.pid))
    _resume_finishes_the_slow_account(run_cli, sqlite_url, store, sites)  # the owner's process is gone


def test_ctrl_c_mid_run_gives_the_account_back_and_the_next_run_finishes_it(
    sites: SiteServer,
    run_cli: Callable[..., Any],
    sqlite_url: str,
    store: Engine,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    worker = _stop_mid_flight(sites, run_cli, sqlite_url, store, tmp_path, monkeypatch, signal.SIGINT)
    assert worker.returncode == 130
    assert worker.stderr is not None and b"interrupted: nothing half-written" in worker.stderr.read()
    released = job_of(store, SLOW)
    assert (released["state"], released["lease_owner"]) == ("queued", None), "the lease is given back"
    _resume_finishes_the_slow_account(run_cli, sqlite_url, store, sites)


def test_a_lost_lease_discards_that_workers_results(store: Engine) -> None:
    with store.begin() as conn:
        columns = {"name": "Acme", "source": "test", "custom": {}, "created_at": T0, "updated_at": T0}
        acme = conn.execute(insert(account).returning(account.c.id), columns).scalar_one()
        jobs.enqueue(conn, [(acme, 1.0, {"fields": ["employee_count"]})], now=T0)
    (first,) = jobs.claim(store, owner="host-a:11", now=T0, lease=timedelta(minutes=1), limit=5)
    assert (
        jobs.claim(
            store, owner="host-b:22", now=T0 + timedelta(seconds=30), lease=timedelta(minutes=1), limit=5
        )
        == []
    )
    (second,) = jobs.claim(
        store, owner="host-b:22", now=T0 + timedelta(minutes=2), lease=timedelta(minutes=1), limit=5
    )
    assert (second.job_id, second.fencing_token) == (first.job_id, first.fencing_token + 1)
    finding = Candidate("employee_count", 120, "120", 0.92, "jsonld", source_url="https://a.example/")
    lost = pytest.raises(jobs.LeaseLost, match=f"lease on job {first.job_id} was lost")
    with lost, store.begin() as conn:
        record_value(conn, "account", acme, finding, status="accepted", now=T0 + timedelta(minutes=3))
        jobs.finish(conn, first, now=T0 + timedelta(minutes=3))
    with store.connect() as conn:
        assert conn.execute(select(field_value)).all() == [], "the late worker's value was rolled back"
    assert jobs.release(store, [first], now=T0 + timedelta(minutes=3)) == 0, "nor can it give the job back"
    with store.begin() as conn:
        jobs.finish(conn, second, now=T0 + timedelta(minutes=3))
    with store.connect() as conn:
        assert conn.execute(select(job.c.state, job.c.attempts)).one() == ("done", 2)


def test_a_run_that_loses_one_lease_writes_nothing_for_it_and_carries_on(
    sites: SiteServer,
    run_cli: Callable[..., Any],
    sqlite_url: str,
    store: Engine,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    fast, slow = "quayside-freight.com", "tidewater-freight.com"
    sites.route(fast, "/", company_page("Quayside", 40))
    page = company_page("Tidewater", 77)
    sites.route(slow, "/", Reply(body=page.body, content_type=page.content_type, drip_s=0.004))  # about 3 s
    import_accounts(
        run_cli,
        sqlite_url,
        tmp_path,
        [{"name": "Quayside", "domain": fast}, {"name": "Tidewater", "domain": slow}],
    )
    route_fetches(monkeypatch, sites.connect_to(), TIMEOUT_S="60")
    taken: list[jobs.Lease] = []

    def other_worker() -> None:
        """Another machine whose clock says the 5 s lease has run out takes the slow account over."""
        _wait_for(lambda: sites.hits[(slow, "/")] == 1, "the slow site to be read")
        _wait_for(lambda: job_of(store, fast)["state"] == "done", "the fast account")
        later = datetime.now(UTC) + timedelta(seconds=10)
        taken.extend(jobs.claim(store, owner="elsewhere:1", now=later, lease=timedelta(minutes=10), limit=5))

    thief = threading.Thread(target=other_worker)
    thief.start()
    run = enrich(run_cli, sqlite_url, "--lease-seconds", "5", "--concurrency", "2")
    thief.join(timeout=30)
    assert [lease.account_id for lease in taken] == [account_id(store, slow)]
    assert run.summary["accounts_done"] == 1 and run.summary["problems"] == {"lease lost": 1}
    assert values(store, slow) == [], "the results of a lost lease are discarded"
    assert (job_of(store, slow)["state"], job_of(store, slow)["lease_owner"]) == ("leased", "elsewhere:1")
    assert in_force(store, fast, "employee_count") == [(40, "accepted")]


def test_enriched_accounts_are_scored_again(
    demo_accounts: tuple[SiteHost, SiteHost], run_cli: Callable[..., Any], sqlite_url: str, store: Engine
) -> None:
    scored = run_cli("--db", sqlite_url, "score", "--ruleset", RULESET)
    assert scored.exit_code == 0, scored.output
    donautronic = account_id(store, "donautronic.de")

    def score_row() -> Any:
        with store.connect() as conn:
            return conn.execute(select(score).where(score.c.entity_id == donautronic)).one()

    before = score_row()
    run = enrich(run_cli, sqlite_url, "--ruleset", RULESET)
    after = score_row()
    assert run.summary["rescored"] == 2, (
        "the accounts whose values changed: donautronic.de, kessler-tiefbau.de"
    )
    assert after.id == before.id and after.scored_at > before.scored_at, "the score row was replaced"

    def missing(row: Any) -> set[str]:
        return {item["field"] for item in row.explanation["explanation"]["missing_fields"]}

    assert {"employee_count", "country"} <= missing(before)
    assert not {"employee_count", "country"} & missing(after), "45 employees and DE now count"
    assert after.fit_min > before.fit_min, "the core-market rule fired for DE"

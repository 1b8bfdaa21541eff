"""Politeness: robots.txt, per-host turns and delay, Retry-After, retries with back-off, failing hosts."""

from __future__ import annotations

import asyncio
import random
import socket
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any

import pytest

from enrich.fetch import Fetcher, FetchResult
from enrich.fetch.politeness import HostGate
from enrich.fetch.retry import backoff_s, parse_retry_after
from tests.fetch_servers import (
    RecordingSleep,
    Reply,
    SiteServer,
    assert_refused,
    fetch_settings,
    html,
    robots,
    run,
    sites_fixture,  # noqa: F401 (the `sites` fixture)
    tripwire_fixture,  # noqa: F401 (the `tripwire` fixture, autouse)
)


def fetch_all(
    sites: SiteServer, urls: list[str], *, sleep: RecordingSleep | None = None, **settings: Any
) -> list[Any]:
    """Fetch ``urls`` in order with one Fetcher; each entry is a FetchResult or the exception raised."""

    async def go() -> list[Any]:
        outcomes: list[Any] = []
        async with Fetcher(
            fetch_settings(sites, **settings), sleep=sleep or RecordingSleep(), rng=random.Random(7)
        ) as fetcher:
            for url in urls:
                try:
                    outcomes.append(await fetcher.fetch(url))
                except Exception as error:
                    outcomes.append(error)
        return outcomes

    return run(go())


def fetch_one(sites: SiteServer, url: str, **kwargs: Any) -> FetchResult:
    outcome = fetch_all(sites, [url], **kwargs)[0]
    if isinstance(outcome, Exception):
        raise outcome
    assert isinstance(outcome, FetchResult)
    return outcome


def test_requests_carry_our_user_agent_with_contact_url(sites: SiteServer) -> None:
    sites.route("acme.example", "/", html("hi"))
    fetch_one(sites, "https://acme.example/")
    agents = {seen.headers["User-Agent"] for seen in sites.seen}
    assert agents == {"leadscore-bot/0.1 (+https://github.com/leadscore/leadscore#crawler)"}


def test_robots_disallow_refuses_and_never_requests_the_page(sites: SiteServer) -> None:
    sites.route("acme.example", "/robots.txt", robots("User-agent: leadscore-bot\nDisallow: /private\n"))
    sites.route("acme.example", "/private/team", html("secret"))
    sites.route("acme.example", "/", html("home"))
    outcomes = fetch_all(sites, ["https://acme.example/private/team", "https://acme.example/"])
    assert isinstance(outcomes[1], FetchResult)
    assert getattr(outcomes[0], "reason", None) == "robots", outcomes[0]
    assert sites.hits[("acme.example", "/private/team")] == 0
    assert sites.hits[("acme.example", "/robots.txt")] == 1, "robots.txt is read once per host per run"


def test_robots_rules_for_other_agents_do_not_apply(sites: SiteServer) -> None:
    sites.route("acme.example", "/robots.txt", robots("User-agent: otherbot\nDisallow: /\n"))
    sites.route("acme.example", "/", html("home"))
    assert fetch_one(sites, "https://acme.example/").status_code == 200


@pytest.mark.parametrize("status", [500, 503, 401, 403])
def test_robots_server_error_or_auth_disallows_the_host_for_the_run(sites: SiteServer, status: int) -> None:
    sites.route("acme.example", "/robots.txt", Reply(status=status, body=b"no"))
    sites.route("acme.example", "/", html("home"))
    sites.route("acme.example", "/about", html("about"))
    outcomes = fetch_all(sites, ["https://acme.example/", "https://acme.example/about"])
    assert [getattr(outcome, "reason", None) for outcome in outcomes] == ["robots", "robots"]
    assert f"HTTP {status}" in str(outcomes[0])
    assert sites.hits[("acme.example", "/")] == sites.hits[("acme.example", "/about")] == 0
    assert sites.hits[("acme.example", "/robots.txt")] == 1


def test_robots_timeout_disallows_the_host(sites: SiteServer) -> None:
    sites.route(
        "acme.example", "/robots.txt", Reply(body=b"User-agent: *\n", content_type="text/plain", drip_s=0.4)
    )
    sites.route("acme.example", "/", html("home"))
    error = fetch_all(sites, ["https://acme.example/"], fetch_timeout_s=0.3)[0]
    assert getattr(error, "reason", None) == "robots" and "not done within" in str(error)
    assert sites.hits[("acme.example", "/")] == 0


def test_missing_robots_allows_everything(sites: SiteServer) -> None:
    sites.route("acme.example", "/", html("home"))  # /robots.txt answers 404
    assert fetch_one(sites, "https://acme.example/").text == "home"


def test_retry_after_seconds_is_waited_out_then_the_fetch_succeeds(sites: SiteServer) -> None:
    sites.route("acme.example", "/", Reply(status=429, headers=(("Retry-After", "1"),)), html("home"))
    sleep = RecordingSleep(real=True)
    result = fetch_one(sites, "https://acme.example/", sleep=sleep)
    assert result.text == "home"
    assert sleep.waits == [1.0]
    first, second = (seen.at for seen in sites.seen if seen.path == "/")
    assert second - first >= 1.0, "the second request came only after the Retry-After wait"


def test_retry_after_http_date_is_understood() -> None:
    now = datetime(2025, 1, 1, 12, 0, tzinfo=UTC)
    assert parse_retry_after(format_datetime(now + timedelta(seconds=30), usegmt=True), now) == 30.0
    assert parse_retry_after("120", now) == 120.0
    assert parse_retry_after("soon", now) is None
    assert parse_retry_after(None, now) is None


def test_retry_after_beyond_cap_skips_the_host_for_the_run(sites: SiteServer) -> None:
    sites.route("acme.example", "/", Reply(status=429, headers=(("Retry-After", "3600"),)))
    sites.route("acme.example", "/about", html("about"))
    sleep = RecordingSleep()
    first, second = fetch_all(sites, ["https://acme.example/", "https://acme.example/about"], sleep=sleep)
    assert getattr(first, "reason", None) == "host_failing" and "3600" in str(first)
    assert getattr(second, "reason", None) == "host_failing"
    assert sleep.waits == [], "nothing waited for an hour"
    assert sites.hits[("acme.example", "/")] == 1
    assert sites.hits[("acme.example", "/about")] == 0


def test_server_errors_are_retried_with_backoff_then_the_host_is_skipped(sites: SiteServer) -> None:
    sites.route("acme.example", "/", Reply(status=500, body=b"boom"))
    sites.route("acme.example", "/about", html("about"))
    sites.route("beta.example", "/", html("beta"))
    sleep = RecordingSleep()
    urls = ["https://acme.example/", "https://acme.example/about", "https://beta.example/"]
    first, second, other = fetch_all(sites, urls, sleep=sleep)
    assert getattr(first, "reason", None) == "http_status" and "gave up after 3 attempts" in str(first)
    assert sites.hits[("acme.example", "/")] == 3
    assert len(sleep.waits) == 2 and 0.5 <= sleep.waits[0] <= 0.75 and 1.0 <= sleep.waits[1] <= 1.5
    assert getattr(second, "reason", None) == "host_failing"
    assert sites.hits[("acme.example", "/about")] == 0
    assert isinstance(other, FetchResult), "other hosts are unaffected"


def test_not_found_is_not_retried(sites: SiteServer) -> None:
    sleep = RecordingSleep()
    error = fetch_all(sites, ["https://acme.example/missing"], sleep=sleep)[0]
    assert getattr(error, "reason", None) == "http_status" and "404" in str(error)
    assert sites.hits[("acme.example", "/missing")] == 1
    assert sleep.waits == []


def test_dropped_connections_are_retried_then_reported_as_connect_error(sites: SiteServer) -> None:
    sites.route("acme.example", "/", Reply(hang_up=True))
    sleep = RecordingSleep()
    error = fetch_all(sites, ["https://acme.example/"], sleep=sleep)[0]
    assert getattr(error, "reason", None) == "connect_error", error
    assert sites.hits[("acme.example", "/")] == 3
    assert len(sleep.waits) == 2


def test_unreachable_host_is_not_fetched_because_robots_cannot_be_read() -> None:
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        closed_port = unused.getsockname()[1]
    settings = fetch_settings(
        fetch_connect_to=f"*:127.0.0.1:{closed_port}", fetch_allow_addresses="127.0.0.1"
    )

    async def go() -> FetchResult:
        async with Fetcher(settings, sleep=RecordingSleep()) as fetcher:
            return await fetcher.fetch("https://acme.example/")

    message = assert_refused(lambda: run(go()), "robots")
    assert "robots.txt could not be read" in message


def test_backoff_grows_exponentially_with_bounded_jitter() -> None:
    rng = random.Random(1)
    waits = [backoff_s(attempt, rng) for attempt in range(1, 8)]
    for attempt, wait in enumerate(waits, start=1):
        base = min(8.0, 0.5 * 2 ** (attempt - 1))
        assert base <= wait <= base * 1.5


def test_one_request_at_a_time_per_host_with_delay_between() -> None:
    clock = [0.0]
    log: list[tuple[str, str, float]] = []

    async def sleep(seconds: float) -> None:
        clock[0] += seconds

    async def request(gate: HostGate, host: str) -> None:
        async with gate.turn(host):
            log.append(("start", host, clock[0]))
            await asyncio.sleep(0)  # let other tasks try to enter
            clock[0] += 0.25
            log.append(("end", host, clock[0]))

    async def go() -> None:
        gate = HostGate(1.0, clock=lambda: clock[0], sleep=sleep)
        await asyncio.gather(request(gate, "acme.example"), request(gate, "acme.example"))

    run(go())
    assert [event for event, _, _ in log] == ["start", "end", "start", "end"], "never two at once"
    assert log[2][2] - log[1][2] >= 1.0, "the second request waited the host delay"


def test_robots_crawl_delay_slows_the_host_down(sites: SiteServer) -> None:
    sites.route("acme.example", "/robots.txt", robots("User-agent: *\nCrawl-delay: 2\n"))
    sites.route("acme.example", "/", html("home"))
    sites.route("acme.example", "/about", html("about"))
    sleep = RecordingSleep()
    fetch_all(sites, ["https://acme.example/", "https://acme.example/about"], sleep=sleep)
    assert sleep.waits and all(1.5 < wait <= 2.0 for wait in sleep.waits), sleep.waits

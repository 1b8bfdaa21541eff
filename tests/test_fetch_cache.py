"""The page cache (``page`` + ``blob``) and the ``leadscore fetch`` command."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, func, select

from enrich.fetch import Fetcher, FetchResult, text_sha256
from enrich.store.db import check_schema, create_store_engine
from enrich.store.pages import PageStore
from enrich.store.schema import blob, page
from tests.fetch_servers import (
    RecordingSleep,
    SiteServer,
    Tripwire,
    fetch_settings,
    html,
    redirect,
    robots,
    run,
    sites_fixture,  # noqa: F401 (the `sites` fixture)
    tripwire_fixture,  # noqa: F401 (the `tripwire` fixture, autouse)
)


def fetch_with_cache(
    sites: SiteServer, store: Engine, url: str, *, now: datetime | None = None
) -> FetchResult:
    async def go() -> FetchResult:
        clock = (lambda: now) if now is not None else (lambda: datetime.now(UTC))
        async with Fetcher(
            fetch_settings(sites), cache=PageStore(store), sleep=RecordingSleep(), now=clock
        ) as f:
            return await f.fetch(url)

    return run(go())


def count(store: Engine, table: Any) -> int:
    with store.connect() as conn:
        return int(conn.scalar(select(func.count()).select_from(table)) or 0)


def test_second_fetch_is_served_from_cache_without_a_request(sites: SiteServer, store: Engine) -> None:
    sites.route("acme.example", "/", redirect("/home"))
    sites.route("acme.example", "/home", html("<h1>Acme</h1>"))
    first = fetch_with_cache(sites, store, "https://acme.example/")
    second = fetch_with_cache(sites, store, "https://acme.example/")
    assert not first.from_cache and second.from_cache
    assert (second.text, second.sha256, second.final_url) == (
        first.text,
        first.sha256,
        "https://acme.example/home",
    )
    assert sites.hits[("acme.example", "/")] == 1
    assert sites.hits[("acme.example", "/home")] == 1


def test_page_older_than_cache_days_is_fetched_again(sites: SiteServer, store: Engine) -> None:
    sites.route("acme.example", "/", html("v1"), html("v2"))
    long_ago = datetime.now(UTC) - timedelta(days=31)
    fetch_with_cache(sites, store, "https://acme.example/", now=long_ago)
    fresh = fetch_with_cache(sites, store, "https://acme.example/")
    assert (fresh.text, fresh.from_cache) == ("v2", False)
    assert count(store, page) == 1, "the page row is updated in place"
    assert count(store, blob) == 2


def test_same_text_is_stored_once_and_writes_are_idempotent(store: Engine) -> None:
    cache = PageStore(store)
    moment = datetime(2025, 3, 1, tzinfo=UTC)
    text = "<p>same</p>"
    for url in ("https://acme.example/", "https://acme.example/index.html"):
        result = FetchResult(url, url, 200, "text/html", text, text_sha256(text), 11, 0.1, moment)
        cache.store(result)
        cache.store(result)
    assert count(store, page) == 2 and count(store, blob) == 1
    hit = cache.lookup("https://acme.example/", fetched_after=moment - timedelta(days=1))
    assert hit is not None and hit.from_cache and hit.fetched_at == moment
    assert cache.lookup("https://acme.example/", fetched_after=moment) is None
    assert cache.text(text_sha256(text)) == text


@pytest.mark.postgres
def test_page_cache_upserts_on_postgresql(postgres_url: str) -> None:
    engine = create_store_engine(postgres_url)
    check_schema(engine)
    cache = PageStore(engine)
    moment = datetime(2025, 3, 1, tzinfo=UTC)
    for text in ("one", "two", "two"):
        cache.store(
            FetchResult(
                "https://a.example/",
                "https://a.example/",
                200,
                "text/plain",
                text,
                text_sha256(text),
                3,
                0.0,
                moment,
            )
        )
    hit = cache.lookup("https://a.example/", fetched_after=moment - timedelta(seconds=1))
    assert hit is not None and hit.text == "two"
    assert count(engine, page) == 1 and count(engine, blob) == 2
    engine.dispose()


# --- leadscore fetch


@pytest.fixture
def routed_env(sites: SiteServer, monkeypatch: pytest.MonkeyPatch, sqlite_url: str) -> SiteServer:
    monkeypatch.setenv("LEADSCORE_FETCH_CONNECT_TO", sites.connect_to())
    monkeypatch.setenv("LEADSCORE_FETCH_ALLOW_ADDRESSES", "127.0.0.1")
    monkeypatch.setenv("LEADSCORE_FETCH_HOST_DELAY_S", "0")
    monkeypatch.setenv("LEADSCORE_DATABASE_URL", sqlite_url)
    sites.route("acme.example", "/robots.txt", robots("User-agent: *\nDisallow: /private\n"))
    sites.route("acme.example", "/", html("<h1>Acme</h1>"))
    return sites


def test_cli_fetch_prints_the_decision_for_an_allowed_url(routed_env: SiteServer, run_cli: Any) -> None:
    result = run_cli("fetch", "https://acme.example/")
    assert result.exit_code == 0, result.output
    for expected in ("allowed", "200", "text/html", text_sha256("<h1>Acme</h1>"), "https://acme.example/"):
        assert expected in result.stdout


def test_cli_fetch_json_and_cache(routed_env: SiteServer, run_cli: Any) -> None:
    first = json.loads(run_cli("fetch", "--json", "https://acme.example/").stdout)
    second = json.loads(run_cli("fetch", "--json", "https://acme.example/").stdout)
    uncached = json.loads(run_cli("fetch", "--json", "--no-cache", "https://acme.example/").stdout)
    assert first["decision"] == "allowed" and first["status_code"] == 200 and first["bytes_read"] == 13
    assert first["sha256"] == text_sha256("<h1>Acme</h1>")
    assert (first["from_cache"], second["from_cache"], uncached["from_cache"]) == (False, True, False)
    assert routed_env.hits[("acme.example", "/")] == 2


@pytest.mark.parametrize(
    "url, reason",
    [
        ("https://acme.example/private/x", "robots"),
        ("http://169.254.169.254/latest/meta-data", "address_class"),
        ("http://0x7f.1/", "address_class"),
        ("file:///etc/passwd", "scheme"),
    ],
)
def test_cli_fetch_refusal_exits_2_with_reason(
    routed_env: SiteServer, run_cli: Any, tripwire: Tripwire, url: str, reason: str
) -> None:
    plain = run_cli("fetch", url)
    assert plain.exit_code == 2, plain.output
    assert f"refused ({reason})" in plain.stderr
    as_json = run_cli("fetch", "--json", url)
    assert as_json.exit_code == 2
    decision = json.loads(as_json.stdout)
    assert (decision["decision"], decision["reason"]) == ("refused", reason)
    assert routed_env.hits[("acme.example", "/private/x")] == 0
    assert set(tripwire.connects) <= {"127.0.0.1"}

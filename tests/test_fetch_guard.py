"""SSRF: the fetcher refuses every non-public destination before a socket opens to it, directly, through
redirects and through DNS answers, and the loopback routing for tests cannot be widened by config.

Every test here runs under the tripwire: any connection to a non-loopback address, or any real DNS
lookup, is blocked and fails the test, even if the fetcher swallowed the error.
"""

from __future__ import annotations

import socket
from collections.abc import Callable
from ipaddress import ip_address
from typing import Any

import pytest

from enrich.errors import ConfigError
from enrich.fetch import Fetcher, FetchResult
from enrich.fetch.connect_to import LoopbackRouting, parse_allow_addresses, parse_connect_to
from tests.fetch_servers import (
    SiteServer,
    Tripwire,
    assert_refused,
    fetch_settings,
    html,
    redirect,
    run,
    sites_fixture,  # noqa: F401 (the `sites` fixture)
    tripwire_fixture,  # noqa: F401 (the `tripwire` fixture, autouse)
)


def fake_dns(answers: dict[str, str], asked: list[str]) -> Callable[..., list[tuple[Any, ...]]]:
    """A getaddrinfo stand-in: names in ``answers`` resolve to that address, others do not exist."""

    def resolve(host: str, port: int, *_: Any) -> list[tuple[Any, ...]]:
        asked.append(host)
        if host not in answers:
            raise socket.gaierror(socket.EAI_NONAME, host)
        address = answers[host]
        family = socket.AF_INET6 if ":" in address else socket.AF_INET
        return [(family, socket.SOCK_STREAM, socket.IPPROTO_TCP, "", (address, port))]

    return resolve


def fetch_once(url: str, **settings: Any) -> FetchResult:
    async def go() -> FetchResult:
        async with Fetcher(fetch_settings(**settings)) as fetcher:
            return await fetcher.fetch(url)

    return run(go())


NON_PUBLIC_URLS = [
    "http://[::1]/",
    "http://0x7f.1/",
    "http://0177.0.0.1/",
    "http://2130706433/",
    "http://127.1/",
    "http://10.1.2.3/",
    "http://172.16.0.1/",
    "http://192.168.1.1/",
    "http://100.64.0.1/",
    "http://169.254.169.254/latest/meta-data",
    "http://[fd00:ec2::254]/",
    "http://[fe80::1]/",
    "http://[fc00::1]/",
    "http://[::ffff:169.254.169.254]/",
    "http://[::ffff:127.0.0.1]/",
    "http://[64:ff9b::a9fe:a9fe]/",  # NAT64 wrapping the metadata address
    "http://[2002:7f00:1::]/",  # 6to4 wrapping 127.0.0.1
    "http://224.0.0.1/",
    "http://[ff02::1]/",
    "http://0.0.0.0/",
    "http://metadata.google.internal/computeMetadata/v1/",
    "http://localhost/",
    "http://admin.localhost/",
]


@pytest.mark.parametrize("routed", [False, True], ids=["plain", "with-connect-to-and-allow-list"])
@pytest.mark.parametrize("url", NON_PUBLIC_URLS)
def test_non_public_address_is_refused_before_any_connection(
    url: str, routed: bool, tripwire: Tripwire
) -> None:
    routing = {"fetch_connect_to": "*:127.0.0.1:9", "fetch_allow_addresses": "127.0.0.1"} if routed else {}
    assert_refused(lambda: fetch_once(url, **routing), "address_class")
    assert tripwire.connects == [], f"{url} opened a connection: {tripwire.connects}"


def test_loopback_is_refused_without_the_allow_list(tripwire: Tripwire) -> None:
    message = assert_refused(lambda: fetch_once("http://127.0.0.1/"), "address_class")
    assert "Loopback" in message
    assert tripwire.connects == []


@pytest.mark.parametrize(
    "url", ["file:///etc/passwd", "ftp://acme.example/", "gopher://acme.example:70/_x", "acme.example"]
)
def test_non_http_scheme_is_refused(url: str, tripwire: Tripwire) -> None:
    assert_refused(lambda: fetch_once(url), "scheme")
    assert tripwire.connects == []


def test_redirect_to_metadata_endpoint_is_refused_and_never_connected(
    sites: SiteServer, tripwire: Tripwire
) -> None:
    sites.route("acme.example", "/", redirect("http://169.254.169.254/latest/meta-data"))
    message = assert_refused(lambda: fetch_once("https://acme.example/", **_routed(sites)), "address_class")
    assert "169.254.169.254" in message
    assert "169.254.169.254" not in tripwire.connects
    assert set(tripwire.connects) == {"127.0.0.1"}
    assert sites.hits[("acme.example", "/")] == 1


@pytest.mark.parametrize(
    "name, address", [("intranet.acme.example", "10.0.0.1"), ("loop.acme.example", "127.0.0.2")]
)
def test_redirect_to_name_resolving_to_refused_address_is_not_followed(
    sites: SiteServer, tripwire: Tripwire, name: str, address: str
) -> None:
    sites.route("acme.example", "/", redirect(f"http://{name}/admin"))
    asked: list[str] = []

    async def go() -> FetchResult:
        settings = fetch_settings(
            fetch_connect_to=f"acme.example:*:127.0.0.1:{sites.port}", fetch_allow_addresses="127.0.0.1"
        )
        async with Fetcher(settings, resolver=fake_dns({name: address}, asked)) as fetcher:
            return await fetcher.fetch("http://acme.example/")

    message = assert_refused(lambda: run(go()), "address_class")
    assert address in message
    assert asked == [name], "the name is resolved exactly once, by the guard"
    assert address not in tripwire.connects


def test_name_resolving_to_private_address_is_refused(tripwire: Tripwire) -> None:
    asked: list[str] = []

    async def go() -> FetchResult:
        async with Fetcher(
            fetch_settings(), resolver=fake_dns({"intranet.example": "192.168.0.10"}, asked)
        ) as f:
            return await f.fetch("https://intranet.example/")

    assert_refused(lambda: run(go()), "address_class")
    assert asked == ["intranet.example"]
    assert tripwire.connects == []


@pytest.mark.parametrize(
    "target", ["http://[::ffff:127.0.0.1]/", "http://0x7f.1/", "http://127.0.0.2/", "http://[::1]/"]
)
def test_redirect_to_loopback_outside_the_allow_list_is_refused(
    sites: SiteServer, tripwire: Tripwire, target: str
) -> None:
    sites.route("acme.example", "/", redirect(target))
    assert_refused(lambda: fetch_once("http://acme.example/", **_routed(sites)), "address_class")
    assert set(tripwire.connects) == {"127.0.0.1"}, "only the allowed loopback address was connected to"


def test_redirect_to_other_scheme_is_refused(sites: SiteServer) -> None:
    sites.route("acme.example", "/", redirect("gopher://acme.example:70/_evil"))
    assert_refused(lambda: fetch_once("http://acme.example/", **_routed(sites)), "scheme")


def test_connect_to_keeps_real_host_header_and_https_url(sites: SiteServer) -> None:
    sites.route("acme.example", "/about", html("<h1>Acme</h1>"))
    result = fetch_once("https://acme.example/about", **_routed(sites))
    assert result.url == result.final_url == "https://acme.example/about"
    assert [seen.headers["Host"] for seen in sites.seen] == ["acme.example", "acme.example"]


def _routed(sites: SiteServer) -> dict[str, str]:
    return {"fetch_connect_to": sites.connect_to(), "fetch_allow_addresses": "127.0.0.1"}


# --- configuration: the routing for tests cannot open anything but loopback


@pytest.mark.parametrize(
    "entry", ["10.0.0.0/8", "0.0.0.0/0", "169.254.169.254", "192.168.1.5", "::/0", "fe80::1", "fd00::1"]
)
def test_allow_list_refuses_non_loopback_entries(entry: str) -> None:
    with pytest.raises(ConfigError, match="not loopback"):
        Fetcher(fetch_settings(fetch_allow_addresses=entry))


def test_allow_list_accepts_loopback_entries() -> None:
    assert len(parse_allow_addresses("127.0.0.1, 127.0.0.0/8, ::1")) == 3


@pytest.mark.parametrize(
    "connect_to, allow, problem",
    [
        ("*:127.0.0.1:8765", "", "not in LEADSCORE_FETCH_ALLOW_ADDRESSES"),
        ("*:10.0.0.1:80", "127.0.0.1", "not in LEADSCORE_FETCH_ALLOW_ADDRESSES"),
        ("*:127.0.0.2:80", "127.0.0.1", "not in LEADSCORE_FETCH_ALLOW_ADDRESSES"),
        ("acme.example:443:[::1]:80", "127.0.0.1", "not in LEADSCORE_FETCH_ALLOW_ADDRESSES"),
        ("acme.example:443:intranet:80", "127.0.0.1", "cannot read"),
        ("acme.example:99999:127.0.0.1:80", "127.0.0.1", "not a TCP port"),
        ("169.254.169.254:80:127.0.0.1:80", "127.0.0.1", "only names can be mapped"),
        ("a*b.example:80:127.0.0.1:80", "127.0.0.1", "'\\*' may only be"),
    ],
)
def test_connect_to_is_refused_at_start_when_unusable(connect_to: str, allow: str, problem: str) -> None:
    with pytest.raises(ConfigError, match=problem):
        Fetcher(fetch_settings(fetch_connect_to=connect_to, fetch_allow_addresses=allow))


def test_connect_to_grammar_reads_short_full_wildcard_and_idna_forms() -> None:
    short, full, idna, below = parse_connect_to(
        "*:127.0.0.1:8765, acme.example:443:127.0.0.1:8766,"
        "müller-gmbh.de:*:[::1]:8767,*.acme.example:80:127.0.0.1:1"
    )
    assert (short.host, short.port, short.connect_port) == (None, None, 8765)
    assert (full.host, full.port, str(full.connect_address)) == ("acme.example", 443, "127.0.0.1")
    assert (idna.host, idna.connect_address) == ("xn--mller-gmbh-9db.de", ip_address("::1"))
    assert below.matches("www.acme.example", 80) and not below.matches("acme.example", 80)


def test_connect_to_first_matching_entry_wins_and_never_maps_addresses() -> None:
    routing = LoopbackRouting.from_text("acme.example:443:127.0.0.1:1,*:127.0.0.1:2", "127.0.0.0/8")
    first = routing.rule_for("acme.example", 443)
    fallback = routing.rule_for("acme.example", 80)
    assert first is not None and first.connect_port == 1
    assert fallback is not None and fallback.connect_port == 2
    assert routing.rule_for("10.0.0.1", 80) is None
    assert routing.rule_for("0x7f.1", 80) is None


def test_cli_refuses_non_loopback_allow_list_with_exit_2(
    run_cli: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LEADSCORE_FETCH_ALLOW_ADDRESSES", "10.0.0.0/8")
    result = run_cli("fetch", "--no-cache", "https://acme.example/")
    assert result.exit_code == 2, result.output
    assert "not loopback" in result.stderr


def test_tripwire_blocks_and_reports_connections_that_leave_loopback(tripwire: Tripwire) -> None:
    with socket.socket() as sock, pytest.raises(PermissionError):
        sock.connect(("169.254.169.254", 80))
    with pytest.raises(socket.gaierror):
        socket.getaddrinfo("metadata.google.internal", 80)
    assert tripwire.violations == [
        "connect to ('169.254.169.254', 80)",
        "name lookup of 'metadata.google.internal'",
    ]
    tripwire.violations.clear()  # expected here; any other test with violations fails at teardown

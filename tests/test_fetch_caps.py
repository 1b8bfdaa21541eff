"""Caps and content: happy path by Host header, redirects, the time cap against drip responses, the
decoded-size cap against big bodies and gzip bombs, content types, decompression and charsets."""

from __future__ import annotations

import time
import tracemalloc
import zlib
from typing import Any

import pytest

from enrich.fetch import Fetcher, FetchResult, text_sha256
from tests.fetch_servers import (
    RecordingSleep,
    Reply,
    SiteServer,
    assert_refused,
    fetch_settings,
    gzip_bomb,
    gzipped,
    html,
    redirect,
    run,
    sites_fixture,  # noqa: F401 (the `sites` fixture)
    tripwire_fixture,  # noqa: F401 (the `tripwire` fixture, autouse)
)

MIB = 1024 * 1024


def fetch(sites: SiteServer, url: str, **settings: Any) -> FetchResult:
    async def go() -> FetchResult:
        async with Fetcher(fetch_settings(sites, **settings), sleep=RecordingSleep()) as fetcher:
            return await fetcher.fetch(url)

    return run(go())


def test_pages_are_served_by_host_header_for_each_mapped_site(sites: SiteServer) -> None:
    sites.route("acme.example", "/", html("<h1>Acme Corp</h1>"))
    sites.route("xn--mller-gmbh-9db.de", "/impressum", html("<p>Müller GmbH, Köln</p>"))
    acme = fetch(sites, "https://acme.example/")
    mueller = fetch(sites, "https://müller-gmbh.de/impressum")
    assert acme.text == "<h1>Acme Corp</h1>"
    assert (acme.status_code, acme.content_type, acme.from_cache) == (200, "text/html; charset=utf-8", False)
    assert acme.sha256 == text_sha256(acme.text) and acme.bytes_read == len(b"<h1>Acme Corp</h1>")
    assert mueller.text == "<p>Müller GmbH, Köln</p>"
    assert mueller.final_url == "https://xn--mller-gmbh-9db.de/impressum"
    hosts = {seen.headers["Host"] for seen in sites.seen}
    assert hosts == {"acme.example", "xn--mller-gmbh-9db.de"}


def test_redirects_are_followed_and_recorded(sites: SiteServer) -> None:
    sites.route("acme.example", "/", redirect("/en/", 301))
    sites.route("acme.example", "/en/", redirect("https://www.acme.example/en/home"))
    sites.route("www.acme.example", "/en/home", html("home"))
    result = fetch(sites, "https://acme.example/")
    assert result.final_url == "https://www.acme.example/en/home"
    assert result.redirects == ("https://acme.example/", "https://acme.example/en/")
    assert sites.hits[("www.acme.example", "/robots.txt")] == 1, "robots.txt of the new host was read"


def test_redirect_loop_is_refused_as_a_loop(sites: SiteServer) -> None:
    sites.route("acme.example", "/a", redirect("/b"))
    sites.route("acme.example", "/b", redirect("/a"))
    message = assert_refused(lambda: fetch(sites, "https://acme.example/a"), "redirects")
    assert "redirect loop" in message and message.count("→") == 2
    assert sites.hits[("acme.example", "/a")] == 1


def test_too_many_redirects_are_refused(sites: SiteServer) -> None:
    for hop in range(10):
        sites.route("acme.example", f"/{hop}", redirect(f"/{hop + 1}"))
    message = assert_refused(
        lambda: fetch(sites, "https://acme.example/0", fetch_max_redirects=5), "redirects"
    )
    assert "more than 5 redirects" in message
    assert sites.hits[("acme.example", "/5")] == 1 and sites.hits[("acme.example", "/6")] == 0


def test_drip_response_is_stopped_at_the_total_time_cap(sites: SiteServer) -> None:
    sites.route("acme.example", "/", Reply(body=b"x" * 40, drip_s=0.5))
    started = time.monotonic()
    message = assert_refused(lambda: fetch(sites, "https://acme.example/", fetch_timeout_s=1.5), "time")
    elapsed = time.monotonic() - started
    assert "1.5 s" in message
    assert 1.4 <= elapsed < 2.5, f"stopped after {elapsed:.2f} s"
    assert sites.bytes_sent[("acme.example", "/")] <= 4


def test_gzip_bomb_is_stopped_by_size_with_little_memory(sites: SiteServer) -> None:
    bomb = gzip_bomb(128 * MIB)
    assert len(bomb) < 200 * 1024
    sites.route("acme.example", "/", Reply(body=bomb, headers=(("Content-Encoding", "gzip"),)))
    tracemalloc.start()
    try:
        message = assert_refused(lambda: fetch(sites, "https://acme.example/", fetch_max_bytes=MIB), "size")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert "larger than 1048576 bytes" in message
    assert peak < 8 * MIB, f"peak Python memory {peak / MIB:.1f} MiB while refusing a 128 MiB bomb"


def test_large_body_without_length_is_stopped_at_the_size_cap(sites: SiteServer) -> None:
    sites.route("acme.example", "/", Reply(stream_bytes=50 * MIB, content_type="text/plain"))
    assert_refused(lambda: fetch(sites, "https://acme.example/", fetch_max_bytes=MIB), "size")
    sent = sites.bytes_sent[("acme.example", "/")]
    assert sent < 20 * MIB, f"the server pushed {sent / MIB:.0f} MiB before the fetcher hung up"


def test_declared_length_over_the_cap_is_refused_before_reading(sites: SiteServer) -> None:
    sites.route("acme.example", "/", Reply(body=b"a" * (2 * MIB), content_type="text/plain"))
    message = assert_refused(lambda: fetch(sites, "https://acme.example/", fetch_max_bytes=MIB), "size")
    assert "Content-Length 2097152" in message


@pytest.mark.parametrize("content_type", ["image/png", "application/pdf", "application/octet-stream", None])
def test_non_text_content_type_is_refused(sites: SiteServer, content_type: str | None) -> None:
    sites.route("acme.example", "/logo", Reply(body=b"\x89PNG", content_type=content_type))
    message = assert_refused(lambda: fetch(sites, "https://acme.example/logo"), "content_type")
    assert (content_type or "no Content-Type") in message


@pytest.mark.parametrize(
    "content_type", ["text/plain", "application/json", "application/xml", "text/xml", "application/xhtml+xml"]
)
def test_text_json_and_xml_are_fetched(sites: SiteServer, content_type: str) -> None:
    sites.route("acme.example", "/doc", Reply(body=b"<x/>", content_type=content_type))
    assert fetch(sites, "https://acme.example/doc").text == "<x/>"


def test_gzip_and_deflate_bodies_are_decoded(sites: SiteServer) -> None:
    page = "<p>Über uns – Müller</p>"
    sites.route("acme.example", "/gz", Reply(body=gzipped(page), headers=(("Content-Encoding", "gzip"),)))
    sites.route(
        "acme.example",
        "/zl",
        Reply(body=zlib.compress(page.encode()), headers=(("Content-Encoding", "deflate"),)),
    )
    assert fetch(sites, "https://acme.example/gz").text == page
    assert fetch(sites, "https://acme.example/zl").text == page


def test_unknown_content_encoding_is_refused(sites: SiteServer) -> None:
    sites.route("acme.example", "/", Reply(body=b"....", headers=(("Content-Encoding", "br"),)))
    assert_refused(lambda: fetch(sites, "https://acme.example/"), "content_type")


def test_text_is_decoded_with_declared_or_detected_charset(sites: SiteServer) -> None:
    sites.route("acme.example", "/latin", html("<p>Köln</p>", charset="iso-8859-1"))
    meta = '<html><head><meta charset="windows-1252"></head><body>Straße €</body></html>'
    sites.route("acme.example", "/meta", Reply(body=meta.encode("cp1252"), content_type="text/html"))
    sites.route("acme.example", "/bare", Reply(body="Gebühr".encode("cp1252"), content_type="text/plain"))
    assert fetch(sites, "https://acme.example/latin").text == "<p>Köln</p>"
    assert "Straße €" in fetch(sites, "https://acme.example/meta").text
    assert fetch(sites, "https://acme.example/bare").text == "Gebühr"

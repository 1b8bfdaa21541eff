"""The demo site server: one loopback port, many sites chosen by the Host header, nothing outside them."""

from __future__ import annotations

import socket
from http.client import HTTPConnection
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest

from enrich.errors import ConfigError
from enrich.sitehost import serve_sites, site_name

SECRET = "TOP-SECRET-OUTSIDE-THE-SITE-ROOT"


@pytest.fixture
def sites_root(tmp_path: Path) -> Path:
    """Two sites under ``tmp/sites`` and a secret file beside that root that must never be served."""
    (tmp_path / "secret.txt").write_text(SECRET, encoding="utf-8")
    root = tmp_path / "sites"
    alpha = root / "alpha-robotics.de"
    (alpha / "en").mkdir(parents=True)
    (alpha / "index.html").write_text("<h1>Alpha Robotik GmbH – Über uns</h1>", encoding="utf-8")
    (alpha / "robots.txt").write_text("User-agent: *\nDisallow:\n", encoding="utf-8")
    (alpha / "sitemap.xml").write_text("<urlset/>", encoding="utf-8")
    (alpha / "en" / "index.html").write_text("<h1>Alpha Robotics</h1>", encoding="utf-8")
    (root / "beta.co.uk").mkdir()
    (root / "beta.co.uk" / "index.html").write_text("<h1>Beta Ltd</h1>", encoding="utf-8")
    return root


def _get(port: int, host: str, target: str, method: str = "GET") -> tuple[int, dict[str, str], bytes]:
    connection = HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        connection.putrequest(method, target, skip_host=True, skip_accept_encoding=True)
        connection.putheader("Host", host)
        connection.endheaders()
        response = connection.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        connection.close()


def _raw_get(port: int, host: str, target: str) -> bytes:
    """Send the target byte for byte, so no client library can normalise ``..`` away."""
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        sock.sendall(f"GET {target} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n".encode("latin-1"))
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


def test_serves_each_site_by_its_host_header_on_loopback(sites_root: Path) -> None:
    with serve_sites(sites_root) as host:
        status, headers, body = _get(host.port, "alpha-robotics.de", "/")
        assert status == 200
        assert headers["content-type"] == "text/html; charset=utf-8"
        assert "Über uns" in body.decode("utf-8")
        assert _get(host.port, "beta.co.uk", "/index.html")[2] == b"<h1>Beta Ltd</h1>"
        assert host.base_url == f"http://127.0.0.1:{host.port}"
        assert host.url_for("beta.co.uk", "/about.html") == f"http://beta.co.uk:{host.port}/about.html"


def test_www_prefix_port_and_case_of_the_host_header_are_ignored(sites_root: Path) -> None:
    with serve_sites(sites_root) as host:
        for header in ("www.alpha-robotics.de", f"WWW.Alpha-Robotics.DE:{host.port}", "alpha-robotics.de."):
            assert _get(host.port, header, "/")[0] == 200, header


def test_directories_serve_their_index_and_query_strings_are_ignored(sites_root: Path) -> None:
    with serve_sites(sites_root) as host:
        assert _get(host.port, "alpha-robotics.de", "/en/")[2] == b"<h1>Alpha Robotics</h1>"
        assert _get(host.port, "alpha-robotics.de", "/en?utm_source=crm")[2] == b"<h1>Alpha Robotics</h1>"


def test_content_types_match_the_file_kind(sites_root: Path) -> None:
    with serve_sites(sites_root) as host:
        assert (
            _get(host.port, "alpha-robotics.de", "/robots.txt")[1]["content-type"]
            == "text/plain; charset=utf-8"
        )
        assert _get(host.port, "alpha-robotics.de", "/sitemap.xml")[1]["content-type"].startswith(
            "application/xml"
        )


def test_head_sends_headers_without_a_body(sites_root: Path) -> None:
    with serve_sites(sites_root) as host:
        status, headers, body = _get(host.port, "beta.co.uk", "/", method="HEAD")
        assert (status, headers["content-length"], body) == (200, str(len(b"<h1>Beta Ltd</h1>")), b"")


def test_unknown_host_and_missing_page_get_a_404_page(sites_root: Path) -> None:
    with serve_sites(sites_root) as host:
        for site, target in [("unknown.example", "/"), ("beta.co.uk", "/impressum.html"), ("127.0.0.1", "/")]:
            status, headers, body = _get(host.port, site, target)
            assert status == 404, (site, target)
            assert headers["content-type"] == "text/html; charset=utf-8"
            assert b"Not Found" in body


@pytest.mark.parametrize(
    "target",
    [
        "/../secret.txt",
        "/../../etc/passwd",
        "/%2e%2e/secret.txt",
        "/%2E%2E/%2E%2E/etc/passwd",
        "/..%2fsecret.txt",
        "/..%2F..%2Fetc%2Fpasswd",
        "/%252e%252e/secret.txt",
        "/..\\secret.txt",
        "/..%5csecret.txt",
        "/en/../../secret.txt",
        "/%c0%ae%c0%ae/secret.txt",
        "/%00/../secret.txt",
        "//../secret.txt",
        "../secret.txt",
        "http://beta.co.uk/../secret.txt",
    ],
)
def test_path_traversal_is_refused(sites_root: Path, target: str) -> None:
    with serve_sites(sites_root) as host:
        response = _raw_get(host.port, "alpha-robotics.de", target)
    status_line = response.split(b"\r\n", 1)[0]
    assert status_line.split()[1] in {b"400", b"404"}, f"{target!r} answered {status_line!r}"
    assert SECRET.encode() not in response and b"root:" not in response


@pytest.mark.parametrize("header", ["..", "../secret.txt", "alpha-robotics.de/..", "[::1]", "a..b", ""])
def test_host_headers_that_are_not_plain_dns_names_are_refused(sites_root: Path, header: str) -> None:
    assert site_name(header) is None
    with serve_sites(sites_root) as host:
        response = _raw_get(host.port, header, "/secret.txt")
    assert response.split(b"\r\n", 1)[0].split()[1] == b"400"
    assert SECRET.encode() not in response


def test_a_symlink_out_of_the_site_is_not_followed(sites_root: Path) -> None:
    (sites_root / "beta.co.uk" / "leak.txt").symlink_to(sites_root.parent / "secret.txt")
    with serve_sites(sites_root) as host:
        status, _, body = _get(host.port, "beta.co.uk", "/leak.txt")
    assert status == 404 and SECRET.encode() not in body


def test_extra_routes_take_precedence_for_their_host_and_path(sites_root: Path) -> None:
    def too_many_requests(handler: BaseHTTPRequestHandler) -> None:
        handler.send_response(429)
        handler.send_header("Retry-After", "1")
        handler.send_header("Content-Length", "0")
        handler.end_headers()

    with serve_sites(sites_root, extra_routes={("beta.co.uk", "/"): too_many_requests}) as host:
        status, headers, _ = _get(host.port, "www.beta.co.uk", "/?page=1")
        assert (status, headers["retry-after"]) == (429, "1")
        assert _get(host.port, "alpha-robotics.de", "/")[0] == 200
        assert _get(host.port, "beta.co.uk", "/", method="POST")[0] == 429
        assert _get(host.port, "alpha-robotics.de", "/", method="POST")[0] == 405
        assert [(r.site, r.target, r.status) for r in host.served()][:2] == [
            ("beta.co.uk", "/?page=1", 429),
            ("alpha-robotics.de", "/", 200),
        ]


def test_binds_only_to_loopback_and_stops_when_the_block_ends(sites_root: Path) -> None:
    with serve_sites(sites_root) as host:
        idle = socket.create_connection(("127.0.0.1", host.port), timeout=5)  # a client that never sends
        assert _get(host.port, "beta.co.uk", "/")[0] == 200
        assert host._server.server_address[0] == "127.0.0.1"
        assert host.serving
    assert not host.serving, "the server thread or its socket outlived the with block"
    idle.close()


def test_a_port_in_use_is_a_config_error(sites_root: Path) -> None:
    with (
        serve_sites(sites_root) as first,
        pytest.raises(ConfigError, match="cannot listen"),
        serve_sites(sites_root, port=first.port),
    ):
        pass


def test_a_missing_root_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not a directory"), serve_sites(tmp_path / "nope"):
        pass

"""Serve many static websites from one directory, picked by the request's Host header.

For demos and tests: the enrichment agent fetches ``https://acme-robotics.de/impressum.html`` through a
resolver stand-in that connects every name to 127.0.0.1, and this server answers from
``root/acme-robotics.de/impressum.html``. It binds to 127.0.0.1 only and serves nothing outside a
site's own directory.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote

from enrich.errors import ConfigError

LOOPBACK = "127.0.0.1"

RouteHandler = Callable[[BaseHTTPRequestHandler], None]
"""Writes a complete response (status, headers, body) for one request."""

ExtraRoutes = Mapping[tuple[str, str], RouteHandler]
"""Special behaviours keyed by (site name, path), e.g. ``("slow.example", "/about.html")``."""

CONTENT_TYPES: Mapping[str, str] = {
    ".html": "text/html; charset=utf-8",
    ".htm": "text/html; charset=utf-8",
    ".txt": "text/plain; charset=utf-8",
    ".csv": "text/csv; charset=utf-8",
    ".xml": "application/xml; charset=utf-8",
    ".json": "application/json",
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".webp": "image/webp",
    ".ico": "image/x-icon",
    ".pdf": "application/pdf",
}
DEFAULT_CONTENT_TYPE = "application/octet-stream"

NOT_FOUND_PAGE = b"<!doctype html><title>404 Not Found</title><h1>Not Found</h1>\n"
BAD_REQUEST_PAGE = b"<!doctype html><title>400 Bad Request</title><h1>Bad Request</h1>\n"

_LABEL = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
_DNS_NAME = re.compile(rf"{_LABEL}(?:\.{_LABEL})*")


def site_name(host_header: str) -> str | None:
    """The site directory a Host header names: lowercased, without port, trailing dot or leading ``www.``.

    Returns None for anything that is not a plain DNS name (IP literals in brackets, empty labels,
    slashes, ``..``), so a Host header can never point outside the root.
    """
    host = host_header.strip().lower()
    if host.count(":") == 1:
        host, _, port = host.partition(":")
        if not port.isdigit():
            return None
    host = host.removesuffix(".").removeprefix("www.")
    return host if _DNS_NAME.fullmatch(host) else None


def request_segments(target: str) -> list[str] | None:
    """The path segments of an origin-form request target, percent-decoded exactly once.

    Returns None when the target could climb out of a site: not starting with ``/``, or with a
    ``.``/``..`` segment, a backslash or a NUL after decoding (``/%2e%2e/``, ``/..%2f``, ``/..\\``).
    """
    path = target.split("#", 1)[0].split("?", 1)[0]
    if not path.startswith("/"):
        return None
    try:
        decoded = unquote(path, errors="strict")
    except UnicodeDecodeError:
        return None
    segments = [segment for segment in decoded.split("/") if segment]
    for segment in segments:
        if segment in {".", ".."} or "\\" in segment or "\x00" in segment:
            return None
    return segments


def resolve_file(root: Path, site: str, segments: list[str]) -> Path | None:
    """The regular file under ``root/site`` for these segments (a directory means its index.html).

    Returns None when there is no such site or file, or when a symlink leads outside the site.
    """
    site_dir = (root / site).resolve()
    if not site_dir.is_dir() or not site_dir.is_relative_to(root.resolve()):
        return None
    candidate = site_dir.joinpath(*segments)
    if candidate.is_dir():
        candidate = candidate / "index.html"
    resolved = candidate.resolve()
    if not resolved.is_relative_to(site_dir) or not resolved.is_file():
        return None
    return resolved


def content_type_for(path: Path) -> str:
    """The Content-Type header for a file, by its suffix; text types say charset=utf-8."""
    return CONTENT_TYPES.get(path.suffix.lower(), DEFAULT_CONTENT_TYPE)


@dataclass(frozen=True)
class ServedRequest:
    """One request as the server saw it, for tests that check what a client did (or did not) fetch."""

    method: str
    site: str | None  # the normalised Host header; None when it was not a plain DNS name
    target: str  # the request target as sent, query string included
    status: int  # the status sent; 0 when an extra route sent none


class _SitesServer(ThreadingHTTPServer):
    daemon_threads = True  # a client that holds a connection open must not keep the process alive

    def __init__(self, port: int, root: Path, extra_routes: ExtraRoutes) -> None:
        self.root = root
        self.extra_routes = extra_routes
        self.served: list[ServedRequest] = []
        self.served_lock = threading.Lock()
        super().__init__((LOOPBACK, port), _SiteRequestHandler)


class _SiteRequestHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "leadscore-sitehost/1"
    timeout = 10  # an idle keep-alive connection is closed instead of pinning a thread forever
    _status = 0

    @property
    def sites(self) -> _SitesServer:
        assert isinstance(self.server, _SitesServer)
        return self.server

    def do_GET(self) -> None:
        self._answer()

    def do_HEAD(self) -> None:
        self._answer()

    def do_POST(self) -> None:
        self._answer(static_files=False)

    def send_response(self, code: int, message: str | None = None) -> None:
        # Logged before the reply goes out, so a client that has its answer finds it in served().
        self._status = int(code)
        headers = getattr(self, "headers", None)  # absent when the request line itself was bad
        site = site_name(headers.get("Host", "")) if headers is not None else None
        with self.sites.served_lock:
            self.sites.served.append(ServedRequest(self.command, site, self.path, self._status))
        super().send_response(code, message)

    def log_message(self, format: str, *args: object) -> None:
        """Silent: ``SiteHost.served()`` is the log."""

    def _answer(self, *, static_files: bool = True) -> None:
        self._status = 0
        site = site_name(self.headers.get("Host", ""))
        route = self.sites.extra_routes.get((site or "", self.path.split("?", 1)[0]))
        if route is not None:
            route(self)
        elif not static_files:
            self._respond(HTTPStatus.METHOD_NOT_ALLOWED, b"", CONTENT_TYPES[".txt"])
        else:
            self._serve_file(site)

    def _serve_file(self, site: str | None) -> None:
        segments = request_segments(self.path)
        if site is None or segments is None:
            self._respond(HTTPStatus.BAD_REQUEST, BAD_REQUEST_PAGE, CONTENT_TYPES[".html"])
            return
        found = resolve_file(self.sites.root, site, segments)
        if found is None:
            self._respond(HTTPStatus.NOT_FOUND, NOT_FOUND_PAGE, CONTENT_TYPES[".html"])
            return
        self._respond(HTTPStatus.OK, found.read_bytes(), content_type_for(found))

    def _respond(self, status: HTTPStatus, body: bytes, content_type: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        if status >= HTTPStatus.BAD_REQUEST:
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)


@dataclass
class SiteHost:
    """A running site server: where it listens and what it has served so far."""

    port: int
    _server: _SitesServer = field(repr=False)
    _thread: threading.Thread = field(repr=False)

    @property
    def serving(self) -> bool:
        """True while the server thread runs and its listening socket is open."""
        return self._thread.is_alive() and self._server.socket.fileno() != -1

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:PORT``: connect here and send the site's name as the Host header."""
        return f"http://{LOOPBACK}:{self.port}"

    def url_for(self, host: str, path: str = "/") -> str:
        """``http://HOST:PORT/PATH``: the URL a client with a connect-to-loopback resolver fetches."""
        return f"http://{host}:{self.port}{path if path.startswith('/') else '/' + path}"

    def served(self) -> list[ServedRequest]:
        """A snapshot of every request answered so far, in order."""
        with self._server.served_lock:
            return list(self._server.served)


@contextmanager
def serve_sites(root: Path, port: int = 0, extra_routes: ExtraRoutes | None = None) -> Iterator[SiteHost]:
    """Serve ``root/<site>/…`` on 127.0.0.1 (``port=0`` picks a free port) until the block ends.

    On exit the server stops accepting, the serving thread is joined and the socket is closed, so
    nothing keeps running after the ``with`` block. Raises ConfigError when the port cannot be bound
    or the root is not a directory.
    """
    if not root.is_dir():
        raise ConfigError(
            f"site root {root} is not a directory", hint="generate it: examples/generate_sample.py"
        )
    try:
        server = _SitesServer(port, root, dict(extra_routes or {}))
    except OSError as error:
        raise ConfigError(
            f"cannot listen on {LOOPBACK}:{port}: {error.strerror}", hint="pass port=0 for a free port"
        ) from error
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield SiteHost(port=server.server_address[1], _server=server, _thread=thread)
    finally:
        server.shutdown()
        thread.join(timeout=5)
        server.server_close()

"""Loopback test servers for the fetcher, and the network tripwire every fetch test runs under.

``SiteServer`` is one HTTP server on 127.0.0.1 that serves many sites by ``Host`` header (reached
through the fetcher's connect-to map) and counts every request. ``install_tripwire`` wraps the
stdlib's socket connect and name lookup so any connection to a non-loopback address, or any DNS
lookup of a name, is recorded and blocked; the fixture fails the test at teardown if one happened,
even when the code under test swallowed the error.
"""

from __future__ import annotations

import asyncio
import gzip
import socket
import socketserver
import threading
import time
import zlib
from collections import Counter
from collections.abc import Callable, Coroutine, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from ipaddress import ip_address
from typing import Any, TypeVar

import pytest

from enrich.config import Settings
from enrich.errors import FetchRefused

T = TypeVar("T")


@dataclass(frozen=True)
class Reply:
    """One canned answer. ``stream_bytes`` sends that many bytes of filler without Content-Length
    (close-delimited); ``drip_s`` sends ``body`` one byte at a time with that pause; ``hang_up`` closes
    the connection without answering."""

    status: int = 200
    body: bytes = b"<html><body>ok</body></html>"
    content_type: str | None = "text/html; charset=utf-8"
    headers: tuple[tuple[str, str], ...] = ()
    stream_bytes: int | None = None
    drip_s: float | None = None
    hang_up: bool = False


def html(text: str, *, charset: str = "utf-8") -> Reply:
    return Reply(body=text.encode(charset), content_type=f"text/html; charset={charset}")


def redirect(location: str, status: int = 302) -> Reply:
    return Reply(status=status, body=b"", headers=(("Location", location),))


def robots(text: str) -> Reply:
    return Reply(body=text.encode(), content_type="text/plain")


def gzip_bomb(decoded_bytes: int) -> bytes:
    """``decoded_bytes`` of zeros, gzip-compressed (about 1000:1), built in pieces to stay small in memory."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    block = bytes(1024 * 1024)
    parts = [compressor.compress(block) for _ in range(decoded_bytes // len(block))]
    parts.append(compressor.flush())
    return b"".join(parts)


def gzipped(text: str) -> bytes:
    return gzip.compress(text.encode())


@dataclass
class Seen:
    """One request as the server saw it."""

    host: str
    path: str
    headers: dict[str, str]
    at: float


@dataclass
class SiteServer:
    """Many sites on one loopback port; ``route(host, path, *replies)`` answers the n-th request
    with the n-th reply (the last one repeats). Unknown routes answer 404."""

    routes: dict[tuple[str, str], list[Reply]] = field(default_factory=dict)
    hits: Counter[tuple[str, str]] = field(default_factory=Counter)
    seen: list[Seen] = field(default_factory=list)
    bytes_sent: Counter[tuple[str, str]] = field(default_factory=Counter)
    stopping: threading.Event = field(default_factory=threading.Event)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _server: ThreadingHTTPServer | None = None

    def route(self, host: str, path: str, *replies: Reply) -> None:
        self.routes[(host, path)] = list(replies)

    @property
    def port(self) -> int:
        assert self._server is not None
        return int(self._server.server_address[1])

    def connect_to(self) -> str:
        """A connect-to map sending every name to this server."""
        return f"*:127.0.0.1:{self.port}"

    def _next(self, host: str, path: str, headers: dict[str, str]) -> Reply:
        with self._lock:
            count = self.hits[(host, path)]
            self.hits[(host, path)] += 1
            self.seen.append(Seen(host, path, headers, time.monotonic()))
        replies = self.routes.get((host, path))
        if not replies:
            return Reply(status=404, body=b"not found", content_type="text/plain")
        return replies[min(count, len(replies) - 1)]

    def start(self) -> None:
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.site = self
        threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        ).start()

    def stop(self) -> None:
        self.stopping.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    site: SiteServer

    def server_bind(self) -> None:
        # HTTPServer.server_bind calls getfqdn(), a reverse DNS lookup the tripwire would block.
        socketserver.TCPServer.server_bind(self)
        self.server_name, self.server_port = "127.0.0.1", int(self.server_address[1])

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # clients hanging up mid-body is what the cap tests do on purpose


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        host_header = (self.headers.get("Host") or "").lower()
        host = host_header.split("]")[0] + "]" if host_header.startswith("[") else host_header.split(":")[0]
        site = self.server.site
        reply = site._next(host, self.path, dict(self.headers.items()))
        if reply.hang_up:
            self.close_connection = True
            return
        self.send_response(reply.status)
        if reply.content_type is not None:
            self.send_header("Content-Type", reply.content_type)
        for name, value in reply.headers:
            self.send_header(name, value)
        try:
            self._send_body(reply, site, (host, self.path))
        except OSError:
            self.close_connection = True

    def _send_body(self, reply: Reply, site: SiteServer, key: tuple[str, str]) -> None:
        if reply.stream_bytes is not None:
            self.send_header("Connection", "close")
            self.end_headers()
            self.close_connection = True
            block = b"a" * 65536
            sent = 0
            while sent < reply.stream_bytes and not site.stopping.is_set():
                self.wfile.write(block)
                sent += len(block)
                site.bytes_sent[key] += len(block)
            return
        self.send_header("Content-Length", str(len(reply.body)))
        self.end_headers()
        if reply.drip_s is None:
            self.wfile.write(reply.body)
            site.bytes_sent[key] += len(reply.body)
            return
        for index in range(len(reply.body)):
            if site.stopping.wait(reply.drip_s):
                return
            self.wfile.write(reply.body[index : index + 1])
            self.wfile.flush()
            site.bytes_sent[key] += 1


@contextmanager
def running_sites() -> Iterator[SiteServer]:
    server = SiteServer()
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(name="sites")
def sites_fixture() -> Iterator[SiteServer]:
    """A running ``SiteServer``; import ``sites_fixture`` into a test module to use ``sites``."""
    with running_sites() as server:
        yield server


@pytest.fixture(name="tripwire", autouse=True)
def tripwire_fixture(monkeypatch: pytest.MonkeyPatch) -> Iterator[Tripwire]:
    """The tripwire, on for every test of a module that imports ``tripwire_fixture``."""
    with install_tripwire(monkeypatch) as wire:
        yield wire


def fetch_settings(server: SiteServer | None = None, **overrides: Any) -> Settings:
    """Settings for tests: every name routed to ``server``, loopback allowed, no politeness delay."""
    values: dict[str, Any] = {"fetch_host_delay_s": 0.0, "fetch_timeout_s": 5.0}
    if server is not None:
        values |= {"fetch_connect_to": server.connect_to(), "fetch_allow_addresses": "127.0.0.1"}
    return Settings(**(values | overrides))


class RecordingSleep:
    """An injected sleep that records what was asked and returns at once (``real=True``: and waits)."""

    def __init__(self, *, real: bool = False) -> None:
        self.waits: list[float] = []
        self._real = real

    async def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)
        await asyncio.sleep(seconds if self._real else 0)


def run(coroutine: Coroutine[Any, Any, T]) -> T:
    return asyncio.run(coroutine)


@dataclass
class Tripwire:
    """Connections and lookups that would have left loopback; each was blocked."""

    violations: list[str] = field(default_factory=list)
    connects: list[str] = field(default_factory=list)

    def check_address(self, address: Any) -> None:
        if not isinstance(address, tuple):
            return  # unix sockets
        host = str(address[0])
        self.connects.append(host)
        try:
            loopback = ip_address(host.split("%")[0]).is_loopback
        except ValueError:
            loopback = False
        if not loopback:
            self.violations.append(f"connect to {address!r}")
            raise PermissionError(f"tripwire: connection to non-loopback address {address!r}")

    def check_lookup(self, host: Any) -> None:
        if host is None:
            return
        name = host.decode() if isinstance(host, bytes) else str(host)
        try:
            if ip_address(name.split("%")[0]).is_loopback:
                return
        except ValueError:
            pass
        self.violations.append(f"name lookup of {name!r}")
        raise socket.gaierror(socket.EAI_NONAME, f"tripwire: lookup of {name!r}")


@contextmanager
def install_tripwire(monkeypatch: pytest.MonkeyPatch) -> Iterator[Tripwire]:
    """Patch the *stdlib* socket layer (never our modules) so nothing can leave loopback."""
    wire = Tripwire()
    original_connect = socket.socket.connect
    original_connect_ex = socket.socket.connect_ex
    original_create_connection = socket.create_connection
    original_getaddrinfo = socket.getaddrinfo

    def connect(self: socket.socket, address: Any) -> None:
        wire.check_address(address)
        original_connect(self, address)

    def connect_ex(self: socket.socket, address: Any) -> int:
        wire.check_address(address)
        return original_connect_ex(self, address)

    def create_connection(address: Any, *args: Any, **kwargs: Any) -> socket.socket:
        wire.check_address(address)
        return original_create_connection(address, *args, **kwargs)

    def getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
        wire.check_lookup(host)
        return original_getaddrinfo(host, *args, **kwargs)

    monkeypatch.setattr(socket.socket, "connect", connect)
    monkeypatch.setattr(socket.socket, "connect_ex", connect_ex)
    monkeypatch.setattr(socket, "create_connection", create_connection)
    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    yield wire
    assert not wire.violations, f"traffic tried to leave loopback: {wire.violations}"


def assert_refused(call: Callable[[], object], reason: str) -> str:
    """Run ``call``, expect ``FetchRefused`` with ``reason``; returns the message for further checks."""
    with pytest.raises(FetchRefused) as caught:
        call()
    assert caught.value.reason == reason, (
        f"expected reason {reason}, got {caught.value.reason}: {caught.value}"
    )
    return str(caught.value)

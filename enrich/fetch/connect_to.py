"""Test and demo routing: a curl-style connect-to map onto loopback, and the loopback allow-list.

``LEADSCORE_FETCH_CONNECT_TO`` sends requests for real-looking company hostnames to a local server,
while the URL, the ``Host`` header, robots.txt, provenance and the cache keep the real hostname.
Grammar (comma-separated entries, whitespace around entries ignored, first matching entry wins)::

    entry        = host ":" port ":" connect-host ":" connect-port
                 | host ":" connect-host ":" connect-port        ; same as port "*"
    host         = "*" | "*." name | name      ; "*" matches every name, "*.x" every name below x
    port         = "*" | 1*DIGIT               ; the URL's port (80/443 when the URL names none)
    connect-host = IPv4 address | "[" IPv6 address "]"
    connect-port = 1*DIGIT

Examples: ``*:127.0.0.1:8765``, ``acme.example:443:127.0.0.1:8766``, ``müller-gmbh.de:*:[::1]:8767``.
Names may be written in Unicode; they are compared in the A-label (punycode) form httpx sends.
Entries never apply to a URL whose host is an IP address (written in any form): literal addresses are
always judged as themselves by the SSRF guard.

The map only works together with ``LEADSCORE_FETCH_ALLOW_ADDRESSES`` (comma-separated addresses or
networks). That allow-list may name loopback only (inside ``127.0.0.0/8``, or ``::1``): production
configuration must not be able to open private ranges by accident, so anything else is a
``ConfigError`` at start, as is a connect-to target the allow-list does not cover.

A mapped connection is always spoken in plain HTTP, also for an ``https://`` URL: the loopback test
server has no TLS. The URL (and so provenance and the cache) keeps ``https``.
"""

from __future__ import annotations

import re
import socket
from collections.abc import Iterable
from dataclasses import dataclass
from ipaddress import IPv4Address, IPv4Network, IPv6Address, IPv6Network, ip_address, ip_network

import httpx
from ssrfguard import Resolver

from enrich.errors import ConfigError

IPAddress = IPv4Address | IPv6Address
IPNetwork = IPv4Network | IPv6Network

LOOPBACK_NETWORKS: tuple[IPNetwork, ...] = (ip_network("127.0.0.0/8"), ip_network("::1/128"))

_CONNECT_TO_VAR = "LEADSCORE_FETCH_CONNECT_TO"
_ALLOW_VAR = "LEADSCORE_FETCH_ALLOW_ADDRESSES"

_ENTRY = re.compile(
    r"""^(?P<host>[^:\[\]\s,]+)
        (?::(?P<port>\*|\d+))?
        :(?P<connect_host>\[[0-9A-Fa-f:.]+\]|\d{1,3}(?:\.\d{1,3}){3})
        :(?P<connect_port>\d+)$""",
    re.VERBOSE,
)


def is_address_literal(host: str) -> bool:
    """Whether ``host`` is an IP address in any spelling a resolver would accept.

    Besides standard literals this covers the legacy IPv4 forms the C library decodes
    (``2130706433``, ``0177.0.0.1``, ``0x7f.1``, ``127.1``): pure parsing, no lookup.
    """
    bare = host.strip("[]")
    try:
        ip_address(bare)
        return True
    except ValueError:
        pass
    try:
        socket.inet_aton(bare)
    except (OSError, ValueError):
        return False
    return True


def a_label(name: str) -> str:
    """The lowercase A-label form of a hostname, exactly as httpx puts it on the wire."""
    try:
        return httpx.URL(f"http://{name}/").raw_host.decode("ascii").lower()
    except (httpx.InvalidURL, UnicodeError) as exc:
        raise ConfigError(f"{name!r} is not a usable hostname: {exc}") from exc


@dataclass(frozen=True)
class ConnectToRule:
    """Requests for ``host:port`` connect to ``connect_address:connect_port`` instead.

    ``host`` is ``None`` for any name, or an A-label; ``wildcard_suffix`` makes it match names below it.
    ``port`` is ``None`` for any port.
    """

    host: str | None
    port: int | None
    connect_address: IPAddress
    connect_port: int
    wildcard_suffix: bool = False

    def matches(self, host: str, port: int) -> bool:
        if self.port is not None and port != self.port:
            return False
        if self.host is None:
            return True
        if self.wildcard_suffix:
            return host.endswith("." + self.host)
        return host == self.host


def _port(text: str, entry: str) -> int:
    value = int(text)
    if not 1 <= value <= 65535:
        raise ConfigError(f"{_CONNECT_TO_VAR}: port {value} in {entry!r} is not a TCP port")
    return value


def _rule(entry: str) -> ConnectToRule:
    match = _ENTRY.match(entry)
    if match is None:
        raise ConfigError(
            f"{_CONNECT_TO_VAR}: cannot read {entry!r}",
            hint="write HOST:PORT:CONNECT_HOST:CONNECT_PORT, e.g. acme.example:443:127.0.0.1:8766 "
            "or *:127.0.0.1:8765 (see docs/fetching.md)",
        )
    host_text, port_text = match["host"], match["port"]
    try:
        address = ip_address(match["connect_host"].strip("[]"))
    except ValueError as exc:
        raise ConfigError(
            f"{_CONNECT_TO_VAR}: {match['connect_host']!r} in {entry!r} is not an address"
        ) from exc
    wildcard = host_text.startswith("*.")
    if host_text != "*" and is_address_literal(host_text):
        raise ConfigError(
            f"{_CONNECT_TO_VAR}: {entry!r} maps an IP address; only names can be mapped",
            hint="addresses are always checked as themselves",
        )
    if "*" in host_text.removeprefix("*.") and host_text != "*":
        raise ConfigError(
            f"{_CONNECT_TO_VAR}: '*' may only be the whole host or its first label in {entry!r}"
        )
    return ConnectToRule(
        host=None if host_text == "*" else a_label(host_text.removeprefix("*.")),
        port=None if port_text in (None, "*") else _port(port_text, entry),
        connect_address=address,
        connect_port=_port(match["connect_port"], entry),
        wildcard_suffix=wildcard,
    )


def parse_connect_to(text: str) -> tuple[ConnectToRule, ...]:
    """Parse a connect-to map (grammar in the module docstring). Empty text is an empty map."""
    return tuple(_rule(entry.strip()) for entry in text.split(",") if entry.strip())


def parse_allow_addresses(text: str) -> tuple[IPNetwork, ...]:
    """Parse the allow-list; every entry must lie inside loopback (``127.0.0.0/8`` or ``::1``)."""
    networks: list[IPNetwork] = []
    for entry in (part.strip() for part in text.split(",")):
        if not entry:
            continue
        try:
            network = ip_network(entry.strip("[]"), strict=False)
        except ValueError as exc:
            raise ConfigError(f"{_ALLOW_VAR}: {entry!r} is not an address or network") from exc
        if not any(_inside(network, loopback) for loopback in LOOPBACK_NETWORKS):
            raise ConfigError(
                f"{_ALLOW_VAR}: {entry!r} is not loopback; only 127.0.0.0/8 and ::1 can be allowed",
                hint="the allow-list exists for tests and the demo; public sites need no entry, "
                "and private ranges are never fetched",
            )
        networks.append(network)
    return tuple(networks)


def _inside(inner: IPNetwork, outer: IPNetwork) -> bool:
    if isinstance(inner, IPv4Network) and isinstance(outer, IPv4Network):
        return inner.subnet_of(outer)
    if isinstance(inner, IPv6Network) and isinstance(outer, IPv6Network):
        return inner.subnet_of(outer)
    return False


def _covered(address: IPAddress, networks: Iterable[IPNetwork]) -> bool:
    return any(address.version == network.version and address in network for network in networks)


@dataclass(frozen=True)
class LoopbackRouting:
    """The validated pair: connect-to rules plus the loopback networks the guard may reach."""

    rules: tuple[ConnectToRule, ...] = ()
    allowed_networks: tuple[IPNetwork, ...] = ()

    @classmethod
    def from_text(cls, connect_to: str, allow_addresses: str) -> LoopbackRouting:
        """Parse and cross-check both settings; raises ``ConfigError`` naming the variable at fault."""
        rules = parse_connect_to(connect_to)
        allowed = parse_allow_addresses(allow_addresses)
        for rule in rules:
            if not _covered(rule.connect_address, allowed):
                raise ConfigError(
                    f"{_CONNECT_TO_VAR}: target {rule.connect_address} is not in {_ALLOW_VAR}",
                    hint=f"set {_ALLOW_VAR}={rule.connect_address} (loopback only)",
                )
        return cls(rules=rules, allowed_networks=allowed)

    @property
    def extra_ports(self) -> frozenset[int]:
        """Ports the guard must accept beyond 80/443: mapped source ports and connect-to targets."""
        ports = {rule.connect_port for rule in self.rules}
        ports.update(rule.port for rule in self.rules if rule.port is not None)
        return frozenset(ports)

    def rule_for(self, host: str, port: int) -> ConnectToRule | None:
        """The first rule for ``host`` (an A-label) and ``port``; never one for an address literal."""
        if not self.rules or is_address_literal(host):
            return None
        name = host.rstrip(".").lower()
        return next((rule for rule in self.rules if rule.matches(name, port)), None)

    def resolver(self, base: Resolver | None) -> Resolver | None:
        """A ``getaddrinfo`` stand-in for ssrfguard: mapped names answer with their loopback target.

        Unmapped names go to ``base`` (``socket.getaddrinfo`` when ``None``). The guard still checks
        every answer against the policy, so a mapping grants nothing the allow-list does not.
        """
        if not self.rules:
            return base
        fallback = base if base is not None else socket.getaddrinfo

        def resolve(
            host: str, port: int, family: int = 0, type: int = 0, proto: int = 0, flags: int = 0
        ) -> list[tuple[int, int, int, str, tuple[object, ...]]]:
            rule = self.rule_for(host, int(port))
            if rule is None:
                return list(fallback(host, port, family, type, proto, flags))
            address = str(rule.connect_address)
            if rule.connect_address.version == 6:
                return [
                    (
                        socket.AF_INET6,
                        socket.SOCK_STREAM,
                        socket.IPPROTO_TCP,
                        "",
                        (address, rule.connect_port, 0, 0),
                    )
                ]
            return [
                (socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP, "", (address, rule.connect_port))
            ]

        return resolve

"""The SSRF guard: an ``ssrfguard`` async client built from Settings, and its refusals mapped to ours.

``ssrfguard`` does the real work and is not re-implemented here: http(s) only, one DNS lookup whose
every answer is checked, a connection to the checked address (never to the name again), and refusal
of loopback, private, link-local, CGNAT, multicast, cloud metadata, IPv6 equivalents and wrapped
forms (``::ffff:…``, NAT64 ``64:ff9b::…``, 6to4 ``2002:…``), on every redirect hop. Two gaps it
leaves are closed here before any lookup: names that exist to reach the machine itself or a cloud
metadata service (``localhost``, ``metadata.google.internal`` …), and legacy IPv4 spellings that
look like names to a URL parser but are decoded by the C resolver (``0x7f.1``).

Routing for tests and the demo (``LoopbackRouting``) plugs into the guard's resolver seam; only
loopback addresses named in the allow-list are added to the policy's ``allowed_networks``.
"""

from __future__ import annotations

from ipaddress import ip_address
from urllib.parse import urlsplit

import httpx
from ssrfguard import BlockedAddressError, BlockedURLError, Policy, Resolver, SSRFGuardError
from ssrfguard.httpx import AsyncClient, AsyncSafeTransport

from enrich.errors import FetchRefused
from enrich.fetch.connect_to import LoopbackRouting, is_address_literal
from enrich.fetch.result import RefusalReason, refusal

ALLOWED_SCHEMES = frozenset({"http", "https"})

# Names whose only purpose is reaching this machine or the cloud's instance metadata service.
DENIED_NAMES = frozenset(
    {
        "localhost",
        "metadata",
        "metadata.goog",
        "metadata.google.internal",
        "metadata.azure.internal",
        "instance-data",
        "instance-data.ec2.internal",
    }
)
DENIED_SUFFIXES = (".localhost",)


def build_policy(routing: LoopbackRouting, *, max_redirects: int) -> Policy:
    """The guard's policy: defaults, plus the loopback allow-list and the ports connect-to needs."""
    return Policy(
        allowed_networks=routing.allowed_networks,
        allowed_ports=frozenset({80, 443}) | routing.extra_ports,
        max_redirects=max_redirects,
    )


def as_refusal(error: SSRFGuardError, url: str) -> FetchRefused:
    """Map an ssrfguard refusal to ours: ``scheme`` for a non-http(s) URL, else ``address_class``."""
    detail = str(getattr(error, "reason", error))
    if isinstance(error, BlockedURLError) and _scheme(url) not in ALLOWED_SCHEMES:
        return refusal(RefusalReason.SCHEME, url, f"{url}: {detail}")
    if isinstance(error, BlockedAddressError):
        return refusal(RefusalReason.ADDRESS_CLASS, url, f"{url}: {error.address} is not permitted: {detail}")
    return refusal(RefusalReason.ADDRESS_CLASS, url, f"{url}: {detail}")


def _scheme(url: str) -> str:
    try:
        return urlsplit(url).scheme.lower()
    except ValueError:
        return ""


def check_url(policy: Policy, url: str) -> str:
    """Refuse what can be refused without any I/O; return the URL in httpx's canonical form.

    Raises ``FetchRefused`` (reason ``scheme`` or ``address_class``). Passing this is necessary, not
    sufficient: the guarded client checks every resolved address and every redirect hop again.
    """
    try:
        policy.check_url(url)
    except SSRFGuardError as error:
        raise as_refusal(error, url) from error
    try:
        parsed = httpx.URL(url)
    except httpx.InvalidURL as exc:
        raise refusal(RefusalReason.ADDRESS_CLASS, url, f"{url}: not a usable URL: {exc}") from exc
    host = parsed.raw_host.decode("ascii").rstrip(".").lower()
    if _is_encoded_address(host):
        raise refusal(
            RefusalReason.ADDRESS_CLASS,
            url,
            f"{url}: host {host!r} is an IP address in a legacy encoding (hex, octal or short form)",
        )
    if host in DENIED_NAMES or host.endswith(DENIED_SUFFIXES):
        raise refusal(
            RefusalReason.ADDRESS_CLASS, url, f"{url}: {host!r} names this machine or a metadata service"
        )
    # One spelling per page for the cache and provenance: no fragment, an explicit "/" path.
    return str(parsed.copy_with(fragment=None, raw_path=parsed.raw_path))


def _is_encoded_address(host: str) -> bool:
    try:
        ip_address(host)
    except ValueError:
        return is_address_literal(host)
    return False


class RoutedTransport(AsyncSafeTransport):
    """The guarded transport, speaking plain HTTP to connect-to targets (loopback test servers).

    The request keeps its URL, scheme included, and its ``Host`` header; only the copy handed to the
    connection pool says ``http`` with the URL's port kept explicit, so the resolver still matches
    ``host:443`` and the guard still checks the whole URL.
    """

    def __init__(self, *, policy: Policy, routing: LoopbackRouting, resolver: Resolver | None) -> None:
        super().__init__(policy=policy, resolver=routing.resolver(resolver), trust_env=False)
        self._routing = routing

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        url = request.url
        if url.scheme == "https" and self._routing.rule_for(url.raw_host.decode("ascii"), url.port or 443):
            request = httpx.Request(
                request.method,
                url.copy_with(scheme="http", port=url.port or 443),
                headers=request.headers,
                stream=request.stream,
                extensions=request.extensions,
            )
        return await super().handle_async_request(request)


def build_client(
    policy: Policy,
    routing: LoopbackRouting,
    *,
    user_agent: str,
    timeout_s: float,
    resolver: Resolver | None = None,
) -> AsyncClient:
    """The one HTTP client of the fetcher: guarded, no redirects followed (the fetcher walks them
    itself, checking each hop), no proxies from the environment, our user agent on every request."""
    transport = RoutedTransport(policy=policy, routing=routing, resolver=resolver)
    return AsyncClient(
        transport=transport,
        follow_redirects=False,
        trust_env=False,
        timeout=httpx.Timeout(timeout_s),
        headers={
            "User-Agent": user_agent,
            "Accept": "text/html,application/xhtml+xml,application/json,application/xml,text/plain;q=0.9",
            "Accept-Encoding": "gzip, deflate",
        },
    )

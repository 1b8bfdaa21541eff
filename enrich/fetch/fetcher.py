"""The fetcher: one URL in, a ``FetchResult`` out, or a ``FetchRefused`` saying why not.

Order of decisions for ``fetch(url)``: the URL check (scheme, literal and encoded addresses,
metadata names; no I/O) → the cache → for each hop: skipped host? → robots.txt → the host's turn
(concurrency 1, delay) → the guarded request (every resolved address checked, connection to the
checked address) → redirect (loop and count checked, next hop re-checked from the top) or the body
(content type, size cap while decompressing). The whole walk is one attempt; ``retry`` decides
whether another is made.

The time cap (``fetch_timeout_s``) is wall-clock time on the wire for one attempt, summed over its
redirect hops and including a body that drips: waiting for a host's turn or for a retry is not
charged, so a busy host cannot make a fetch time out before it starts.
"""

from __future__ import annotations

import asyncio
import random
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from types import TracebackType

import httpx
from ssrfguard import Resolver, SSRFGuardError

from enrich.clock import utc_now
from enrich.config import Settings
from enrich.errors import FetchRefused
from enrich.fetch.body import check_page_type, decode_text, read_capped
from enrich.fetch.cache import PageCache
from enrich.fetch.connect_to import LoopbackRouting
from enrich.fetch.guard import as_refusal, build_client, build_policy, check_url
from enrich.fetch.politeness import Clock, HostGate, HostHealth, Sleep
from enrich.fetch.result import FetchResult, RefusalReason, refusal, text_sha256
from enrich.fetch.retry import (
    MAX_ATTEMPTS,
    RETRY_AFTER_CAP_S,
    RETRY_STATUSES,
    RetryableFailure,
    parse_retry_after,
    retrying,
)
from enrich.fetch.robots import ROBOTS_MAX_BYTES, RobotsCache, RobotsRules, product_token

REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})


def host_of(url: str) -> str:
    """The A-label host of ``url``: the key for politeness and host health."""
    return httpx.URL(url).raw_host.decode("ascii").lower()


def origin_of(url: str) -> str:
    """``scheme://host[:port]`` of ``url``: the key for robots.txt."""
    parsed = httpx.URL(url)
    host = host_of(url)
    host = f"[{host}]" if ":" in host else host
    return f"{parsed.scheme}://{host}" + (f":{parsed.port}" if parsed.port is not None else "")


@dataclass(frozen=True)
class _Reply:
    """One hop's answer. ``body`` is read only for a 2xx that is not a redirect."""

    url: str
    status_code: int
    content_type: str
    body: bytes | None = None
    location: str | None = None
    retry_after: str | None = None


class _WireBudget:
    """The seconds of the time cap still left for one attempt."""

    def __init__(self, total_s: float) -> None:
        self.total_s = total_s
        self.spent_s = 0.0

    def remaining_s(self) -> float:
        return self.total_s - self.spent_s


def _caused_by(error: BaseException, kind: type[BaseException]) -> bool:
    seen: BaseException | None = error
    while seen is not None:
        if isinstance(seen, kind):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


class Fetcher:
    """SSRF-safe, polite page fetching for one run (robots.txt and host state live as long as it).

    Built from Settings; the cache, the DNS resolver stand-in, the clocks, the sleep and the jitter
    source are injected so tests drive it without patching. Use as ``async with Fetcher(...) as f``
    or call ``aclose()``. Raises ``ConfigError`` at construction for an unusable connect-to map or
    allow-list.
    """

    def __init__(
        self,
        settings: Settings,
        *,
        cache: PageCache | None = None,
        resolver: Resolver | None = None,
        clock: Clock = time.monotonic,
        sleep: Sleep = asyncio.sleep,
        now: Callable[[], datetime] = utc_now,
        rng: random.Random | None = None,
    ) -> None:
        routing = LoopbackRouting.from_text(settings.fetch_connect_to, settings.fetch_allow_addresses)
        self._policy = build_policy(routing, max_redirects=settings.fetch_max_redirects)
        self.user_agent = f"{settings.user_agent} (+{settings.contact_url})"
        self._agent_token = product_token(settings.user_agent)
        self._client = build_client(
            self._policy,
            routing,
            user_agent=self.user_agent,
            timeout_s=settings.fetch_timeout_s,
            resolver=resolver,
        )
        self._timeout_s = settings.fetch_timeout_s
        self._max_bytes = settings.fetch_max_bytes
        self._max_redirects = settings.fetch_max_redirects
        self._cache_age = timedelta(days=settings.fetch_cache_days)
        self._cache = cache
        self._clock = clock
        self._sleep = sleep
        self._now = now
        self._rng = rng or random.Random()
        self._gate = HostGate(settings.fetch_host_delay_s, clock=clock, sleep=sleep)
        self._health = HostHealth()
        self._robots = RobotsCache(self._load_robots)

    async def __aenter__(self) -> Fetcher:
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._client.aclose()

    async def fetch(self, url: str) -> FetchResult:
        """Fetch ``url`` (or serve it from the cache while fresher than ``fetch_cache_days``).

        Raises ``FetchRefused`` with a ``RefusalReason`` value; scheme and address refusals happen
        before any DNS lookup or connection.
        """
        canonical = check_url(self._policy, url)
        # The cache is a database: in a thread, so that waiting for its write lock (another worker,
        # the worker's own writer thread) never stalls the requests of every other account.
        if self._cache is not None:
            fetched_after = self._now() - self._cache_age
            cached = await asyncio.to_thread(self._cache.lookup, canonical, fetched_after=fetched_after)
            if cached is not None:
                return cached
        result = await self._fetch_with_retries(canonical)
        if self._cache is not None:
            await asyncio.to_thread(self._cache.store, result)
        return result

    async def _fetch_with_retries(self, url: str) -> FetchResult:
        started = self._clock()
        try:
            async for attempt in retrying(sleep=self._sleep, rng=self._rng):
                with attempt:
                    try:
                        return await self._attempt(url, started)
                    except RetryableFailure as failure:
                        self._health.record_failure(failure.host, failure.detail)
                        raise
        except RetryableFailure as failure:
            raise refusal(
                failure.reason, url, f"{failure.detail} (gave up after {MAX_ATTEMPTS} attempts)"
            ) from None
        raise AssertionError("the retry loop either returns or raises")

    async def _attempt(self, url: str, started: float) -> FetchResult:
        reply, redirects = await self._walk(url, for_robots=False)
        host = host_of(reply.url)
        status = reply.status_code
        if status in RETRY_STATUSES:
            wait_s = parse_retry_after(reply.retry_after, self._now())
            if wait_s is not None and wait_s > RETRY_AFTER_CAP_S:
                why = f"asked to wait {wait_s:.0f} s (Retry-After), more than {RETRY_AFTER_CAP_S:.0f} s"
                self._health.skip(host, why)
                raise refusal(RefusalReason.HOST_FAILING, url, f"{host}: {why}; skipped for this run")
            raise RetryableFailure(
                RefusalReason.HTTP_STATUS, host, f"{reply.url} answered HTTP {status}", wait_s
            )
        if not 200 <= status < 300 or reply.body is None:
            raise refusal(RefusalReason.HTTP_STATUS, url, f"{reply.url} answered HTTP {status}")
        self._health.record_success(host)
        text = decode_text(reply.body, reply.content_type)
        return FetchResult(
            url=url,
            final_url=reply.url,
            status_code=status,
            content_type=reply.content_type,
            text=text,
            sha256=text_sha256(text),
            bytes_read=len(reply.body),
            elapsed_s=self._clock() - started,
            fetched_at=self._now(),
            redirects=redirects,
        )

    async def _walk(self, url: str, *, for_robots: bool) -> tuple[_Reply, tuple[str, ...]]:
        """Follow redirects from ``url``; returns the last answer and the URLs that redirected."""
        budget = _WireBudget(self._timeout_s)
        chain = [url]
        while True:
            current = chain[-1]
            if not for_robots:
                self._refuse_skipped_host(current, url)
                await self._check_robots(current, url)
            reply = await self._exchange(current, budget, for_robots=for_robots)
            if reply.location is None:
                return reply, tuple(chain[:-1])
            chain.append(self._next_hop(chain, reply.location, url))

    def _next_hop(self, chain: list[str], location: str, url: str) -> str:
        """The canonical URL a redirect leads to, refused if it is a loop, one hop too many, or a
        destination the guard refuses without connecting (scheme, literal or encoded address)."""
        current = chain[-1]
        try:
            target = check_url(self._policy, str(httpx.URL(current).join(location)))
        except httpx.InvalidURL as exc:
            raise refusal(
                RefusalReason.REDIRECTS, url, f"{current} redirects to an unusable URL: {exc}"
            ) from exc
        except FetchRefused as refused:
            raise FetchRefused(
                f"{refused} (redirect from {current})", reason=refused.reason, url=url
            ) from refused
        if target in chain:
            raise refusal(RefusalReason.REDIRECTS, url, "redirect loop: " + " → ".join([*chain, target]))
        if len(chain) > self._max_redirects:
            raise refusal(
                RefusalReason.REDIRECTS,
                url,
                f"more than {self._max_redirects} redirects: " + " → ".join(chain),
            )
        return target

    def _refuse_skipped_host(self, current: str, url: str) -> None:
        why = self._health.skip_reason(host_of(current))
        if why is not None:
            raise refusal(
                RefusalReason.HOST_FAILING, url, f"{host_of(current)} is skipped for this run: {why}"
            )

    async def _check_robots(self, current: str, url: str) -> None:
        rules = await self._robots.rules_for(origin_of(current))
        if not rules.allows(current, self._agent_token):
            why = rules.blocked_because or f"robots.txt disallows it for {self._agent_token}"
            reason = RefusalReason.ADDRESS_CLASS if rules.blocked_by_address else RefusalReason.ROBOTS
            raise refusal(reason, url, f"{current}: {why}")

    async def _load_robots(self, origin: str) -> RobotsRules:
        try:
            reply, _ = await self._walk(f"{origin}/robots.txt", for_robots=True)
        except RetryableFailure as problem:
            return RobotsRules.block_all(f"robots.txt could not be read ({problem})")
        except FetchRefused as refused:
            by_address = refused.reason == RefusalReason.ADDRESS_CLASS
            return RobotsRules.block_all(f"robots.txt could not be read ({refused})", by_address=by_address)
        text = decode_text(reply.body, reply.content_type) if reply.body is not None else ""
        rules = RobotsRules.from_answer(reply.status_code, text)
        delay_s = rules.crawl_delay_s(self._agent_token)
        if delay_s is not None:
            self._gate.slow_down(host_of(origin), delay_s)
        return rules

    async def _exchange(self, url: str, budget: _WireBudget, *, for_robots: bool) -> _Reply:
        """One request on the host's turn, under what is left of the time cap."""
        host = host_of(url)
        async with self._gate.turn(host):
            started = self._clock()
            try:
                async with asyncio.timeout(budget.remaining_s()):
                    return await self._request(url, for_robots=for_robots)
            except TimeoutError:
                self._health.record_failure(host, "time cap")
                raise refusal(
                    RefusalReason.TIME, url, f"{url}: not done within {budget.total_s:g} s (fetch_timeout_s)"
                ) from None
            finally:
                budget.spent_s += self._clock() - started

    async def _request(self, url: str, *, for_robots: bool) -> _Reply:
        host = host_of(url)
        try:
            async with self._client.stream("GET", url) as response:
                return await self._read_reply(response, url, for_robots=for_robots)
        except SSRFGuardError as error:
            raise as_refusal(error, url) from error
        except (httpx.ConnectError, httpx.ConnectTimeout) as error:
            if _caused_by(error, socket.gaierror):
                raise refusal(RefusalReason.CONNECT_ERROR, url, f"{url}: {host} does not resolve") from error
            raise RetryableFailure(
                RefusalReason.CONNECT_ERROR, host, f"{url}: cannot connect: {error}"
            ) from error
        except httpx.TimeoutException as error:
            raise refusal(RefusalReason.TIME, url, f"{url}: timed out ({type(error).__name__})") from error
        except httpx.TransportError as error:
            detail = f"{url}: connection failed: {type(error).__name__}: {error}"
            raise RetryableFailure(RefusalReason.CONNECT_ERROR, host, detail) from error

    async def _read_reply(self, response: httpx.Response, url: str, *, for_robots: bool) -> _Reply:
        status = response.status_code
        headers = response.headers
        content_type = headers.get("content-type", "")
        location = headers.get("location") if status in REDIRECT_STATUSES else None
        if location is not None or not 200 <= status < 300:
            return _Reply(
                url, status, content_type, location=location, retry_after=headers.get("retry-after")
            )
        if not for_robots:
            check_page_type(content_type, url)
        max_bytes = ROBOTS_MAX_BYTES if for_robots else self._max_bytes
        encoding = headers.get("content-encoding", "")
        declared = headers.get("content-length", "")
        if not encoding and declared.isdigit() and int(declared) > max_bytes:
            raise refusal(
                RefusalReason.SIZE, url, f"{url}: Content-Length {declared} is more than {max_bytes} bytes"
            )
        body = await read_capped(response.aiter_raw(), encoding, max_bytes, url)
        return _Reply(url, status, content_type, body=body)

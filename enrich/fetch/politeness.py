"""Per-host politeness: one request at a time per host, a pause between them, and skipping a host
that keeps failing for the rest of the run.

Hosts are keyed by their A-label name (``xn--mller-kva.de``), not by the address connected to, so
two sites mapped onto one test server are still two hosts.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

FAILURE_LIMIT = 3  # consecutive failed attempts after which a host is skipped for the run

Clock = Callable[[], float]
Sleep = Callable[[float], Awaitable[None]]


class HostGate:
    """Concurrency 1 per host and at least ``delay_s`` between the end of one request and the next."""

    def __init__(self, delay_s: float, *, clock: Clock, sleep: Sleep) -> None:
        self._delay_s = delay_s
        self._clock = clock
        self._sleep = sleep
        self._locks: dict[str, asyncio.Lock] = {}
        self._last_done: dict[str, float] = {}
        self._host_delay: dict[str, float] = {}

    def slow_down(self, host: str, delay_s: float) -> None:
        """Use ``delay_s`` for ``host`` if it is longer than the default (robots.txt Crawl-delay)."""
        self._host_delay[host] = max(self._delay_s, delay_s)

    @asynccontextmanager
    async def turn(self, host: str) -> AsyncIterator[None]:
        """Wait for ``host``'s turn; the body of the ``async with`` is the only request to it."""
        async with self._locks.setdefault(host, asyncio.Lock()):
            last = self._last_done.get(host)
            if last is not None:
                wait = last + self._host_delay.get(host, self._delay_s) - self._clock()
                if wait > 0:
                    await self._sleep(wait)
            try:
                yield
            finally:
                self._last_done[host] = self._clock()


class HostHealth:
    """Counts consecutive failures per host; at ``failure_limit`` the host is skipped for the run."""

    def __init__(self, failure_limit: int = FAILURE_LIMIT) -> None:
        self._failure_limit = failure_limit
        self._failures: dict[str, int] = {}
        self._skipped: dict[str, str] = {}

    def skip_reason(self, host: str) -> str | None:
        """Why ``host`` is skipped for this run, or None if it may be tried."""
        return self._skipped.get(host)

    def skip(self, host: str, why: str) -> None:
        self._skipped.setdefault(host, why)

    def record_failure(self, host: str, why: str) -> None:
        count = self._failures.get(host, 0) + 1
        self._failures[host] = count
        if count >= self._failure_limit:
            self.skip(host, f"{count} failures in a row, the last: {why}")

    def record_success(self, host: str) -> None:
        self._failures.pop(host, None)

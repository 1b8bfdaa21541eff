"""robots.txt: how an answer becomes rules (Protego), and one fetch per origin per run.

What an answer means, following RFC 9309 where it is explicit and erring towards not fetching:

- 2xx: the file is parsed and matched against our product token (``leadscore-bot``);
- 401 or 403: the site refuses robots, so everything is disallowed;
- any other 4xx (404, 410 …): there are no rules, so everything is allowed;
- 429, 5xx, a timeout, a connection error or a refused redirect: disallowed for the rest of this run.

When the guard refuses the address itself, pages of that origin are refused as ``address_class``
(the more useful reason), not as ``robots``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from protego import Protego

ROBOTS_MAX_BYTES = 512 * 1024  # RFC 9309 asks crawlers to read at least 500 KiB
CRAWL_DELAY_CAP_S = 10.0  # a Crawl-delay above this is treated as this


@dataclass(frozen=True)
class RobotsRules:
    """The rules for one origin. ``blocked_because`` set means everything is disallowed;
    ``blocked_by_address`` says the guard refused the address robots.txt lives at (or redirects to)."""

    parser: Protego | None = None
    blocked_because: str | None = None
    blocked_by_address: bool = False

    @classmethod
    def allow_all(cls) -> RobotsRules:
        return cls()

    @classmethod
    def block_all(cls, why: str, *, by_address: bool = False) -> RobotsRules:
        return cls(blocked_because=why, blocked_by_address=by_address)

    @classmethod
    def from_answer(cls, status_code: int, text: str) -> RobotsRules:
        """Rules from the final answer to ``GET /robots.txt`` (see the module docstring)."""
        if 200 <= status_code < 300:
            return cls(parser=Protego.parse(text))
        if status_code in (401, 403):
            return cls.block_all(f"robots.txt answered HTTP {status_code}")
        if 400 <= status_code < 500 and status_code != 429:
            return cls.allow_all()
        return cls.block_all(f"robots.txt answered HTTP {status_code}")

    def allows(self, url: str, agent: str) -> bool:
        if self.blocked_because is not None:
            return False
        return self.parser is None or bool(self.parser.can_fetch(url, agent))

    def crawl_delay_s(self, agent: str) -> float | None:
        """The site's Crawl-delay for ``agent``, capped at ``CRAWL_DELAY_CAP_S``; None if unset."""
        if self.parser is None:
            return None
        delay = self.parser.crawl_delay(agent)
        return None if delay is None else min(float(delay), CRAWL_DELAY_CAP_S)


def product_token(user_agent: str) -> str:
    """``leadscore-bot/0.1 (+https://…)`` → ``leadscore-bot``: what robots.txt groups name."""
    return user_agent.split("/", 1)[0].split()[0].strip()


class RobotsCache:
    """robots.txt rules per origin, fetched at most once per run even under concurrent requests."""

    def __init__(self, load: Callable[[str], Awaitable[RobotsRules]]) -> None:
        self._load = load
        self._rules: dict[str, RobotsRules] = {}
        self._locks: dict[str, asyncio.Lock] = {}

    async def rules_for(self, origin: str) -> RobotsRules:
        """The rules for ``origin`` (``scheme://host[:port]``), loading them on first use."""
        cached = self._rules.get(origin)
        if cached is not None:
            return cached
        lock = self._locks.setdefault(origin, asyncio.Lock())
        async with lock:
            if origin not in self._rules:
                self._rules[origin] = await self._load(origin)
            return self._rules[origin]

"""The page cache the fetcher talks to: a small Protocol, so the fetcher runs with or without a store.

``enrich.store.pages.PageStore`` is the database implementation.
"""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from enrich.fetch.result import FetchResult


class PageCache(Protocol):
    def lookup(self, url: str, *, fetched_after: datetime) -> FetchResult | None:
        """The stored page for ``url`` if it was fetched after ``fetched_after``, with ``from_cache`` set."""
        ...

    def store(self, result: FetchResult) -> None:
        """Store (or replace) the page for ``result.url``; storing the same result twice changes nothing."""
        ...

"""SSRF-safe, polite fetching of company pages (see docs/fetching.md).

Public surface: ``Fetcher`` (``async fetch(url) -> FetchResult``, ``aclose()``), ``FetchResult``,
``RefusalReason`` (the ``reason`` of every ``enrich.errors.FetchRefused``) and ``PageCache``.
"""

from enrich.fetch.cache import PageCache
from enrich.fetch.fetcher import Fetcher
from enrich.fetch.result import FetchResult, RefusalReason, text_sha256

__all__ = ["FetchResult", "Fetcher", "PageCache", "RefusalReason", "text_sha256"]

"""The page cache in the store: ``page`` rows (URL, final URL, status, type, time, sha256) and ``blob``
rows holding each distinct text once, keyed by its sha256. Implements ``enrich.fetch.PageCache``.

Writes are upserts, so storing the same page twice, or from two workers, leaves one row.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Engine, or_, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import OperationalError

from enrich.errors import UpstreamError
from enrich.fetch.result import FetchResult
from enrich.store.schema import blob, page


def _insert(engine: Engine) -> Any:
    """The dialect's INSERT, which has ``on_conflict_do_update`` / ``on_conflict_do_nothing``."""
    if engine.dialect.name == "postgresql":
        return postgresql.insert
    if engine.dialect.name == "sqlite":
        return sqlite.insert
    raise UpstreamError(f"the page cache does not support {engine.dialect.name} databases")


class PageStore:
    """Page cache on a migrated store Engine."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._insert = _insert(engine)

    def lookup(self, url: str, *, fetched_after: datetime) -> FetchResult | None:
        """The stored page for ``url`` if fetched after ``fetched_after``; ``from_cache`` is set and
        ``redirects`` is empty (the chain is not stored, its end is ``final_url``)."""
        query = (
            select(page, blob.c.text)
            .join(blob, blob.c.sha256 == page.c.sha256)
            .where(page.c.url == url, page.c.fetched_at > fetched_after.astimezone(UTC))
        )
        try:
            with self._engine.connect() as conn:
                row = conn.execute(query).mappings().first()
        except OperationalError as exc:
            raise UpstreamError(f"cannot read the page cache: {exc.orig}") from exc
        if row is None:
            return None
        text: str = row["text"]
        return FetchResult(
            url=row["url"],
            final_url=row["final_url"] or row["url"],
            status_code=row["status_code"] or 200,
            content_type=row["content_type"] or "",
            text=text,
            sha256=row["sha256"],
            bytes_read=len(text.encode("utf-8")),
            elapsed_s=0.0,
            fetched_at=row["fetched_at"],
            from_cache=True,
        )

    def store(self, result: FetchResult) -> None:
        """Upsert the page row and insert its text once per sha256, in one transaction."""
        values = {
            "url": result.url,
            "final_url": result.final_url,
            "status_code": result.status_code,
            "content_type": result.content_type[:200],
            "sha256": result.sha256,
            "classification": None,
            "error": None,
            "fetched_at": result.fetched_at.astimezone(UTC),
        }
        write_blob = (
            self._insert(blob)
            .values(sha256=result.sha256, text=result.text)
            .on_conflict_do_nothing(index_elements=["sha256"])
        )
        write_page = self._insert(page).values(**values)
        write_page = write_page.on_conflict_do_update(
            index_elements=["url"], set_={key: value for key, value in values.items() if key != "url"}
        )
        try:
            with self._engine.begin() as conn:
                conn.execute(write_blob)
                conn.execute(write_page)
        except OperationalError as exc:
            raise UpstreamError(f"cannot write the page cache: {exc.orig}") from exc

    def text(self, sha256: str) -> str | None:
        """The stored text with this sha256, for extractors that hold a page reference."""
        with self._engine.connect() as conn:
            found: str | None = conn.scalar(select(blob.c.text).where(blob.c.sha256 == sha256))
        return found


def record_refusals(conn: Connection, refusals: Sequence[tuple[str, str]], *, now: datetime) -> None:
    """Remember why pages were not read (robots.txt, time cap, 404 …) on their ``page`` rows.

    A refused URL without a row gets one with only ``error`` set (no text: never a cache hit); a cached
    page keeps its text and gains the error. A later successful fetch clears it (``PageStore.store``).
    """
    insert = postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert
    for url, reason in dict(refusals).items():
        statement = insert(page).values(url=url, error=reason, fetched_at=now.astimezone(UTC))
        conn.execute(statement.on_conflict_do_update(index_elements=["url"], set_={"error": reason}))


def refused_pages(conn: Connection, domain: str) -> list[tuple[str, str, datetime]]:
    """(URL, reason, time) of the pages on ``domain`` (or its www. host) that were not read."""
    hosts = (domain, f"www.{domain}")
    patterns = [f"{scheme}://{host}/%" for scheme in ("https", "http") for host in hosts]
    rows = conn.execute(
        select(page.c.url, page.c.error, page.c.fetched_at)
        .where(page.c.error.is_not(None), or_(*(page.c.url.like(pattern) for pattern in patterns)))
        .order_by(page.c.url)
    )
    return [(row.url, row.error, row.fetched_at) for row in rows]
